// ConversationListModel: the store's listing as rows.
#include "ui/playground/ConversationListModel.h"

#include <QLocale>

using namespace Qt::StringLiterals;

namespace nd {

ConversationListModel::ConversationListModel(const ConversationStore *store, QObject *parent)
    : QAbstractListModel(parent), m_store(store) {}

void ConversationListModel::refresh() {
    ConversationStore::Listing listing = m_store->list();
    beginResetModel();
    m_items = std::move(listing.conversations);
    m_problems = std::move(listing.problems);
    endResetModel();
}

QString ConversationListModel::idAt(int row) const {
    return row >= 0 && row < m_items.size() ? m_items[row].id : QString();
}

int ConversationListModel::rowOf(const QString &id) const {
    for (int row = 0; row < m_items.size(); ++row) {
        if (m_items[row].id == id)
            return row;
    }
    return -1;
}

int ConversationListModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_items.size());
}

QVariant ConversationListModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const ConversationSummary &item = m_items[index.row()];
    switch (role) {
        case Qt::DisplayRole:
        case Qt::EditRole:
            return item.title;
        case Qt::ToolTipRole:
            return tr("%1\nModel: %2\n%3 messages, last saved %4")
                .arg(item.title, item.model.isEmpty() ? tr("none") : item.model)
                .arg(item.messageCount)
                .arg(QLocale().toString(item.updated.toLocalTime(), QLocale::ShortFormat));
        case Qt::AccessibleTextRole:
            return tr("Conversation %1").arg(item.title);
        case IdRole:
            return item.id;
        default:
            return {};
    }
}

bool ConversationListModel::setData(const QModelIndex &index, const QVariant &value, int role) {
    if (role != Qt::EditRole || !checkIndex(index, CheckIndexOption::IndexIsValid))
        return false;
    const QString title = value.toString().trimmed();
    if (title.isEmpty() || title == m_items[index.row()].title)
        return false;
    const VoidResult renamed = m_store->rename(m_items[index.row()].id, title);
    if (!renamed) {
        Q_EMIT storeError(renamed.error());
        return false;
    }
    m_items[index.row()].title = title;
    Q_EMIT dataChanged(index, index,
                       {Qt::DisplayRole, Qt::EditRole, Qt::ToolTipRole, Qt::AccessibleTextRole});
    return true;
}

Qt::ItemFlags ConversationListModel::flags(const QModelIndex &index) const {
    if (!index.isValid())
        return Qt::NoItemFlags;
    return QAbstractListModel::flags(index) | Qt::ItemIsEditable;
}

}  // namespace nd
