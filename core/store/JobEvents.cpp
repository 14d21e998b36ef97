// JobEventReader: one job's stored events over a read-only connection (see the header).
#include "core/store/JobEvents.h"

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>

#include <sqlite3.h>

namespace nd {

namespace {
constexpr int kBusyTimeoutMs = 5000;
// No index on events.job_id: the table is capped (eventsKept) and the scan skips the payloads of the
// other jobs' rows, so a scan costs milliseconds; an index would slow every commit of the queue instead.
constexpr const char *kSelectJobEvents =
    "SELECT seq, time_ms, job_id, type, payload FROM events WHERE job_id = ?1 ORDER BY seq LIMIT ?2";
}  // namespace

JobEventReader::JobEventReader(sqlite::Database db, sqlite::Statement select, QString path)
    : m_db(std::move(db)), m_select(std::move(select)), m_path(std::move(path)) {}

Result<std::unique_ptr<JobEventReader>> JobEventReader::open(const QString &databaseFile) {
    sqlite3 *raw = nullptr;
    const int opened = sqlite3_open_v2(QFile::encodeName(databaseFile).constData(), &raw,
                                       SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
    sqlite::Database db(raw);
    if (opened != SQLITE_OK)
        return Error{sqlite::errorMessage(raw, databaseFile, QStringLiteral("opening the job database"))};
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    Result<sqlite::Statement> select = sqlite::prepare(raw, databaseFile, kSelectJobEvents);
    if (!select)
        return Error{select.error()};
    return std::unique_ptr<JobEventReader>(
        new JobEventReader(std::move(db), std::move(select).value(), databaseFile));
}

Result<std::vector<JobEventRecord>> JobEventReader::eventsOf(qint64 jobId, int limit) const {
    if (limit < 1 || limit > 100000)
        return Error{QStringLiteral("%1: reading job %2's events: limit must be 1..100000 (got %3)")
                         .arg(m_path)
                         .arg(jobId)
                         .arg(limit)};
    sqlite3_stmt *statement = m_select.get();
    const sqlite::StatementUse use(statement);
    sqlite3_bind_int64(statement, 1, jobId);
    sqlite3_bind_int64(statement, 2, limit);
    std::vector<JobEventRecord> events;
    for (;;) {
        const int stepped = sqlite3_step(statement);
        if (stepped == SQLITE_DONE)
            return events;
        if (stepped != SQLITE_ROW)
            return Error{sqlite::errorMessage(m_db.get(), m_path,
                                              QStringLiteral("reading job %1's events").arg(jobId))};
        JobEventRecord event;
        event.seq = sqlite3_column_int64(statement, 0);
        event.timeMs = sqlite3_column_int64(statement, 1);
        event.jobId = sqlite3_column_int64(statement, 2);
        event.type = sqlite::columnText(statement, 3);
        event.payload = sqlite::columnBlob(statement, 4);
        events.push_back(std::move(event));
    }
}

QJsonArray jobEventsToJson(const std::vector<JobEventRecord> &events) {
    QJsonArray array;
    for (const JobEventRecord &event : events) {
        const QJsonObject payload = QJsonDocument::fromJson(event.payload).object();
        const QString state =
            payload.value(QStringLiteral("job")).toObject().value(QStringLiteral("state")).toString();
        array.append(QJsonObject{{QStringLiteral("seq"), event.seq},
                                 {QStringLiteral("type"), event.type},
                                 {QStringLiteral("time_ms"), event.timeMs},
                                 {QStringLiteral("state"), state}});
    }
    return array;
}

}  // namespace nd
