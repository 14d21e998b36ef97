#pragma once
// The daemon's telemetry: runs a TelemetrySampler in a thread of its own (stopped and joined in the
// destructor), receives its samples on the owner's thread by queued signal, keeps the latest one and a
// full-resolution history of the last minutes (for charts), and passes each sample on.
#include <QObject>
#include <QThread>

#include <deque>
#include <vector>

#include "core/common/Result.h"
#include "core/telemetry/TelemetrySnapshot.h"

namespace nd {

class TelemetrySampler;

class TelemetryService : public QObject {
    Q_OBJECT
public:
    struct Options {
        TelemetryOptions telemetry;
        int intervalMs = 1000;
        qint64 historyWindowMs = 10 * 60 * 1000;
    };

    explicit TelemetryService(Options options, QObject *parent = nullptr);
    ~TelemetryService() override;

    // Opens the source in the sampler thread and starts sampling. Fails for bad options only (an
    // unparsable NEMODESK_FAKE_GPUS); no driver or no GPU is source "none", not an error.
    VoidResult start();

    const TelemetryInventory &inventory() const { return m_inventory; }
    TelemetrySource source() const { return m_inventory.source; }
    // Null before the first sample.
    const TelemetrySnapshot *latest() const { return m_history.empty() ? nullptr : &m_history.back(); }
    // Samples taken at or after `sinceMs`, oldest first (full resolution, at most historyWindowMs old).
    std::vector<TelemetrySnapshot> history(qint64 sinceMs) const;
    qsizetype historySize() const { return static_cast<qsizetype>(m_history.size()); }
    int intervalMs() const { return m_options.intervalMs; }
    // A new sampling interval, at once (settings `telemetry.interval_ms` applied live). The history keeps
    // its time window; its sample cap follows the interval.
    void setIntervalMs(int ms);

Q_SIGNALS:
    void sampleReady(const nd::TelemetrySnapshot &snapshot);

private:
    void drain();
    void onSampled(const TelemetrySnapshot &snapshot);
    void stop();

    Options m_options;
    QThread m_thread;
    TelemetrySampler *m_sampler = nullptr;
    TelemetryInventory m_inventory;
    std::deque<TelemetrySnapshot> m_history;
    qsizetype historyCapFor(int intervalMs) const;
    qsizetype m_historyCap = 0;
};

}  // namespace nd
