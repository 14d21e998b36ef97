// QueueFilterProxy: the Queue view's name/id and state filter (see QueueFilterProxy.h).
#include "ui/queue/QueueFilterProxy.h"

namespace nd {

QueueFilterProxy::QueueFilterProxy(QObject *parent) : QSortFilterProxyModel(parent) {
    setSortRole(QueueTableModel::SortRole);
    setDynamicSortFilter(true);
}

void QueueFilterProxy::setPattern(const QString &pattern) {
    const QString trimmed = pattern.trimmed();
    m_hasPattern = !trimmed.isEmpty();
    const bool glob = trimmed.contains(u'*') || trimmed.contains(u'?') || trimmed.contains(u'[');
    m_pattern = glob ? QRegularExpression::fromWildcard(trimmed, Qt::CaseInsensitive)
                     : QRegularExpression(QRegularExpression::escape(trimmed),
                                          QRegularExpression::CaseInsensitiveOption);
    invalidateRowsFilter();
}

void QueueFilterProxy::setStateFilter(StateFilter filter) {
    m_state = filter;
    invalidateRowsFilter();
}

bool QueueFilterProxy::filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const {
    const QAbstractItemModel *model = sourceModel();
    if (m_state != StateFilter::all) {
        const auto state = static_cast<QueueState>(
            model->index(sourceRow, 0, sourceParent).data(QueueTableModel::QueueStateRole).toInt());
        const bool wanted = (m_state == StateFilter::pending && state == QueueState::pending) ||
                            (m_state == StateFilter::running && state == QueueState::running) ||
                            (m_state == StateFilter::held && state == QueueState::held);
        if (!wanted)
            return false;
    }
    if (!m_hasPattern)
        return true;
    for (const int column : {QueueTableModel::Columns::name, QueueTableModel::Columns::id}) {
        if (m_pattern.match(model->index(sourceRow, column, sourceParent).data().toString()).hasMatch())
            return true;
    }
    return false;
}

}  // namespace nd
