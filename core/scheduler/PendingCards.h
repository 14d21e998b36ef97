#pragma once
// A compact copy of what the scheduling loop needs to know about each pending job, sorted into the order
// jobs are considered in: priority first (higher first), then submit order (lower id first).
//
// Why: with 100,000 pending jobs, reading the full SchedPending structs (about 140 bytes each, 14 MB)
// costs a few milliseconds per pass on a small machine, and reading them in priority order from a queue
// handed over in another order costs a cache miss per job. So they are read once, in the order given, into
// 16-byte cards; the cards are sorted (a counting sort when ids already ascend, as the queue keeps them,
// else a radix sort on priority rank and id), and the loop reads a job's full struct only when it has to:
// dependencies, an array limit, or a fit check while something could still fit.
#include <QtGlobal>

#include <cstdint>
#include <vector>

#include "core/scheduler/Scheduler.h"

namespace nd::sched {

enum CardFlag : std::uint8_t {
    hasDependencies = 1,
    throttledArray = 2,  // an array task with a %N limit
    needsCpu = 4,
    usesWholeGpus = 8,
    usesSharedGpu = 16,
};

struct PendingCard {
    qint64 jobId = 0;
    std::int32_t index = 0;  // into SchedulerSnapshot::pending
    std::uint16_t rank = 0;  // of its priority among the distinct ones, 0 = highest (while sorting)
    std::uint8_t flags = 0;  // CardFlag bits
    std::uint8_t early = 0;  // 0, or the PendingReason decided while copying: held or beginTime
};
static_assert(sizeof(PendingCard) == 16);

inline PendingReason earlyReason(const PendingCard &card) {
    return card.early == 0 ? PendingReason::none : static_cast<PendingReason>(card.early);
}

// The cards of snapshot.pending in scheduling order. They live in buffers this thread reuses: valid until
// the next call on the same thread.
const std::vector<PendingCard> &pendingCardsInOrder(const SchedulerSnapshot &snapshot);

}  // namespace nd::sched
