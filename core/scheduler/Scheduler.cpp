// schedule(): one pass over the pending jobs in priority order, deciding for each whether it starts now,
// and if not, why. Jobs are read once into compact cards (PendingCards.h); the resource profile
// (ResourceProfile.h) is built once per call and updated as jobs start and get reservations. Each job
// then costs a look at its card, plus — only while something could still fit or be reserved — a fit
// check against what is free now (a few comparisons per GPU), and for the few that get a reservation a
// search of the profile.
#include "core/scheduler/Scheduler.h"

#include "core/scheduler/Eligibility.h"
#include "core/scheduler/PendingCards.h"
#include "core/scheduler/Reservations.h"
#include "core/scheduler/ResourceProfile.h"

namespace nd {
namespace {

using sched::Reservations;
using sched::ResourceNeed;
using sched::ResourceProfile;

// Jobs with dependencies or an array limit are read in full in the loop; scattered through the queue,
// each such read would otherwise wait for memory. Asking for them a few cards ahead hides that wait.
constexpr std::size_t prefetchDistance = 16;

void prefetchIfFlagged(const SchedulerSnapshot &snapshot, const std::vector<sched::PendingCard> &cards,
                       std::size_t ahead) {
    if (ahead >= cards.size() || !(cards[ahead].flags & (sched::hasDependencies | sched::throttledArray)))
        return;
    const SchedPending &job = snapshot.pending[static_cast<std::size_t>(cards[ahead].index)];
    __builtin_prefetch(&job.arrayJobId);
    __builtin_prefetch(&job.dependencies);
}

StartDecision startDecision(const SchedPending &job, const ResourceNeed &need,
                            const ResourceProfile &profile) {
    StartDecision start;
    start.jobId = job.jobId;
    const std::vector<int> &gpus = profile.chosenGpuIndices();
    start.gpus = QList<int>(gpus.begin(), gpus.end());
    start.sharedGpu = need.gpuMode == sched::GpuMode::shared;
    start.gpuMemMib = start.sharedGpu ? job.gpuMemMib : 0;
    return start;
}

}  // namespace

SchedulerDecision schedule(const SchedulerSnapshot &snapshot, const SchedulerOptions &options) {
    SchedulerDecision decision;
    decision.pending.reserve(snapshot.pending.size());
    const std::vector<sched::PendingCard> &cards = sched::pendingCardsInOrder(snapshot);
    ResourceProfile profile(snapshot.machine, snapshot.nowMs, snapshot.running);
    sched::ArrayThrottle throttle(snapshot.running);
    // Without backfill only the first blocked job is looked at (for its expected start): nothing behind
    // it starts, so no later reservation could change anything.
    Reservations reservations(profile, options.backfill ? options.maxReservations : 1,
                              options.maxReservationSearches);
    bool blockedAhead = false;
    // Shapes (need and time limit) found unable to start now, with the reason: most jobs of a big queue
    // share a few shapes, and a window check against many reservations is not free.
    sched::ShapeMemo<PendingReason> cannotStart;

    for (std::size_t i = 0; i < cards.size(); ++i) {
        const sched::PendingCard &card = cards[i];
        const SchedPending &job = snapshot.pending[static_cast<std::size_t>(card.index)];
        prefetchIfFlagged(snapshot, cards, i + prefetchDistance);
        PendingReason ineligible = sched::earlyReason(card);
        if (ineligible == PendingReason::none &&
            (card.flags & (sched::hasDependencies | sched::throttledArray)))
            ineligible = sched::laterEligibility(job, snapshot, throttle);
        if (ineligible != PendingReason::none) {
            decision.pending.push_back({card.jobId, ineligible, 0});
            continue;
        }
        if (blockedAhead && !options.backfill) {
            decision.pending.push_back({card.jobId, PendingReason::priority, 0});
            continue;
        }
        // The common case on a full machine: nothing of this kind fits and no reservation is left to give.
        const sched::GpuMode gpuMode = (card.flags & sched::usesWholeGpus)   ? sched::GpuMode::whole
                                       : (card.flags & sched::usesSharedGpu) ? sched::GpuMode::shared
                                                                             : sched::GpuMode::none;
        if (reservations.exhausted() && profile.surelyFullNow(card.flags & sched::needsCpu, gpuMode)) {
            blockedAhead = true;
            decision.pending.push_back({card.jobId, PendingReason::resources, 0});
            continue;
        }
        const ResourceNeed need = sched::resourceNeedOf(job);
        const PendingReason *known = cannotStart.find(need, job.timeLimitSec);
        PendingReason waitReason = known ? *known : PendingReason::none;
        const qint64 endMs = sched::endAfterLimit(snapshot.nowMs, job.timeLimitSec);
        if (!known) {
            if (!profile.fitsNow(need))
                waitReason = PendingReason::resources;
            else if (!profile.fitsFrom(0, endMs, need))
                // It fits now, but only in what a job ahead of it has reserved.
                waitReason = PendingReason::priority;
        }
        if (waitReason == PendingReason::none) {
            decision.starts.push_back(startDecision(job, need, profile));
            profile.claimChosen(snapshot.nowMs, endMs, need);
            throttle.started(job);
            // What could not start stays so, but the reason may change: a shape held back by a
            // reservation (priority) may no longer fit at all (resources).
            cannotStart.clear();
            continue;
        }
        if (!known)
            cannotStart.remember(need, job.timeLimitSec, waitReason);
        blockedAhead = blockedAhead || waitReason == PendingReason::resources;
        // Either way it gets a reservation while there are some to give: its expected start.
        decision.pending.push_back({card.jobId, waitReason, reservations.reserve(need, job.timeLimitSec)});
    }
    return decision;
}

}  // namespace nd
