// JobStore: writing a batch atomically, and every read (see the header; opening and migrations are in
// JobStoreOpen.cpp). Each statement use is wrapped in a StatementUse, so no statement keeps a read
// snapshot once its call returns.
#include "core/store/JobStore.h"

#include <sqlite3.h>

#include <functional>

#include "core/store/BatchWriter.h"
#include "core/store/JobQuerySql.h"
#include "core/store/JobStoreStatements.h"
#include "core/store/Sqlite.h"
#include "core/store/StoreRows.h"

namespace nd {

namespace {

using sqlite::runBound;
using sqlite::runOnce;
using sqlite::StatementUse;

Result<qint64> scalar(sqlite3 *db, const QString &path, sqlite3_stmt *statement, const QString &what) {
    const StatementUse use(statement);
    if (sqlite3_step(statement) != SQLITE_ROW)
        return Error{sqlite::errorMessage(db, path, what)};
    return sqlite3_column_int64(statement, 0);
}

// Steps through every row, handing each to `onRow`; stops at the first error of either.
VoidResult forEachRow(sqlite3 *db, const QString &path, sqlite3_stmt *statement, const QString &what,
                      const std::function<VoidResult(sqlite3_stmt *)> &onRow) {
    for (;;) {
        const int stepped = sqlite3_step(statement);
        if (stepped == SQLITE_DONE)
            return success();
        if (stepped != SQLITE_ROW)
            return Error{sqlite::errorMessage(db, path, what)};
        if (VoidResult handled = onRow(statement); !handled)
            return handled;
    }
}

// Reads every row of a job SELECT into `jobs`.
VoidResult readJobs(sqlite3 *db, const QString &path, sqlite3_stmt *statement, const QString &what,
                    std::vector<Job> *jobs) {
    return forEachRow(db, path, statement, what, [&](sqlite3_stmt *row) -> VoidResult {
        Result<Job> job = storeRows::readJob(row);
        if (!job)
            return Error{QStringLiteral("%1: %2").arg(path, job.error())};
        jobs->push_back(std::move(job).value());
        return success();
    });
}

// Ends the transaction a failed step left open (COMMIT may have failed after SQLite already rolled back).
void rollbackIfOpen(sqlite3 *db, sqlite3_stmt *rollback) {
    if (sqlite3_get_autocommit(db) == 0) {
        const StatementUse use(rollback);
        sqlite3_step(rollback);
    }
}

}  // namespace

VoidResult JobStore::commit(const StoreBatch &batch) {
    if (m_mode == Mode::readOnly) {
        return Error{QStringLiteral("%1: this connection is read-only; only the daemon's queue writes jobs")
                         .arg(m_path)};
    }
    if (batch.empty())
        return success();
    Statements &s = *m_statements;
    if (VoidResult begun =
            runOnce(m_db, m_path, s.beginImmediate.get(), QStringLiteral("starting a transaction"));
        !begun)
        return begun;
    BatchWriter writer(m_db, m_path,
                       {s.insertJob.get(), s.updateJob.get(), s.deleteJobTags.get(), s.insertJobTag.get(),
                        s.insertEvent.get()});
    VoidResult written = writer.write(batch);
    if (written)
        written = runOnce(m_db, m_path, s.commit.get(), QStringLiteral("committing"));
    if (!written)
        rollbackIfOpen(m_db, s.rollback.get());
    return written;
}

Result<std::optional<Job>> JobStore::find(qint64 id) const {
    sqlite3_stmt *statement = m_statements->selectJob.get();
    const StatementUse use(statement);
    sqlite3_bind_int64(statement, 1, id);
    const int stepped = sqlite3_step(statement);
    if (stepped == SQLITE_DONE)
        return std::optional<Job>();
    if (stepped != SQLITE_ROW)
        return Error{sqlite::errorMessage(m_db, m_path, QStringLiteral("reading job %1").arg(id))};
    Result<Job> job = storeRows::readJob(statement);
    if (!job)
        return Error{QStringLiteral("%1: %2").arg(m_path, job.error())};
    return std::optional<Job>(std::move(job).value());
}

Result<std::vector<Job>> JobStore::loadActive() const {
    sqlite3_stmt *statement = m_statements->selectActiveJobs.get();
    const StatementUse use(statement);
    std::vector<Job> jobs;
    if (VoidResult read = readJobs(m_db, m_path, statement, QStringLiteral("reading the active jobs"), &jobs);
        !read)
        return Error{read.error()};
    return jobs;
}

Result<std::vector<JobStateEntry>> JobStore::loadStateIndex() const {
    sqlite3_stmt *statement = m_statements->selectStateIndex.get();
    const StatementUse use(statement);
    std::vector<JobStateEntry> entries;
    const VoidResult read =
        forEachRow(m_db, m_path, statement, QStringLiteral("reading the job states"),
                   [&](sqlite3_stmt *row) -> VoidResult {
                       JobStateEntry entry;
                       entry.id = sqlite3_column_int64(row, 0);
                       entry.arrayJobId = sqlite3_column_int64(row, 1);
                       entry.arrayTaskId = sqlite3_column_int(row, 2);
                       const QString stateText = sqlite::columnText(row, 3);
                       const std::optional<JobState> state = parseJobState(stateText);
                       if (!state) {
                           return Error{QStringLiteral("%1: job %2 in the database: unknown state \"%3\"")
                                            .arg(m_path)
                                            .arg(entry.id)
                                            .arg(stateText)};
                       }
                       entry.state = *state;
                       entries.push_back(entry);
                       return success();
                   });
    if (!read)
        return Error{read.error()};
    return entries;
}

Result<JobPage> JobStore::query(const JobQuery &query) const {
    if (VoidResult valid = jobQuerySql::validate(query); !valid)
        return Error{QStringLiteral("job query: %1").arg(valid.error())};
    Statements &s = *m_statements;
    Result<sqlite3_stmt *> count = s.query(m_db, m_path, jobQuerySql::countSql(query));
    if (!count)
        return Error{count.error()};
    Result<sqlite3_stmt *> page = s.query(m_db, m_path, jobQuerySql::pageSql(query));
    if (!page)
        return Error{page.error()};

    // The count and the page come from one snapshot, so they agree even while the queue writes.
    if (VoidResult begun = runOnce(m_db, m_path, s.beginRead.get(), QStringLiteral("starting a read"));
        !begun)
        return Error{begun.error()};
    const auto read = [&]() -> Result<JobPage> {
        JobPage result;
        {
            const StatementUse use(*count);
            const int bound = jobQuerySql::bind(*count, query);
            if (bound != SQLITE_OK)
                return Error{sqlite::errorMessage(bound, m_path, QStringLiteral("counting jobs"))};
            if (sqlite3_step(*count) != SQLITE_ROW)
                return Error{sqlite::errorMessage(m_db, m_path, QStringLiteral("counting jobs"))};
            result.total = sqlite3_column_int64(*count, 0);
        }
        const StatementUse use(*page);
        const int bound = jobQuerySql::bind(*page, query);
        if (bound != SQLITE_OK)
            return Error{sqlite::errorMessage(bound, m_path, QStringLiteral("listing jobs"))};
        if (VoidResult listed = readJobs(m_db, m_path, *page, QStringLiteral("listing jobs"), &result.jobs);
            !listed)
            return Error{listed.error()};
        // The statement asked for one row more than a page: its presence says that another page follows.
        if (result.jobs.size() > static_cast<size_t>(query.limit)) {
            result.jobs.pop_back();
            result.nextAfterId = result.jobs.back().id;
        }
        return result;
    };
    Result<JobPage> result = read();
    if (!result) {
        rollbackIfOpen(m_db, s.rollback.get());
        return result;
    }
    if (VoidResult ended = runOnce(m_db, m_path, s.commit.get(), QStringLiteral("ending a read")); !ended) {
        rollbackIfOpen(m_db, s.rollback.get());
        return Error{ended.error()};
    }
    return result;
}

Result<qint64> JobStore::maxJobId() const {
    return scalar(m_db, m_path, m_statements->selectMaxJobId.get(),
                  QStringLiteral("reading the highest job id"));
}

Result<qint64> JobStore::maxEventSeq() const {
    return scalar(m_db, m_path, m_statements->selectMaxEventSeq.get(),
                  QStringLiteral("reading the newest event's number"));
}

Result<qint64> JobStore::minEventSeq() const {
    return scalar(m_db, m_path, m_statements->selectMinEventSeq.get(),
                  QStringLiteral("reading the oldest event's number"));
}

Result<std::vector<JobEventRecord>> JobStore::eventsAfter(qint64 afterSeq, int limit) const {
    if (limit < 1)
        return Error{
            QStringLiteral("%1: reading events: limit must be at least 1 (got %2)").arg(m_path).arg(limit)};
    sqlite3_stmt *statement = m_statements->selectEventsAfter.get();
    const StatementUse use(statement);
    sqlite3_bind_int64(statement, 1, afterSeq);
    sqlite3_bind_int64(statement, 2, limit);
    std::vector<JobEventRecord> events;
    const VoidResult read =
        forEachRow(m_db, m_path, statement, QStringLiteral("reading events after %1").arg(afterSeq),
                   [&](sqlite3_stmt *row) -> VoidResult {
                       JobEventRecord event;
                       event.seq = sqlite3_column_int64(row, 0);
                       event.timeMs = sqlite3_column_int64(row, 1);
                       event.jobId = sqlite3_column_int64(row, 2);
                       event.type = sqlite::columnText(row, 3);
                       event.payload = sqlite::columnBlob(row, 4);
                       events.push_back(std::move(event));
                       return success();
                   });
    if (!read)
        return Error{read.error()};
    return events;
}

VoidResult JobStore::pruneEvents(qint64 keep) {
    if (keep < 0)
        return Error{
            QStringLiteral("%1: pruning events: keep must not be negative (got %2)").arg(m_path).arg(keep)};
    if (m_mode == Mode::readOnly)
        return Error{QStringLiteral("%1: this connection is read-only; only the daemon's queue prunes events")
                         .arg(m_path)};
    sqlite3_stmt *statement = m_statements->pruneEvents.get();
    const StatementUse use(statement);
    const int bound = sqlite::Binder(statement).integer(1, keep).result();
    return runBound(m_db, m_path, use, bound, QStringLiteral("pruning events to the newest %1").arg(keep));
}

}  // namespace nd
