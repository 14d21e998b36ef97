#pragma once
// Conservative backfill's reservations: each blocked job, in priority order, gets the earliest time it
// fits in the resource profile, and its resources are taken out of the profile from then for its time
// limit (or forever). A job behind it can then start now only where the profile still has room, so it
// never delays a reservation ahead of it.
#include <QtGlobal>

#include "core/scheduler/ResourceProfile.h"

namespace nd::sched {

class Reservations {
public:
    Reservations(ResourceProfile &profile, int maxReservations, int maxSearches)
        : m_profile(profile), m_maxReservations(maxReservations), m_maxSearches(maxSearches) {}

    // No job gets a reservation any more in this cycle.
    bool exhausted() const { return m_made >= m_maxReservations || m_searches >= m_maxSearches; }

    // Reserves for the job and returns its expected start; 0 when it gets no reservation: the limits are
    // reached, or it can never start because what it needs is held by jobs without a time limit.
    qint64 reserve(const ResourceNeed &need, qint64 timeLimitSec);

private:
    ResourceProfile &m_profile;
    int m_maxReservations;
    int m_maxSearches;
    int m_made = 0;
    int m_searches = 0;
    ShapeMemo<bool> m_neverFits;
};

}  // namespace nd::sched
