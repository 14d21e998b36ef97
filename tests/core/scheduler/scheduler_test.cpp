// Table tests of schedule(): each case is a machine, running jobs and pending jobs, and the decisions
// expected — which jobs start on which GPUs, and why each other job waits (with its expected start where
// it has a reservation). Times are minutes from now.
#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "SchedulerDsl.h"

namespace nd::test {
namespace {

using Kind = Dependency::Kind;
using Reason = PendingReason;

std::vector<Scenario> orderAndBackfill() {
    return {
        Scenario("higher priority starts first")
            .on(machineWith(1))
            .queue({pending(1).gpus(1), pending(2).gpus(1).priority(5), pending(3).gpus(1)})
            .starts({{2, {0}}})
            .waits({{1, Reason::resources}, {3, Reason::resources}}),
        Scenario("equal priority starts in submit order")
            .on(machineWith(2))
            .queue({pending(5).gpus(1), pending(4).gpus(1), pending(3).gpus(1)})
            .starts({{3, {0}}, {4, {1}}})
            .waits({{5, Reason::resources}}),
        Scenario("starts are decided by priority, then id")
            .on(machineWith(3))
            .queue({pending(1).gpus(1), pending(2).gpus(1).priority(1), pending(3).gpus(1).priority(1)})
            .starts({{2, {0}}, {3, {1}}, {1, {2}}}),
        Scenario("backfill starts a short job before a blocked big job")
            .on(machineWith(2))
            .with({running(100).gpus({0}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1).limitMin(30)})
            .starts({{11, {1}}})
            .waits({{10, Reason::resources, inMinutes(60)}}),
        Scenario("backfill refused when the short job would delay the big job")
            .on(machineWith(2))
            .with({running(100).gpus({0}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1).limitMin(90)})
            .waits({{10, Reason::resources, inMinutes(60)}, {11, Reason::priority, inMinutes(180)}}),
        Scenario("backfill allows a job that ends exactly when the reservation begins")
            .on(machineWith(2))
            .with({running(100).gpus({0}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1).limitMin(60)})
            .starts({{11, {1}}})
            .waits({{10, Reason::resources, inMinutes(60)}}),
        Scenario("a job without a time limit does not backfill into reserved GPUs")
            .on(machineWith(2))
            .with({running(100).gpus({0}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1)})
            .waits({{10, Reason::resources, inMinutes(60)}, {11, Reason::priority, inMinutes(180)}}),
        Scenario("a job without a time limit backfills into GPUs no reservation needs")
            .on(machineWith(3))
            .with({running(100).gpus({0, 1}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1)})
            .starts({{11, {2}}})
            .waits({{10, Reason::resources, inMinutes(60)}}),
        Scenario("each blocked job is reserved behind the ones ahead of it")
            .on(machineWith(1))
            .with({running(100).gpus({0}).endsIn(30)})
            .queue({pending(10).gpus(1).priority(3).limitMin(60),
                    pending(11).gpus(1).priority(2).limitMin(60),
                    pending(12).gpus(1).priority(1).limitMin(60)})
            .waits({{10, Reason::resources, inMinutes(30)},
                    {11, Reason::resources, inMinutes(90)},
                    {12, Reason::resources, inMinutes(150)}}),
        Scenario("a later reservation fills a gap before an earlier one")
            .on(machineWith(2))
            .with({running(100).gpus({0}).endsIn(60), running(101).gpus({1}).endsIn(120)})
            .queue({pending(10).gpus(2).priority(10).limitMin(60),
                    pending(11).gpus(1).priority(5).limitMin(60), pending(12).gpus(1).limitMin(90)})
            .waits({{10, Reason::resources, inMinutes(120)},
                    {11, Reason::resources, inMinutes(60)},
                    {12, Reason::resources, inMinutes(180)}}),
        Scenario("past maxReservations blocked jobs get none, and others still start")
            .on(machineWith(2))
            .maxReservations(1)
            .with({running(100).gpus({0}).endsIn(60), running(101).gpus({1}).endsIn(120)})
            .queue({pending(10).gpus(2).priority(10).limitMin(60),
                    pending(11).gpus(1).priority(5).limitMin(60), pending(12).gpus(1).limitMin(90),
                    pending(13).limitMin(10)})
            .starts({{13, {}}})
            .waits(
                {{10, Reason::resources, inMinutes(120)}, {11, Reason::resources}, {12, Reason::resources}}),
        Scenario("reservation searches are bounded; a shape that never fits is not searched again")
            .on(machineWith(2))
            .maxReservationSearches(2)
            .with({running(100).gpus({0}), running(101).gpus({1}).endsIn(30)})
            .queue(
                {pending(10).gpus(2).priority(9).limitMin(10), pending(11).gpus(2).priority(8).limitMin(10),
                 pending(12).gpus(1).priority(7).limitMin(10), pending(13).gpus(1).priority(6).limitMin(10),
                 pending(14).gpus(1).priority(5).limitMin(10)})
            .waits({{10, Reason::resources},
                    {11, Reason::resources},
                    {12, Reason::resources, inMinutes(30)},
                    {13, Reason::resources},
                    {14, Reason::resources}}),
        Scenario("without backfill nothing starts behind the first blocked job")
            .on(machineWith(2))
            .withoutBackfill()
            .with({running(100).gpus({0}).endsIn(60)})
            .queue({pending(10).gpus(2).priority(10).limitMin(120), pending(11).gpus(1).limitMin(30)})
            .waits({{10, Reason::resources, inMinutes(60)}, {11, Reason::priority}}),
        Scenario("without backfill jobs ahead of the blocked one start, ineligible ones keep their reason")
            .on(machineWith(2))
            .withoutBackfill()
            .queue({pending(1).gpus(1).priority(3), pending(2).gpus(2).priority(2),
                    pending(3).gpus(1).priority(1), pending(4).gpus(1).held()})
            .starts({{1, {0}}})
            .waits({{2, Reason::resources}, {3, Reason::priority}, {4, Reason::held}}),
        Scenario("a CPU job does not take CPUs a blocked job has reserved")
            .on(machineWith(0).cpus(8))
            .with({running(100).cpus(6).endsIn(60)})
            .queue({pending(10).cpus(8).priority(2).limitMin(60),
                    pending(11).cpus(2).priority(1).limitMin(120), pending(12).cpus(2).limitMin(30)})
            .starts({{12, {}}})
            .waits({{10, Reason::resources, inMinutes(60)}, {11, Reason::priority, inMinutes(120)}}),
        Scenario("a shape held back by a reservation waits for resources once starts fill the machine")
            .on(machineWith(0).cpus(8))
            .with({running(100).cpus(4).endsIn(60)})
            .queue(
                {pending(10).cpus(8).priority(9).limitMin(60), pending(11).cpus(2).priority(8).limitMin(120),
                 pending(12).cpus(4).priority(7).limitMin(30), pending(13).cpus(2).priority(6).limitMin(120)})
            .starts({{12, {}}})
            .waits({{10, Reason::resources, inMinutes(60)},
                    {11, Reason::priority, inMinutes(120)},
                    {13, Reason::resources, inMinutes(120)}}),
        Scenario("host memory is reserved like CPUs")
            .on(machineWith(0).hostMem(16000))
            .with({running(100).hostMem(12000).endsIn(60)})
            .queue({pending(10).hostMem(16000).priority(2).limitMin(60),
                    pending(11).hostMem(4000).priority(1).limitMin(120),
                    pending(12).hostMem(4000).limitMin(60)})
            .starts({{12, {}}})
            .waits({{10, Reason::resources, inMinutes(60)}, {11, Reason::priority, inMinutes(120)}}),
        Scenario("a job past its time limit frees its GPU at the next moment")
            .on(machineWith(1))
            .with({running(100).gpus({0}).endsIn(-5)})
            .queue({pending(10).gpus(1).limitMin(10)})
            .waits({{10, Reason::resources, nowMs + 1}}),
        Scenario("a job that can never fit the machine does not block others")
            .on(machineWith(2))
            .queue({pending(1).gpus(3).priority(5), pending(2).gpus(1)})
            .starts({{2, {0}}})
            .waits({{1, Reason::resources}}),
        Scenario("an ineligible job ahead reserves nothing")
            .on(machineWith(2))
            .queue({pending(1).gpus(2).priority(5).held(), pending(2).gpus(1)})
            .starts({{2, {0}}})
            .waits({{1, Reason::held}}),
    };
}

std::vector<Scenario> dependencies() {
    return {
        Scenario("afterok starts when the job completed, waits while it runs, never after a failure")
            .target(50, completedTarget())
            .target(51, runningTarget())
            .target(52, failedTarget())
            .queue({pending(1).dependsOn(Kind::afterOk, 50), pending(2).dependsOn(Kind::afterOk, 51),
                    pending(3).dependsOn(Kind::afterOk, 52)})
            .starts({{1, {}}})
            .waits({{2, Reason::dependency}, {3, Reason::dependencyNeverSatisfied}}),
        Scenario("afterany starts after a failure, waits while the job runs")
            .target(50, failedTarget())
            .target(51, runningTarget())
            .queue({pending(1).dependsOn(Kind::afterAny, 50), pending(2).dependsOn(Kind::afterAny, 51)})
            .starts({{1, {}}})
            .waits({{2, Reason::dependency}}),
        Scenario("afternotok starts after a failure, never after a success, waits while pending")
            .target(50, failedTarget())
            .target(51, completedTarget())
            .target(52, pendingTarget())
            .queue({pending(1).dependsOn(Kind::afterNotOk, 50), pending(2).dependsOn(Kind::afterNotOk, 51),
                    pending(3).dependsOn(Kind::afterNotOk, 52)})
            .starts({{1, {}}})
            .waits({{2, Reason::dependencyNeverSatisfied}, {3, Reason::dependency}}),
        Scenario("after starts once the job started or was cancelled before starting")
            .target(50, runningTarget())
            .target(51, cancelledBeforeStartTarget())
            .target(52, pendingTarget())
            .queue({pending(1).dependsOn(Kind::after, 50), pending(2).dependsOn(Kind::after, 51),
                    pending(3).dependsOn(Kind::after, 52)})
            .starts({{1, {}}, {2, {}}})
            .waits({{3, Reason::dependency}}),
        Scenario("a dependency on an unknown job is never satisfied")
            .queue({pending(1).dependsOn(Kind::afterAny, 999)})
            .waits({{1, Reason::dependencyNeverSatisfied}}),
        Scenario("a dependency on an array covers every task")
            .target(60, arrayTarget(4, 4, 3, 3))
            .target(61, arrayTarget(4, 4, 4, 4))
            .target(62, arrayTarget(4, 3, 2, 1))
            .target(63, arrayTarget(4, 4, 4, 1))
            .target(64, arrayTarget(4, 2, 0, 0))
            .queue({pending(1).dependsOn(Kind::afterOk, 60), pending(2).dependsOn(Kind::afterOk, 61),
                    pending(3).dependsOn(Kind::afterOk, 62), pending(4).dependsOn(Kind::afterAny, 63),
                    pending(5).dependsOn(Kind::after, 64)})
            .starts({{2, {}}, {4, {}}})
            .waits({{1, Reason::dependency}, {3, Reason::dependencyNeverSatisfied}, {5, Reason::dependency}}),
        Scenario("a dependency on one array task looks at that task only")
            .target(12, arrayTarget(4, 4, 1, 1))
            .target(12, 3, completedTarget())
            .queue({pending(1).dependsOn(Kind::afterOk, 12), pending(2).dependsOn(Kind::afterOk, 12, 3)})
            .starts({{2, {}}})
            .waits({{1, Reason::dependency}}),
        Scenario("never-satisfiable chains: a failed or cancelled link is never, a stuck one waits")
            .target(50, failedTarget())
            .target(51, pendingTarget())  // job 51 waits on 50 itself; the queue reports it pending
            .target(52, cancelledBeforeStartTarget())
            .queue({pending(1).dependsOn(Kind::afterOk, 50), pending(2).dependsOn(Kind::afterOk, 51),
                    pending(3).dependsOn(Kind::afterOk, 52)})
            .waits({{1, Reason::dependencyNeverSatisfied},
                    {2, Reason::dependency},
                    {3, Reason::dependencyNeverSatisfied}}),
        Scenario("of several dependencies, never outranks waiting in any order; all must be met")
            .target(50, runningTarget())
            .target(51, failedTarget())
            .target(52, completedTarget())
            .target(53, failedTarget())
            .queue({pending(1).dependsOn(Kind::afterOk, 50).dependsOn(Kind::afterOk, 51),
                    pending(2).dependsOn(Kind::afterOk, 51).dependsOn(Kind::afterOk, 50),
                    pending(3).dependsOn(Kind::afterOk, 50).dependsOn(Kind::afterAny, 52),
                    pending(4).dependsOn(Kind::afterOk, 52).dependsOn(Kind::afterAny, 53)})
            .starts({{4, {}}})
            .waits({{1, Reason::dependencyNeverSatisfied},
                    {2, Reason::dependencyNeverSatisfied},
                    {3, Reason::dependency}}),
        Scenario("without a dependency lookup every dependency names an unknown job")
            .withoutDependencyLookup()
            .queue({pending(1).dependsOn(Kind::afterAny, 50), pending(2)})
            .starts({{2, {}}})
            .waits({{1, Reason::dependencyNeverSatisfied}}),
    };
}

std::vector<Scenario> arrays() {
    return {
        Scenario("an array limited to 2 with one task running starts one more")
            .on(machineWith(4))
            .with({running(100).gpus({0}).task(7)})
            .queue({pending(8).gpus(1).task(7, 2), pending(9).gpus(1).task(7, 2),
                    pending(10).gpus(1).task(7, 2)})
            .starts({{8, {1}}})
            .waits({{9, Reason::arrayTaskLimit}, {10, Reason::arrayTaskLimit}}),
        Scenario("an array limit counts the tasks started in the same cycle")
            .on(machineWith(4))
            .queue({pending(8).gpus(1).task(7, 2), pending(9).gpus(1).task(7, 2),
                    pending(10).gpus(1).task(7, 2), pending(11).gpus(1).task(7, 2)})
            .starts({{8, {0}}, {9, {1}}})
            .waits({{10, Reason::arrayTaskLimit}, {11, Reason::arrayTaskLimit}}),
        Scenario("a throttled array does not hold back other jobs")
            .on(machineWith(4))
            .with({running(100).gpus({0}).task(7), running(101).gpus({1}).task(7)})
            .queue({pending(8).gpus(1).task(7, 2).priority(5), pending(20).gpus(1)})
            .starts({{20, {2}}})
            .waits({{8, Reason::arrayTaskLimit}}),
        Scenario("an array without a limit runs as many tasks as fit")
            .on(machineWith(2))
            .queue({pending(8).gpus(1).task(7), pending(9).gpus(1).task(7), pending(10).gpus(1).task(7)})
            .starts({{8, {0}}, {9, {1}}})
            .waits({{10, Reason::resources}}),
        Scenario("interleaved arrays each keep their own limit")
            .on(machineWith(4))
            .queue({pending(8).gpus(1).task(7, 1).priority(3), pending(20).gpus(1).task(21, 1).priority(2),
                    pending(9).gpus(1).task(7, 1).priority(1), pending(22).gpus(1).task(21, 1)})
            .starts({{8, {0}}, {20, {1}}})
            .waits({{9, Reason::arrayTaskLimit}, {22, Reason::arrayTaskLimit}}),
    };
}

std::vector<Scenario> gpus() {
    return {
        Scenario("whole GPUs are taken lowest index first")
            .on(machineWith(4))
            .with({running(100).gpus({1})})
            .queue({pending(1).gpus(2)})
            .starts({{1, {0, 2}}}),
        Scenario("a multi-GPU job waits until all its GPUs are free")
            .on(machineWith(2))
            .with({running(100).gpus({0})})
            .queue({pending(1).gpus(2)})
            .waits({{1, Reason::resources}}),
        Scenario("a whole-GPU job with gpuMemMib only takes GPUs that large")
            .on(machineWith(2).gpuTotal(0, 24576))
            .queue({pending(1).gpus(1).gpuMem(40000), pending(2).gpus(1).gpuMem(40000)})
            .starts({{1, {1}}})
            .waits({{2, Reason::resources}}),
        Scenario("a whole-GPU job with gpuMemMib needs that much free as NVML reports")
            .on(machineWith(2).gpuFree(0, 10000).gpuFree(1, 80000))
            .queue({pending(1).gpus(1).gpuMem(20000), pending(2).gpus(1)})
            .starts({{1, {1}}, {2, {0}}}),
        Scenario("a whole-GPU job does not go on a GPU with shared jobs")
            .on(machineWith(2))
            .with({running(100).shared(0, 4000)})
            .queue({pending(1).gpus(1), pending(2).gpus(1)})
            .starts({{1, {1}}})
            .waits({{2, Reason::resources}}),
        Scenario("shared jobs fill one GPU up to its memory")
            .on(machineWith(1))
            .queue({pending(1).gpuMem(20000), pending(2).gpuMem(20000), pending(3).gpuMem(20000),
                    pending(4).gpuMem(20000), pending(5).gpuMem(20000)})
            .starts({{1, {0}, true}, {2, {0}, true}, {3, {0}, true}, {4, {0}, true}})
            .waits({{5, Reason::resources}}),
        Scenario("a shared job packs onto a GPU that already has shared jobs")
            .on(machineWith(2))
            .with({running(100).shared(1, 10000)})
            .queue({pending(1).gpuMem(10000)})
            .starts({{1, {1}, true}}),
        Scenario("shared jobs start on the lowest GPU, then pack onto it")
            .on(machineWith(2))
            .queue({pending(1).gpuMem(10000), pending(2).gpuMem(10000)})
            .starts({{1, {0}, true}, {2, {0}, true}}),
        Scenario("a shared job takes the lowest GPU when the packed one is full")
            .on(machineWith(2))
            .with({running(100).shared(1, 75000)})
            .queue({pending(1).gpuMem(10000)})
            .starts({{1, {0}, true}}),
        Scenario("a shared job never goes on a GPU with a whole-GPU job")
            .on(machineWith(2))
            .with({running(100).gpus({0})})
            .queue({pending(1).gpuMem(1000)})
            .starts({{1, {1}, true}}),
        Scenario("NVML free memory below total minus reservations limits shared jobs")
            .on(machineWith(1).gpuFree(0, 30000))
            .queue({pending(1).gpuMem(20000), pending(2).gpuMem(20000)})
            .starts({{1, {0}, true}})
            .waits({{2, Reason::resources}}),
        Scenario("memory running shared jobs allocated is not subtracted twice")
            .on(machineWith(1).gpuFree(0, 41920))
            .with({running(100).shared(0, 40000)})
            .queue({pending(1).gpuMem(45000).priority(1), pending(2).gpuMem(40000)})
            .starts({{2, {0}, true}})
            .waits({{1, Reason::resources}}),
        Scenario("a running shared job counts its share before it allocates")
            .on(machineWith(1).gpuFree(0, 81920))
            .with({running(100).shared(0, 40000)})
            .queue({pending(1).gpuMem(45000).priority(1), pending(2).gpuMem(41920)})
            .starts({{2, {0}, true}})
            .waits({{1, Reason::resources}}),
        Scenario("a shared job is reserved for when a whole-GPU job ends")
            .on(machineWith(1))
            .with({running(100).gpus({0}).endsIn(30)})
            .queue({pending(1).gpuMem(1000).limitMin(10)})
            .waits({{1, Reason::resources, inMinutes(30)}}),
        Scenario("a pinned job only uses its GPUs")
            .on(machineWith(4))
            .with({running(100).gpus({2})})
            .queue({pending(1).gpus(1).pin({2, 3}), pending(2).gpus(1).pin({2})})
            .starts({{1, {3}}})
            .waits({{2, Reason::resources}}),
        Scenario("a pinned job waits for its GPU while others use the free ones")
            .on(machineWith(2))
            .with({running(100).gpus({1}).endsIn(30)})
            .queue({pending(1).gpus(1).pin({1}).priority(2).limitMin(10), pending(2).gpus(1).limitMin(60)})
            .starts({{2, {0}}})
            .waits({{1, Reason::resources, inMinutes(30)}}),
        Scenario("a pinned shared job shares only its GPU")
            .on(machineWith(2))
            .with({running(100).shared(0, 10000)})
            .queue({pending(1).gpuMem(10000).pin({1})})
            .starts({{1, {1}, true}}),
    };
}

std::vector<Scenario> hostAndEligibility() {
    return {
        Scenario("CPU-only jobs run while every GPU is busy")
            .on(machineWith(1))
            .with({running(100).gpus({0})})
            .queue({pending(1).gpus(1).priority(1), pending(2)})
            .starts({{2, {}}})
            .waits({{1, Reason::resources}}),
        Scenario("CPUs are counted")
            .on(machineWith(0).cpus(4))
            .with({running(100).cpus(1)})
            .queue({pending(1).cpus(2), pending(2).cpus(2), pending(3).cpus(1)})
            .starts({{1, {}}, {3, {}}})
            .waits({{2, Reason::resources}}),
        Scenario("host memory is counted when the machine reports it")
            .on(machineWith(0).hostMem(16000))
            .with({running(100).hostMem(8000)})
            .queue({pending(1).hostMem(10000).priority(1), pending(2).hostMem(6000)})
            .starts({{2, {}}})
            .waits({{1, Reason::resources}}),
        Scenario("host memory is not counted when the machine does not report it")
            .on(machineWith(0))
            .with({running(100).hostMem(8000)})
            .queue({pending(1).hostMem(999999)})
            .starts({{1, {}}}),
        Scenario("held jobs wait, whatever else holds them back")
            .target(50, failedTarget())
            .queue({pending(1).held().dependsOn(Kind::afterOk, 50), pending(2).held().beginIn(10)})
            .waits({{1, Reason::held}, {2, Reason::held}}),
        Scenario("a begin time in the future waits; one reached starts")
            .queue({pending(1).beginIn(10), pending(2).beginIn(0), pending(3).beginIn(-5)})
            .starts({{2, {}}, {3, {}}})
            .waits({{1, Reason::beginTime}}),
        Scenario("begin time comes before dependencies, dependencies before the array limit")
            .target(50, failedTarget())
            .target(51, runningTarget())
            .with({running(100).task(7)})
            .queue({pending(1).beginIn(5).dependsOn(Kind::afterOk, 50),
                    pending(2).dependsOn(Kind::afterOk, 51).task(7, 1), pending(3).task(7, 1)})
            .waits({{1, Reason::beginTime}, {2, Reason::dependency}, {3, Reason::arrayTaskLimit}}),
    };
}

std::vector<Scenario> allScenarios() {
    std::vector<Scenario> all;
    for (auto group : {orderAndBackfill(), dependencies(), arrays(), gpus(), hostAndEligibility()})
        all.insert(all.end(), group.begin(), group.end());
    return all;
}

class SchedulerTable : public ::testing::TestWithParam<Scenario> {};

TEST_P(SchedulerTable, Decides) {
    const Scenario &scenario = GetParam();
    const SchedulerDecision decision = schedule(scenario.snapshot(), scenario.options);

    EXPECT_EQ(describeStarts(decision.starts), describeStarts(scenario.expectedStarts));
    EXPECT_EQ(describeWaits(decision.pending), describeWaits(scenario.expectedWaits));
}

std::string testName(const ::testing::TestParamInfo<Scenario> &info) {
    std::string name;
    bool upper = true;
    for (char c : info.param.name) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            name += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(c))) : c;
            upper = false;
        } else {
            upper = true;
        }
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Cases, SchedulerTable, ::testing::ValuesIn(allScenarios()), testName);

}  // namespace
}  // namespace nd::test
