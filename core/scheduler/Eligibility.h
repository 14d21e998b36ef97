#pragma once
// Whether a pending job may be considered for resources at all, and if not, why: held, begin time,
// dependencies, array throttle — checked in that order, so the reason shown is the first that applies
// (as Slurm's squeue does). Held and begin time are read while copying jobs into cards (PendingCards.h).
#include <QtGlobal>

#include <unordered_map>
#include <vector>

#include "core/scheduler/Scheduler.h"

namespace nd::sched {

// Counts the running tasks of each throttled array (`%N`), including the ones started in this cycle.
class ArrayThrottle {
public:
    explicit ArrayThrottle(const std::vector<SchedRunning> &running);

    bool atLimit(const SchedPending &job) {
        return job.arrayJobId != 0 && job.arrayMaxConcurrent > 0 &&
               runningTasks(job.arrayJobId) >= job.arrayMaxConcurrent;
    }
    void started(const SchedPending &job) {
        if (job.arrayJobId != 0)
            ++runningTasks(job.arrayJobId);
    }

private:
    int &runningTasks(qint64 arrayJobId) {
        if (!m_cachedCount || m_cachedArrayJobId != arrayJobId) {
            m_cachedArrayJobId = arrayJobId;
            m_cachedCount = &m_runningTasks[arrayJobId];
        }
        return *m_cachedCount;
    }

    // Node-based, so the cached reference stays valid when other arrays are added. Array tasks sit next
    // to each other in the scheduling order, so the cache answers almost every look-up.
    std::unordered_map<qint64, int> m_runningTasks;
    qint64 m_cachedArrayJobId = 0;
    int *m_cachedCount = nullptr;
};

// dependency, dependencyNeverSatisfied, or none when every dependency is satisfied.
PendingReason dependencyReason(const SchedPending &job, const SchedulerSnapshot &snapshot);

// The checks after held and begin time (those two are made while copying jobs into PendingCards):
// dependencies, then the array limit. PendingReason::none when the job is eligible.
inline PendingReason laterEligibility(const SchedPending &job, const SchedulerSnapshot &snapshot,
                                      ArrayThrottle &throttle) {
    if (!job.dependencies.isEmpty()) {
        const PendingReason reason = dependencyReason(job, snapshot);
        if (reason != PendingReason::none)
            return reason;
    }
    if (throttle.atLimit(job))
        return PendingReason::arrayTaskLimit;
    return PendingReason::none;
}

}  // namespace nd::sched
