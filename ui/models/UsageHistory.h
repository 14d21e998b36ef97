#pragma once
// A small ring of recent usage points (time, compute %, memory %) for one device: a GPU (utilisation,
// memory in use) or the host (CPU, RAM). Bounded by both a time window and a point count, so a fast
// sampling interval can never make it grow without limit. Feeds the sparklines and the live chart.
#include <QtGlobal>

#include <optional>
#include <vector>

namespace nd {

struct UsagePoint {
    qint64 timeMs = 0;
    std::optional<double> computePct;  // GPU utilisation or host CPU; empty when not reported
    std::optional<double> memoryPct;   // memory in use / total
};

class UsageHistory {
public:
    static constexpr qint64 defaultWindowMs = 5 * 60 * 1000;
    static constexpr int defaultCapacity = 1200;  // 5 min at 4 samples/s

    explicit UsageHistory(qint64 windowMs = defaultWindowMs, int capacity = defaultCapacity);

    // Appends a point. A point that repeats the newest time is dropped (the daemon resends its latest
    // sample when the event stream reconnects); one older than the newest means the clock went back,
    // and the history starts again rather than drawing a line backwards in time.
    void append(const UsagePoint &point);
    void clear();

    int size() const { return m_size; }
    bool isEmpty() const { return m_size == 0; }
    // 0 is the oldest point.
    const UsagePoint &at(int i) const;
    const UsagePoint &newest() const { return at(m_size - 1); }
    qint64 windowMs() const { return m_windowMs; }
    int capacity() const { return static_cast<int>(m_ring.size()); }

private:
    void dropOldest();

    std::vector<UsagePoint> m_ring;
    qint64 m_windowMs;
    int m_head = 0;  // index of the oldest point in m_ring
    int m_size = 0;
};

}  // namespace nd
