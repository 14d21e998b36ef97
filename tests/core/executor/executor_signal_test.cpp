// Executor with real processes: ending jobs (terminate, the grace period, the subreaper's final kill) and
// passing signals on to them; also the polling fallback.
#include <QStringList>

#include <unistd.h>

#include <csignal>

#include "ExecutorTestSupport.h"

namespace nd::test {
namespace {

class ExecutorSignalTest : public ExecutorTest {
protected:
    // The pids the job's script wrote to $PIDS, once there are `count` complete lines.
    QList<qint64> waitForPids(int count) {
        QList<qint64> pids;
        waitUntil(
            [&] {
                const QString text = readText(path(QStringLiteral("pids")));
                const QStringList lines = text.split(u'\n', Qt::SkipEmptyParts);
                if (lines.size() < count || !text.endsWith(u'\n'))
                    return false;
                pids.clear();
                for (const QString &line : lines)
                    pids.append(line.toLongLong());
                return true;
            },
            kJobTimeoutMs);
        return pids;
    }

    static QList<ProcessIdentity> identitiesOf(const QList<qint64> &pids) {
        QList<ProcessIdentity> identities;
        for (qint64 pid : pids) {
            const Result<ProcessIdentity> identity = processIdentityOf(pid);
            EXPECT_TRUE(identity.ok()) << identity.error().toStdString();
            if (identity)
                identities.append(*identity);
        }
        return identities;
    }

    static void expectAllGone(const QList<ProcessIdentity> &identities) {
        for (const ProcessIdentity &identity : identities)
            EXPECT_FALSE(processIdentityAlive(identity)) << "pid " << identity.pid << " outlived its job";
    }
};

TEST_F(ExecutorSignalTest, TerminateEndsTheWholeProcessTree) {
    Executor executor(options());
    ExitLog log(executor);
    const QString script = QStringLiteral(
        "sleep 1000 & echo $! >> \"$PIDS\"\n"
        "( sleep 1000 & echo $! >> \"$PIDS\"; wait ) & echo $! >> \"$PIDS\"\n"
        "( sh -c 'echo $$ >> \"$PIDS\"; exec sleep 1000' & wait ) & echo $! >> \"$PIDS\"\n"
        "echo $$ >> \"$PIDS\"\n"
        "wait\n");
    ASSERT_TRUE(executor.launch(request(1, shellCommand(script))).ok());
    const QList<ProcessIdentity> tree = identitiesOf(waitForPids(6));
    ASSERT_EQ(tree.size(), 6);

    ASSERT_TRUE(executor.terminate(1).ok());
    const std::optional<JobExit> exit = log.waitFor(1);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->status.terminatedByRequest);
    EXPECT_EQ(exit->status.termSignal, SIGTERM);
    expectAllGone(tree);
}

TEST_F(ExecutorSignalTest, TerminateRightAfterLaunchIsNotLost) {
    Executor executor(options());
    ExitLog log(executor);
    ASSERT_TRUE(executor.launch(request(2, {QStringLiteral("sleep"), QStringLiteral("1000")})).ok());
    ASSERT_TRUE(executor.terminate(2).ok());
    const std::optional<JobExit> exit = log.waitFor(2);
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_TRUE(exit->status.terminatedByRequest);
    EXPECT_EQ(exit->status.termSignal, SIGTERM);
}

TEST_F(ExecutorSignalTest, JobThatIgnoresSigtermIsKilledAfterTheGracePeriod) {
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(
        3, shellCommand(
               QStringLiteral("trap '' TERM; sleep 1000 & echo $! >> \"$PIDS\"; touch \"$READY\"; wait")));
    job.killGraceSec = 1;
    ASSERT_TRUE(executor.launch(job).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready")));
    const QList<ProcessIdentity> sleeper = identitiesOf(waitForPids(1));

    ASSERT_TRUE(executor.terminate(3).ok());
    const std::optional<JobExit> exit = log.waitFor(3);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->status.terminatedByRequest);
    EXPECT_EQ(exit->status.termSignal, SIGKILL);
    expectAllGone(sleeper);
}

// The grandchild leaves the job's process group and session; as the shim is a child subreaper it comes
// back to the shim when its parent exits, and dies with the job.
TEST_F(ExecutorSignalTest, GrandchildThatEscapedIntoItsOwnSessionIsKilledAtTheEnd) {
    Executor executor(options());
    ExitLog log(executor);
    const QString script = QStringLiteral(
        "( setsid sleep 1000 & echo $! >> \"$PIDS\" )\n"
        "while [ ! -e \"$GO\" ]; do sleep 0.02; done\n");
    ASSERT_TRUE(executor.launch(request(4, shellCommand(script))).ok());
    const QList<qint64> pids = waitForPids(1);
    ASSERT_EQ(pids.size(), 1);
    const pid_t escaped = static_cast<pid_t>(pids.first());
    ASSERT_TRUE(waitUntil([&] { return ::getsid(escaped) == escaped; }, kJobTimeoutMs));
    const QList<ProcessIdentity> grandchild = identitiesOf(pids);

    ASSERT_TRUE(createFile(path(QStringLiteral("go"))));
    const std::optional<JobExit> exit = log.waitFor(4);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 0);
    EXPECT_FALSE(exit->status.terminatedByRequest);
    expectAllGone(grandchild);
}

TEST_F(ExecutorSignalTest, SignalJobReachesATrapInTheJob) {
    Executor executor(options());
    ExitLog log(executor);
    const LaunchRequest job =
        request(5, shellCommand(QStringLiteral(
                       "trap 'echo got-usr1; exit 7' USR1; touch \"$READY\"; while :; do sleep 0.05; done")));
    ASSERT_TRUE(executor.launch(job).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready")));
    ASSERT_TRUE(executor.signalJob(5, SIGUSR1).ok());
    const std::optional<JobExit> exit = log.waitFor(5);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 7);
    EXPECT_FALSE(exit->status.terminatedByRequest);
    EXPECT_EQ(readText(job.stdoutFile), QStringLiteral("got-usr1\n"));
}

// SIGKILL cannot be sent to the shim as itself (it would kill the shim): it travels as a request.
TEST_F(ExecutorSignalTest, SignalJobCanSendSigkillAndTheShimStillReports) {
    Executor executor(options());
    ExitLog log(executor);
    ASSERT_TRUE(
        executor.launch(request(6, shellCommand(QStringLiteral("touch \"$READY\"; exec sleep 1000")))).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready")));
    ASSERT_TRUE(executor.signalJob(6, SIGKILL).ok());
    const std::optional<JobExit> exit = log.waitFor(6);
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_EQ(exit->status.termSignal, SIGKILL);
    EXPECT_FALSE(exit->status.terminatedByRequest);
}

// The shim dying without its end record (kill -9, the OOM killer) is reported as such, and the job's main
// process does not run on unwatched.
TEST_F(ExecutorSignalTest, ShimKilledOutrightLeavesNoStatusAndTakesTheJobWithIt) {
    Executor executor(options());
    ExitLog log(executor);
    const Result<ProcessIdentity> shim =
        executor.launch(request(11, shellCommand(QStringLiteral("touch \"$READY\"; exec sleep 1000"))));
    ASSERT_TRUE(shim.ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready")));
    ASSERT_TRUE(waitUntil([&] { return executor.childPid(11) != 0; }, kJobTimeoutMs));
    const QList<ProcessIdentity> job = identitiesOf({executor.childPid(11)});

    ASSERT_EQ(::kill(static_cast<pid_t>(shim->pid), SIGKILL), 0);  // our own unreaped child: safe by pid
    const std::optional<JobExit> exit = log.waitFor(11);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->statusMissing);
    EXPECT_FALSE(exit->status.ended);
    EXPECT_EQ(exit->status.childPid, job.value(0).pid);
    ASSERT_TRUE(waitUntil([&] { return !processIdentityAlive(job.value(0)); }, kJobTimeoutMs));
}

TEST_F(ExecutorSignalTest, SignalsToUnknownJobsOrOfBadNumbersAreErrors) {
    Executor executor(options());
    EXPECT_FALSE(executor.terminate(99).ok());
    EXPECT_FALSE(executor.signalJob(99, SIGUSR1).ok());
    ExitLog log(executor);
    ASSERT_TRUE(executor.launch(request(7, shellCommand(QStringLiteral("exec sleep 1000")))).ok());
    EXPECT_FALSE(executor.signalJob(7, 0).ok());
    EXPECT_FALSE(executor.signalJob(7, 100000).ok());
    ASSERT_TRUE(executor.terminate(7).ok());
    ASSERT_TRUE(log.waitFor(7));
    EXPECT_FALSE(executor.terminate(7).ok());  // no longer watched
}

TEST_F(ExecutorSignalTest, PollingFallbackReportsExitsTerminatesAndForwards) {
    Executor executor(options(Executor::WatchMode::polling));
    ExitLog log(executor);
    const std::optional<JobExit> plain =
        runToEnd(executor, log, request(8, shellCommand(QStringLiteral("exit 3"))));
    ASSERT_TRUE(plain);
    EXPECT_EQ(plain->status.exitCode, 3);

    ASSERT_TRUE(executor.launch(request(9, {QStringLiteral("sleep"), QStringLiteral("1000")})).ok());
    ASSERT_TRUE(executor.terminate(9).ok());
    const std::optional<JobExit> terminated = log.waitFor(9);
    ASSERT_TRUE(terminated);
    EXPECT_TRUE(terminated->status.terminatedByRequest);
    EXPECT_EQ(terminated->status.termSignal, SIGTERM);

    const LaunchRequest trapping = request(
        10,
        shellCommand(QStringLiteral("trap 'exit 9' ALRM; touch \"$READY\"; while :; do sleep 0.05; done")));
    ASSERT_TRUE(executor.launch(trapping).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready")));
    ASSERT_TRUE(executor.signalJob(10, SIGALRM).ok());  // not passed on as itself: sent as a request
    const std::optional<JobExit> forwarded = log.waitFor(10);
    ASSERT_TRUE(forwarded);
    EXPECT_EQ(forwarded->status.exitCode, 9);
}

}  // namespace
}  // namespace nd::test
