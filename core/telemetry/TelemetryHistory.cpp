// TelemetryHistory: buckets in memory between flushes, SQLite (WAL) underneath.
#include "core/telemetry/TelemetryHistory.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QLoggingCategory>

#include <sqlite3.h>

#include <algorithm>

#include "core/daemon/StartupProblem.h"
#include "core/store/Sqlite.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcHistory, "nemodesk.telemetry.history")

// "NDTH" in the header tells our file from anyone else's.
constexpr qint64 kApplicationId = 0x4E445448;
constexpr qint64 kSchemaVersion = 1;
constexpr int kBusyTimeoutMs = 2000;

constexpr const char *kSchema = R"sql(
CREATE TABLE IF NOT EXISTS buckets(
  tier INTEGER NOT NULL, start_ms INTEGER NOT NULL, series TEXT NOT NULL,
  sum REAL NOT NULL, max REAL NOT NULL, n INTEGER NOT NULL,
  PRIMARY KEY(tier, start_ms, series)) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS markers(time_ms INTEGER NOT NULL, job_id INTEGER NOT NULL, kind TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS markers_time ON markers(time_ms);
)sql";

// Adds to a bucket written before (an earlier flush, or the daemon before a restart).
constexpr const char *kUpsert =
    "INSERT INTO buckets(tier, start_ms, series, sum, max, n) VALUES(?1, ?2, ?3, ?4, ?5, ?6) "
    "ON CONFLICT(tier, start_ms, series) DO UPDATE SET sum = sum + excluded.sum, "
    "max = MAX(max, excluded.max), n = n + excluded.n";
constexpr const char *kInsertMarker = "INSERT INTO markers(time_ms, job_id, kind) VALUES(?1, ?2, ?3)";
constexpr const char *kPruneTier = "DELETE FROM buckets WHERE tier = ?1 AND start_ms < ?2";
constexpr const char *kPruneMarkers = "DELETE FROM markers WHERE time_ms < ?1";
// Re-buckets a tier at a coarser step: the average weighs each bucket by its sample count.
constexpr const char *kSelect =
    "SELECT (start_ms / ?2) * ?2 AS b, series, SUM(sum), MAX(max), SUM(n) FROM buckets "
    "WHERE tier = ?1 AND start_ms >= ?3 AND start_ms < ?4 GROUP BY b, series ORDER BY series, b";
constexpr const char *kSelectMarkers =
    "SELECT time_ms, job_id, kind FROM (SELECT time_ms, job_id, kind FROM markers "
    "WHERE time_ms >= ?1 AND time_ms < ?2 ORDER BY time_ms DESC LIMIT ?3) ORDER BY time_ms";

qint64 floorTo(qint64 value, qint64 step) {
    const qint64 q = value / step;
    return (value % step != 0 && value < 0 ? q - 1 : q) * step;
}

// Whether the file's header says it is a telemetry history (or a new, empty file). An error here means
// the file is unusable (not SQLite, damaged, or another program's).
VoidResult checkIdentity(sqlite3 *db, const QString &path) {
    const Result<qint64> appId =
        sqlite::queryInteger(db, path, "PRAGMA application_id", QStringLiteral("reading the file's header"));
    if (!appId)
        return Error{appId.error()};
    const Result<qint64> objects = sqlite::queryInteger(db, path, "SELECT count(*) FROM sqlite_master",
                                                        QStringLiteral("reading the schema"));
    if (!objects)
        return Error{objects.error()};
    if (*appId == 0 && *objects == 0)
        return success();
    if (*appId != kApplicationId)
        return Error{
            QStringLiteral("%1 is not a NemoDesk telemetry history (another program's file)").arg(path)};
    const Result<qint64> version =
        sqlite::queryInteger(db, path, "PRAGMA user_version", QStringLiteral("reading the schema version"));
    if (!version)
        return Error{version.error()};
    if (*version != kSchemaVersion)
        return Error{QStringLiteral("%1 has telemetry schema %2, this daemon knows %3")
                         .arg(path)
                         .arg(*version)
                         .arg(kSchemaVersion)};
    // A damaged page shows here rather than in the middle of a flush.
    const Result<QString> check =
        sqlite::queryText(db, path, "PRAGMA quick_check(1)", QStringLiteral("checking the file"));
    if (!check)
        return Error{check.error()};
    if (*check != QStringLiteral("ok"))
        return Error{QStringLiteral("%1 is damaged: %2").arg(path, *check)};
    return success();
}

Result<sqlite::Database> openFile(const QString &path) {
    sqlite3 *raw = nullptr;
    const int opened =
        sqlite3_open_v2(QFile::encodeName(path).constData(), &raw,
                        SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
    sqlite::Database db(raw);
    if (opened != SQLITE_OK)
        return Error{sqlite::errorMessage(raw, path, QStringLiteral("opening the telemetry history"))};
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    return db;
}
}  // namespace

std::vector<TelemetryTier> TelemetryHistory::defaultTiers() {
    constexpr qint64 s = 1000;
    constexpr qint64 h = 3600 * s;
    return {{10 * s, 48 * h}, {60 * s, 8 * 24 * h}, {600 * s, 90 * 24 * h}};
}

TelemetryTierChoice chooseTelemetryTier(const std::vector<TelemetryTier> &tiers, qint64 fromMs, qint64 toMs,
                                        qint64 nowMs, int maxPoints, qint64 wantedStepMs) {
    TelemetryTierChoice choice;
    if (tiers.empty())
        return choice;
    choice.tier = static_cast<int>(tiers.size()) - 1;
    for (size_t i = 0; i < tiers.size(); ++i) {
        // A tier finer than the step asked for is fine (it is re-bucketed); one that no longer holds the
        // start of the span is not.
        if (nowMs - fromMs <= tiers[i].keepMs) {
            choice.tier = static_cast<int>(i);
            break;
        }
    }
    const qint64 tierStep = tiers[static_cast<size_t>(choice.tier)].stepMs;
    const qint64 span = std::max<qint64>(toMs - fromMs, 1);
    const qint64 budget = std::max(maxPoints, 1);
    const qint64 needed = std::max({tierStep, wantedStepMs, (span + budget - 1) / budget});
    choice.stepMs = (needed + tierStep - 1) / tierStep * tierStep;
    // Bucket edges are aligned to the step, so a span may touch one bucket more than span / step.
    while ((floorTo(toMs - 1, choice.stepMs) - floorTo(fromMs, choice.stepMs)) / choice.stepMs + 1 > budget)
        choice.stepMs += tierStep;
    return choice;
}

TelemetryHistory::TelemetryHistory(Options options)
    : m_options(std::move(options)), m_pending(m_options.tiers.size()) {}

TelemetryHistory::~TelemetryHistory() {
    if (!m_db)
        return;
    if (const VoidResult flushed = flush(m_lastPruneMs); !flushed.ok())
        qCWarning(lcHistory, "%s", qUtf8Printable(flushed.error()));
    sqlite3_close(m_db);
}

Result<std::unique_ptr<TelemetryHistory>> TelemetryHistory::open(Options options, QString *notice) {
    const QString path = options.file;
    if (!QDir().mkpath(QFileInfo(path).absolutePath()))
        return Error{QStringLiteral("cannot create the folder of %1: check that it is writable").arg(path)};
    Result<sqlite::Database> db = openFile(path);
    if (!db)
        return Error{db.error()};
    if (const VoidResult usable = checkIdentity(db->get(), path); !usable.ok()) {
        // Telemetry can be recreated; the file is kept for whoever wants to look at it.
        db->reset();
        const QString backup = brokenFileName(path, StartupProblem::Kind::database);
        if (const VoidResult moved = moveAside(path, backup, StartupProblem::Kind::database); !moved.ok())
            return Error{QStringLiteral("%1; moving it aside failed: %2").arg(usable.error(), moved.error())};
        const QString said = QStringLiteral("started a new telemetry history: %1; the old file is kept as %2")
                                 .arg(usable.error(), backup);
        qCWarning(lcHistory, "%s", qUtf8Printable(said));
        if (notice)
            *notice = said;
        db = openFile(path);
        if (!db)
            return Error{db.error()};
    }
    std::unique_ptr<TelemetryHistory> history(new TelemetryHistory(std::move(options)));
    history->m_db = db->release();
    if (const VoidResult ready = history->prepareSchema(); !ready.ok())
        return Error{ready.error()};
    return history;
}

VoidResult TelemetryHistory::exec(const char *sql, const QString &what) {
    return sqlite::execute(m_db, m_options.file, sql, what);
}

VoidResult TelemetryHistory::prepareSchema() {
    const Result<QString> wal = sqlite::queryText(m_db, m_options.file, "PRAGMA journal_mode = WAL",
                                                  QStringLiteral("switching to WAL mode"));
    if (!wal)
        return Error{wal.error()};
    // Losing the last seconds of telemetry to a power cut is fine; stalling on fsync is not.
    if (VoidResult r = exec("PRAGMA synchronous = NORMAL", QStringLiteral("setting synchronous")); !r.ok())
        return r;
    if (VoidResult r = exec(kSchema, QStringLiteral("creating the telemetry tables")); !r.ok())
        return r;
    const QByteArray ids = "PRAGMA application_id = " + QByteArray::number(kApplicationId) +
                           ";PRAGMA user_version = " + QByteArray::number(kSchemaVersion);
    return exec(ids.constData(), QStringLiteral("marking the file"));
}

void TelemetryHistory::add(qint64 timeMs, const std::vector<std::pair<QString, double>> &values) {
    for (size_t t = 0; t < m_options.tiers.size(); ++t) {
        const qint64 start = floorTo(timeMs, m_options.tiers[t].stepMs);
        for (const auto &[series, value] : values) {
            Acc &acc = m_pending[t][{start, series}];
            acc.max = acc.n == 0 ? value : std::max(acc.max, value);
            acc.sum += value;
            acc.n += 1;
        }
    }
}

void TelemetryHistory::addMarker(qint64 timeMs, qint64 jobId, const QString &kind) {
    m_pendingMarkers.push_back(Marker{timeMs, jobId, kind});
}

qsizetype TelemetryHistory::pendingCount() const {
    qsizetype count = static_cast<qsizetype>(m_pendingMarkers.size());
    for (const auto &tier : m_pending)
        count += static_cast<qsizetype>(tier.size());
    return count;
}

VoidResult TelemetryHistory::flush(qint64 nowMs) {
    const QString &path = m_options.file;
    if (pendingCount() > 0) {
        if (VoidResult r = exec("BEGIN IMMEDIATE", QStringLiteral("starting a telemetry write")); !r.ok())
            return r;
        auto rollback = [this](const VoidResult &failed) {
            exec("ROLLBACK", QStringLiteral("rolling back"));
            return failed;
        };
        Result<sqlite::Statement> upsert = sqlite::prepare(m_db, path, kUpsert);
        if (!upsert)
            return rollback(Error{upsert.error()});
        for (size_t t = 0; t < m_pending.size(); ++t) {
            for (const auto &[key, acc] : m_pending[t]) {
                const sqlite::StatementUse use(upsert->get());
                const int bound = sqlite::Binder(use.get())
                                      .integer(1, static_cast<qint64>(t))
                                      .integer(2, key.first)
                                      .text(3, key.second)
                                      .real(4, acc.sum)
                                      .real(5, acc.max)
                                      .integer(6, acc.n)
                                      .result();
                if (VoidResult r =
                        sqlite::runBound(m_db, path, use, bound, QStringLiteral("writing telemetry"));
                    !r.ok())
                    return rollback(r);
            }
        }
        Result<sqlite::Statement> marker = sqlite::prepare(m_db, path, kInsertMarker);
        if (!marker)
            return rollback(Error{marker.error()});
        for (const Marker &m : m_pendingMarkers) {
            const sqlite::StatementUse use(marker->get());
            const int bound =
                sqlite::Binder(use.get()).integer(1, m.timeMs).integer(2, m.jobId).text(3, m.kind).result();
            if (VoidResult r =
                    sqlite::runBound(m_db, path, use, bound, QStringLiteral("writing a job marker"));
                !r.ok())
                return rollback(r);
        }
        upsert->reset();
        marker->reset();
        if (VoidResult r = exec("COMMIT", QStringLiteral("committing telemetry")); !r.ok())
            return rollback(r);
        for (auto &tier : m_pending)
            tier.clear();
        m_pendingMarkers.clear();
    }
    if (nowMs - m_lastPruneMs >= m_options.pruneIntervalMs)
        return prune(nowMs);
    return success();
}

VoidResult TelemetryHistory::prune(qint64 nowMs) {
    m_lastPruneMs = nowMs;
    const QString &path = m_options.file;
    Result<sqlite::Statement> prune = sqlite::prepare(m_db, path, kPruneTier);
    if (!prune)
        return Error{prune.error()};
    qint64 longest = 0;
    for (size_t t = 0; t < m_options.tiers.size(); ++t) {
        longest = std::max(longest, m_options.tiers[t].keepMs);
        const sqlite::StatementUse use(prune->get());
        const int bound = sqlite::Binder(use.get())
                              .integer(1, static_cast<qint64>(t))
                              .integer(2, nowMs - m_options.tiers[t].keepMs)
                              .result();
        if (VoidResult r = sqlite::runBound(m_db, path, use, bound, QStringLiteral("pruning telemetry"));
            !r.ok())
            return r;
    }
    Result<sqlite::Statement> markers = sqlite::prepare(m_db, path, kPruneMarkers);
    if (!markers)
        return Error{markers.error()};
    const sqlite::StatementUse use(markers->get());
    const int bound = sqlite::Binder(use.get()).integer(1, nowMs - longest).result();
    return sqlite::runBound(m_db, path, use, bound, QStringLiteral("pruning job markers"));
}

Result<TelemetryHistory::Answer> TelemetryHistory::query(qint64 fromMs, qint64 toMs, qint64 nowMs,
                                                         qint64 stepMs) {
    if (toMs <= fromMs)
        return Error{QStringLiteral("the window is empty: `from` must be before `to`")};
    if (VoidResult flushed = flush(nowMs); !flushed.ok())
        return Error{flushed.error()};
    Answer answer;
    answer.choice = chooseTelemetryTier(m_options.tiers, fromMs, toMs, nowMs, m_options.maxPoints, stepMs);
    const qint64 step = answer.choice.stepMs;
    answer.fromMs = floorTo(fromMs, step);
    answer.toMs = toMs;
    const QString &path = m_options.file;
    Result<sqlite::Statement> select = sqlite::prepare(m_db, path, kSelect);
    if (!select)
        return Error{select.error()};
    {
        const sqlite::StatementUse use(select->get());
        const int bound = sqlite::Binder(use.get())
                              .integer(1, answer.choice.tier)
                              .integer(2, step)
                              .integer(3, answer.fromMs)
                              .integer(4, toMs)
                              .result();
        if (bound != SQLITE_OK)
            return Error{sqlite::errorMessage(bound, path, QStringLiteral("reading telemetry"))};
        int stepped = SQLITE_ROW;
        while ((stepped = sqlite3_step(use.get())) == SQLITE_ROW) {
            Point point;
            point.startMs = sqlite3_column_int64(use.get(), 0);
            point.sum = sqlite3_column_double(use.get(), 2);
            point.max = sqlite3_column_double(use.get(), 3);
            const qint64 n = sqlite3_column_int64(use.get(), 4);
            point.avg = n > 0 ? point.sum / static_cast<double>(n) : 0;
            answer.series[sqlite::columnText(use.get(), 1)].push_back(point);
        }
        if (stepped != SQLITE_DONE)
            return Error{sqlite::errorMessage(m_db, path, QStringLiteral("reading telemetry"))};
    }
    Result<sqlite::Statement> markers = sqlite::prepare(m_db, path, kSelectMarkers);
    if (!markers)
        return Error{markers.error()};
    const sqlite::StatementUse use(markers->get());
    const int bound = sqlite::Binder(use.get())
                          .integer(1, answer.fromMs)
                          .integer(2, toMs)
                          .integer(3, m_options.maxMarkers)
                          .result();
    if (bound != SQLITE_OK)
        return Error{sqlite::errorMessage(bound, path, QStringLiteral("reading job markers"))};
    int stepped = SQLITE_ROW;
    while ((stepped = sqlite3_step(use.get())) == SQLITE_ROW)
        answer.markers.push_back(Marker{sqlite3_column_int64(use.get(), 0),
                                        sqlite3_column_int64(use.get(), 1),
                                        sqlite::columnText(use.get(), 2)});
    if (stepped != SQLITE_DONE)
        return Error{sqlite::errorMessage(m_db, path, QStringLiteral("reading job markers"))};
    return answer;
}

}  // namespace nd
