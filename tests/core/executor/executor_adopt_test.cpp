// A daemon restart, in one process: jobs outlive their executor, a new executor adopts them by identity,
// and a job that ended while nobody watched leaves its status behind.
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <memory>

#include "ExecutorTestSupport.h"

namespace nd::test {
namespace {

using ExecutorAdoptTest = ExecutorTest;

const QString kWaitForGo = QStringLiteral("while [ ! -e \"$GO\" ]; do sleep 0.02; done; exit 5");

TEST_F(ExecutorAdoptTest, JobOutlivesItsExecutorAndIsAdoptedToItsEnd) {
    const LaunchRequest job = request(1, shellCommand(kWaitForGo));
    auto first = std::make_unique<Executor>(options());
    const Result<ProcessIdentity> identity = first->launch(job);
    ASSERT_TRUE(identity.ok()) << identity.error().toStdString();
    ASSERT_TRUE(waitUntil([&] { return first->childPid(1) != 0; }, kJobTimeoutMs));
    first.reset();  // the daemon goes away
    EXPECT_TRUE(processIdentityAlive(*identity));

    Executor second(options());
    ExitLog log(second);
    const VoidResult adopted = second.adopt(1, *identity, job.statusFile);
    ASSERT_TRUE(adopted.ok()) << adopted.error().toStdString();
    EXPECT_EQ(second.watchedCount(), 1);
    EXPECT_GT(second.childPid(1), 0);
    EXPECT_FALSE(second.adopt(1, *identity, job.statusFile).ok());  // already watched

    ASSERT_TRUE(createFile(path(QStringLiteral("go"))));
    const std::optional<JobExit> exit = log.waitFor(1);
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_EQ(exit->status.exitCode, 5);
}

TEST_F(ExecutorAdoptTest, AdoptedJobCanBeTerminated) {
    const LaunchRequest job = request(2, {QStringLiteral("sleep"), QStringLiteral("1000")});
    auto first = std::make_unique<Executor>(options());
    const Result<ProcessIdentity> identity = first->launch(job);
    ASSERT_TRUE(identity.ok());
    first.reset();

    Executor second(options());
    ExitLog log(second);
    ASSERT_TRUE(second.adopt(2, *identity, job.statusFile).ok());
    ASSERT_TRUE(second.terminate(2).ok());
    const std::optional<JobExit> exit = log.waitFor(2);
    ASSERT_TRUE(exit);
    EXPECT_TRUE(exit->status.terminatedByRequest);
    EXPECT_EQ(exit->status.termSignal, SIGTERM);
}

TEST_F(ExecutorAdoptTest, JobThatEndsWhileNobodyWatchesLeavesItsStatus) {
    const LaunchRequest job = request(3, shellCommand(QStringLiteral("exit 4")));
    auto first = std::make_unique<Executor>(options());
    const Result<ProcessIdentity> identity = first->launch(job);
    ASSERT_TRUE(identity.ok());
    first.reset();

    ASSERT_TRUE(waitUntil([&] { return !processIdentityAlive(*identity); }, kJobTimeoutMs));
    const Result<ShimStatus> status = readShimStatus(job.statusFile);
    ASSERT_TRUE(status.ok()) << status.error().toStdString();
    EXPECT_TRUE(status->ended);
    EXPECT_EQ(status->exitCode, 4);

    Executor second(options());
    EXPECT_FALSE(second.adopt(3, *identity, job.statusFile).ok());
    EXPECT_EQ(second.watchedCount(), 0);
    // We are the shim's parent here (a real daemon's successor is not): reap it.
    EXPECT_EQ(::waitpid(static_cast<pid_t>(identity->pid), nullptr, 0), identity->pid);
}

TEST_F(ExecutorAdoptTest, AdoptingAShimThatIsGoneFails) {
    Executor executor(options());
    ExitLog log(executor);
    const LaunchRequest job = request(4, {QStringLiteral("true")});
    const Result<ProcessIdentity> identity = executor.launch(job);
    ASSERT_TRUE(identity.ok());
    ASSERT_TRUE(log.waitFor(4));
    EXPECT_FALSE(processIdentityAlive(*identity));
    const VoidResult adopted = executor.adopt(4, *identity, job.statusFile);
    ASSERT_FALSE(adopted.ok());
    EXPECT_TRUE(adopted.error().contains(QString::number(identity->pid))) << adopted.error().toStdString();
}

TEST_F(ExecutorAdoptTest, AdoptingAMismatchedIdentityFails) {
    const Result<ProcessIdentity> self = processIdentityOf(::getpid());
    ASSERT_TRUE(self.ok()) << self.error().toStdString();
    EXPECT_TRUE(processIdentityAlive(*self));
    Executor executor(options());

    ProcessIdentity reusedPid = *self;  // same pid, another process (started at another time)
    reusedPid.startTicks += 1;
    EXPECT_FALSE(processIdentityAlive(reusedPid));
    EXPECT_FALSE(executor.adopt(5, reusedPid, path(QStringLiteral("job-5.status"))).ok());

    ProcessIdentity beforeReboot = *self;
    beforeReboot.bootId = QStringLiteral("00000000-0000-0000-0000-000000000000");
    EXPECT_FALSE(processIdentityAlive(beforeReboot));
    EXPECT_FALSE(executor.adopt(5, beforeReboot, path(QStringLiteral("job-5.status"))).ok());

    EXPECT_FALSE(executor.adopt(5, ProcessIdentity{}, path(QStringLiteral("job-5.status"))).ok());
    EXPECT_EQ(executor.watchedCount(), 0);
}

// /proc/<pid>/stat field 2 is "(comm)", and comm may contain ") (" itself.
TEST_F(ExecutorAdoptTest, IdentityIsReadPastACommandNameWithParenthesesAndSpaces) {
    const Result<ProcessIdentity> before = processIdentityOf(::getpid());
    ASSERT_TRUE(before.ok());
    char originalName[17] = {};
    ASSERT_EQ(::prctl(PR_GET_NAME, originalName, 0, 0, 0), 0);
    ASSERT_EQ(::prctl(PR_SET_NAME, "x) S 1 2 (y", 0, 0, 0), 0);
    const Result<ProcessIdentity> renamed = processIdentityOf(::getpid());
    const bool alive = renamed.ok() && processIdentityAlive(*renamed);
    ::prctl(PR_SET_NAME, originalName, 0, 0, 0);
    ASSERT_TRUE(renamed.ok()) << renamed.error().toStdString();
    EXPECT_EQ(*renamed, *before);
    EXPECT_TRUE(alive);
    EXPECT_FALSE(processIdentityOf(0).ok());
}

}  // namespace
}  // namespace nd::test
