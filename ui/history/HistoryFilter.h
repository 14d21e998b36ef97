#pragma once
// What the History view asks the daemon for: GET /api/history's query (docs/api.md) as a value, and the
// same test applied in the client to a job that ends while the view is open (it goes on top of the list
// only when the list would have had it).
#include <QString>
#include <QUrlQuery>

#include "ui/history/HistoryRow.h"

namespace nd {

struct HistoryFilter {
    QString state;       // one API state name ("completed"); empty: every finished state
    qint64 sinceMs = 0;  // end time bounds, inclusive; 0: none
    qint64 untilMs = 0;
    QString name;  // exact, or a glob with * and ?
    QString tag;

    // The query of /api/history and /api/history/totals; `afterId`/`limit` 0 leave them out.
    QUrlQuery query(qint64 afterId = 0, int limit = 0) const;
    bool matches(const HistoryRow &row) const;
    bool operator==(const HistoryFilter &) const = default;
};

}  // namespace nd
