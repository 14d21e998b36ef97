#pragma once
// A small language for scheduler table tests: a machine, running jobs, pending jobs, dependency targets,
// and what should happen — which jobs start on which GPUs, and why the others wait. Times are minutes from
// a fixed `now`, so a case reads like the situation it describes.
#include <QHash>
#include <QPair>
#include <QString>
#include <QStringList>

#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/jobs/JobState.h"
#include "core/scheduler/Scheduler.h"

namespace nd::test {

constexpr qint64 nowMs = 1'700'000'000'000;
constexpr qint64 minuteMs = 60'000;
constexpr qint64 inMinutes(qint64 minutes) {
    return nowMs + minutes * minuteMs;
}

// GPUs 0..count-1, each `totalMib` with free memory unknown; 32 CPUs; host memory not accounted.
struct MachineBuilder {
    SchedMachine machine;
    MachineBuilder &cpus(int count) {
        machine.cpus = count;
        return *this;
    }
    MachineBuilder &hostMem(qint64 mib) {
        machine.memMib = mib;
        return *this;
    }
    MachineBuilder &gpuTotal(int index, qint64 mib) {
        gpu(index).totalMib = mib;
        return *this;
    }
    MachineBuilder &gpuFree(int index, qint64 mib) {
        gpu(index).freeMib = mib;
        return *this;
    }
    SchedGpu &gpu(int index) {
        for (SchedGpu &gpu : machine.gpus) {
            if (gpu.index == index)
                return gpu;
        }
        return machine.gpus.front();
    }
};
inline MachineBuilder machineWith(int gpuCount, qint64 totalMib = 81920) {
    MachineBuilder builder;
    for (int index = 0; index < gpuCount; ++index)
        builder.machine.gpus.push_back({index, totalMib, -1});
    builder.machine.cpus = 32;
    return builder;
}

struct RunningBuilder {
    SchedRunning job;
    RunningBuilder &gpus(QList<int> indices) {
        job.gpus = std::move(indices);
        return *this;
    }
    RunningBuilder &shared(int index, qint64 mib) {
        job.gpus = {index};
        job.sharedGpu = true;
        job.gpuMemMib = mib;
        return *this;
    }
    RunningBuilder &cpus(int count) {
        job.cpus = count;
        return *this;
    }
    RunningBuilder &hostMem(qint64 mib) {
        job.memMib = mib;
        return *this;
    }
    RunningBuilder &endsIn(qint64 minutes) {
        job.expectedEndMs = inMinutes(minutes);
        return *this;
    }
    RunningBuilder &task(qint64 arrayJobId) {
        job.arrayJobId = arrayJobId;
        return *this;
    }
    operator SchedRunning() const { return job; }  // NOLINT(google-explicit-constructor)
};
inline RunningBuilder running(qint64 jobId) {
    RunningBuilder builder;
    builder.job.jobId = jobId;
    return builder;
}

struct PendingBuilder {
    SchedPending job;
    PendingBuilder &gpus(int count) {
        job.gpus = count;
        return *this;
    }
    PendingBuilder &gpuMem(qint64 mib) {
        job.gpuMemMib = mib;
        return *this;
    }
    PendingBuilder &cpus(int count) {
        job.cpus = count;
        return *this;
    }
    PendingBuilder &hostMem(qint64 mib) {
        job.memMib = mib;
        return *this;
    }
    PendingBuilder &priority(qint64 value) {
        job.priority = value;
        return *this;
    }
    PendingBuilder &limitMin(qint64 minutes) {
        job.timeLimitSec = minutes * 60;
        return *this;
    }
    PendingBuilder &pin(QList<int> indices) {
        job.pinnedGpus = std::move(indices);
        return *this;
    }
    PendingBuilder &held() {
        job.held = true;
        return *this;
    }
    PendingBuilder &beginIn(qint64 minutes) {
        job.beginTimeMs = inMinutes(minutes);
        return *this;
    }
    PendingBuilder &task(qint64 arrayJobId, int maxConcurrent = 0) {
        job.arrayJobId = arrayJobId;
        job.arrayMaxConcurrent = maxConcurrent;
        return *this;
    }
    PendingBuilder &dependsOn(Dependency::Kind kind, qint64 jobId, int arrayTaskId = -1) {
        job.dependencies.append({kind, jobId, arrayTaskId});
        return *this;
    }
    operator SchedPending() const { return job; }  // NOLINT(google-explicit-constructor)
};
inline PendingBuilder pending(qint64 jobId) {
    PendingBuilder builder;
    builder.job.jobId = jobId;
    return builder;
}

// Dependency targets in the states a queue would report.
inline DependencyTarget pendingTarget() {
    return {true, 1, 0, 0, 0};
}
inline DependencyTarget runningTarget() {
    return {true, 1, 1, 0, 0};
}
inline DependencyTarget completedTarget() {
    return {true, 1, 1, 1, 1};
}
inline DependencyTarget failedTarget() {
    return {true, 1, 1, 1, 0};
}
inline DependencyTarget cancelledBeforeStartTarget() {
    return {true, 1, 0, 1, 0};
}
inline DependencyTarget arrayTarget(int total, int started, int ended, int endedOk) {
    return {true, total, started, ended, endedOk};
}

struct Starts {
    qint64 jobId = 0;
    QList<int> gpus;
    bool shared = false;
};
struct Waits {
    qint64 jobId = 0;
    PendingReason reason = PendingReason::none;
    qint64 expectedStartMs = 0;
};

struct Scenario {
    std::string name;
    SchedMachine machine = machineWith(0).machine;
    std::vector<SchedRunning> runningJobs;
    std::vector<SchedPending> pendingJobs;
    QHash<QPair<qint64, int>, DependencyTarget> targets;  // (job id, array task id or -1)
    bool noDependencyLookup = false;
    SchedulerOptions options;
    std::vector<Starts> expectedStarts;
    std::vector<Waits> expectedWaits;

    explicit Scenario(std::string caseName) : name(std::move(caseName)) {}
    Scenario &on(const MachineBuilder &builder) {
        machine = builder.machine;
        return *this;
    }
    Scenario &with(std::vector<SchedRunning> jobs) {
        runningJobs = std::move(jobs);
        return *this;
    }
    Scenario &queue(std::vector<SchedPending> jobs) {
        pendingJobs = std::move(jobs);
        return *this;
    }
    Scenario &target(qint64 jobId, DependencyTarget state) {
        targets[{jobId, -1}] = state;
        return *this;
    }
    Scenario &target(qint64 jobId, int task, DependencyTarget state) {
        targets[{jobId, task}] = state;
        return *this;
    }
    Scenario &withoutDependencyLookup() {
        noDependencyLookup = true;
        return *this;
    }
    Scenario &withoutBackfill() {
        options.backfill = false;
        return *this;
    }
    Scenario &maxReservationSearches(int count) {
        options.maxReservationSearches = count;
        return *this;
    }
    Scenario &maxReservations(int count) {
        options.maxReservations = count;
        return *this;
    }
    Scenario &starts(std::vector<Starts> expected) {
        expectedStarts = std::move(expected);
        return *this;
    }
    Scenario &waits(std::vector<Waits> expected) {
        expectedWaits = std::move(expected);
        return *this;
    }

    SchedulerSnapshot snapshot() const {
        SchedulerSnapshot snapshot;
        snapshot.nowMs = nowMs;
        snapshot.machine = machine;
        snapshot.running = runningJobs;
        snapshot.pending = pendingJobs;
        if (!noDependencyLookup) {
            snapshot.dependencyTarget = [targets = targets](const Dependency &dependency) {
                return targets.value({dependency.jobId, dependency.arrayTaskId}, DependencyTarget{});
            };
        }
        return snapshot;
    }
};

// One line per decision, so a failing case prints what happened next to what was expected (as a diff).
std::string describeStarts(const std::vector<StartDecision> &starts);
std::string describeStarts(const std::vector<Starts> &starts);
std::string describeWaits(std::vector<PendingVerdict> verdicts);  // sorted by job id
std::string describeWaits(const std::vector<Waits> &waits);
// GoogleTest names a failing case by this instead of dumping its bytes.
void PrintTo(const Scenario &scenario, std::ostream *out);

}  // namespace nd::test
