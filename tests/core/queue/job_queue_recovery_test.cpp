// A queue that goes away and comes back (the in-process half of crash recovery; tests/integration has
// the daemon killed with SIGKILL): jobs that still run are re-adopted, jobs that ended meanwhile get the
// end their shim recorded, jobs whose process vanished become node_fail and are retried while allowed.
#include <csignal>

#include "QueueFixture.h"

namespace nd::test {
namespace {

using QueueRecoveryTest = QueueFixture;

TEST_F(QueueRecoveryTest, ReadoptsAJobThatOutlivedTheQueue) {
    const qint64 id = submitShell(QStringLiteral("sleep 1; exit 4"));
    ASSERT_TRUE(waitForState(id, JobState::running));
    ASSERT_TRUE(waitUntil([&] { return job(id).process.pid != 0; }));
    queue.reset();  // what a daemon crash leaves: the job keeps running
    startQueue();
    EXPECT_EQ(job(id).state, JobState::running);
    ASSERT_TRUE(waitForState(id, JobState::failed));
    EXPECT_EQ(job(id).exitCode, 4);
}

TEST_F(QueueRecoveryTest, RecordsTheEndOfAJobThatFinishedWhileNoQueueRan) {
    const qint64 id = submitShell(QStringLiteral("sleep 0.3; exit 5"));
    ASSERT_TRUE(waitForState(id, JobState::running));
    const QString status = path(QStringLiteral("jobs/%1/status").arg(id));
    queue.reset();
    ASSERT_TRUE(waitUntil([&] { return readFile(status).contains("ended=1"); }));
    startQueue();
    ASSERT_TRUE(waitForState(id, JobState::failed, 5000));
    EXPECT_EQ(job(id).exitCode, 5);
}

TEST_F(QueueRecoveryTest, TurnsALostJobIntoNodeFailAndRetriesIt) {
    const QString marker = path(QStringLiteral("second-run"));
    const qint64 id =
        submitShell(QStringLiteral("if [ -e %1 ]; then exit 0; fi; touch %1; sleep 1000").arg(marker),
                    QJsonObject{{QStringLiteral("max_retries"), 1}});
    ASSERT_TRUE(waitForState(id, JobState::running));
    ASSERT_TRUE(waitUntil([&] { return QFile::exists(marker) && job(id).process.pid != 0; }));
    // The shim records its child after starting it, and the child may run first: wait for the record
    // before killing the shim (a shim killed before it wrote it leaves no child to look for).
    ASSERT_TRUE(waitUntil(
        [&] { return readFile(path(QStringLiteral("jobs/%1/status").arg(id))).contains("child_pid"); }));
    const Job running = job(id);
    queue.reset();
    // The machine "loses" the job: its shim and its process group die without a word.
    ::kill(static_cast<pid_t>(running.process.pid), SIGKILL);
    qint64 child = 0;
    for (const QByteArray &line : readFile(path(QStringLiteral("jobs/%1/status").arg(id))).split('\n'))
        if (line.startsWith("child_pid="))
            child = line.mid(10).toLongLong();
    if (child > 0)
        ::kill(static_cast<pid_t>(-child), SIGKILL);
    startQueue();
    ASSERT_TRUE(waitForState(id, JobState::completed));
    EXPECT_EQ(job(id).retries, 1);
    bool sawNodeFail = false;
    for (const JobEventRecord &e : events)
        sawNodeFail = sawNodeFail || e.payload.contains("\"node_fail\"");
    EXPECT_TRUE(sawNodeFail);
}

TEST_F(QueueRecoveryTest, KeepsPendingJobsAndNumbersAcrossRestarts) {
    const qint64 held = submitShell(QStringLiteral("true"), QJsonObject{{QStringLiteral("hold"), true}});
    const qint64 seq = queue->lastSeq();
    queue.reset();
    startQueue();
    EXPECT_EQ(job(held).state, JobState::pending);
    EXPECT_TRUE(job(held).held);
    EXPECT_EQ(queue->lastSeq(), seq);
    const qint64 next = submitShell(QStringLiteral("true"));
    EXPECT_GT(next, held);
    EXPECT_GT(queue->lastSeq(), seq);
    ASSERT_TRUE(waitForState(next, JobState::completed));
}

}  // namespace
}  // namespace nd::test
