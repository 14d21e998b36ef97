// JobQueue and telemetry: NVML readings decide where memory-only jobs fit, and a job's GPU memory and
// energy are accounted from the samples taken while it ran. Samples are built by hand (as NVML would
// report them), so this runs without a GPU.
#include "QueueFixture.h"

namespace nd::test {
namespace {

using QueueTelemetryTest = QueueFixture;

GpuSample sample(int index, qint64 timeMs, uint64_t usedMib, double powerW) {
    GpuSample s;
    s.index = index;
    s.time_ms = timeMs;
    s.memory_total_mib = 24576;
    s.memory_used_mib = usedMib;
    s.power_w = powerW;
    return s;
}

TEST_F(QueueTelemetryTest, AccountsGpuMemoryAndEnergyOfAJobsProcesses) {
    const qint64 id = submitShell(QStringLiteral("sleep 30"), QJsonObject{{QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(waitForState(id, JobState::running));
    const int gpu = job(id).allocatedGpus.front();
    // The job's process (its process group leader) is on its GPU with 1500 MiB, then 2500 MiB.
    TelemetrySnapshot first;
    first.time_ms = 1'000'000;
    ASSERT_TRUE(waitUntil([&] {
        queue->onTelemetry(first);
        return job(id).childPid != 0;
    }));
    const auto pid = static_cast<uint32_t>(job(id).childPid);
    for (int step = 1; step <= 3; ++step) {
        TelemetrySnapshot snapshot;
        snapshot.time_ms = first.time_ms + step * 1000;
        GpuSample s = sample(gpu, snapshot.time_ms, 3000, 200.0);
        s.processes.push_back(GpuProcessUsage{pid, step == 2 ? 2500u : 1500u, false});
        snapshot.gpus.push_back(s);
        snapshot.gpus.push_back(sample(1 - gpu, snapshot.time_ms, 0, 50.0));  // not its GPU
        queue->onTelemetry(snapshot);
    }
    queue->cancel(QString::number(id));
    ASSERT_TRUE(waitForState(id, JobState::cancelled));
    const JobAccounting accounting = job(id).accounting;
    EXPECT_EQ(accounting.peakGpuMemMib, 2500);
    EXPECT_NEAR(accounting.gpuEnergyJ, 3 * 200.0, 1e-6);  // three 1 s intervals at 200 W
    EXPECT_GT(accounting.gpuSeconds, 0.0);
}

TEST_F(QueueTelemetryTest, SyntheticReadingsAreNeverAccountedAsEnergy) {
    const qint64 id = submitShell(QStringLiteral("sleep 30"), QJsonObject{{QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(waitForState(id, JobState::running));
    for (int step = 0; step < 3; ++step) {
        TelemetrySnapshot snapshot;
        snapshot.time_ms = 2'000'000 + step * 1000;
        for (int gpu : {0, 1}) {
            GpuSample s = sample(gpu, snapshot.time_ms, 100, 300.0);
            s.synthetic = true;
            snapshot.gpus.push_back(s);
        }
        queue->onTelemetry(snapshot);
    }
    queue->cancel(QString::number(id));
    ASSERT_TRUE(waitForState(id, JobState::cancelled));
    EXPECT_EQ(job(id).accounting.gpuEnergyJ, 0.0);
}

TEST(QueueNvmlFreeMemory, PlacesMemoryOnlyJobsWhereNvmlReportsRoom) {
    QTemporaryDir dir;
    JobQueue::Options options = queueOptions(dir.path());
    options.useNvmlFreeMemory = true;
    JobQueue queue(options);
    ASSERT_TRUE(queue.start().ok());
    // Something outside the queue holds 20,000 MiB of GPU 0.
    TelemetrySnapshot snapshot;
    snapshot.time_ms = 1000;
    snapshot.gpus = {sample(0, 1000, 20000, 0), sample(1, 1000, 0, 0)};
    queue.onTelemetry(snapshot);
    QueueResult<std::vector<SubmitResult>> submitted = queue.submit(
        QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("sleep"), QStringLiteral("30")}},
                    {QStringLiteral("gpu_mem_mib"), 8000}});
    ASSERT_TRUE(std::holds_alternative<std::vector<SubmitResult>>(submitted));
    const qint64 id = std::get<std::vector<SubmitResult>>(submitted).front().jobIds.front();
    const auto find = [&] { return std::get<Job>(queue.find(QString::number(id))); };
    ASSERT_TRUE(waitUntil([&] { return find().state == JobState::running; }));
    EXPECT_EQ(find().allocatedGpus, QList<int>{1});
    EXPECT_EQ(find().allocatedGpuMemMib, 8000);
    queue.cancel(QString::number(id));
    ASSERT_TRUE(waitUntil([&] { return find().state == JobState::cancelled; }));
}

}  // namespace
}  // namespace nd::test
