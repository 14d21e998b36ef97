#include "core/scheduler/ResourceProfile.h"

#include <algorithm>

namespace nd::sched {

qint64 endAfterLimit(qint64 startMs, qint64 timeLimitSec) {
    if (timeLimitSec <= 0 || startMs == foreverMs)
        return foreverMs;
    if (timeLimitSec > (foreverMs - std::max<qint64>(startMs, 0)) / 1000)
        return foreverMs;
    return startMs + timeLimitSec * 1000;
}

bool ResourceNeed::sameShapeAs(const ResourceNeed &other) const {
    const bool pinnedHere = pinned && !pinned->isEmpty();
    const bool pinnedThere = other.pinned && !other.pinned->isEmpty();
    if (pinnedHere != pinnedThere || (pinnedHere && *pinned != *other.pinned))
        return false;
    return cpus == other.cpus && memMib == other.memMib && gpuMode == other.gpuMode &&
           wholeGpus == other.wholeGpus && gpuMemMib == other.gpuMemMib;
}

ResourceNeed resourceNeedOf(const SchedPending &job) {
    ResourceNeed need;
    need.cpus = job.cpus;
    need.memMib = job.memMib;
    if (job.gpus > 0) {
        need.gpuMode = GpuMode::whole;
        need.wholeGpus = job.gpus;
        need.gpuMemMib = job.gpuMemMib;
    } else if (job.gpuMemMib > 0) {
        need.gpuMode = GpuMode::shared;
        need.gpuMemMib = job.gpuMemMib;
    }
    need.pinned = job.pinnedGpus.isEmpty() ? nullptr : &job.pinnedGpus;
    return need;
}

ResourceProfile::ResourceProfile(const SchedMachine &machine, qint64 nowMs,
                                 const std::vector<SchedRunning> &running) {
    for (const SchedGpu &gpu : machine.gpus)
        m_slots.push_back({gpu.index, gpu.totalMib, gpu.totalMib});
    std::sort(m_slots.begin(), m_slots.end(),
              [](const GpuSlot &a, const GpuSlot &b) { return a.index < b.index; });
    m_slotCount = static_cast<int>(m_slots.size());
    m_memAccounted = machine.memMib > 0;

    // The shared capacity of each GPU (see the header) comes from the state at now.
    std::vector<qint64> reservedShared(m_slots.size(), 0);
    std::vector<bool> hasWholeJob(m_slots.size(), false);
    for (const SchedRunning &job : running) {
        for (int gpuIndex : job.gpus) {
            const int slot = slotOfIndex(gpuIndex);
            if (slot < 0)
                continue;
            if (job.sharedGpu)
                reservedShared[slot] += job.gpuMemMib;
            else
                hasWholeJob[slot] = true;
        }
    }
    for (const SchedGpu &gpu : machine.gpus) {
        const int slot = slotOfIndex(gpu.index);
        if (gpu.freeMib >= 0 && !hasWholeJob[slot])
            m_slots[slot].sharedCapacityMib = std::min(gpu.totalMib, gpu.freeMib + reservedShared[slot]);
    }

    m_startMs.reserve(running.size() + 256);
    m_cpusFree.reserve(m_startMs.capacity());
    m_memFreeMib.reserve(m_startMs.capacity());
    m_gpuUse.reserve(m_startMs.capacity() * m_slots.size());
    m_startMs.push_back(nowMs);
    m_cpusFree.push_back(machine.cpus);
    m_memFreeMib.push_back(machine.memMib);
    m_gpuUse.resize(m_slots.size());
    m_chosenSlots.reserve(m_slots.size());
    m_chosenIndices.reserve(m_slots.size());
    m_scratchSlots.reserve(m_slots.size());

    for (const SchedRunning &job : running) {
        m_scratchSlots.clear();
        for (int gpuIndex : job.gpus) {
            const int slot = slotOfIndex(gpuIndex);
            if (slot >= 0)
                m_scratchSlots.push_back(slot);
        }
        // A job past its limit is being stopped: its resources come back at the earliest next moment.
        const qint64 endMs = job.expectedEndMs > 0 ? std::max(job.expectedEndMs, nowMs + 1) : foreverMs;
        const GpuMode mode = job.sharedGpu ? GpuMode::shared : GpuMode::whole;
        claim(nowMs, endMs, job.cpus, job.memMib, mode, job.gpuMemMib, m_scratchSlots);
    }
}

int ResourceProfile::slotOfIndex(int gpuIndex) const {
    for (int slot = 0; slot < m_slotCount; ++slot) {
        if (m_slots[slot].index == gpuIndex)
            return slot;
    }
    return -1;
}

bool ResourceProfile::slotAllowed(int slot, const ResourceNeed &need) const {
    return !need.pinned || need.pinned->isEmpty() || need.pinned->contains(m_slots[slot].index);
}

int ResourceProfile::boundaryAt(qint64 timeMs) {
    if (timeMs == foreverMs)
        return segmentCount();
    const auto found = std::lower_bound(m_startMs.begin(), m_startMs.end(), timeMs);
    const int pos = static_cast<int>(found - m_startMs.begin());
    if (pos == 0 || (pos < segmentCount() && m_startMs[pos] == timeMs))
        return pos;
    // Split segment pos - 1: the new segment starts with the same free resources.
    m_startMs.insert(m_startMs.begin() + pos, timeMs);
    m_cpusFree.insert(m_cpusFree.begin() + pos, m_cpusFree[pos - 1]);
    m_memFreeMib.insert(m_memFreeMib.begin() + pos, m_memFreeMib[pos - 1]);
    const auto gpuAt = m_gpuUse.begin() + static_cast<std::ptrdiff_t>(pos) * m_slotCount;
    m_gpuUse.insert(gpuAt, static_cast<std::size_t>(m_slotCount), GpuUse{});
    std::copy_n(m_gpuUse.begin() + static_cast<std::ptrdiff_t>(pos - 1) * m_slotCount, m_slotCount,
                m_gpuUse.begin() + static_cast<std::ptrdiff_t>(pos) * m_slotCount);
    return pos;
}

void ResourceProfile::claim(qint64 startMs, qint64 endMs, int cpus, qint64 memMib, GpuMode mode,
                            qint64 gpuMemMib, const std::vector<int> &slots) {
    if (endMs <= startMs)
        return;
    const int first = boundaryAt(startMs);
    const int last = boundaryAt(endMs);
    m_nowSummaryStale = m_nowSummaryStale || first == 0;
    for (int segment = first; segment < last; ++segment) {
        m_cpusFree[segment] -= cpus;
        if (m_memAccounted)
            m_memFreeMib[segment] -= memMib;
        for (int slot : slots) {
            GpuUse &gpu = use(segment, slot);
            if (mode == GpuMode::shared) {
                ++gpu.sharedJobs;
                gpu.sharedMib += gpuMemMib;
            } else {
                ++gpu.wholeJobs;
            }
        }
    }
}

void ResourceProfile::claimChosen(qint64 startMs, qint64 endMs, const ResourceNeed &need) {
    claim(startMs, endMs, need.cpus, need.memMib, need.gpuMode, need.gpuMemMib, m_chosenSlots);
}

bool ResourceProfile::surelyFullNow(bool needsCpu, GpuMode gpuMode) {
    if (needsCpu && m_cpusFree[0] <= 0)
        return true;
    if (gpuMode == GpuMode::none)
        return false;
    if (m_nowSummaryStale) {
        m_nowAnyGpuIdle = false;
        m_nowAnyGpuWithoutWholeJob = false;
        for (int slot = 0; slot < m_slotCount; ++slot) {
            const GpuUse &gpu = use(0, slot);
            m_nowAnyGpuIdle = m_nowAnyGpuIdle || (gpu.wholeJobs == 0 && gpu.sharedJobs == 0);
            m_nowAnyGpuWithoutWholeJob = m_nowAnyGpuWithoutWholeJob || gpu.wholeJobs == 0;
        }
        m_nowSummaryStale = false;
    }
    return gpuMode == GpuMode::whole ? !m_nowAnyGpuIdle : !m_nowAnyGpuWithoutWholeJob;
}

bool ResourceProfile::wholeGpuFree(int slot, int first, int last, qint64 gpuMemMib) const {
    if (gpuMemMib > 0 && m_slots[slot].sharedCapacityMib < gpuMemMib)
        return false;
    for (int segment = first; segment < last; ++segment) {
        const GpuUse &gpu = use(segment, slot);
        if (gpu.wholeJobs > 0 || gpu.sharedJobs > 0)
            return false;
    }
    return true;
}

bool ResourceProfile::sharedGpuFits(int slot, int first, int last, qint64 gpuMemMib) const {
    const qint64 capacityMib = m_slots[slot].sharedCapacityMib;
    for (int segment = first; segment < last; ++segment) {
        const GpuUse &gpu = use(segment, slot);
        if (gpu.wholeJobs > 0 || gpu.sharedMib + gpuMemMib > capacityMib)
            return false;
    }
    return true;
}

bool ResourceProfile::fitsFrom(int first, qint64 endMs, const ResourceNeed &need) const {
    const bool checkMem = m_memAccounted && need.memMib > 0;
    int last = first;
    for (; last < segmentCount() && m_startMs[last] < endMs; ++last) {
        if (m_cpusFree[last] < need.cpus || (checkMem && m_memFreeMib[last] < need.memMib))
            return false;
    }
    m_chosenSlots.clear();
    m_chosenIndices.clear();
    if (need.gpuMode == GpuMode::whole) {
        for (int slot = 0; slot < m_slotCount && static_cast<int>(m_chosenSlots.size()) < need.wholeGpus;
             ++slot) {
            if (slotAllowed(slot, need) && wholeGpuFree(slot, first, last, need.gpuMemMib))
                m_chosenSlots.push_back(slot);
        }
        if (static_cast<int>(m_chosenSlots.size()) < need.wholeGpus)
            return false;
    } else if (need.gpuMode == GpuMode::shared) {
        int lowest = -1;
        int packed = -1;
        for (int slot = 0; slot < m_slotCount && packed < 0; ++slot) {
            if (!slotAllowed(slot, need) || !sharedGpuFits(slot, first, last, need.gpuMemMib))
                continue;
            if (use(first, slot).sharedJobs > 0)
                packed = slot;
            else if (lowest < 0)
                lowest = slot;
        }
        const int chosen = packed >= 0 ? packed : lowest;
        if (chosen < 0)
            return false;
        m_chosenSlots.push_back(chosen);
    }
    for (int slot : m_chosenSlots)
        m_chosenIndices.push_back(m_slots[slot].index);
    return true;
}

qint64 ResourceProfile::earliestStartMs(const ResourceNeed &need, qint64 timeLimitSec) const {
    for (int segment = 0; segment < segmentCount(); ++segment) {
        if (fitsFrom(segment, endAfterLimit(m_startMs[segment], timeLimitSec), need))
            return m_startMs[segment];
    }
    return -1;
}

}  // namespace nd::sched
