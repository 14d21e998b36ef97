// Executor: starts nemodesk-jobshim with posix_spawn, watches each shim through a pidfd (or by polling on
// kernels without one) and turns its end into exited(). Signals reach a shim only through its pidfd, which
// names exactly that process, never through a pid that could have been reused.
#include "core/executor/Executor.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QSocketNotifier>
#include <QTimer>

#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <memory>

#include "core/executor/ShimSpawn.h"
#include "core/executor/shim/JobShim.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434  // the same number on every architecture
#endif
#ifndef SYS_pidfd_send_signal
#define SYS_pidfd_send_signal 424
#endif
#ifndef P_PIDFD
#define P_PIDFD 3
#endif

namespace nd {

namespace {

constexpr int kPollIntervalMs = 200;

int openPidfd(qint64 pid) {
    return static_cast<int>(::syscall(SYS_pidfd_open, static_cast<pid_t>(pid), 0));
}

QString defaultShimPath() {
    QString fromEnvironment = qEnvironmentVariable("NEMODESK_JOBSHIM");
    if (!fromEnvironment.isEmpty())
        return fromEnvironment;
    // Installed (the .deb, the .tar.gz): <prefix>/libexec/nemodesk/, a helper no one runs by hand, kept
    // off PATH. The build tree: next to nemoctl. Relative to this executable, so a moved tree still works.
    const QString appDir = QCoreApplication::applicationDirPath();
    const QString installed = appDir + QStringLiteral("/../libexec/nemodesk/nemodesk-jobshim");
    if (QFileInfo(installed).isExecutable())
        return QDir::cleanPath(installed);
    return appDir + QStringLiteral("/nemodesk-jobshim");
}

}  // namespace

struct Executor::Watched {
    ProcessIdentity identity;
    QString statusFile;
    Origin origin = Origin::launchedHere;
    int pidfd = -1;  // -1: polled
    std::unique_ptr<QSocketNotifier> notifier;
    std::unique_ptr<QTimer> pollTimer;
    qint64 childPid = 0;  // from the status file, once read

    ~Watched() {
        // Deleting a notifier or timer from inside its own signal is safe in Qt: both guard against it.
        notifier.reset();
        pollTimer.reset();
        if (pidfd >= 0)
            ::close(pidfd);
    }
};

Executor::Executor(Options options, QObject *parent) : QObject(parent), m_options(std::move(options)) {
    qRegisterMetaType<nd::JobExit>();
    if (m_options.shimPath.isEmpty())
        m_options.shimPath = defaultShimPath();
}

Executor::~Executor() {
    // Stop watching only: the jobs run on (a later daemon adopts them).
    qDeleteAll(m_watched);
}

Result<ProcessIdentity> Executor::launch(const LaunchRequest &request) {
    if (m_watched.contains(request.jobId))
        return Error{QStringLiteral("job %1 is already running under this executor").arg(request.jobId)};
    if (request.argv.isEmpty() || request.argv.first().isEmpty())
        return Error{QStringLiteral("job %1 has no command to run").arg(request.jobId)};
    const QFileInfo statusInfo(request.statusFile);
    if (request.statusFile.isEmpty() || !statusInfo.absoluteDir().exists())
        return Error{QStringLiteral("the folder for job %1's status file '%2' does not exist")
                         .arg(request.jobId)
                         .arg(request.statusFile)};
    // Identities come from /proc: without it no job could ever be adopted, so none is started.
    if (const Result<ProcessIdentity> self = processIdentityOf(::getpid()); !self)
        return Error{self.error()};

    const Result<qint64> spawned = spawnShim(m_options.shimPath, request);
    if (!spawned)
        return Error{spawned.error()};
    const qint64 pid = *spawned;

    // Race-free: the shim is our child and nobody reaps it before we do, so the pid is still it.
    int pidfd = -1;
    if (m_options.watchMode == WatchMode::pidfd)
        pidfd = openPidfd(pid);  // on failure (ENOSYS: kernel < 5.3): polled
    Result<ProcessIdentity> identity = processIdentityOf(pid);
    if (!identity) {
        // Cannot happen while /proc works (checked above). Without an identity the job could never be
        // adopted, so the shim is stopped before it gets far.
        ::kill(static_cast<pid_t>(pid), SIGKILL);
        ::waitpid(static_cast<pid_t>(pid), nullptr, 0);
        if (pidfd >= 0)
            ::close(pidfd);
        return Error{identity.error()};
    }
    watch(request.jobId, *identity, statusInfo.absoluteFilePath(), pidfd, Origin::launchedHere);
    return identity;
}

VoidResult Executor::adopt(qint64 jobId, const ProcessIdentity &identity, const QString &statusFile) {
    if (m_watched.contains(jobId))
        return Error{QStringLiteral("job %1 is already watched by this executor").arg(jobId)};
    // The pidfd first: from then on it names this process, so the identity check below cannot be fooled
    // by the pid being reused in between.
    int pidfd = -1;
    if (m_options.watchMode == WatchMode::pidfd && identity.pid > 0) {
        pidfd = openPidfd(identity.pid);
        if (pidfd < 0 && errno == ESRCH)
            return Error{
                QStringLiteral("job %1's shim (pid %2) is no longer running").arg(jobId).arg(identity.pid)};
    }
    if (!processIdentityAlive(identity)) {
        if (pidfd >= 0)
            ::close(pidfd);
        return Error{QStringLiteral("job %1's shim (pid %2) is no longer running: the pid has ended, belongs "
                                    "to another process now, or the machine has rebooted")
                         .arg(jobId)
                         .arg(identity.pid)};
    }
    watch(jobId, identity, statusFile, pidfd, Origin::adopted);
    return success();
}

void Executor::watch(qint64 jobId, const ProcessIdentity &identity, const QString &statusFile, int pidfd,
                     Origin origin) {
    auto *watched = new Watched;
    watched->identity = identity;
    watched->statusFile = statusFile;
    watched->origin = origin;
    watched->pidfd = pidfd;
    if (pidfd >= 0) {
        watched->notifier = std::make_unique<QSocketNotifier>(pidfd, QSocketNotifier::Read);
        connect(watched->notifier.get(), &QSocketNotifier::activated, this,
                [this, jobId] { onPidfdReadable(jobId); });
    } else {
        watched->pollTimer = std::make_unique<QTimer>();
        watched->pollTimer->setInterval(kPollIntervalMs);
        connect(watched->pollTimer.get(), &QTimer::timeout, this, [this, jobId] { onPollTick(jobId); });
        watched->pollTimer->start();
    }
    m_watched.insert(jobId, watched);
}

void Executor::onPidfdReadable(qint64 jobId) {
    Watched *watched = m_watched.value(jobId);
    if (!watched)
        return;
    // Reap it when it is our child: P_PIDFD reaps exactly this process. ECHILD (adopted: init reaps it)
    // is expected.
    siginfo_t info{};
    int reaped = 0;
    do {
        reaped = ::waitid(static_cast<idtype_t>(P_PIDFD), static_cast<id_t>(watched->pidfd), &info,
                          WEXITED | WNOHANG);
    } while (reaped < 0 && errno == EINTR);
    if (reaped < 0 && errno == EINVAL && watched->origin == Origin::launchedHere)
        ::waitpid(static_cast<pid_t>(watched->identity.pid), nullptr, WNOHANG);  // kernel < 5.4
    finish(jobId);
}

void Executor::onPollTick(qint64 jobId) {
    Watched *watched = m_watched.value(jobId);
    if (!watched)
        return;
    if (watched->origin == Origin::launchedHere) {
        const pid_t reaped = ::waitpid(static_cast<pid_t>(watched->identity.pid), nullptr, WNOHANG);
        if (reaped == watched->identity.pid)
            finish(jobId);
        return;
    }
    if (!processIdentityAlive(watched->identity))
        finish(jobId);
}

void Executor::finish(qint64 jobId) {
    Watched *watched = m_watched.take(jobId);
    JobExit exit;
    exit.jobId = jobId;
    const Result<ShimStatus> status = readShimStatus(watched->statusFile);
    if (status)
        exit.status = *status;
    exit.statusMissing = !status || !status->ended;
    delete watched;
    Q_EMIT exited(exit);  // last: a slot may delete this executor
}

VoidResult Executor::terminate(qint64 jobId) {
    return sendToShim(jobId, SIGTERM, 0);
}

VoidResult Executor::signalJob(qint64 jobId, int signalNumber) {
    if (signalNumber <= 0 || signalNumber >= NSIG)
        return Error{QStringLiteral("%1 is not a signal number").arg(signalNumber)};
    if (jobshim::isForwardedAsIs(signalNumber))
        return sendToShim(jobId, signalNumber, 0);
    return sendToShim(jobId, jobshim::forwardRequestSignal(), signalNumber);
}

VoidResult Executor::sendToShim(qint64 jobId, int signalNumber, int forwardedSignal) {
    Watched *watched = m_watched.value(jobId);
    if (!watched)
        return Error{QStringLiteral("job %1 is not running under this executor").arg(jobId)};
    siginfo_t info{};
    siginfo_t *infoArgument = nullptr;
    if (forwardedSignal != 0) {
        info.si_signo = signalNumber;
        info.si_code = SI_QUEUE;
        info.si_pid = ::getpid();
        info.si_uid = ::getuid();
        info.si_value.sival_int = forwardedSignal;
        infoArgument = &info;
    }
    int sent = 0;
    if (watched->pidfd >= 0) {
        sent =
            static_cast<int>(::syscall(SYS_pidfd_send_signal, watched->pidfd, signalNumber, infoArgument, 0));
    } else {
        // Polled (no pidfd on this kernel): the identity check narrows the pid-reuse window to nothing
        // that a 200 ms poll has not already accepted.
        if (!processIdentityAlive(watched->identity))
            return Error{QStringLiteral("job %1 has already ended").arg(jobId)};
        const pid_t pid = static_cast<pid_t>(watched->identity.pid);
        sent = infoArgument ? ::sigqueue(pid, signalNumber, info.si_value) : ::kill(pid, signalNumber);
    }
    if (sent != 0) {
        if (errno == ESRCH)
            return Error{QStringLiteral("job %1 has already ended").arg(jobId)};
        return Error{QStringLiteral("cannot signal job %1: %2").arg(jobId).arg(qt_error_string(errno))};
    }
    return success();
}

qint64 Executor::childPid(qint64 jobId) const {
    Watched *watched = m_watched.value(jobId);
    if (!watched)
        return 0;
    if (watched->childPid == 0) {
        if (const Result<ShimStatus> status = readShimStatus(watched->statusFile))
            watched->childPid = status->childPid;
    }
    return watched->childPid;
}

}  // namespace nd
