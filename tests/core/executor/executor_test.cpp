// Executor with real processes: exit codes, output capture, environment, working directory, launch
// errors and accounting. Signals are in executor_signal_test.cpp, adoption in executor_adopt_test.cpp.
#include <QDir>

#include <sys/types.h>
#include <unistd.h>

#include <csignal>

#include "ExecutorTestSupport.h"

namespace nd::test {
namespace {

TEST_F(ExecutorTest, JobThatSucceedsEndsWithExitCodeZero) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit = runToEnd(executor, log, request(1, {QStringLiteral("true")}));
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_TRUE(exit->status.ended);
    EXPECT_EQ(exit->status.exitCode, 0);
    EXPECT_EQ(exit->status.termSignal, 0);
    EXPECT_TRUE(exit->status.launchError.isEmpty());
    EXPECT_FALSE(exit->status.terminatedByRequest);
    EXPECT_GT(exit->status.childPid, 0);
    EXPECT_GT(exit->status.endTimeMs, 0);
    EXPECT_EQ(executor.watchedCount(), 0);
}

TEST_F(ExecutorTest, ExitCodeOfTheJobIsReported) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit =
        runToEnd(executor, log, request(2, shellCommand(QStringLiteral("exit 3"))));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 3);
    EXPECT_EQ(exit->status.termSignal, 0);
}

TEST_F(ExecutorTest, JobKilledByASignalReportsTheSignal) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit =
        runToEnd(executor, log, request(3, shellCommand(QStringLiteral("kill -KILL $$"))));
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_EQ(exit->status.termSignal, SIGKILL);
    EXPECT_EQ(exit->status.exitCode, -1);
    EXPECT_FALSE(exit->status.terminatedByRequest);
}

TEST_F(ExecutorTest, StdoutAndStderrGoToTheirFiles) {
    Executor executor(options());
    ExitLog log(executor);
    const LaunchRequest job = request(4, shellCommand(QStringLiteral("echo to-out; echo to-err >&2")));
    ASSERT_TRUE(runToEnd(executor, log, job));
    EXPECT_EQ(readText(job.stdoutFile), QStringLiteral("to-out\n"));
    EXPECT_EQ(readText(job.stderrFile), QStringLiteral("to-err\n"));
}

TEST_F(ExecutorTest, SameFileForBothStreamsMergesThemAndKeepsEarlierContent) {
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(5, shellCommand(QStringLiteral("echo one; echo two >&2; echo three")));
    job.stderrFile = job.stdoutFile;
    {
        QFile earlier(job.stdoutFile);
        ASSERT_TRUE(earlier.open(QIODevice::WriteOnly));
        earlier.write("earlier run\n");
    }
    ASSERT_TRUE(runToEnd(executor, log, job));
    EXPECT_EQ(readText(job.stdoutFile), QStringLiteral("earlier run\none\ntwo\nthree\n"));
}

TEST_F(ExecutorTest, RelativeOutputPathsAreInTheWorkingDirectory) {
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(6, shellCommand(QStringLiteral("echo hello")));
    ASSERT_TRUE(QDir(m_dir.path()).mkdir(QStringLiteral("work")));
    job.workdir = path(QStringLiteral("work"));
    job.stdoutFile = QStringLiteral("relative.out");
    job.stderrFile = QString();  // /dev/null
    ASSERT_TRUE(runToEnd(executor, log, job));
    EXPECT_EQ(readText(path(QStringLiteral("work/relative.out"))), QStringLiteral("hello\n"));
}

TEST_F(ExecutorTest, JobSeesTheDaemonEnvironmentPlusItsOwnAdditionsWhichWin) {
    qputenv("ND_EXECUTOR_TEST_INHERITED", "from-daemon");
    qputenv("ND_EXECUTOR_TEST_OVERRIDDEN", "from-daemon");
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(
        7, shellCommand(QStringLiteral("echo \"$ND_EXECUTOR_TEST_INHERITED $ND_EXECUTOR_TEST_OVERRIDDEN "
                                       "$CUDA_VISIBLE_DEVICES\"")));
    job.env.append({QStringLiteral("ND_EXECUTOR_TEST_OVERRIDDEN"), QStringLiteral("from-job")});
    // Set twice (the user's env, then the queue's own): the later one wins.
    job.env.append({QStringLiteral("CUDA_VISIBLE_DEVICES"), QStringLiteral("0")});
    job.env.append({QStringLiteral("CUDA_VISIBLE_DEVICES"), QStringLiteral("1,3")});
    const std::optional<JobExit> exit = runToEnd(executor, log, job);
    qunsetenv("ND_EXECUTOR_TEST_INHERITED");
    qunsetenv("ND_EXECUTOR_TEST_OVERRIDDEN");
    ASSERT_TRUE(exit);
    EXPECT_EQ(readText(job.stdoutFile), QStringLiteral("from-daemon from-job 1,3\n"));
}

TEST_F(ExecutorTest, JobRunsInItsWorkingDirectoryWithStdinFromDevNull) {
    Executor executor(options());
    ExitLog log(executor);
    ASSERT_TRUE(QDir(m_dir.path()).mkdir(QStringLiteral("cwd")));
    LaunchRequest job = request(8, shellCommand(QStringLiteral("pwd; echo \"$PWD\"; cat; echo end")));
    job.workdir = path(QStringLiteral("cwd"));
    ASSERT_TRUE(runToEnd(executor, log, job));
    const QString expectedDir = QDir(path(QStringLiteral("cwd"))).canonicalPath();
    EXPECT_EQ(readText(job.stdoutFile), expectedDir + u'\n' + expectedDir + QStringLiteral("\nend\n"));
}

TEST_F(ExecutorTest, ProgramThatDoesNotExistIsALaunchError) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit = runToEnd(
        executor, log, request(9, {QStringLiteral("nemodesk-no-such-program"), QStringLiteral("x")}));
    ASSERT_TRUE(exit);
    EXPECT_FALSE(exit->statusMissing);
    EXPECT_TRUE(exit->status.ended);
    EXPECT_EQ(exit->status.launchError,
              QStringLiteral("cannot run 'nemodesk-no-such-program': No such file or directory"));
    EXPECT_EQ(exit->status.childPid, 0);
}

TEST_F(ExecutorTest, LaunchErrorMessageSurvivesANewlineInTheProgramName) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit =
        runToEnd(executor, log, request(10, {QStringLiteral("no\nsuch\\prog")}));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.launchError,
              QStringLiteral("cannot run 'no\nsuch\\prog': No such file or directory"));
}

TEST_F(ExecutorTest, MissingWorkingDirectoryIsALaunchError) {
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(11, {QStringLiteral("true")});
    job.workdir = path(QStringLiteral("not-there"));
    const std::optional<JobExit> exit = runToEnd(executor, log, job);
    ASSERT_TRUE(exit);
    EXPECT_EQ(
        exit->status.launchError,
        QStringLiteral("cannot enter working directory '%1': No such file or directory").arg(job.workdir));
}

TEST_F(ExecutorTest, OutputFileThatCannotBeOpenedIsALaunchError) {
    Executor executor(options());
    ExitLog log(executor);
    LaunchRequest job = request(12, {QStringLiteral("true")});
    job.stderrFile = path(QStringLiteral("no-such-folder/job.err"));
    const std::optional<JobExit> exit = runToEnd(executor, log, job);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.launchError,
              QStringLiteral("cannot open output file '%1': No such file or directory").arg(job.stderrFile));
}

TEST_F(ExecutorTest, MissingShimIsAnErrorNamingItsPath) {
    Executor::Options broken = options();
    broken.shimPath = path(QStringLiteral("bin/nemodesk-jobshim"));
    Executor executor(broken);
    const Result<ProcessIdentity> launched = executor.launch(request(13, {QStringLiteral("true")}));
    ASSERT_FALSE(launched.ok());
    EXPECT_TRUE(launched.error().contains(broken.shimPath)) << launched.error().toStdString();
    EXPECT_EQ(executor.watchedCount(), 0);
}

TEST_F(ExecutorTest, ShimPathComesFromTheEnvironmentByDefault) {
    qputenv("NEMODESK_JOBSHIM", NEMODESK_JOBSHIM_PATH);
    Executor executor(Executor::Options{});
    qunsetenv("NEMODESK_JOBSHIM");
    ExitLog log(executor);
    const std::optional<JobExit> exit = runToEnd(executor, log, request(14, {QStringLiteral("true")}));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 0);
}

TEST_F(ExecutorTest, BadRequestsAreRefusedBeforeAnythingStarts) {
    Executor executor(options());
    EXPECT_FALSE(executor.launch(request(15, {})).ok());
    LaunchRequest noStatusFolder = request(16, {QStringLiteral("true")});
    noStatusFolder.statusFile = path(QStringLiteral("missing/job.status"));
    EXPECT_FALSE(executor.launch(noStatusFolder).ok());
    EXPECT_EQ(executor.watchedCount(), 0);
}

TEST_F(ExecutorTest, CpuTimeOfTheJobIsMeasured) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit = runToEnd(
        executor, log, request(17, helperCommand({QStringLiteral("burn-cpu"), QStringLiteral("300")})));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 0);
    EXPECT_GE(exit->status.cpuTimeMs, 200);
}

TEST_F(ExecutorTest, PeakMemoryOfTheJobIsMeasured) {
    Executor executor(options());
    ExitLog log(executor);
    const std::optional<JobExit> exit = runToEnd(
        executor, log, request(18, helperCommand({QStringLiteral("touch-mib"), QStringLiteral("64")})));
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 0);
    EXPECT_GE(exit->status.peakRssKib, 48 * 1024);
}

// Two processes of 48 MiB at once: only the sum over the job's processes can reach 96 MiB (the rusage of
// the largest process alone says 48).
TEST_F(ExecutorTest, PeakMemoryIsTheSumOverTheJobsProcesses) {
    Executor executor(options());
    ExitLog log(executor);
    const QString script = QStringLiteral(
        "\"$HELPER\" hold-mib 48 \"$READY.1\" \"$GO\" & \"$HELPER\" hold-mib 48 \"$READY.2\" \"$GO\" & wait");
    LaunchRequest job = request(19, shellCommand(script));
    job.env.append({QStringLiteral("HELPER"), QStringLiteral(NEMODESK_EXECUTOR_TEST_HELPER)});
    ASSERT_TRUE(executor.launch(job).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready.1")) && waitForFile(QStringLiteral("ready.2")));
    // The shim samples the job's memory before it passes a signal on: once both helpers have seen the
    // SIGCONT, a sample with both of them in it has been taken.
    ASSERT_TRUE(executor.signalJob(19, SIGCONT).ok());
    ASSERT_TRUE(waitForFile(QStringLiteral("ready.1.cont")) && waitForFile(QStringLiteral("ready.2.cont")));
    ASSERT_TRUE(createFile(path(QStringLiteral("go"))));
    const std::optional<JobExit> exit = log.waitFor(19);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.exitCode, 0);
    EXPECT_GE(exit->status.peakRssKib, 96 * 1024);
}

TEST_F(ExecutorTest, ChildPidIsReportedOnceTheJobRuns) {
    Executor executor(options());
    ExitLog log(executor);
    ASSERT_TRUE(
        executor
            .launch(request(20, shellCommand(QStringLiteral("while [ ! -e \"$GO\" ]; do sleep 0.02; done"))))
            .ok());
    ASSERT_TRUE(waitUntil([&] { return executor.childPid(20) != 0; }, kJobTimeoutMs));
    const pid_t child = static_cast<pid_t>(executor.childPid(20));
    EXPECT_EQ(::getpgid(child), child);       // the job leads its own process group
    EXPECT_NE(::getsid(child), ::getsid(0));  // in the shim's session, not ours
    ASSERT_TRUE(createFile(path(QStringLiteral("go"))));
    const std::optional<JobExit> exit = log.waitFor(20);
    ASSERT_TRUE(exit);
    EXPECT_EQ(exit->status.childPid, child);
    EXPECT_EQ(executor.childPid(20), 0);
}

}  // namespace
}  // namespace nd::test
