#include "LoopProbe.h"

#include <algorithm>

namespace nd::bench {

LoopProbe::LoopProbe(QObject *parent) : QObject(parent) {
    m_timer.setTimerType(Qt::PreciseTimer);
    m_timer.setInterval(1);
    connect(&m_timer, &QTimer::timeout, this, &LoopProbe::onTick);
}

void LoopProbe::start() {
    m_delaysMs.clear();
    m_delaysMs.reserve(200'000);
    m_clock.start();
    m_lastNs = 0;
    m_timer.start();
}

void LoopProbe::onTick() {
    const qint64 now = m_clock.nsecsElapsed();
    m_delaysMs.push_back(std::max(0.0, static_cast<double>(now - m_lastNs) / 1e6 - 1.0));
    m_lastNs = now;
}

DelayStats LoopProbe::stop() {
    m_timer.stop();
    DelayStats stats;
    stats.ticks = static_cast<qint64>(m_delaysMs.size());
    if (m_delaysMs.empty())
        return stats;
    stats.stallsOver50Ms =
        std::count_if(m_delaysMs.begin(), m_delaysMs.end(), [](double d) { return d > 50; });
    std::sort(m_delaysMs.begin(), m_delaysMs.end());
    const auto at = [this](double q) {
        return m_delaysMs[static_cast<size_t>(q * double(m_delaysMs.size() - 1))];
    };
    stats.maxMs = m_delaysMs.back();
    stats.p99Ms = at(0.99);
    stats.p50Ms = at(0.50);
    return stats;
}

}  // namespace nd::bench
