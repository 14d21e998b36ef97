// JobQueue end to end in process: submit, run, end; GPU allocation and its environment; actions; arrays
// and dependencies; events; refused submits that leave nothing behind.
#include <QJsonDocument>

#include "QueueFixture.h"

namespace nd::test {
namespace {

using QueueTest = QueueFixture;

QJsonObject argvSpec(const QStringList &argv) {
    return QJsonObject{{QStringLiteral("argv"), QJsonArray::fromStringList(argv)}};
}

TEST_F(QueueTest, RunsAJobToCompletionWithEventsAndAccounting) {
    const qint64 id = submitShell(QStringLiteral("echo hello; echo oops >&2"));
    ASSERT_TRUE(waitForState(id, JobState::completed));
    const Job done = job(id);
    EXPECT_EQ(done.exitCode, 0);
    EXPECT_GT(done.startTimeMs, 0);
    EXPECT_GE(done.endTimeMs, done.startTimeMs);
    EXPECT_GE(done.startTimeMs, done.submitTimeMs);
    EXPECT_EQ(readFile(done.stdoutFile), QByteArray("hello\noops\n"));  // stderr joins stdout by default
    EXPECT_TRUE(done.stdoutFile.startsWith(path(QStringLiteral("logs"))));

    ASSERT_GE(events.size(), 3u);
    EXPECT_EQ(events[0].type, QStringLiteral("submitted"));
    EXPECT_EQ(events[1].type, QStringLiteral("started"));
    EXPECT_EQ(events[2].type, QStringLiteral("ended"));
    for (size_t i = 1; i < events.size(); ++i)
        EXPECT_EQ(events[i].seq, events[i - 1].seq + 1);
    const QJsonObject payload = QJsonDocument::fromJson(events[2].payload).object();
    EXPECT_EQ(payload.value(QStringLiteral("job")).toObject().value(QStringLiteral("state")).toString(),
              QStringLiteral("completed"));
    const Result<std::vector<JobEventRecord>> stored = queue->eventsAfter(0, 100);
    ASSERT_TRUE(stored.ok());
    EXPECT_EQ(stored->size(), events.size());
}

TEST_F(QueueTest, RecordsExitCodesSignalsAndLaunchErrors) {
    const qint64 three = submitShell(QStringLiteral("exit 3"));
    const qint64 killed = submitShell(QStringLiteral("kill -KILL $$"));
    const std::vector<qint64> missing = submit(argvSpec({QStringLiteral("/no/such/program")}));
    ASSERT_EQ(missing.size(), 1u);
    ASSERT_TRUE(waitForState(three, JobState::failed));
    ASSERT_TRUE(waitForState(killed, JobState::failed));
    ASSERT_TRUE(waitForState(missing.front(), JobState::failed));
    EXPECT_EQ(job(three).exitCode, 3);
    EXPECT_EQ(job(killed).termSignal, 9);
    EXPECT_TRUE(job(missing.front()).message.contains(QStringLiteral("/no/such/program")))
        << job(missing.front()).message.toStdString();
}

TEST_F(QueueTest, RetriesAFailingJobUpToItsLimit) {
    const qint64 id = submitShell(
        QStringLiteral("echo run >> ") + path(QStringLiteral("runs")) + QStringLiteral("; exit 1"),
        QJsonObject{{QStringLiteral("max_retries"), 2}});
    ASSERT_TRUE(waitUntil([&] { return job(id).state == JobState::failed && job(id).retries == 2; }));
    EXPECT_EQ(readFile(path(QStringLiteral("runs"))), QByteArray("run\nrun\nrun\n"));
}

TEST_F(QueueTest, GivesEachGpuJobItsOwnGpuAndTheSlurmEnvironment) {
    const QString envDump = QStringLiteral(
                                "echo "
                                "\"$CUDA_VISIBLE_DEVICES|$SLURM_JOB_ID|$NEMODESK_JOB_ID|$SLURM_GPUS_ON_NODE|$"
                                "SLURM_CPUS_PER_TASK\" > ") +
                            path(QStringLiteral("env-$SLURM_JOB_ID")) + QStringLiteral("; sleep 0.5");
    const qint64 a = submitShell(envDump, QJsonObject{{QStringLiteral("gpus"), 1}});
    const qint64 b =
        submitShell(envDump, QJsonObject{{QStringLiteral("gpus"), 1}, {QStringLiteral("cpus"), 2}});
    const qint64 c = submitShell(envDump, QJsonObject{{QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(
        waitUntil([&] { return job(a).state == JobState::running && job(b).state == JobState::running; }));
    EXPECT_EQ(job(c).state, JobState::pending);
    EXPECT_EQ(job(c).reason, PendingReason::resources);
    QList<int> gpus = job(a).allocatedGpus + job(b).allocatedGpus;
    std::sort(gpus.begin(), gpus.end());
    EXPECT_EQ(gpus, (QList<int>{0, 1}));
    ASSERT_TRUE(waitForState(c, JobState::completed));
    ASSERT_TRUE(waitForState(b, JobState::completed));
    const QByteArray envB = readFile(path(QStringLiteral("env-%1").arg(b)));
    EXPECT_EQ(envB, QStringLiteral("%1|%2|%2|1|2\n").arg(job(b).allocatedGpus.front()).arg(b).toUtf8());
}

TEST_F(QueueTest, HidesGpusFromCpuOnlyJobs) {
    const qint64 id = submitShell(QStringLiteral("echo \"[${CUDA_VISIBLE_DEVICES-unset}]\""));
    ASSERT_TRUE(waitForState(id, JobState::completed));
    EXPECT_EQ(readFile(job(id).stdoutFile), QByteArray("[]\n"));
}

TEST_F(QueueTest, SharesOneGpuBetweenMemoryOnlyJobs) {
    QJsonObject shared{{QStringLiteral("gpu_mem_mib"), 10000}};
    const qint64 a = submitShell(QStringLiteral("sleep 30"), shared);
    const qint64 b = submitShell(QStringLiteral("sleep 30"), shared);
    const qint64 c = submitShell(QStringLiteral("sleep 30"), shared);
    ASSERT_TRUE(waitUntil([&] {
        return job(a).state == JobState::running && job(b).state == JobState::running &&
               job(c).state == JobState::running;
    }));
    // Two fit on the first GPU (2 × 10000 ≤ 24576); the third goes to the other.
    EXPECT_EQ(job(a).allocatedGpus, job(b).allocatedGpus);
    EXPECT_NE(job(a).allocatedGpus, job(c).allocatedGpus);
    for (qint64 id : {a, b, c})
        queue->cancel(QString::number(id));
    ASSERT_TRUE(waitForState(c, JobState::cancelled));
}

TEST_F(QueueTest, CancelsPendingAndRunningJobsKillingTheWholeTree) {
    const QString pids = path(QStringLiteral("pids"));
    const qint64 running =
        submitShell(QStringLiteral("sleep 1000 & echo $! >> %1; sleep 1000 & echo $! >> %1; wait").arg(pids),
                    QJsonObject{{QStringLiteral("gpus"), 2}});
    const qint64 pending = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("gpus"), 1}});
    ASSERT_TRUE(waitForState(running, JobState::running));
    ASSERT_TRUE(waitUntil([&] { return readFile(pids).count('\n') == 2; }));
    EXPECT_EQ(job(pending).state, JobState::pending);

    QueueResult<QList<qint64>> cancelled = queue->cancel(QString::number(pending));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(cancelled));
    EXPECT_EQ(job(pending).state, JobState::cancelled);
    cancelled = queue->cancel(QString::number(running));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(cancelled));
    ASSERT_TRUE(waitForState(running, JobState::cancelled));
    for (const QByteArray &pid : readFile(pids).trimmed().split('\n'))
        EXPECT_TRUE(waitUntil([&] {
            return !QFile::exists(QStringLiteral("/proc/%1/stat").arg(QString::fromLatin1(pid))) ||
                   readFile(QStringLiteral("/proc/%1/stat").arg(QString::fromLatin1(pid))).contains(") Z");
        })) << "process "
            << pid.toStdString() << " survived the cancel";

    const QueueResult<QList<qint64>> again = queue->cancel(QString::number(running));
    ASSERT_TRUE(std::holds_alternative<QueueError>(again));
    EXPECT_EQ(std::get<QueueError>(again).kind, QueueError::Kind::conflict);
}

TEST_F(QueueTest, KillsAJobAtItsTimeLimit) {
    const qint64 id = submitShell(QStringLiteral("trap '' TERM; sleep 1000"),
                                  QJsonObject{{QStringLiteral("time_limit_s"), 1}});
    ASSERT_TRUE(waitForState(id, JobState::timeout));
    const Job ended = job(id);
    EXPECT_GE(ended.endTimeMs - ended.startTimeMs, 1000);
    EXPECT_NE(ended.termSignal, 0);
}

TEST_F(QueueTest, HoldsAndReleases) {
    const qint64 id = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    queue->scheduleNow();
    EXPECT_EQ(job(id).state, JobState::pending);
    EXPECT_EQ(job(id).reason, PendingReason::held);
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(queue->release(QString::number(id))));
    ASSERT_TRUE(waitForState(id, JobState::completed));
    const QueueResult<QList<qint64>> hold = queue->hold(QString::number(id));
    ASSERT_TRUE(std::holds_alternative<QueueError>(hold));
    EXPECT_TRUE(std::get<QueueError>(hold).message.contains(QStringLiteral("completed")));
}

TEST_F(QueueTest, RunsArrayTasksWithinTheirThrottle) {
    const QString log = path(QStringLiteral("array-log"));
    const std::vector<qint64> ids = submit(
        QJsonObject{{QStringLiteral("argv"),
                     QJsonArray{QStringLiteral("/bin/sh"), QStringLiteral("-c"),
                                QStringLiteral("echo start $SLURM_ARRAY_TASK_ID >> %1; sleep 0.2; echo end "
                                               "$SLURM_ARRAY_TASK_ID >> %1")
                                    .arg(log)}},
                    {QStringLiteral("array"), QStringLiteral("1,5,9%1")}});
    ASSERT_EQ(ids.size(), 3u);
    EXPECT_EQ(job(ids[1]).arrayJobId, ids[0]);
    EXPECT_EQ(job(ids[1]).arrayTaskId, 5);
    EXPECT_EQ(job(ids[1]).displayId(), QStringLiteral("%1_5").arg(ids[0]));
    for (qint64 id : ids)
        ASSERT_TRUE(waitForState(id, JobState::completed));
    // One at a time: every start is followed by its own end.
    EXPECT_EQ(readFile(log), QByteArray("start 1\nend 1\nstart 5\nend 5\nstart 9\nend 9\n"));
}

TEST_F(QueueTest, FollowsDependenciesAndReportsNeverSatisfiable) {
    const qint64 first = submitShell(QStringLiteral("sleep 0.3; exit 1"));
    const qint64 onOk =
        submitShell(QStringLiteral("true"),
                    QJsonObject{{QStringLiteral("dependency"), QStringLiteral("afterok:%1").arg(first)}});
    const qint64 onFail =
        submitShell(QStringLiteral("true"),
                    QJsonObject{{QStringLiteral("dependency"), QStringLiteral("afternotok:%1").arg(first)}});
    queue->scheduleNow();
    EXPECT_EQ(job(onOk).reason, PendingReason::dependency);
    ASSERT_TRUE(waitForState(onFail, JobState::completed));
    ASSERT_TRUE(waitUntil([&] { return job(onOk).reason == PendingReason::dependencyNeverSatisfied; }));
    EXPECT_EQ(job(onOk).state, JobState::pending);
}

TEST_F(QueueTest, ReadsSbatchDirectivesFromScripts) {
    const std::vector<qint64> ids = submit(QJsonObject{
        {QStringLiteral("script"),
         QStringLiteral("#!/bin/bash\n#SBATCH --job-name=sweep\n#SBATCH --gres=gpu:1\n"
                        "#SBATCH --array=0-1\n#SBATCH -o %x-%A_%a.out\n"
                        "echo task $SLURM_ARRAY_TASK_ID of $SLURM_ARRAY_JOB_ID on $CUDA_VISIBLE_DEVICES\n")},
        {QStringLiteral("workdir"), dir.path()}});
    ASSERT_EQ(ids.size(), 2u);
    for (qint64 id : ids)
        ASSERT_TRUE(waitForState(id, JobState::completed));
    const Job second = job(ids[1]);
    EXPECT_EQ(second.spec.name, QStringLiteral("sweep"));
    EXPECT_EQ(second.spec.gpus, 1);
    EXPECT_EQ(second.stdoutFile, path(QStringLiteral("sweep-%1_1.out").arg(ids[0])));
    EXPECT_TRUE(
        readFile(second.stdoutFile).startsWith(QStringLiteral("task 1 of %1 on ").arg(ids[0]).toUtf8()));
}

TEST_F(QueueTest, RefusesBadSubmitsWithoutStoringAnything) {
    const qint64 before = queue->lastSeq();
    EXPECT_TRUE(submitError(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                                        {QStringLiteral("gpus"), 3}})
                    .contains(QStringLiteral("2")));
    EXPECT_TRUE(submitError(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                                        {QStringLiteral("dependency"), QStringLiteral("afterok:999")}})
                    .contains(QStringLiteral("999")));
    EXPECT_FALSE(submitError(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                                         {QStringLiteral("array"), QStringLiteral("5-1")}})
                     .isEmpty());
    EXPECT_TRUE(submitError(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                                        {QStringLiteral("workdir"), QStringLiteral("/no/such/dir")}})
                    .contains(QStringLiteral("/no/such/dir")));
    EXPECT_TRUE(submitError(QJsonObject{{QStringLiteral("script"),
                                         QStringLiteral("#!/bin/sh\n#SBATCH --frobnicate\ntrue\n")}})
                    .contains(QStringLiteral("frobnicate")));
    EXPECT_FALSE(submitError(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                                         {QStringLiteral("cpus"), -1}})
                     .isEmpty());
    // A list is all or nothing: one bad spec refuses the good one before it.
    const QJsonObject good{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}}};
    const QJsonObject bad{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                          {QStringLiteral("gpus"), 99}};
    EXPECT_TRUE(submitError(QJsonObject{{QStringLiteral("jobs"), QJsonArray{good, bad}}})
                    .startsWith(QStringLiteral("jobs[1]")));
    EXPECT_EQ(queue->lastSeq(), before);
    JobQuery all;
    all.limit = 10;
    const Result<JobPage> page = queue->query(all);
    ASSERT_TRUE(page.ok());
    EXPECT_EQ(page->total, 0);
}

TEST_F(QueueTest, RequeuesAFinishedJobAndUpdatesPendingOnes) {
    const qint64 id = submitShell(QStringLiteral("echo ran >> ") + path(QStringLiteral("ran")));
    ASSERT_TRUE(waitForState(id, JobState::completed));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(queue->requeue(QString::number(id))));
    ASSERT_TRUE(waitUntil([&] { return readFile(path(QStringLiteral("ran"))) == "ran\nran\n"; }));
    ASSERT_TRUE(waitForState(id, JobState::completed));

    const qint64 held = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(queue->update(QString::number(held), 7, 60)));
    EXPECT_EQ(job(held).spec.priority, 7);
    EXPECT_EQ(job(held).spec.timeLimitSec, 60);
    queue->cancel(QString::number(held));
}

TEST_F(QueueTest, AppliesActionsToAWholeArrayOrOneTask) {
    const std::vector<qint64> ids =
        submit(QJsonObject{{QStringLiteral("argv"), QJsonArray{QStringLiteral("true")}},
                           {QStringLiteral("array"), QStringLiteral("0-3")},
                           {QStringLiteral("hold"), true}});
    ASSERT_EQ(ids.size(), 4u);
    const QueueResult<QList<qint64>> one = queue->release(QStringLiteral("%1_2").arg(ids[0]));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(one));
    EXPECT_EQ(std::get<QList<qint64>>(one), QList<qint64>{ids[2]});
    ASSERT_TRUE(waitForState(ids[2], JobState::completed));
    const QueueResult<QList<qint64>> all = queue->cancel(QString::number(ids[0]));
    ASSERT_TRUE(std::holds_alternative<QList<qint64>>(all));
    EXPECT_EQ(std::get<QList<qint64>>(all).size(), 3);
    for (qint64 id : {ids[0], ids[1], ids[3]})
        EXPECT_EQ(job(id).state, JobState::cancelled);
    const QueueResult<Job> unknown = queue->find(QStringLiteral("%1_7").arg(ids[0]));
    ASSERT_TRUE(std::holds_alternative<QueueError>(unknown));
    EXPECT_EQ(std::get<QueueError>(unknown).kind, QueueError::Kind::notFound);
}

}  // namespace
}  // namespace nd::test
