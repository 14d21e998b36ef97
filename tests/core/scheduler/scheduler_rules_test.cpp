// The scheduler's rules on their own: dependency evaluation (Slurm's four kinds), the submit-time
// machine check and its messages, and invariants of schedule() over many generated queues.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "SchedulerDsl.h"

namespace nd::test {
namespace {

using Kind = Dependency::Kind;
using Status = DependencyStatus;

TEST(EvaluateDependency, FollowsSlurmForEveryKind) {
    struct Row {
        Kind kind;
        DependencyTarget target;
        Status expected;
    };
    const DependencyTarget unknown{};
    const Row rows[] = {
        {Kind::after, pendingTarget(), Status::waiting},
        {Kind::after, runningTarget(), Status::satisfied},
        {Kind::after, completedTarget(), Status::satisfied},
        {Kind::after, failedTarget(), Status::satisfied},
        {Kind::after, cancelledBeforeStartTarget(), Status::satisfied},
        {Kind::after, arrayTarget(4, 3, 0, 0), Status::waiting},
        {Kind::after, arrayTarget(4, 4, 0, 0), Status::satisfied},
        {Kind::after, unknown, Status::never},
        {Kind::afterAny, pendingTarget(), Status::waiting},
        {Kind::afterAny, runningTarget(), Status::waiting},
        {Kind::afterAny, completedTarget(), Status::satisfied},
        {Kind::afterAny, failedTarget(), Status::satisfied},
        {Kind::afterAny, arrayTarget(4, 4, 3, 3), Status::waiting},
        {Kind::afterAny, arrayTarget(4, 4, 4, 0), Status::satisfied},
        {Kind::afterAny, unknown, Status::never},
        {Kind::afterOk, pendingTarget(), Status::waiting},
        {Kind::afterOk, runningTarget(), Status::waiting},
        {Kind::afterOk, completedTarget(), Status::satisfied},
        {Kind::afterOk, failedTarget(), Status::never},
        {Kind::afterOk, cancelledBeforeStartTarget(), Status::never},
        {Kind::afterOk, arrayTarget(4, 4, 3, 3), Status::waiting},
        {Kind::afterOk, arrayTarget(4, 4, 4, 4), Status::satisfied},
        {Kind::afterOk, arrayTarget(4, 4, 1, 0), Status::never},
        {Kind::afterOk, unknown, Status::never},
        {Kind::afterNotOk, pendingTarget(), Status::waiting},
        {Kind::afterNotOk, runningTarget(), Status::waiting},
        {Kind::afterNotOk, completedTarget(), Status::never},
        {Kind::afterNotOk, failedTarget(), Status::satisfied},
        {Kind::afterNotOk, cancelledBeforeStartTarget(), Status::satisfied},
        {Kind::afterNotOk, arrayTarget(4, 4, 3, 0), Status::waiting},
        {Kind::afterNotOk, arrayTarget(4, 4, 4, 0), Status::satisfied},
        {Kind::afterNotOk, arrayTarget(4, 4, 2, 1), Status::never},
        {Kind::afterNotOk, unknown, Status::never},
    };
    int row = 0;
    for (const Row &r : rows) {
        EXPECT_EQ(evaluateDependency(r.kind, r.target), r.expected) << "row " << row;
        ++row;
    }
}

TEST(SchedulerFitsMachine, SaysWhatDoesNotFit) {
    const SchedMachine twoGpus = machineWith(2, 81559).cpus(16).hostMem(64000).machine;
    const SchedMachine mixedGpus = machineWith(2, 81559).gpuTotal(0, 24576).machine;
    const SchedMachine noGpus = machineWith(0).machine;
    struct Row {
        SchedPending job;
        SchedMachine machine;
        QString expectedError;  // empty: fits
    };
    const Row rows[] = {
        {pending(1).gpus(2).gpuMem(80000).cpus(16).hostMem(64000), twoGpus, {}},
        {pending(1).gpus(3), twoGpus, QStringLiteral("asks for 3 GPUs; this machine has 2")},
        {pending(1).gpus(1).gpuMem(90000), twoGpus,
         QStringLiteral("asks for 90000 MiB per GPU; the largest GPU has 81559 MiB")},
        {pending(1).gpuMem(90000), twoGpus,
         QStringLiteral("asks for 90000 MiB per GPU; the largest GPU has 81559 MiB")},
        {pending(1).gpus(1).pin({5}), twoGpus, QStringLiteral("pinned to GPU 5; this machine has GPUs 0-1")},
        {pending(1).gpus(1).pin({1, 6, 5}), twoGpus,
         QStringLiteral("pinned to GPUs 5-6; this machine has GPUs 0-1")},
        {pending(1).gpus(2).pin({1}), twoGpus, QStringLiteral("asks for 2 GPUs but is pinned to GPU 1 only")},
        {pending(1).cpus(64), twoGpus, QStringLiteral("asks for 64 CPUs; this machine has 16")},
        {pending(1).hostMem(900000), twoGpus,
         QStringLiteral("asks for 900000 MiB of host memory; this machine has 64000 MiB")},
        {pending(1).gpus(2).gpuMem(40000), mixedGpus,
         QStringLiteral("asks for 2 GPUs with 40000 MiB each; only 1 GPU has that much")},
        {pending(1).gpus(1).gpuMem(40000).pin({0}), mixedGpus,
         QStringLiteral("asks for 40000 MiB per GPU; the largest GPU it is pinned to has 24576 MiB")},
        {pending(1).gpus(1).gpuMem(40000), mixedGpus, {}},
        {pending(1).gpus(1), noGpus, QStringLiteral("asks for 1 GPU; this machine has no GPUs")},
        {pending(1).gpuMem(4000), noGpus,
         QStringLiteral("asks for 4000 MiB of GPU memory; this machine has no GPUs")},
        {pending(1).pin({0}), noGpus, QStringLiteral("pinned to GPU 0; this machine has no GPUs")},
        {pending(1).cpus(32).hostMem(999999), noGpus, {}},  // host memory not accounted
    };
    int row = 0;
    for (const Row &r : rows) {
        const VoidResult result = schedulerFitsMachine(r.job, r.machine);
        EXPECT_EQ(result.ok(), r.expectedError.isEmpty()) << "row " << row;
        EXPECT_EQ(result.error(), r.expectedError) << "row " << row;
        ++row;
    }
}

// Every way the pending jobs can be sorted (already in order, ids ascending, shuffled compact ids, many
// distinct priorities, ids too far apart to pack) gives priority order, then id order.
TEST(SchedulerOrder, IsPriorityThenIdWhateverTheInput) {
    struct Case {
        const char *what;
        int priorities;    // distinct priorities
        qint64 idSpacing;  // between consecutive ids
        bool shuffle;
        bool sorted;
    };
    const Case cases[] = {
        {"already in order", 3, 1, false, true},
        {"ids ascending, priorities mixed", 3, 1, false, false},
        {"shuffled", 3, 7, true, false},
        {"many priorities", 400, 1, true, false},
        {"ids too far apart to pack", 5, qint64{1} << 51, true, false},  // 62 id bits + 3 rank bits
    };
    for (const Case &c : cases) {
        SCOPED_TRACE(c.what);
        std::mt19937 random(5);
        std::vector<SchedPending> jobs;
        for (int i = 0; i < 2000; ++i)
            jobs.push_back(pending(1 + i * c.idSpacing).priority(static_cast<int>(random() % c.priorities)));
        std::vector<SchedPending> expected = jobs;
        std::stable_sort(expected.begin(), expected.end(), [](const SchedPending &a, const SchedPending &b) {
            return a.priority != b.priority ? a.priority > b.priority : a.jobId < b.jobId;
        });
        SchedulerSnapshot snapshot;
        snapshot.nowMs = nowMs;
        snapshot.machine = machineWith(0).cpus(static_cast<int>(jobs.size())).machine;
        snapshot.pending = c.sorted ? expected : jobs;
        if (c.shuffle)
            std::shuffle(snapshot.pending.begin(), snapshot.pending.end(), random);
        const SchedulerDecision decision = schedule(snapshot);
        ASSERT_EQ(decision.starts.size(), expected.size());
        for (std::size_t i = 0; i < expected.size(); ++i)
            ASSERT_EQ(decision.starts[i].jobId, expected[i].jobId) << "position " << i;
    }
}

// A queue with a bit of everything, for the generated tests below.
struct World {
    SchedulerSnapshot snapshot;
    SchedulerOptions options;
};

World generatedWorld(unsigned seed) {
    std::mt19937 random(seed);
    const auto pick = [&random](int low, int high) {
        return std::uniform_int_distribution<int>(low, high)(random);
    };
    World world;
    SchedulerSnapshot &snapshot = world.snapshot;
    snapshot.nowMs = nowMs;
    MachineBuilder machine = machineWith(pick(0, 4), 40960).cpus(pick(2, 16)).hostMem(pick(0, 1) * 32000);
    for (SchedGpu &gpu : machine.machine.gpus) {
        gpu.totalMib = 20480 * pick(1, 4);
        gpu.freeMib = pick(0, 2) == 0 ? -1 : gpu.totalMib - 1024 * pick(0, 16);
    }
    snapshot.machine = machine.machine;
    // Running jobs: what an earlier cycle on the empty machine started, with random ends.
    SchedulerSnapshot earlier = snapshot;
    const auto randomJob = [&](qint64 jobId) {
        PendingBuilder job = pending(jobId).cpus(pick(1, 4)).priority(pick(0, 3));
        switch (pick(0, 3)) {
            case 0:
                job.gpus(pick(1, 2));
                break;
            case 1:
                job.gpuMem(2048 * pick(1, 12));
                break;
            case 2:
                job.gpus(1).gpuMem(20480 * pick(1, 3));
                break;
            default:
                break;
        }
        if (pick(0, 4) == 0 && !snapshot.machine.gpus.empty())
            job.pin({pick(0, static_cast<int>(snapshot.machine.gpus.size()) - 1)});
        if (pick(0, 2) > 0)
            job.limitMin(pick(1, 120));
        if (pick(0, 3) == 0)
            job.hostMem(4000 * pick(1, 6));
        if (pick(0, 9) == 0)
            job.held();
        if (pick(0, 9) == 0)
            job.beginIn(pick(-10, 10));
        if (pick(0, 5) == 0)
            job.task(900 + pick(0, 2), pick(0, 2));
        if (pick(0, 5) == 0)
            job.dependsOn(static_cast<Kind>(pick(1, 4)), 1000 + pick(0, 4));
        return job;
    };
    for (qint64 id = 1; id <= 12; ++id)
        earlier.pending.push_back(randomJob(id));
    const SchedulerDecision first = schedule(earlier);
    for (const StartDecision &start : first.starts) {
        const SchedPending &job =
            *std::find_if(earlier.pending.begin(), earlier.pending.end(),
                          [&](const SchedPending &p) { return p.jobId == start.jobId; });
        SchedRunning run = running(start.jobId).gpus(start.gpus).cpus(job.cpus).hostMem(job.memMib);
        run.sharedGpu = start.sharedGpu;
        run.gpuMemMib = start.gpuMemMib;
        run.arrayJobId = job.arrayJobId;
        run.expectedEndMs = pick(0, 3) == 0 ? 0 : inMinutes(pick(-2, 90));
        snapshot.running.push_back(run);
    }
    for (qint64 id = 100; id < 100 + pick(1, 60); ++id)
        snapshot.pending.push_back(randomJob(id));
    const DependencyTarget states[] = {pendingTarget(), runningTarget(), completedTarget(), failedTarget(),
                                       DependencyTarget{}};
    snapshot.dependencyTarget = [states](const Dependency &dependency) {
        return states[dependency.jobId - 1000];
    };
    world.options.backfill = pick(0, 3) > 0;
    world.options.maxReservations = pick(0, 4) == 0 ? pick(0, 2) : 64;
    return world;
}

// Nothing is handed out twice, pins and sizes hold, ineligible jobs never start, every job gets one answer.
void checkInvariants(const World &world, const SchedulerDecision &decision) {
    const SchedulerSnapshot &snapshot = world.snapshot;
    std::map<qint64, const SchedPending *> byId;
    for (const SchedPending &job : snapshot.pending)
        byId[job.jobId] = &job;
    std::map<qint64, int> answers;
    for (const StartDecision &start : decision.starts)
        ++answers[start.jobId];
    for (const PendingVerdict &verdict : decision.pending) {
        ++answers[verdict.jobId];
        EXPECT_NE(verdict.reason, PendingReason::none);
    }
    ASSERT_EQ(answers.size(), snapshot.pending.size());
    for (const auto &[jobId, count] : answers)
        EXPECT_EQ(count, 1) << "job " << jobId;

    int cpusUsed = 0;
    qint64 memUsed = 0;
    std::map<int, int> wholeJobs;
    std::map<int, int> sharedJobs;
    std::map<int, qint64> sharedMib;
    std::map<int, qint64> startedSharedMib;
    std::map<qint64, int> arrayTasks;
    for (const SchedRunning &job : snapshot.running) {
        cpusUsed += job.cpus;
        memUsed += job.memMib;
        ++arrayTasks[job.arrayJobId];
        for (int gpu : job.gpus) {
            if (job.sharedGpu) {
                ++sharedJobs[gpu];
                sharedMib[gpu] += job.gpuMemMib;
            } else {
                ++wholeJobs[gpu];
            }
        }
    }
    for (const StartDecision &start : decision.starts) {
        const SchedPending &job = *byId.at(start.jobId);
        EXPECT_FALSE(job.held);
        EXPECT_LE(job.beginTimeMs, snapshot.nowMs);
        if (job.arrayMaxConcurrent > 0) {
            EXPECT_LT(arrayTasks[job.arrayJobId], job.arrayMaxConcurrent) << "job " << job.jobId;
        }
        ++arrayTasks[job.arrayJobId];
        cpusUsed += job.cpus;
        memUsed += job.memMib;
        EXPECT_EQ(start.gpus.size(), job.gpus > 0 ? job.gpus : (job.gpuMemMib > 0 ? 1 : 0));
        for (int gpu : start.gpus) {
            if (!job.pinnedGpus.isEmpty()) {
                EXPECT_TRUE(job.pinnedGpus.contains(gpu));
            }
            const SchedGpu &info =
                snapshot.machine.gpus.at(static_cast<std::size_t>(gpu));  // index = position
            EXPECT_GE(info.totalMib, job.gpuMemMib);
            if (start.sharedGpu) {
                ++sharedJobs[gpu];
                sharedMib[gpu] += job.gpuMemMib;
                startedSharedMib[gpu] += job.gpuMemMib;
            } else {
                ++wholeJobs[gpu];
            }
        }
    }
    EXPECT_LE(cpusUsed, snapshot.machine.cpus);
    if (snapshot.machine.memMib > 0) {
        EXPECT_LE(memUsed, snapshot.machine.memMib);
    }
    for (const SchedGpu &gpu : snapshot.machine.gpus) {
        EXPECT_LE(wholeJobs[gpu.index], 1) << "GPU " << gpu.index;
        if (wholeJobs[gpu.index] > 0) {
            EXPECT_EQ(sharedJobs[gpu.index], 0) << "GPU " << gpu.index;
        }
        EXPECT_LE(sharedMib[gpu.index], gpu.totalMib) << "GPU " << gpu.index;
        if (gpu.freeMib >= 0) {
            EXPECT_LE(startedSharedMib[gpu.index], gpu.freeMib) << "GPU " << gpu.index;
        }
    }
}

TEST(SchedulerGenerated, KeepsItsInvariants) {
    for (unsigned seed = 1; seed <= 400; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        const World world = generatedWorld(seed);
        checkInvariants(world, schedule(world.snapshot, world.options));
    }
}

// Backfill never delays a job ahead: run the started jobs as if they had been running all along, and
// scheduling again starts nothing more and gives every waiting job the same expected start. (NVML's free
// memory is left unknown here: once a whole-GPU job runs on a GPU, what others use on it can no longer be
// told apart, so known free memory would change the estimates, not the backfill.)
TEST(SchedulerGenerated, StartsDelayNoReservation) {
    for (unsigned seed = 1; seed <= 1000; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        World world = generatedWorld(seed);
        for (SchedGpu &gpu : world.snapshot.machine.gpus)
            gpu.freeMib = -1;
        const SchedulerDecision first = schedule(world.snapshot, world.options);
        SchedulerSnapshot again = world.snapshot;
        for (const StartDecision &start : first.starts) {
            const auto job = std::find_if(again.pending.begin(), again.pending.end(),
                                          [&](const SchedPending &p) { return p.jobId == start.jobId; });
            SchedRunning run = running(job->jobId).gpus(start.gpus).cpus(job->cpus).hostMem(job->memMib);
            run.sharedGpu = start.sharedGpu;
            run.gpuMemMib = start.gpuMemMib;
            run.arrayJobId = job->arrayJobId;
            run.expectedEndMs = job->timeLimitSec > 0 ? nowMs + job->timeLimitSec * 1000 : 0;
            again.running.push_back(run);
            again.pending.erase(job);
        }
        const SchedulerDecision second = schedule(again, world.options);
        EXPECT_EQ(describeStarts(second.starts), "");
        std::map<qint64, qint64> expectedStarts;
        for (const PendingVerdict &verdict : first.pending)
            expectedStarts[verdict.jobId] = verdict.expectedStartMs;
        for (const PendingVerdict &verdict : second.pending)
            EXPECT_EQ(verdict.expectedStartMs, expectedStarts[verdict.jobId]) << "job " << verdict.jobId;
    }
}

TEST(SchedulerGenerated, DoesNotDependOnTheOrderPendingJobsArriveIn) {
    for (unsigned seed = 1; seed <= 100; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        World world = generatedWorld(seed);
        const SchedulerDecision inOrder = schedule(world.snapshot, world.options);
        std::shuffle(world.snapshot.pending.begin(), world.snapshot.pending.end(), std::mt19937(seed));
        const SchedulerDecision shuffled = schedule(world.snapshot, world.options);
        EXPECT_EQ(describeStarts(shuffled.starts), describeStarts(inOrder.starts));
        EXPECT_EQ(describeWaits(shuffled.pending), describeWaits(inOrder.pending));
    }
}

TEST(SchedulerGenerated, StartsNothingBehindABlockedJobWithoutBackfill) {
    for (unsigned seed = 1; seed <= 200; ++seed) {
        SCOPED_TRACE(testing::Message() << "seed " << seed);
        World world = generatedWorld(seed);
        world.options.backfill = false;
        const SchedulerDecision decision = schedule(world.snapshot, world.options);
        const auto blocked = std::find_if(decision.pending.begin(), decision.pending.end(),
                                          [](const auto &v) { return v.reason == PendingReason::resources; });
        if (blocked == decision.pending.end())
            continue;
        // Every job started comes before the blocked one in priority order.
        const SchedPending &blockedJob =
            *std::find_if(world.snapshot.pending.begin(), world.snapshot.pending.end(),
                          [&](const auto &p) { return p.jobId == blocked->jobId; });
        for (const StartDecision &start : decision.starts) {
            const SchedPending &job =
                *std::find_if(world.snapshot.pending.begin(), world.snapshot.pending.end(),
                              [&](const auto &p) { return p.jobId == start.jobId; });
            EXPECT_TRUE(job.priority > blockedJob.priority ||
                        (job.priority == blockedJob.priority && job.jobId < blockedJob.jobId))
                << "job " << job.jobId << " started behind blocked job " << blockedJob.jobId;
        }
    }
}

}  // namespace
}  // namespace nd::test
