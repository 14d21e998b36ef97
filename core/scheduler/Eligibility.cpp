#include "core/scheduler/Eligibility.h"

#include <algorithm>

namespace nd {

// Slurm's meaning of each kind (sbatch(1), --dependency), over every job the dependency covers:
//  after       all have started — running or ended; a job cancelled before it ever ran counts as started
//              ("begin after the specified jobs have started or been cancelled"), so it never fails;
//  afterany    all have ended, however;
//  afterok     all have ended completed; can no longer be met once one ended otherwise;
//  afternotok  all have ended in a failed state; can no longer be met once one completed.
// An unknown target can never be met.
DependencyStatus evaluateDependency(Dependency::Kind kind, const DependencyTarget &target) {
    if (!target.known)
        return DependencyStatus::never;
    const int endedNotOk = target.ended - target.endedOk;
    switch (kind) {
        case Dependency::Kind::after:
            return std::max(target.started, target.ended) >= target.total ? DependencyStatus::satisfied
                                                                          : DependencyStatus::waiting;
        case Dependency::Kind::afterAny:
            return target.ended >= target.total ? DependencyStatus::satisfied : DependencyStatus::waiting;
        case Dependency::Kind::afterOk:
            if (endedNotOk > 0)
                return DependencyStatus::never;
            return target.endedOk >= target.total ? DependencyStatus::satisfied : DependencyStatus::waiting;
        case Dependency::Kind::afterNotOk:
            if (target.endedOk > 0)
                return DependencyStatus::never;
            return target.ended >= target.total ? DependencyStatus::satisfied : DependencyStatus::waiting;
    }
    return DependencyStatus::never;
}

}  // namespace nd

namespace nd::sched {

ArrayThrottle::ArrayThrottle(const std::vector<SchedRunning> &running) {
    for (const SchedRunning &job : running) {
        if (job.arrayJobId != 0)
            ++m_runningTasks[job.arrayJobId];
    }
}

PendingReason dependencyReason(const SchedPending &job, const SchedulerSnapshot &snapshot) {
    // Every dependency is looked at: one that can never be met outranks one that is still waiting.
    bool waiting = false;
    for (const Dependency &dependency : job.dependencies) {
        const DependencyTarget target =
            snapshot.dependencyTarget ? snapshot.dependencyTarget(dependency) : DependencyTarget{};
        const DependencyStatus status = evaluateDependency(dependency.kind, target);
        if (status == DependencyStatus::never)
            return PendingReason::dependencyNeverSatisfied;
        waiting = waiting || status == DependencyStatus::waiting;
    }
    return waiting ? PendingReason::dependency : PendingReason::none;
}

}  // namespace nd::sched
