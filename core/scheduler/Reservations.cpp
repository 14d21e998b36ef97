#include "core/scheduler/Reservations.h"

namespace nd::sched {

qint64 Reservations::reserve(const ResourceNeed &need, qint64 timeLimitSec) {
    if (exhausted() || m_neverFits.find(need, timeLimitSec))
        return 0;
    ++m_searches;
    const qint64 startMs = m_profile.earliestStartMs(need, timeLimitSec);
    if (startMs < 0) {
        m_neverFits.remember(need, timeLimitSec, true);
        return 0;
    }
    m_profile.claimChosen(startMs, endAfterLimit(startMs, timeLimitSec), need);
    ++m_made;
    return startMs;
}

}  // namespace nd::sched
