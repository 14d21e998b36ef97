#pragma once
// The finished jobs matching a HistoryFilter, newest first, loaded a page at a time as the view scrolls
// (canFetchMore/fetchMore): 100,000 jobs in the history cost one page until the user scrolls. A job that
// ends while the view is open goes on top when it matches the filter. Lives on the GUI thread; every
// change arrives through HistorySource's callbacks and signals, which run there.
#include <QAbstractTableModel>
#include <QSet>

#include <vector>

#include "ui/history/HistoryFilter.h"
#include "ui/history/HistoryRow.h"

namespace nd {

class HistorySource;
struct HistoryPage;

class HistoryTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    enum Column {
        id = 0,
        name,
        state,
        exit,
        submitted,
        started,
        ended,
        elapsed,
        gpus,
        gpuHours,
        energy,
        peakRss,
        tags,
        tokens,
        columnCount_
    };
    enum Role {
        SortRole = Qt::UserRole + 1,  // the raw value (ms, J, KiB, count) for sorting
        JobIdRole,                    // the job's id (qint64) on every cell
    };

    explicit HistoryTableModel(HistorySource *source, QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;
    bool canFetchMore(const QModelIndex &parent) const override;
    void fetchMore(const QModelIndex &parent) override;

    // Starts over with `filter`: empties the list and asks for its first page.
    void setFilter(const HistoryFilter &filter);
    const HistoryFilter &filter() const { return m_filter; }
    // Starts over with the same filter (after a reconnect or `resync`).
    void reload();
    // A job that just ended: on top when it matches the filter; replaces the row when it is listed.
    void addEnded(const HistoryRow &row);
    void setPageSize(int rows) { m_pageSize = rows; }

    const HistoryRow &row(int index) const { return m_rows.at(size_t(index)); }
    // Matching jobs in the daemon (from the last page's `total`, plus jobs added since).
    qint64 total() const { return m_total; }
    bool isLoading() const { return m_inFlight; }
    QString lastError() const { return m_lastError; }

Q_SIGNALS:
    // A page arrived or failed (lastError() says why), or the total changed.
    void loadingChanged();

private:
    void onPage(quint64 generation, const Result<HistoryPage> &page);

    HistorySource *m_source;
    HistoryFilter m_filter;
    std::vector<HistoryRow> m_rows;
    QSet<qint64> m_ids;
    qint64 m_nextAfter = 0;
    bool m_hasMore = false;
    bool m_inFlight = false;
    qint64 m_total = 0;
    int m_pageSize = 500;
    QString m_lastError;
    // Incremented by every reset: pages asked for before it are dropped.
    quint64 m_generation = 0;
};

}  // namespace nd
