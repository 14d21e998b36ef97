#pragma once
// The daemon's persistent telemetry history: every sample folded into buckets of a few tiers (10 s kept
// 48 h, 1 min kept 8 days, 10 min kept 90 days by default), each bucket keeping sum, max and count per
// series ("gpu.0.util_pct", "host.cpu_pct", "queue.pending", …), plus job start/end markers. Lives in its
// own SQLite file, <data>/telemetry.db (WAL), apart from the job database so that these frequent writes
// never contend with the queue's. Samples only touch memory; flush() writes what came in since the last
// flush in one transaction (an upsert that adds to a bucket, so a bucket split by a restart still adds
// up) and prunes each tier by its age. Not thread-safe: lives on the daemon's main thread.
//
// Telemetry is not precious: a file that is not ours or is damaged is moved aside (never deleted) and a
// new one started, with a notice saying so.
#include <QString>

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/common/Result.h"

struct sqlite3;

namespace nd {

struct TelemetryTier {
    qint64 stepMs = 0;  // bucket width
    qint64 keepMs = 0;  // buckets older than this are pruned
};

// How a request for [fromMs, toMs) is answered: from which tier, at which step (a multiple of the tier's).
struct TelemetryTierChoice {
    int tier = 0;
    qint64 stepMs = 0;
};

// The finest tier that still holds `fromMs` (else the coarsest), at the smallest multiple of its step
// that is at least `wantedStepMs` and gives at most `maxPoints` buckets over the span. Pure.
TelemetryTierChoice chooseTelemetryTier(const std::vector<TelemetryTier> &tiers, qint64 fromMs, qint64 toMs,
                                        qint64 nowMs, int maxPoints, qint64 wantedStepMs = 0);

class TelemetryHistory {
public:
    struct Options {
        QString file;
        std::vector<TelemetryTier> tiers = defaultTiers();
        int maxPoints = 1000;                // per series, per answer
        qint64 pruneIntervalMs = 60 * 1000;  // pruning runs with a flush at most this often
        int maxMarkers = 500;                // per answer: the latest ones
    };
    static std::vector<TelemetryTier> defaultTiers();

    struct Point {
        qint64 startMs = 0;
        double avg = 0;
        double max = 0;
        double sum = 0;  // for counters ("jobs.finished"): how many in the bucket
    };
    struct Marker {
        qint64 timeMs = 0;
        qint64 jobId = 0;
        QString kind;  // "start" or "end"
    };
    struct Answer {
        qint64 fromMs = 0;
        qint64 toMs = 0;
        TelemetryTierChoice choice;
        std::map<QString, std::vector<Point>> series;  // oldest first
        std::vector<Marker> markers;                   // oldest first
    };

    // Opens or creates the file. `notice` gets a sentence when an unusable file was moved aside.
    static Result<std::unique_ptr<TelemetryHistory>> open(Options options, QString *notice = nullptr);
    ~TelemetryHistory();
    TelemetryHistory(const TelemetryHistory &) = delete;
    TelemetryHistory &operator=(const TelemetryHistory &) = delete;

    // One sample's values at `timeMs`, into every tier's bucket (memory only).
    void add(qint64 timeMs, const std::vector<std::pair<QString, double>> &values);
    void addMarker(qint64 timeMs, qint64 jobId, const QString &kind);
    // Writes what came in since the last flush in one transaction; prunes when it is time.
    VoidResult flush(qint64 nowMs);
    // Flushes, then reads [fromMs, toMs) at the chosen tier and step (0: the finest that fits).
    Result<Answer> query(qint64 fromMs, qint64 toMs, qint64 nowMs, qint64 stepMs = 0);

    const Options &options() const { return m_options; }
    // Buckets and markers waiting for the next flush (bounded by what comes in between two flushes).
    qsizetype pendingCount() const;

private:
    struct Acc {
        double sum = 0;
        double max = 0;
        qint64 n = 0;
    };
    explicit TelemetryHistory(Options options);
    VoidResult prepareSchema();
    VoidResult prune(qint64 nowMs);
    VoidResult exec(const char *sql, const QString &what);

    Options m_options;
    sqlite3 *m_db = nullptr;
    // Per tier: (bucket start, series) -> what came in since the last flush.
    std::vector<std::map<std::pair<qint64, QString>, Acc>> m_pending;
    std::vector<Marker> m_pendingMarkers;
    qint64 m_lastPruneMs = 0;
};

}  // namespace nd
