// TelemetryService: the sampler thread's lifetime and the in-memory history.
#include "core/telemetry/TelemetryService.h"

#include "core/telemetry/TelemetrySampler.h"

namespace nd {

TelemetryService::TelemetryService(Options options, QObject *parent)
    : QObject(parent), m_options(std::move(options)) {
    qRegisterMetaType<TelemetrySnapshot>();
    // The time window bounds the history; the cap also bounds it if the clock jumps back.
    m_historyCap = historyCapFor(m_options.intervalMs);
    m_thread.setObjectName(QStringLiteral("telemetry"));
}

qsizetype TelemetryService::historyCapFor(int intervalMs) const {
    return static_cast<qsizetype>(m_options.historyWindowMs / std::max(1, intervalMs)) + 16;
}

void TelemetryService::setIntervalMs(int ms) {
    if (ms == m_options.intervalMs)
        return;
    // The larger cap until the window has turned over: samples taken at the old rate stay until they age out.
    m_historyCap = std::max(m_historyCap, historyCapFor(ms));
    m_options.intervalMs = ms;
    if (m_sampler)
        QMetaObject::invokeMethod(
            m_sampler, [sampler = m_sampler, ms] { sampler->setIntervalMs(ms); }, Qt::QueuedConnection);
}

TelemetryService::~TelemetryService() {
    stop();
}

VoidResult TelemetryService::start() {
    if (m_sampler)
        return Error{QStringLiteral("telemetry is already running")};
    m_sampler = new TelemetrySampler(m_options.telemetry, m_options.intervalMs);
    m_sampler->moveToThread(&m_thread);
    // started and finished are emitted in the new thread itself: begin() and end() run there.
    connect(&m_thread, &QThread::started, m_sampler, &TelemetrySampler::begin, Qt::DirectConnection);
    connect(&m_thread, &QThread::finished, m_sampler, &TelemetrySampler::end, Qt::DirectConnection);
    connect(m_sampler, &TelemetrySampler::samplesPending, this, &TelemetryService::drain,
            Qt::QueuedConnection);
    m_thread.start();

    const Result<TelemetryInventory> opened = m_sampler->waitUntilOpen();
    if (!opened.ok()) {
        stop();
        return Error{opened.error()};
    }
    m_inventory = opened.value();
    return success();
}

void TelemetryService::stop() {
    if (!m_sampler)
        return;
    // end() closes the source in the thread that used it; after wait() the thread is gone and the
    // sampler can be deleted here.
    m_thread.quit();
    m_thread.wait();
    delete m_sampler;
    m_sampler = nullptr;
}

void TelemetryService::drain() {
    if (!m_sampler)
        return;
    for (const TelemetrySnapshot &snapshot : m_sampler->takePending())
        onSampled(snapshot);
}

void TelemetryService::onSampled(const TelemetrySnapshot &snapshot) {
    m_history.push_back(snapshot);
    const qint64 oldest = snapshot.time_ms - m_options.historyWindowMs;
    while (!m_history.empty() &&
           (m_history.front().time_ms < oldest || static_cast<qsizetype>(m_history.size()) > m_historyCap))
        m_history.pop_front();
    Q_EMIT sampleReady(m_history.back());
}

std::vector<TelemetrySnapshot> TelemetryService::history(qint64 sinceMs) const {
    std::vector<TelemetrySnapshot> out;
    for (const TelemetrySnapshot &s : m_history)
        if (s.time_ms >= sinceMs)
            out.push_back(s);
    return out;
}

}  // namespace nd
