// JobShim: the command line, starting the job, and the end of the shim's life. The loop that supervises
// a running job is in ShimSupervisor.cpp.
#include "core/executor/shim/JobShim.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/executor/shim/ShimStatusWriter.h"
#include "core/executor/shim/ShimSupervisor.h"

namespace nd::jobshim {

namespace {

constexpr char kUsage[] =
    "usage: nemodesk-jobshim --status FILE --stdout FILE --stderr FILE [--cwd DIR] [--grace SECONDS] "
    "-- PROGRAM [ARGS...]\n";

struct ShimOptions {
    std::string statusFile;
    std::string stdoutFile;
    std::string stderrFile;
    std::string workdir;  // empty: the shim's own
    int graceSec = 10;
    std::vector<char *> jobArgv;  // null-terminated
};

// What the job's child process sends back over the exec pipe when it could not start the program.
enum class LaunchStage : int { enterWorkdir = 1, redirectOutput, execute };
struct LaunchFailure {
    LaunchStage stage;
    int error;
};

std::string errorText(int error) {
    char buffer[256];
    return ::strerror_r(error, buffer, sizeof(buffer));  // the GNU variant: returns the text
}

// An empty string when the command line is good, else what is wrong with it.
std::string parseOptions(int argc, char **argv, ShimOptions *options) {
    bool haveStdout = false, haveStderr = false;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (flag == "--") {
            for (int j = i + 1; j < argc; ++j)
                options->jobArgv.push_back(argv[j]);
            break;
        }
        if (flag != "--status" && flag != "--stdout" && flag != "--stderr" && flag != "--cwd" &&
            flag != "--grace")
            return "unknown option " + flag;
        if (i + 1 >= argc)
            return "option " + flag + " needs a value";
        const std::string value = argv[++i];
        if (flag == "--status") {
            options->statusFile = value;
        } else if (flag == "--stdout") {
            options->stdoutFile = value;
            haveStdout = true;
        } else if (flag == "--stderr") {
            options->stderrFile = value;
            haveStderr = true;
        } else if (flag == "--cwd") {
            options->workdir = value;
        } else if (flag == "--grace") {
            char *end = nullptr;
            errno = 0;
            const long seconds = std::strtol(value.c_str(), &end, 10);
            if (value.empty() || *end != '\0' || errno != 0 || seconds < 0 || seconds > INT_MAX / 1000)
                return "--grace wants a number of seconds, not '" + value + "'";
            options->graceSec = static_cast<int>(seconds);
        }
    }
    if (options->statusFile.empty())
        return "--status is required";
    if (!haveStdout || !haveStderr)
        return "--stdout and --stderr are required";
    if (options->jobArgv.empty())
        return "no program given after --";
    options->jobArgv.push_back(nullptr);
    return {};
}

// The job never started: the status says why, and that is all the shim does.
int finishWithLaunchError(const std::string &statusFile, const std::string &message) {
    StatusRecord record;
    record.ended = true;
    record.launchError = message;
    record.endTimeMs = wallClockMs();
    return writeStatusFile(statusFile, record, Durability::fileAndFolder) ? 0 : 1;
}

int openOutput(const std::string &path) {
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0644);
}

// 0, 1 and 2 must be open before any other file is, or an output file could land on one of them (and
// then lose its close-on-exec flag by accident). The job's stdin is /dev/null.
void settleStandardFiles() {
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) == -1)
            ::open("/dev/null", O_RDWR);  // takes the lowest free number: this one
    }
    const int devNull = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (devNull >= 0) {
        ::dup2(devNull, STDIN_FILENO);
        ::close(devNull);
    }
}

[[noreturn]] void failInChild(int pipeFd, LaunchStage stage, int error) {
    const LaunchFailure failure{stage, error};
    [[maybe_unused]] const ssize_t n = ::write(pipeFd, &failure, sizeof(failure));
    ::_exit(127);
}

// In the forked child: become the job. Only returns through failInChild.
[[noreturn]] void becomeJob(const ShimOptions &options, pid_t shimPid, int stdoutFd, int stderrFd,
                            int pipeFd) {
    ::setpgid(0, 0);
    // Should the shim itself die (OOM killer, kill -9), the daemon reports the job lost and may requeue
    // it: the job must not run on, unwatched, beside its second run.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
    if (::getppid() != shimPid)
        ::_exit(127);  // the shim died before the line above
    if (!options.workdir.empty()) {
        if (::chdir(options.workdir.c_str()) != 0)
            failInChild(pipeFd, LaunchStage::enterWorkdir, errno);
        // PWD came from the daemon's environment: make it name where the job really is (as Slurm does).
        char here[PATH_MAX];
        if (::getcwd(here, sizeof(here)))
            ::setenv("PWD", here, 1);  // NOLINT(concurrency-mt-unsafe): the forked child has one thread
    }
    if (::dup2(stdoutFd, STDOUT_FILENO) < 0 || ::dup2(stderrFd, STDERR_FILENO) < 0)
        failInChild(pipeFd, LaunchStage::redirectOutput, errno);
    // The job starts with default dispositions and nothing blocked, whatever the shim (or the daemon
    // before it) had.
    struct sigaction defaultAction {};
    defaultAction.sa_handler = SIG_DFL;
    sigemptyset(&defaultAction.sa_mask);
    for (int signalNumber = 1; signalNumber < NSIG; ++signalNumber)
        ::sigaction(signalNumber, &defaultAction, nullptr);  // EINVAL for KILL, STOP and libc's own: fine
    sigset_t none;
    sigemptyset(&none);
    ::pthread_sigmask(SIG_SETMASK, &none, nullptr);
    ::execvp(options.jobArgv[0], options.jobArgv.data());
    failInChild(pipeFd, LaunchStage::execute, errno);
}

std::string describeFailure(const ShimOptions &options, const LaunchFailure &failure) {
    switch (failure.stage) {
        case LaunchStage::enterWorkdir:
            return "cannot enter working directory '" + options.workdir + "': " + errorText(failure.error);
        case LaunchStage::redirectOutput:
            return "cannot redirect the job's output: " + errorText(failure.error);
        case LaunchStage::execute:
            break;
    }
    return "cannot run '" + std::string(options.jobArgv[0]) + "': " + errorText(failure.error);
}

int runShim(int argc, char **argv) {
    ShimOptions options;
    const std::string usageError = parseOptions(argc, argv, &options);
    if (!usageError.empty()) {
        std::fprintf(stderr, "nemodesk-jobshim: %s\n%s", usageError.c_str(), kUsage);
        if (!options.statusFile.empty())
            finishWithLaunchError(options.statusFile, "nemodesk-jobshim: " + usageError);
        return 2;
    }

    // Signals first (the daemon already starts us with them blocked; by hand, this closes the gap).
    const sigset_t handled = handledSignals();
    ::pthread_sigmask(SIG_BLOCK, &handled, nullptr);  // the shim has one thread: the process's mask
    ::setsid();  // fails only when already a group leader (started by hand): nothing to gain then
    ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0);
    settleStandardFiles();

    const int stdoutFd = openOutput(options.stdoutFile);
    if (stdoutFd < 0)
        return finishWithLaunchError(
            options.statusFile, "cannot open output file '" + options.stdoutFile + "': " + errorText(errno));
    const int stderrFd = options.stderrFile == options.stdoutFile ? stdoutFd : openOutput(options.stderrFile);
    if (stderrFd < 0)
        return finishWithLaunchError(
            options.statusFile, "cannot open output file '" + options.stderrFile + "': " + errorText(errno));

    int execPipe[2];
    if (::pipe2(execPipe, O_CLOEXEC) != 0)
        return finishWithLaunchError(options.statusFile, "cannot start the job: pipe: " + errorText(errno));
    const pid_t shimPid = ::getpid();
    const pid_t jobPid = ::fork();
    if (jobPid < 0)
        return finishWithLaunchError(options.statusFile, "cannot start the job: fork: " + errorText(errno));
    if (jobPid == 0) {
        ::close(execPipe[0]);
        becomeJob(options, shimPid, stdoutFd, stderrFd, execPipe[1]);
    }
    ::setpgid(jobPid, jobPid);  // also done by the child: whichever runs first, the group exists after
    ::close(execPipe[1]);
    ::close(stdoutFd);
    if (stderrFd != stdoutFd)
        ::close(stderrFd);

    // End of file on the pipe = the exec happened (the pipe is close-on-exec); a record = it did not.
    LaunchFailure failure{};
    ssize_t n = 0;
    do {
        n = ::read(execPipe[0], &failure, sizeof(failure));
    } while (n < 0 && errno == EINTR);
    ::close(execPipe[0]);
    if (n == static_cast<ssize_t>(sizeof(failure))) {
        ::waitpid(jobPid, nullptr, 0);
        return finishWithLaunchError(options.statusFile, describeFailure(options, failure));
    }

    StatusRecord started;
    started.childPid = jobPid;
    // If even this write fails the job still runs; the end record is tried again when it is over.
    writeStatusFile(options.statusFile, started, Durability::fileOnly);

    StatusRecord ended = superviseJob(jobPid, options.graceSec * 1000LL);
    ended.childPid = jobPid;
    return writeStatusFile(options.statusFile, ended, Durability::fileAndFolder) ? 0 : 1;
}

}  // namespace
}  // namespace nd::jobshim

int jobshim_main(int argc, char **argv) {
    return nd::jobshim::runShim(argc, argv);
}
