// Ring buffer of usage points bounded by time and count (see UsageHistory.h).
#include "ui/models/UsageHistory.h"

#include <algorithm>

namespace nd {

UsageHistory::UsageHistory(qint64 windowMs, int capacity)
    : m_ring(static_cast<size_t>(std::max(capacity, 2))), m_windowMs(std::max<qint64>(windowMs, 1)) {}

void UsageHistory::append(const UsagePoint &point) {
    if (m_size > 0) {
        const qint64 newestMs = newest().timeMs;
        if (point.timeMs == newestMs) {
            return;
        }
        if (point.timeMs < newestMs) {
            clear();
        }
    }
    if (m_size == capacity()) {
        dropOldest();
    }
    const int slot = (m_head + m_size) % capacity();
    m_ring[static_cast<size_t>(slot)] = point;
    ++m_size;
    while (m_size > 1 && at(0).timeMs < point.timeMs - m_windowMs) {
        dropOldest();
    }
}

void UsageHistory::clear() {
    m_head = 0;
    m_size = 0;
}

const UsagePoint &UsageHistory::at(int i) const {
    Q_ASSERT(i >= 0 && i < m_size);
    return m_ring[static_cast<size_t>((m_head + i) % capacity())];
}

void UsageHistory::dropOldest() {
    m_head = (m_head + 1) % capacity();
    --m_size;
}

}  // namespace nd
