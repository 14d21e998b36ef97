// JobStore::historyTotals: GET /api/history/totals in one SQL statement. The WHERE clause is the one
// query() counts with (jobQuerySql::filterClause), so the totals always describe exactly the jobs the list
// pages through; grouping by state gives the per-state counts in the same pass, and C++ adds the groups up.
#include <sqlite3.h>

#include "core/store/JobQuerySql.h"
#include "core/store/JobStore.h"
#include "core/store/JobStoreStatements.h"
#include "core/store/Sqlite.h"

namespace nd {

namespace {

// Wall time counts only jobs that started and ended (a job cancelled while pending has start_ms 0).
// Tokens are what model workers reported last (docs/api.md, "progress"); plain jobs have none.
constexpr char totalsSelect[] =
    "SELECT state, count(*), total(gpu_seconds), total(gpu_energy_j), total(cpu_time_ms), "
    "total(CASE WHEN start_ms > 0 AND end_ms >= start_ms THEN end_ms - start_ms ELSE 0 END), "
    "total(coalesce(json_extract(progress_json, '$.completion_tokens'), 0)), "
    "total(coalesce(json_extract(progress_json, '$.prompt_tokens'), 0)) FROM jobs";

}  // namespace

Result<HistoryTotals> JobStore::historyTotals(const JobQuery &query) const {
    JobQuery all = query;
    all.afterId = 0;
    all.limit = 1;  // validate() wants a page size; the totals have none
    if (VoidResult valid = jobQuerySql::validate(all); !valid)
        return Error{QStringLiteral("history totals: %1").arg(valid.error())};
    const QByteArray sql =
        QByteArray(totalsSelect) + jobQuerySql::filterClause(all) + " GROUP BY state ORDER BY state";
    Result<sqlite3_stmt *> statement = m_statements->query(m_db, m_path, sql);
    if (!statement)
        return Error{statement.error()};

    // One statement reads one snapshot: the groups agree with each other.
    const sqlite::StatementUse use(*statement);
    if (const int bound = jobQuerySql::bind(*statement, all); bound != SQLITE_OK)
        return Error{sqlite::errorMessage(bound, m_path, QStringLiteral("summing the history"))};
    HistoryTotals totals;
    for (;;) {
        const int stepped = sqlite3_step(*statement);
        if (stepped == SQLITE_DONE)
            break;
        if (stepped != SQLITE_ROW)
            return Error{sqlite::errorMessage(m_db, m_path, QStringLiteral("summing the history"))};
        const auto text = reinterpret_cast<const char *>(sqlite3_column_text(*statement, 0));
        const qint64 jobs = sqlite3_column_int64(*statement, 1);
        totals.byState.append({QString::fromUtf8(text ? text : ""), jobs});
        totals.jobs += jobs;
        totals.gpuSeconds += sqlite3_column_double(*statement, 2);
        totals.gpuEnergyJ += sqlite3_column_double(*statement, 3);
        totals.cpuTimeMs += qint64(sqlite3_column_double(*statement, 4));
        totals.wallMs += qint64(sqlite3_column_double(*statement, 5));
        totals.tokens += qint64(sqlite3_column_double(*statement, 6));
        totals.promptTokens += qint64(sqlite3_column_double(*statement, 7));
    }
    return totals;
}

}  // namespace nd
