#pragma once
// GET /api/telemetry/history (docs/api.md) and what feeds it: each telemetry sample (per GPU and host),
// the queue's depth and the summed tokens/s of running model jobs at that moment, and job start/end
// markers, folded into the TelemetryHistory in <data>/telemetry.db. Writes are batched: one transaction
// every flushIntervalMs on the main thread (a few dozen rows), and one before each answer.
#include <QHash>
#include <QObject>
#include <QSet>
#include <QTimer>

#include <functional>
#include <memory>
#include <utility>
#include <vector>

#include "core/common/Result.h"
#include "core/http/Router.h"
#include "core/telemetry/TelemetryHistory.h"

namespace nd {

class JobQueue;
class TelemetryService;
struct JobEventRecord;
struct TelemetrySnapshot;

// The series one sample gives: "gpu.<i>.util_pct", "gpu.<i>.mem_used_mib", "gpu.<i>.power_w",
// "gpu.<i>.temp_c" (those a GPU reports), "host.cpu_pct", "host.mem_used_mib".
std::vector<std::pair<QString, double>> telemetrySeriesOf(const TelemetrySnapshot &snapshot);

class TelemetryRoutes : public QObject {
    Q_OBJECT
public:
    struct Options {
        TelemetryHistory::Options history;  // .file: <data>/telemetry.db
        int flushIntervalMs = 5000;
        std::function<qint64()> clockMs;  // Unix ms; default: the system clock
    };

    // Opens the history (moving an unusable file aside: `notice` then says so). `queue` may be null.
    static Result<TelemetryRoutes *> create(Options options, TelemetryService *telemetry, JobQueue *queue,
                                            QString *notice, QObject *parent = nullptr);
    ~TelemetryRoutes() override;

    void registerOn(Router &router);
    HttpResponse history(const HttpRequest &request);
    TelemetryHistory &store() { return *m_history; }
    // What the service and the queue signal (public for tests, which have no queue).
    void onSample(const TelemetrySnapshot &snapshot);
    void onJobEvent(const JobEventRecord &event);
    void onProgress(qint64 jobId, const QJsonObject &progress);

private:
    TelemetryRoutes(Options options, std::unique_ptr<TelemetryHistory> history, JobQueue *queue,
                    QObject *parent);
    void flush();
    qint64 now() const;

    Options m_options;
    std::unique_ptr<TelemetryHistory> m_history;
    JobQueue *m_queue;
    QTimer m_flushTimer;
    QHash<qint64, double> m_tokensPerS;  // running model jobs, from their progress
    QSet<qint64> m_started;              // jobs seen starting: their end is a marker
};

}  // namespace nd
