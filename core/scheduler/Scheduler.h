#pragma once
// The scheduler: a pure function from a snapshot (jobs, GPUs, host, now) to decisions. No threads, no
// clock, no database — the queue builds the snapshot, calls schedule() and applies what comes back.
//
// Policy (docs/ARCHITECTURE.md, "Scheduling"):
//  - Pending jobs are considered by priority (higher first), then submit order (lower id first).
//  - A job starts when it is eligible (not held, begin time reached, dependencies satisfied, its array
//    below its %N limit) and fits in what is free now.
//  - Backfill: when an eligible job does not fit, it gets a reservation at the earliest time it would fit,
//    computed from the running jobs' time limits (and the reservations before it). A job behind it may
//    still start now if it fits now and, by its own time limit, ends before every reservation it would
//    overlap — or does not use what those reservations need. A job without a time limit can only backfill
//    into resources no reservation needs. At most Options::maxReservations jobs get reservations.
//  - GPUs: `gpus = N` takes N whole GPUs that no other job uses (and each with at least gpuMemMib total,
//    and free memory as NVML reports, when gpuMemMib is set). `gpus = 0` with gpuMemMib > 0 shares one GPU
//    with other such jobs: it fits where the memory NVML reports free, minus what shared jobs started on
//    it reserved but may not have allocated yet, covers gpuMemMib. `gpus = 0, gpuMemMib = 0`: CPU only.
//    Precisely (ResourceProfile.h): a shared job fits on a GPU without a whole-GPU job when
//      min(freeMib - shares started in this cycle, totalMib - all shares reserved on it) >= gpuMemMib
//    (freeMib unknown: only the second term). NVML's free memory already counts what earlier shared jobs
//    allocated, so their shares only come off the total; a job started in this cycle cannot have
//    allocated anything NVML saw yet, so its share comes off both. Shared jobs pack onto the lowest GPU
//    that already has shared jobs and fits, else the lowest GPU; whole GPUs are taken lowest index first.
//  - Pinned jobs (gpuIndices) only use those indices.
//  - Reasons: held, begin time, dependencies, array limit are checked first, in that order. An eligible
//    job that does not fit in what is free now waits for `resources`; one that would fit now but would
//    delay a reservation waits for `priority`. Without backfill every eligible job behind the first
//    blocked one waits for `priority`.
#include <QHash>
#include <QList>
#include <QString>

#include <functional>
#include <vector>

#include "core/common/Result.h"
#include "core/jobs/JobSpec.h"
#include "core/jobs/JobState.h"

namespace nd {

struct SchedGpu {
    int index = 0;
    qint64 totalMib = 0;
    qint64 freeMib = -1;  // as NVML reported at the last sample; -1 = unknown (then total minus reservations)
};

struct SchedMachine {
    std::vector<SchedGpu> gpus;
    int cpus = 1;
    qint64 memMib = 0;  // 0 = host memory not accounted
};

struct SchedRunning {
    qint64 jobId = 0;
    qint64 arrayJobId = 0;
    QList<int> gpus;  // whole GPUs, or the one shared GPU
    bool sharedGpu = false;
    qint64 gpuMemMib = 0;  // reserved on the shared GPU
    int cpus = 1;
    qint64 memMib = 0;
    qint64 expectedEndMs = 0;  // start + time limit; 0 = no limit
};

struct SchedPending {
    qint64 jobId = 0;  // also the submit order
    qint64 arrayJobId = 0;
    int arrayMaxConcurrent = 0;
    qint64 priority = 0;
    int gpus = 0;
    qint64 gpuMemMib = 0;
    int cpus = 1;
    qint64 memMib = 0;
    QList<int> pinnedGpus;
    qint64 timeLimitSec = 0;  // 0 = none
    bool held = false;
    qint64 beginTimeMs = 0;
    QList<Dependency> dependencies;
};

// What a dependency points at, aggregated over an array's tasks when it names a whole array.
struct DependencyTarget {
    bool known = false;  // false: no such job (the queue refuses those at submit; treated as never)
    int total = 0;       // jobs it covers (1, or the array's task count)
    int started = 0;     // running or ended (an `after` dependency waits for all to have started)
    int ended = 0;       // in a terminal state
    int endedOk = 0;     // completed
};
enum class DependencyStatus { satisfied = 1, waiting, never };
DependencyStatus evaluateDependency(Dependency::Kind kind, const DependencyTarget &target);

struct SchedulerSnapshot {
    qint64 nowMs = 0;
    SchedMachine machine;
    std::vector<SchedRunning> running;
    std::vector<SchedPending> pending;  // any order
    // Looks up a dependency's target. Must be cheap: called for every dependency of every pending job.
    // Without one, every dependency counts as naming an unknown job (never satisfied).
    std::function<DependencyTarget(const Dependency &)> dependencyTarget;
};

struct SchedulerOptions {
    bool backfill = true;  // false: strict priority, nothing starts behind the first blocked job
    int maxReservations = 64;
    // Jobs for which a reservation is searched per cycle, found or not (like Slurm's bf_max_job_test): it
    // bounds a cycle's time when many jobs of different shapes can never start. Jobs of a shape already
    // found never to fit are not searched again and do not count.
    int maxReservationSearches = 256;
};

struct StartDecision {
    qint64 jobId = 0;
    QList<int> gpus;
    bool sharedGpu = false;
    qint64 gpuMemMib = 0;  // reserved on the shared GPU
};

struct PendingVerdict {
    qint64 jobId = 0;
    PendingReason reason = PendingReason::none;
    // For jobs with a reservation (reason resources or priority): the earliest time it fits by the running
    // jobs' time limits and the reservations ahead of it. 0 = unknown: no reservation made, or it can
    // never start because what it needs is held by jobs without a time limit.
    qint64 expectedStartMs = 0;
};

struct SchedulerDecision {
    std::vector<StartDecision> starts;    // in the order they were decided
    std::vector<PendingVerdict> pending;  // one per pending job that does not start
};

// Pure: the decision depends only on the arguments. (It keeps scratch buffers per thread between calls,
// about 40 bytes per pending job, so a big queue does not pay for fresh memory every cycle.) About 3-5 ms
// of CPU for 100,000 pending jobs on a full 8-GPU machine on a small VM: bench/scheduler_bench.cpp.
SchedulerDecision schedule(const SchedulerSnapshot &snapshot, const SchedulerOptions &options = {});

// Whether a job could ever run on this machine, empty machine assumed; else why not, for the submit error:
// "asks for 3 GPUs; this machine has 2", "asks for 90000 MiB per GPU; the largest GPU has 81559 MiB",
// "pinned to GPU 5; this machine has GPUs 0-1". Also: "asks for 1 GPU; this machine has no GPUs",
// "asks for 4000 MiB of GPU memory; this machine has no GPUs", "asks for 2 GPUs but is pinned to GPU 1
// only", "asks for 2 GPUs with 40000 MiB each; only 1 GPU has that much", "asks for 40000 MiB per GPU;
// the largest GPU it is pinned to has 24576 MiB", "asks for 64 CPUs; this machine has 16", "asks for
// 900000 MiB of host memory; this machine has 64000 MiB".
VoidResult schedulerFitsMachine(const SchedPending &job, const SchedMachine &machine);

}  // namespace nd
