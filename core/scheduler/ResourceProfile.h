#pragma once
// The scheduler's picture of the machine over time: from now on, how many CPUs, how much host memory and
// which GPUs (whole, or how much of their memory for shared jobs) are free, segment by segment. Running
// jobs free their resources at their expected end; jobs started in this cycle and reservations take theirs
// from their start for their time limit (or forever). Backfill asks two questions of it: "does this job
// fit over [now, now + its limit)?" and "when is the earliest it fits?".
//
// GPU memory for shared jobs. Each GPU gets a constant capacity for shared jobs at construction:
//   capacity = min(totalMib, freeMib + reservedByRunningSharedJobs)      (freeMib known, no whole-GPU job)
//   capacity = totalMib                                                  (otherwise)
// and a shared job fits on it in a segment when no whole-GPU job uses it and
//   reservedShared(segment) + gpuMemMib <= capacity.
// At now this is exactly min(freeMib, totalMib - reservedShared) for the jobs that ran before the cycle:
// NVML's free memory already counts what those jobs really allocated, so their reservations are only
// subtracted from the total. A job started in this cycle has allocated nothing NVML could have seen, so
// its reservation comes off both terms. Memory used outside the queue (a desktop, another user) stays
// used in the future; what a whole-GPU job uses is assumed to come back when it ends.
#include <QList>
#include <QtGlobal>

#include <algorithm>
#include <array>
#include <limits>
#include <vector>

#include "core/scheduler/Scheduler.h"

namespace nd::sched {

constexpr qint64 foreverMs = std::numeric_limits<qint64>::max();

// now + seconds, saturating at foreverMs; a limit of 0 (none) is forever.
qint64 endAfterLimit(qint64 startMs, qint64 timeLimitSec);

enum class GpuMode { none = 1, whole, shared };

// What one pending job needs, in the profile's terms.
struct ResourceNeed {
    int cpus = 0;
    qint64 memMib = 0;  // host memory; 0 = not accounted
    GpuMode gpuMode = GpuMode::none;
    int wholeGpus = 0;                   // with GpuMode::whole
    qint64 gpuMemMib = 0;                // per whole GPU (a minimum), or the share of the one shared GPU
    const QList<int> *pinned = nullptr;  // GPU indices it may use; null or empty = any

    bool sameShapeAs(const ResourceNeed &other) const;
};
ResourceNeed resourceNeedOf(const SchedPending &job);

// Remembers a value for the last few (need, time limit) shapes seen. The profile only loses resources
// during a cycle, so what it remembers — "cannot start now", "never fits" — stays true for the rest of
// the cycle, and the many identical jobs of a big queue are answered without searching again.
template <typename Value>
class ShapeMemo {
public:
    const Value *find(const ResourceNeed &need, qint64 timeLimitSec) const {
        for (std::size_t i = 0; i < m_count; ++i) {
            if (m_entries[i].timeLimitSec == timeLimitSec && m_entries[i].need.sameShapeAs(need))
                return &m_entries[i].value;
        }
        return nullptr;
    }
    void clear() { m_count = 0; }
    void remember(const ResourceNeed &need, qint64 timeLimitSec, Value value) {
        m_entries[m_next] = {need, timeLimitSec, value};
        m_next = (m_next + 1) % m_entries.size();
        m_count = std::min(m_count + 1, m_entries.size());
    }

private:
    struct Entry {
        ResourceNeed need;
        qint64 timeLimitSec = 0;
        Value value{};
    };
    std::array<Entry, 8> m_entries{};
    std::size_t m_count = 0;
    std::size_t m_next = 0;
};

class ResourceProfile {
public:
    ResourceProfile(const SchedMachine &machine, qint64 nowMs, const std::vector<SchedRunning> &running);

    // Whether `need` fits in what is free now (the first segment). No reservation ever covers it, since
    // reservations are only made for jobs that do not fit now.
    bool fitsNow(const ResourceNeed &need) const { return fitsFrom(0, m_startMs[0] + 1, need); }
    // A quick test, sufficient but not necessary, that nothing of this kind fits now: no CPU is free, or
    // no GPU is free of jobs (whole GPUs), or every GPU has a whole-GPU job (shared). Lets the loop answer
    // most jobs on a full machine without reading them.
    bool surelyFullNow(bool needsCpu, GpuMode gpuMode);
    // Whether `need` fits in every segment of [start of segment `first`, endMs). On success the GPUs it
    // would use are in chosenGpuIndices(): lowest indices for whole GPUs; for a shared GPU the lowest one
    // that already has shared jobs, else the lowest.
    bool fitsFrom(int first, qint64 endMs, const ResourceNeed &need) const;
    // The earliest segment start at which `need` fits for `timeLimitSec`; -1 when it never does (the
    // resources it needs are held by jobs without a time limit). Sets chosenGpuIndices() on success.
    qint64 earliestStartMs(const ResourceNeed &need, qint64 timeLimitSec) const;
    // Takes what `need` uses on the GPUs in chosenGpuIndices() over [startMs, endMs).
    void claimChosen(qint64 startMs, qint64 endMs, const ResourceNeed &need);

    const std::vector<int> &chosenGpuIndices() const { return m_chosenIndices; }
    int segmentCount() const { return static_cast<int>(m_startMs.size()); }

private:
    struct GpuSlot {
        int index = 0;
        qint64 totalMib = 0;
        qint64 sharedCapacityMib = 0;
    };
    struct GpuUse {
        int wholeJobs = 0;
        int sharedJobs = 0;
        qint64 sharedMib = 0;
    };

    int slotOfIndex(int gpuIndex) const;
    bool slotAllowed(int slot, const ResourceNeed &need) const;
    const GpuUse &use(int segment, int slot) const { return m_gpuUse[segment * m_slotCount + slot]; }
    GpuUse &use(int segment, int slot) { return m_gpuUse[segment * m_slotCount + slot]; }
    // The index of the segment that starts at timeMs, splitting the one that contains it if needed;
    // segmentCount() for foreverMs.
    int boundaryAt(qint64 timeMs);
    void claim(qint64 startMs, qint64 endMs, int cpus, qint64 memMib, GpuMode mode, qint64 gpuMemMib,
               const std::vector<int> &slots);
    bool wholeGpuFree(int slot, int first, int last, qint64 gpuMemMib) const;
    bool sharedGpuFits(int slot, int first, int last, qint64 gpuMemMib) const;

    std::vector<GpuSlot> m_slots;  // sorted by GPU index
    int m_slotCount = 0;
    bool m_memAccounted = false;
    // One entry per segment; segment i covers [m_startMs[i], m_startMs[i + 1]), the last one is open.
    std::vector<qint64> m_startMs;
    std::vector<int> m_cpusFree;
    std::vector<qint64> m_memFreeMib;
    std::vector<GpuUse> m_gpuUse;  // segment-major: m_slotCount entries per segment
    // What surelyFullNow() looks at, recomputed after a claim that reaches now.
    bool m_nowSummaryStale = true;
    bool m_nowAnyGpuIdle = false;
    bool m_nowAnyGpuWithoutWholeJob = false;
    // Outputs of the last successful fit (scratch: reused, never reallocated per job).
    mutable std::vector<int> m_chosenSlots;
    mutable std::vector<int> m_chosenIndices;
    std::vector<int> m_scratchSlots;
};

}  // namespace nd::sched
