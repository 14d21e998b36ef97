#pragma once
// The worker that talks to the GPUs: owns the nd::Telemetry handle, lives in the telemetry thread and
// samples every GPU and the host once per interval. NVML calls can take milliseconds each, so they never
// run on the thread that serves the API. Created, started and stopped by TelemetryService.
//
// Hand-over between the threads goes through a std::mutex (the open result, the pending samples); the
// Qt signal only says "there is something", without data. That keeps every shared byte under a lock
// that ThreadSanitizer can see (Qt's own queues use futexes it cannot), so the tsan preset stays quiet
// for real reasons.
#include <QObject>
#include <QTimer>

#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <vector>

#include "core/common/Result.h"
#include "core/telemetry/TelemetrySnapshot.h"

namespace nd {

class TelemetrySampler : public QObject {
    Q_OBJECT
public:
    // Samples waiting for the owner beyond this are dropped (oldest first): a stalled owner thread must
    // not make the queue grow without bound.
    static constexpr size_t maxPending = 256;

    TelemetrySampler(TelemetryOptions options, int intervalMs);
    ~TelemetrySampler() override;

    // In the sampler's thread (QThread::started / finished). begin() opens the source once and, when
    // that worked, starts sampling: the first sample after a short settling time (the CPU share needs
    // two readings), then one per interval. end() stops and closes the source.
    void begin();
    void end();
    // Sampler thread (queue it there): the next samples come every `ms`; a first sample still pending
    // keeps its settling delay.
    void setIntervalMs(int ms);

    // From the owner's thread. Blocks until begin() has opened the source: the inventory, or the error
    // (only bad options fail, e.g. an unparsable fake spec; no driver is source "none").
    Result<TelemetryInventory> waitUntilOpen();
    // The samples taken since the last call, oldest first.
    std::vector<TelemetrySnapshot> takePending();

    // Opens telemetry, waits `cpuWindowMs` for a CPU reading, samples once, closes. For `nemoctl gpus`
    // when no daemon runs. Blocks the calling thread.
    static Result<std::pair<TelemetryInventory, TelemetrySnapshot>> readOnce(const TelemetryOptions &options,
                                                                             int cpuWindowMs);

Q_SIGNALS:
    // takePending() has something. Deliberately without arguments (see above).
    void samplesPending();

private:
    VoidResult open();
    void tick();
    TelemetrySnapshot takeSnapshot();

    // Sampler thread only.
    TelemetryOptions m_options;
    int m_intervalMs;
    TelemetryPtr m_telemetry;
    TelemetryInventory m_inventory;
    HostProbe m_host;
    QTimer *m_timer;  // a child, so that it moves to the sampler's thread with it
    std::string m_lastGpuError;

    // Shared, under m_mutex.
    std::mutex m_mutex;
    std::condition_variable m_opened;
    std::optional<Result<TelemetryInventory>> m_openResult;
    std::deque<TelemetrySnapshot> m_pending;
};

}  // namespace nd
