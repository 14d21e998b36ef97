#pragma once
// Executor: starts, signals and watches job processes. Every job runs under `nemodesk-jobshim`
// (core/executor/shim), a small non-Qt program that:
//   - puts itself in a new session, so the job outlives the daemon (and `kill -9` of it);
//   - forks the job into its own process group with its working directory, environment and log files;
//   - on SIGTERM from the daemon sends SIGTERM to the job's group, then SIGKILL after the grace period;
//   - after the job's main process exits, kills what is left of its group, and
//   - writes the job's status file (its pid at start; exit code or signal, CPU time and peak memory at the
//     end) atomically, so a daemon that was down when the job ended still learns how it ended.
// The daemon watches each shim through a pidfd (readable when it exits), which also works for shims it
// did not start itself — the ones it re-adopts after a restart.
#include <QHash>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/common/Result.h"
#include "core/jobs/Job.h"

namespace nd {

struct LaunchRequest {
    qint64 jobId = 0;
    QStringList argv;  // program and arguments (a script job: bash and the script file)
    QString workdir;
    QList<QPair<QString, QString>> env;  // added to the daemon's environment (CUDA_VISIBLE_DEVICES, …)
    QString stdoutFile;                  // appended to; relative to workdir; empty: /dev/null
    QString stderrFile;                  // may equal stdoutFile: both go to one file
    QString statusFile;                  // where the shim writes the job's status (its folder must exist)
    int killGraceSec = 10;               // SIGTERM → SIGKILL
};

// What the shim's status file says (also read directly after a daemon restart).
struct ShimStatus {
    qint64 childPid = 0;               // the job's process = its process group id; 0 if it never started
    bool ended = false;                // the job's process has exited (the fields below are valid)
    int exitCode = -1;                 // when it exited normally
    int termSignal = 0;                // when a signal ended it
    QString launchError;               // "cannot run 'foo': No such file or directory" when it never started
                                       // (then ended is true, childPid 0, exitCode -1)
    bool terminatedByRequest = false;  // it got our SIGTERM (time limit or cancel) before ending
    qint64 cpuTimeMs = 0;
    qint64 peakRssKib = 0;
    qint64 endTimeMs = 0;
};
Result<ShimStatus> readShimStatus(const QString &statusFile);

struct JobExit {
    qint64 jobId = 0;
    ShimStatus status;           // launchError set when the shim could not even start the job
    bool statusMissing = false;  // the shim died without a status (killed itself): treat as lost
};

// Whether the process is alive and is still the one we started (start time and boot id match). A zombie
// (ended, not yet reaped) is not alive.
bool processIdentityAlive(const ProcessIdentity &identity);
// The identity of a live pid now (for tests and for launch()).
Result<ProcessIdentity> processIdentityOf(qint64 pid);

class Executor : public QObject {
    Q_OBJECT
public:
    // How the executor learns that a shim has ended.
    enum class WatchMode {
        pidfd = 1,  // a pidfd per shim in the event loop; polling when the kernel has no pidfd_open (< 5.3)
        polling,    // processIdentityAlive every 200 ms (the fallback, selectable so that tests cover it)
    };
    struct Options {
        // nemodesk-jobshim; by default $NEMODESK_JOBSHIM, else the one next to the running executable
        QString shimPath;
        WatchMode watchMode = WatchMode::pidfd;
    };
    explicit Executor(Options options, QObject *parent = nullptr);
    ~Executor() override;  // stops watching; never kills jobs (they outlive the daemon by design)

    // Starts the shim; returns at once (no waiting for the job). The shim's identity goes in the store so
    // a later daemon can adopt it.
    Result<ProcessIdentity> launch(const LaunchRequest &request);
    // Watches a shim started by an earlier daemon. An error when it is gone or is another process.
    VoidResult adopt(qint64 jobId, const ProcessIdentity &identity, const QString &statusFile);

    // Asks the shim to end the job: SIGTERM to its group now, SIGKILL after the grace period.
    VoidResult terminate(qint64 jobId);
    // Sends a signal to the job's process group (nemoctl cancel --signal USR1). Any signal, SIGKILL and
    // SIGSTOP included (the shim passes it on); SIGTERM sent this way is only passed on, with no SIGKILL
    // after it (as scancel --signal=TERM).
    VoidResult signalJob(qint64 jobId, int signalNumber);
    // The job's process (group) id once the shim has reported it; 0 before.
    qint64 childPid(qint64 jobId) const;
    int watchedCount() const { return static_cast<int>(m_watched.size()); }

Q_SIGNALS:
    void exited(const nd::JobExit &exit);

private:
    struct Watched;
    enum class Origin { launchedHere = 1, adopted };
    void watch(qint64 jobId, const ProcessIdentity &identity, const QString &statusFile, int pidfd,
               Origin origin);
    void onPidfdReadable(qint64 jobId);
    void onPollTick(qint64 jobId);
    void finish(qint64 jobId);
    VoidResult sendToShim(qint64 jobId, int signalNumber, int forwardedSignal);
    Options m_options;
    QHash<qint64, Watched *> m_watched;
};

}  // namespace nd

Q_DECLARE_METATYPE(nd::JobExit)
