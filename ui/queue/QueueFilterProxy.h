#pragma once
// Filter and sort over QueueTableModel for the Queue view: a name/id pattern ("train" matches as a
// substring, "train-*" or "12_*" as a glob, case-insensitive) and a state (all, pending, running, held).
// Sorts by the model's SortRole, so numbers and times sort as numbers.
#include <QRegularExpression>
#include <QSortFilterProxyModel>

#include "ui/queue/QueueTableModel.h"

namespace nd {

class QueueFilterProxy : public QSortFilterProxyModel {
    Q_OBJECT
public:
    enum class StateFilter { all = 1, pending, running, held };

    explicit QueueFilterProxy(QObject *parent = nullptr);

    void setPattern(const QString &pattern);
    void setStateFilter(StateFilter filter);
    StateFilter stateFilter() const { return m_state; }

protected:
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QRegularExpression m_pattern;  // invalid-free; empty pattern = everything
    bool m_hasPattern = false;
    StateFilter m_state = StateFilter::all;
};

}  // namespace nd
