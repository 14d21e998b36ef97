#pragma once
// JobEventReader: the stored `job` events of one job, oldest first (GET /api/jobs/{id}/events: the Job
// detail's state timeline). A read-only connection of its own to the job database, next to the queue's
// (WAL: readers never block the writer), so the queue's JobStore interface stays as it is. The events
// table is pruned to the newest JobQueue::Options::eventsKept, so a very old job may have lost its early
// events: the route says so by answering what is left.
#include <QJsonArray>
#include <QString>

#include <memory>
#include <vector>

#include "core/common/Result.h"
#include "core/store/JobStore.h"
#include "core/store/Sqlite.h"

namespace nd {

class JobEventReader {
public:
    static Result<std::unique_ptr<JobEventReader>> open(const QString &databaseFile);
    // At most `limit` (1..100000) events of job `jobId`, seq ascending.
    Result<std::vector<JobEventRecord>> eventsOf(qint64 jobId, int limit) const;

private:
    JobEventReader(sqlite::Database db, sqlite::Statement select, QString path);
    sqlite::Database m_db;
    sqlite::Statement m_select;
    QString m_path;
};

// [{"seq", "type", "time_ms", "state"}] — the state is the job's after the event, read from its payload
// ("" when the payload has none).
QJsonArray jobEventsToJson(const std::vector<JobEventRecord> &events);

}  // namespace nd
