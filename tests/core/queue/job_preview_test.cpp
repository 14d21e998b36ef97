// The submit dry run (POST /api/jobs/preview): previewStart over hand-made snapshots, and JobQueue::preview
// over a real queue (same checks as submit, nothing stored).
#include "core/queue/JobPreview.h"

#include "QueueFixture.h"

namespace nd::test {
namespace {

SchedulerSnapshot twoGpus() {
    SchedulerSnapshot snapshot;
    snapshot.nowMs = 1000;
    snapshot.machine.gpus = {SchedGpu{0, 24576, -1}, SchedGpu{1, 24576, -1}};
    snapshot.machine.cpus = 8;
    snapshot.machine.memMib = 32768;
    return snapshot;
}

TEST(JobPreviewStart, EmptyMachineStartsOnTheLowestGpu) {
    SchedPending job;
    job.gpus = 1;
    const JobPreview preview = previewStart(twoGpus(), job, {});
    EXPECT_TRUE(preview.wouldStart);
    EXPECT_EQ(preview.gpus, QList<int>{0});
}

TEST(JobPreviewStart, GpuTakenByARunningJobWaitsForResourcesAndSaysWhatIsFree) {
    SchedulerSnapshot snapshot = twoGpus();
    SchedRunning running;
    running.jobId = 7;
    running.gpus = {0};
    running.expectedEndMs = 61000;
    snapshot.running.push_back(running);
    SchedPending job;
    job.gpus = 2;
    job.gpuMemMib = 20480;
    const JobPreview preview = previewStart(snapshot, job, {});
    EXPECT_FALSE(preview.wouldStart);
    EXPECT_EQ(preview.reason, PendingReason::resources);
    EXPECT_EQ(preview.detail, QStringLiteral("needs 2 GPUs with 20480 MiB, 1 free"));
    EXPECT_EQ(preview.expectedStartMs, 61000);  // the running job's time limit frees GPU 0
}

TEST(JobPreviewStart, OtherReasonsComeFromTheScheduler) {
    SchedPending held;
    held.held = true;
    EXPECT_EQ(previewStart(twoGpus(), held, {}).reason, PendingReason::held);
    SchedPending later;
    later.beginTimeMs = 5000;
    EXPECT_EQ(previewStart(twoGpus(), later, {}).reason, PendingReason::beginTime);
    SchedPending cpus;
    cpus.cpus = 6;
    SchedulerSnapshot busy = twoGpus();
    SchedRunning running;
    running.jobId = 3;
    running.cpus = 4;
    busy.running.push_back(running);
    const JobPreview preview = previewStart(busy, cpus, {});
    EXPECT_EQ(preview.reason, PendingReason::resources);
    EXPECT_EQ(preview.detail, QStringLiteral("needs 6 CPUs, 4 free"));
}

TEST(JobPreviewStart, JsonSaysWhatTheApiDocumentSays) {
    JobPreview start;
    start.wouldStart = true;
    start.gpus = {1};
    start.name = QStringLiteral("x");
    const QJsonObject json = jobPreviewToJson(start);
    EXPECT_TRUE(json.value(QStringLiteral("would_start")).toBool());
    EXPECT_EQ(json.value(QStringLiteral("gpus")).toArray(), QJsonArray{1});
    JobPreview wait;
    wait.reason = PendingReason::resources;
    wait.detail = QStringLiteral("d");
    const QJsonObject waits = jobPreviewToJson(wait);
    EXPECT_EQ(waits.value(QStringLiteral("reason")).toString(), QStringLiteral("resources"));
    EXPECT_EQ(waits.value(QStringLiteral("detail")).toString(), QStringLiteral("d"));
    EXPECT_TRUE(waits.contains(QStringLiteral("expected_start_ms")));
}

class JobPreviewQueue : public QueueFixture {
protected:
    QueueResult<JobPreview> preview(QJsonObject spec) {
        spec.insert(QStringLiteral("argv"), QJsonArray{QStringLiteral("/bin/true")});
        return queue->preview(spec);
    }
};

TEST_F(JobPreviewQueue, RefusesWhatSubmitRefusesWithTheSameMessage) {
    const QJsonObject tooMany{{QStringLiteral("argv"), QJsonArray{QStringLiteral("/bin/true")}},
                              {QStringLiteral("gpus"), 3}};
    const QueueResult<JobPreview> refused = queue->preview(tooMany);
    ASSERT_TRUE(std::holds_alternative<QueueError>(refused));
    EXPECT_EQ(std::get<QueueError>(refused).message, submitError(tooMany));
    const QJsonObject badDependency{{QStringLiteral("argv"), QJsonArray{QStringLiteral("/bin/true")}},
                                    {QStringLiteral("dependency"), QStringLiteral("afterok:99")}};
    const QueueResult<JobPreview> noSuchJob = queue->preview(badDependency);
    ASSERT_TRUE(std::holds_alternative<QueueError>(noSuchJob));
    EXPECT_EQ(std::get<QueueError>(noSuchJob).message, submitError(badDependency));
}

TEST_F(JobPreviewQueue, SeesRunningAndPendingJobsAndStoresNothing) {
    const QueueResult<JobPreview> free = preview({{QStringLiteral("gpus"), 2}});
    ASSERT_TRUE(std::holds_alternative<JobPreview>(free));
    EXPECT_TRUE(std::get<JobPreview>(free).wouldStart);
    EXPECT_EQ(std::get<JobPreview>(free).gpus, (QList<int>{0, 1}));
    EXPECT_EQ(std::get<JobPreview>(free).name, QStringLiteral("true"));

    const qint64 running = submitShell(QStringLiteral("sleep 30"), {{QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(waitForState(running, JobState::running));
    const QueueResult<JobPreview> busy = preview({{QStringLiteral("gpus"), 2}});
    ASSERT_TRUE(std::holds_alternative<JobPreview>(busy));
    EXPECT_FALSE(std::get<JobPreview>(busy).wouldStart);
    EXPECT_EQ(std::get<JobPreview>(busy).reason, PendingReason::resources);
    EXPECT_EQ(std::get<JobPreview>(busy).detail, QStringLiteral("needs 2 GPUs, 1 free"));

    const QueueResult<JobPreview> after =
        preview({{QStringLiteral("dependency"), QStringLiteral("afterok:%1").arg(running)}});
    ASSERT_TRUE(std::holds_alternative<JobPreview>(after));
    EXPECT_EQ(std::get<JobPreview>(after).reason, PendingReason::dependency);

    const QueueResult<JobPreview> array = preview({{QStringLiteral("array"), QStringLiteral("0-4")}});
    ASSERT_TRUE(std::holds_alternative<JobPreview>(array));
    EXPECT_EQ(std::get<JobPreview>(array).jobs, 5);

    JobQuery all;
    all.states = {};
    const Result<JobPage> page = queue->query(all);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 1);  // only the job submitted for real
}

}  // namespace
}  // namespace nd::test
