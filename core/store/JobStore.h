#pragma once
// JobStore: the queue's persistent state in SQLite (WAL mode, synchronous=FULL, busy_timeout). One
// writer — the daemon's queue — and any number of readers. Every change the queue makes goes through
// commit(), one `BEGIN IMMEDIATE` transaction per call, so a submit is acknowledged only after it is on
// disk and a crash never leaves half a change. The schema is versioned (`PRAGMA user_version`); each
// forward migration runs in its own transaction (docs/ARCHITECTURE.md, "Schema history").
#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "core/common/Result.h"
#include "core/jobs/Job.h"

struct sqlite3;

namespace nd {

// One entry of the job event log, which /api/events replays to a client that reconnects.
struct JobEventRecord {
    qint64 seq = 0;  // assigned by the queue, strictly increasing
    qint64 timeMs = 0;
    qint64 jobId = 0;
    QString type;        // "submitted", "started", "ended", "cancelled", "held", "released", "requeued",
                         // "updated"
    QByteArray payload;  // compact JSON: {"seq":…,"type":…,"job":{…jobToJson…}}
};

// Everything one queue operation changes, written atomically.
struct StoreBatch {
    std::vector<Job> inserts;  // ids already assigned by the queue (maxJobId() + 1 …)
    std::vector<Job> updates;  // whole rows replaced by id
    std::vector<JobEventRecord> events;
    bool empty() const { return inserts.empty() && updates.empty() && events.empty(); }
};

struct JobQuery {
    QList<JobState> states;       // empty = any
    QList<qint64> ids;            // empty = any; matches job ids and array job ids
    QString name;                 // exact, or a glob with * and ?
    QString tag;                  // jobs carrying this tag
    qint64 submittedAfterMs = 0;  // 0 = no bound (inclusive bounds)
    qint64 submittedBeforeMs = 0;
    qint64 endedAfterMs = 0;
    qint64 endedBeforeMs = 0;
    enum class Order { idAscending = 1, idDescending };
    Order order = Order::idAscending;
    qint64 afterId = 0;  // keyset paging: ids beyond this one in the chosen order; 0 = from start
    int limit = 100;     // 1..10000
};

struct JobPage {
    std::vector<Job> jobs;
    qint64 total = 0;        // matching jobs ignoring afterId/limit
    qint64 nextAfterId = 0;  // pass as afterId for the next page; 0 = no more
};

// Sums over every job a JobQuery matches (afterId and limit are ignored): GET /api/history/totals.
struct HistoryTotals {
    qint64 jobs = 0;
    double gpuSeconds = 0;
    double gpuEnergyJ = 0;
    qint64 cpuTimeMs = 0;
    qint64 wallMs = 0;                      // end - start of every job that started
    qint64 tokens = 0;                      // progress.completion_tokens: what model workloads generated
    qint64 promptTokens = 0;                // progress.prompt_tokens
    QList<QPair<QString, qint64>> byState;  // state name → jobs, states with none left out, by name
};

// What dependency resolution needs about every job ever submitted, kept in memory by the queue.
struct JobStateEntry {
    qint64 id = 0;
    qint64 arrayJobId = 0;
    int arrayTaskId = -1;
    JobState state = JobState::pending;
};

// One step of the schema's history: the SQL that brings a file from version - 1 to version, run in one
// transaction with the `PRAGMA user_version` that records it. The real list is storeSchema::migrations().
struct StoreMigration {
    int version = 0;
    const char *sql = nullptr;  // one or more statements
};

// What JobStore::open() has to tell beyond the store itself: notices a person should see (the daemon logs
// them and lists them in GET /api/health) and, when it failed, whether the file itself is the problem.
struct StoreOpenReport {
    // E.g. "migrated …/nemodesk.db from schema 2 to 3; the old file is kept as …/nemodesk.db.v2-backup".
    QStringList notices;
    // unusableFile: the file is not an SQLite file, another program's, corrupt, or from a newer NemoDesk;
    // moving it aside (never deleting it) and starting with a new one would work. other: the folder, the
    // permissions, the disk — moving the file would not help.
    enum class Failure { none = 1, other, unusableFile };
    Failure failure = Failure::none;
};

// A JobStore is used by one thread at a time; readers in other threads open their own (Mode::readOnly).
class JobStore {
public:
    enum class Mode { readWrite = 1, readOnly };
    static constexpr int schemaVersion = 3;

    // Creates the file (and its folder) if needed and migrates it to schemaVersion. Before migrating an
    // older NemoDesk database it keeps a consistent copy next to it (<file>.v<N>-backup, never
    // overwriting an earlier one) and says so in report->notices. A file from a newer NemoDesk, or one
    // that is not a NemoDesk database, is an error saying so and naming the file.
    static Result<std::unique_ptr<JobStore>> open(const QString &path, Mode mode = Mode::readWrite,
                                                  StoreOpenReport *report = nullptr);
    // The same with another migration list, whose last version then counts as the newest this build
    // reads. For tests of a migration beyond schemaVersion; everything else uses open() above.
    static Result<std::unique_ptr<JobStore>> open(const QString &path, Mode mode,
                                                  std::span<const StoreMigration> migrations,
                                                  StoreOpenReport *report = nullptr);
    ~JobStore();
    JobStore(const JobStore &) = delete;
    JobStore &operator=(const JobStore &) = delete;

    int version() const;  // user_version after open
    const QString &path() const { return m_path; }

    VoidResult commit(const StoreBatch &batch);

    Result<std::optional<Job>> find(qint64 id) const;
    Result<std::vector<Job>> loadActive() const;  // pending and running, id ascending
    Result<std::vector<JobStateEntry>> loadStateIndex() const;
    Result<JobPage> query(const JobQuery &query) const;
    // Totals over every job `query` matches, in SQL over one snapshot (HistoryTotals.cpp).
    Result<HistoryTotals> historyTotals(const JobQuery &query) const;
    Result<qint64> maxJobId() const;     // 0 when empty
    Result<qint64> maxEventSeq() const;  // 0 when empty

    // Events with seq > afterSeq, oldest first, at most limit. minEventSeq() says whether a client that
    // asks for an older seq missed some (then it must reload).
    Result<std::vector<JobEventRecord>> eventsAfter(qint64 afterSeq, int limit) const;
    Result<qint64> minEventSeq() const;  // 0 when empty
    // Deletes events older than the newest `keep` ones.
    VoidResult pruneEvents(qint64 keep);

    // Benchmark results (schema 2). `result` must hold "model" (string); the key numbers (prompt_tps,
    // decode_tps, peak_memory_bytes, energy_j_per_token, job_id) get columns when present, the whole object
    // is kept. Returns the row id. The daemon's benchmark routes write through a connection of their own,
    // next to the queue's (WAL, busy_timeout): the two never touch the same table.
    Result<qint64> addBenchmark(const QJsonObject &result, qint64 timeMs);
    // Newest first; `model` empty: every model. Each object is the stored result plus "id" and "time_ms".
    Result<std::vector<QJsonObject>> benchmarks(const QString &model, int limit) const;

private:
    JobStore(sqlite3 *db, QString path);
    sqlite3 *m_db = nullptr;
    QString m_path;
    Mode m_mode = Mode::readWrite;
    int m_version = 0;
    struct Statements;
    std::unique_ptr<Statements> m_statements;  // prepared once, reused
};

}  // namespace nd
