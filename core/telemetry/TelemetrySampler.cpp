// TelemetrySampler: one nd::Telemetry, sampled on a timer in the telemetry thread.
#include "core/telemetry/TelemetrySampler.h"

#include <QDateTime>
#include <QLoggingCategory>
#include <QThread>

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcTelemetry, "nemodesk.telemetry")

// The first sample waits this long (or one interval, if shorter) so that its CPU share measures
// something; a reading over a few milliseconds is noise.
constexpr int firstSampleDelayMs = 250;
}  // namespace

TelemetrySampler::TelemetrySampler(TelemetryOptions options, int intervalMs)
    : m_options(std::move(options)), m_intervalMs(intervalMs), m_timer(new QTimer(this)) {
    m_timer->setTimerType(Qt::PreciseTimer);  // evenly spaced points make honest charts
    connect(m_timer, &QTimer::timeout, this, &TelemetrySampler::tick);
}

TelemetrySampler::~TelemetrySampler() = default;

VoidResult TelemetrySampler::open() {
    Telemetry *raw = nullptr;
    const Status status = telemetry_open(m_options, &raw);
    if (!status.ok())
        return Error{QString::fromStdString(status.message)};
    m_telemetry.reset(raw);
    m_inventory.source = telemetry_source(raw);
    m_inventory.message = telemetry_message(raw);
    m_inventory.driver_version = telemetry_driver_version(raw);
    m_inventory.gpus = telemetry_inventory(raw);
    m_host.prime();
    return success();
}

void TelemetrySampler::begin() {
    const VoidResult opened = open();
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        if (opened.ok())
            m_openResult = Result<TelemetryInventory>(m_inventory);
        else
            m_openResult = Result<TelemetryInventory>(Error{opened.error()});
    }
    m_opened.notify_all();
    if (!opened.ok())
        return;
    m_timer->setSingleShot(true);
    m_timer->start(std::min(firstSampleDelayMs, m_intervalMs));
}

void TelemetrySampler::setIntervalMs(int ms) {
    m_intervalMs = ms;
    if (m_timer->isActive() && !m_timer->isSingleShot())
        m_timer->start(ms);
}

void TelemetrySampler::end() {
    m_timer->stop();
    m_telemetry.reset();
}

Result<TelemetryInventory> TelemetrySampler::waitUntilOpen() {
    std::unique_lock<std::mutex> lock(m_mutex);
    m_opened.wait(lock, [this] { return m_openResult.has_value(); });
    return *m_openResult;
}

std::vector<TelemetrySnapshot> TelemetrySampler::takePending() {
    std::lock_guard<std::mutex> lock(m_mutex);
    std::vector<TelemetrySnapshot> out(std::make_move_iterator(m_pending.begin()),
                                       std::make_move_iterator(m_pending.end()));
    m_pending.clear();
    return out;
}

TelemetrySnapshot TelemetrySampler::takeSnapshot() {
    TelemetrySnapshot snapshot;
    snapshot.time_ms = QDateTime::currentMSecsSinceEpoch();
    if (m_telemetry && !m_inventory.gpus.empty()) {
        const Status status = telemetry_sample(m_telemetry.get(), snapshot.time_ms, &snapshot.gpus);
        if (!status.ok()) {
            snapshot.gpus.clear();
            snapshot.gpu_error = QString::fromStdString(status.message);
            // Said once per change, not once per second.
            if (status.message != m_lastGpuError)
                qCWarning(lcTelemetry, "reading the GPUs failed: %s", status.describe().c_str());
            m_lastGpuError = status.message;
        } else if (!m_lastGpuError.empty()) {
            qCInfo(lcTelemetry, "reading the GPUs works again");
            m_lastGpuError.clear();
        }
    }
    snapshot.host = m_host.sample(snapshot.time_ms);
    return snapshot;
}

void TelemetrySampler::tick() {
    if (m_timer->isSingleShot()) {
        m_timer->setSingleShot(false);
        m_timer->start(m_intervalMs);
    }
    TelemetrySnapshot snapshot = takeSnapshot();
    bool wasEmpty = false;
    {
        std::lock_guard<std::mutex> lock(m_mutex);
        wasEmpty = m_pending.empty();
        m_pending.push_back(std::move(snapshot));
        while (m_pending.size() > maxPending)
            m_pending.pop_front();
    }
    // One notification per batch: the owner takes everything pending when it gets to it.
    if (wasEmpty)
        Q_EMIT samplesPending();
}

Result<std::pair<TelemetryInventory, TelemetrySnapshot>> TelemetrySampler::readOnce(
    const TelemetryOptions &options, int cpuWindowMs) {
    TelemetrySampler sampler(options, cpuWindowMs);
    const VoidResult opened = sampler.open();
    if (!opened.ok())
        return Error{opened.error()};
    QThread::msleep(static_cast<unsigned long>(std::max(cpuWindowMs, 1)));
    TelemetrySnapshot snapshot = sampler.takeSnapshot();
    return std::make_pair(sampler.m_inventory, std::move(snapshot));
}

}  // namespace nd
