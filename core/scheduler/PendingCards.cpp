#include "core/scheduler/PendingCards.h"

#include <algorithm>
#include <array>
#include <bit>
#include <functional>
#include <numeric>
#include <utility>

namespace nd::sched {
namespace {

// Distinct priorities the counting and radix sorts handle; a queue with more is sorted by comparison.
constexpr std::size_t maxRanks = 256;
constexpr int digitBits = 11;
constexpr std::uint64_t digitMask = (std::uint64_t{1} << digitBits) - 1;

// Buffers kept between calls on a thread. A cycle with 100,000 jobs needs about 4 MB of them; allocated
// afresh each time, the allocator hands that memory back to the system at the end of the call and takes
// it again (page faults) at the start of the next, which cost a fifth of the cycle. Results never depend
// on what the buffers held before.
struct Buffers {
    std::vector<PendingCard> cards;
    std::vector<PendingCard> spare;
    std::vector<qint64> jobPriorities;
};

Buffers &threadBuffers() {
    thread_local Buffers buffers;
    return buffers;
}

// Empty `buffer` sized for `n`, giving memory back once it is far larger than needed (a queue that was
// once much longer).
template <typename T>
void prepare(std::vector<T> &buffer, std::size_t n) {
    buffer.clear();
    if (buffer.capacity() > 4 * n + 1024)
        buffer.shrink_to_fit();
    buffer.reserve(n);
}

PendingCard cardOf(const SchedPending &job, int index, qint64 nowMs) {
    PendingCard card;
    card.jobId = job.jobId;
    card.index = index;
    if (job.held)
        card.early = static_cast<std::uint8_t>(PendingReason::held);
    else if (job.beginTimeMs > nowMs)
        card.early = static_cast<std::uint8_t>(PendingReason::beginTime);
    std::uint8_t flags = 0;
    if (!job.dependencies.isEmpty())
        flags |= hasDependencies;
    if (job.arrayJobId != 0 && job.arrayMaxConcurrent > 0)
        flags |= throttledArray;
    if (job.cpus > 0)
        flags |= needsCpu;
    if (job.gpus > 0)
        flags |= usesWholeGpus;
    else if (job.gpuMemMib > 0)
        flags |= usesSharedGpu;
    card.flags = flags;
    return card;
}

bool comesBefore(qint64 priorityA, qint64 idA, qint64 priorityB, qint64 idB) {
    return priorityA != priorityB ? priorityA > priorityB : idA < idB;
}

void comparisonSort(std::vector<PendingCard> &cards, const std::vector<qint64> &jobPriorities) {
    std::stable_sort(cards.begin(), cards.end(), [&](const PendingCard &a, const PendingCard &b) {
        return comesBefore(jobPriorities[static_cast<std::size_t>(a.index)], a.jobId,
                           jobPriorities[static_cast<std::size_t>(b.index)], b.jobId);
    });
}

// Stable: the cards' current order decides among equal ranks.
void countingSortByRank(std::vector<PendingCard> &cards, std::vector<PendingCard> &sorted,
                        std::size_t ranks) {
    std::vector<std::uint32_t> starts(ranks + 1, 0);
    for (const PendingCard &card : cards)
        ++starts[card.rank + 1u];
    std::partial_sum(starts.begin(), starts.end(), starts.begin());
    sorted.resize(cards.size());
    for (const PendingCard &card : cards)
        sorted[starts[card.rank]++] = card;
    cards.swap(sorted);
}

// LSD radix sort on (rank, id - minId) packed into keyBits bits; digits every card shares are skipped.
void radixSort(std::vector<PendingCard> &cards, std::vector<PendingCard> &buffer, qint64 minId, int idBits,
               int rankBits) {
    const auto keyOf = [&](const PendingCard &card) {
        const std::uint64_t id = static_cast<std::uint64_t>(card.jobId) - static_cast<std::uint64_t>(minId);
        // rankBits == 0 when all share one priority; idBits may then be 64, too wide to shift by.
        return rankBits == 0 ? id : (std::uint64_t{card.rank} << idBits) | id;
    };
    const int digits = (idBits + rankBits + digitBits - 1) / digitBits;
    std::vector<std::array<std::uint32_t, digitMask + 1>> counts(static_cast<std::size_t>(digits));
    for (auto &count : counts)
        count.fill(0);
    for (const PendingCard &card : cards) {
        const std::uint64_t key = keyOf(card);
        for (int digit = 0; digit < digits; ++digit)
            ++counts[static_cast<std::size_t>(digit)][(key >> (digit * digitBits)) & digitMask];
    }
    buffer.resize(cards.size());
    for (int digit = 0; digit < digits; ++digit) {
        auto &count = counts[static_cast<std::size_t>(digit)];
        if (std::find(count.begin(), count.end(), cards.size()) != count.end())
            continue;
        std::uint32_t offset = 0;
        for (std::uint32_t &bucket : count)
            offset += std::exchange(bucket, offset);
        for (const PendingCard &card : cards)
            buffer[count[(keyOf(card) >> (digit * digitBits)) & digitMask]++] = card;
        cards.swap(buffer);
    }
}

}  // namespace

const std::vector<PendingCard> &pendingCardsInOrder(const SchedulerSnapshot &snapshot) {
    const std::vector<SchedPending> &pending = snapshot.pending;
    const std::size_t n = pending.size();
    Buffers &buffers = threadBuffers();
    std::vector<PendingCard> &cards = buffers.cards;
    std::vector<qint64> &jobPriorities = buffers.jobPriorities;
    prepare(cards, n);
    prepare(jobPriorities, n);
    prepare(buffers.spare, n);
    if (n == 0)
        return cards;

    // The one pass over the full structs.
    std::vector<qint64> priorities{pending.front().priority};  // distinct, highest first
    bool inOrder = true;
    bool idsAscending = true;
    qint64 minId = pending.front().jobId;
    qint64 maxId = minId;
    qint64 lastPriority = priorities.front();
    for (std::size_t i = 0; i < n; ++i) {
        const SchedPending &job = pending[i];
        if (i > 0) {
            const PendingCard &previous = cards.back();
            inOrder = inOrder && comesBefore(jobPriorities.back(), previous.jobId, job.priority, job.jobId);
            idsAscending = idsAscending && previous.jobId < job.jobId;
        }
        cards.push_back(cardOf(job, static_cast<int>(i), snapshot.nowMs));
        jobPriorities.push_back(job.priority);
        minId = std::min(minId, job.jobId);
        maxId = std::max(maxId, job.jobId);
        if (job.priority == lastPriority || priorities.size() > maxRanks)
            continue;
        lastPriority = job.priority;
        const auto at =
            std::lower_bound(priorities.begin(), priorities.end(), job.priority, std::greater<>());
        if (at == priorities.end() || *at != job.priority)
            priorities.insert(at, job.priority);
    }
    if (inOrder)
        return cards;
    const int idBits = std::bit_width(static_cast<std::uint64_t>(maxId) - static_cast<std::uint64_t>(minId));
    const int rankBits = std::bit_width(priorities.size() - 1);
    if (priorities.size() > maxRanks || idBits + rankBits > 64) {
        comparisonSort(cards, jobPriorities);
        return cards;
    }

    // Ranks, looked up only when the priority changes from the previous job's.
    lastPriority = priorities.front();
    std::uint16_t rank = 0;
    for (PendingCard &card : cards) {
        const qint64 priority = jobPriorities[static_cast<std::size_t>(card.index)];
        if (priority != lastPriority) {
            lastPriority = priority;
            rank = static_cast<std::uint16_t>(
                std::lower_bound(priorities.begin(), priorities.end(), priority, std::greater<>()) -
                priorities.begin());
        }
        card.rank = rank;
    }
    if (idsAscending)
        countingSortByRank(cards, buffers.spare, priorities.size());
    else
        radixSort(cards, buffers.spare, minId, idBits, rankBits);
    return cards;
}

}  // namespace nd::sched
