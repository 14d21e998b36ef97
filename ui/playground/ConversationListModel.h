#pragma once
// The side list of saved conversations: one row per conversation (title; tooltip with model and date),
// newest first. Editing a title renames the conversation in the store. refresh() rereads the folder and
// keeps the problems (unreadable files) for the view to show.
#include <QAbstractListModel>
#include <QStringList>

#include "ui/playground/ConversationStore.h"

namespace nd {

class ConversationListModel : public QAbstractListModel {
    Q_OBJECT
public:
    enum Roles { IdRole = Qt::UserRole + 1 };

    explicit ConversationListModel(const ConversationStore *store, QObject *parent = nullptr);

    void refresh();
    QStringList problems() const { return m_problems; }
    QString idAt(int row) const;
    int rowOf(const QString &id) const;

    int rowCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role) const override;
    bool setData(const QModelIndex &index, const QVariant &value, int role) override;
    Qt::ItemFlags flags(const QModelIndex &index) const override;

Q_SIGNALS:
    // A rename could not be saved.
    void storeError(const QString &message);

private:
    const ConversationStore *m_store;
    QList<ConversationSummary> m_items;
    QStringList m_problems;
};

}  // namespace nd
