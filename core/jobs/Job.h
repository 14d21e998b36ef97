#pragma once
// A job the queue knows: the spec it was submitted with (one array task's worth) plus everything that
// happened to it. What the store persists, the scheduler reads and the API shows.
#include <QJsonObject>
#include <QList>
#include <QString>

#include "core/jobs/JobSpec.h"
#include "core/jobs/JobState.h"

namespace nd {

// How to find a job's process again after a daemon restart: the pid alone could have been reused.
struct ProcessIdentity {
    qint64 pid = 0;         // the job shim (nemodesk-jobshim), parent of the job's process group
    qint64 startTicks = 0;  // /proc/<pid>/stat field 22
    QString bootId;         // /proc/sys/kernel/random/boot_id: a reboot makes every pid stale
    bool operator==(const ProcessIdentity &) const = default;
};

struct JobAccounting {
    qint64 cpuTimeMs = 0;      // user + system of the whole process tree (rusage of reaped children)
    qint64 peakRssKib = 0;     // peak resident memory of the process group (sampled) or its largest process
    double gpuSeconds = 0;     // allocated GPUs × wall time (a shared GPU counts its memory fraction)
    qint64 peakGpuMemMib = 0;  // peak GPU memory of the job's processes, from NVML; 0 when unknown
    double gpuEnergyJ = 0;     // energy of its GPUs while it ran (NVML power integrated); 0 when unknown
    bool operator==(const JobAccounting &) const = default;
};

struct Job {
    qint64 id = 0;
    qint64 arrayJobId = 0;  // 0 when not part of an array; else the id of the array (= its first task's id)
    int arrayTaskId = -1;   // -1 when not part of an array
    JobSpec spec;           // array tasks: spec.array holds the whole array's spec (for maxConcurrent)

    JobState state = JobState::pending;
    PendingReason reason = PendingReason::none;
    bool held = false;  // pending and held by the user (reason held)

    qint64 submitTimeMs = 0;
    qint64 startTimeMs = 0;      // of the latest run; 0 before
    qint64 endTimeMs = 0;        // of the latest run; 0 while pending/running
    qint64 expectedStartMs = 0;  // the scheduler's estimate for a pending job; 0 = unknown (not persisted)

    int exitCode = -1;   // when it exited; -1 otherwise
    int termSignal = 0;  // when a signal ended it
    QString message;     // why it failed to start, was cancelled, lost, … ("" when nothing to say)

    QList<int> allocatedGpus;       // GPU indices while running (and of the last run afterwards)
    qint64 allocatedGpuMemMib = 0;  // shared jobs: memory reserved on allocatedGpus[0]
    ProcessIdentity process;        // while running
    qint64 childPid = 0;            // the job's own process (its process group id) while running
    int retries = 0;                // automatic requeues done so far
    QString stdoutFile;             // expanded paths of the current/last run
    QString stderrFile;
    JobAccounting accounting;
    // What the job's own worker last reported (model workloads: lines done, tokens/s, its endpoint), merged
    // key by key; empty for plain jobs. In memory while it runs; stored with the job's row when it ends.
    QJsonObject progress;

    bool isArrayTask() const { return arrayJobId != 0; }
    // "12" or "12_3" (array job id _ task id), as Slurm prints it.
    QString displayId() const;
};

// The API's representation (docs/api.md): spec fields plus state, reason, times, allocation, accounting.
QJsonObject jobToJson(const Job &job);
Result<Job> jobFromJson(const QJsonObject &json);

}  // namespace nd
