// ShimSupervisor: one loop around sigtimedwait. It wakes for a signal or at the next deadline (a memory
// sample every second; the SIGKILL a grace period after SIGTERM), and reaps after every wake-up.
#include "core/executor/shim/ShimSupervisor.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <ctime>
#include <optional>

#include "core/executor/shim/JobShim.h"
#include "core/executor/shim/ShimProcessTree.h"

namespace nd::jobshim {

namespace {

constexpr long long kSampleIntervalMs = 1000;
// Processes stuck in uninterruptible sleep (a hung NFS mount, a wedged driver) survive SIGKILL; after
// this long the shim reports the job's end anyway instead of hanging with it.
constexpr long long kFinalKillLimitMs = 30000;

long long monotonicMs() {
    timespec now{};
    ::clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

long long timevalMs(const timeval &t) {
    return static_cast<long long>(t.tv_sec) * 1000 + t.tv_usec / 1000;
}

// Waits at most `timeoutMs` for one of `signals`; returns it with its info, or 0 on timeout.
int waitForSignal(const sigset_t &signals, long long timeoutMs, siginfo_t *info) {
    timespec timeout{};
    timeout.tv_sec = static_cast<time_t>(timeoutMs / 1000);
    timeout.tv_nsec = static_cast<long>((timeoutMs % 1000) * 1000000);
    const int signalNumber = ::sigtimedwait(&signals, info, &timeout);
    return signalNumber > 0 ? signalNumber : 0;
}

class Supervisor {
public:
    Supervisor(pid_t jobPid, long long graceMs)
        : m_shimPid(::getpid()), m_jobPid(jobPid), m_graceMs(graceMs) {}

    StatusRecord run() {
        const sigset_t handled = handledSignals();
        long long nextSampleMs = monotonicMs();
        while (!m_jobStatus) {
            const long long now = monotonicMs();
            if (now >= nextSampleMs) {
                sampleMemory();
                nextSampleMs = now + kSampleIntervalMs;
            }
            if (m_killAtMs && now >= *m_killAtMs) {
                signalWholeJob(m_shimPid, m_jobPid, SIGKILL);
                m_killAtMs.reset();
            }
            long long waitMs = nextSampleMs - now;
            if (m_killAtMs)
                waitMs = std::min(waitMs, *m_killAtMs - now);
            siginfo_t info{};
            if (const int signalNumber = waitForSignal(handled, std::max(waitMs, 0LL), &info))
                onSignal(signalNumber, info);
            reapChildren();
        }
        killWhatIsLeft();
        return endRecord();
    }

private:
    void onSignal(int signalNumber, const siginfo_t &info) {
        if (signalNumber == SIGCHLD)
            return;  // the reaping after every wake-up sees to it
        // A sample first: whoever signals may be about to end the job, and its memory would go unseen.
        sampleMemory();
        if (signalNumber == SIGTERM) {
            if (m_terminatedByRequest)
                return;  // the SIGKILL is already scheduled
            m_terminatedByRequest = true;
            signalWholeJob(m_shimPid, m_jobPid, SIGTERM);
            ::kill(-m_jobPid, SIGCONT);  // a stopped job could not act on the SIGTERM
            m_killAtMs = monotonicMs() + m_graceMs;
        } else if (signalNumber == forwardRequestSignal()) {
            const int requested = info.si_value.sival_int;
            if (info.si_code == SI_QUEUE && requested > 0 && requested < NSIG)
                ::kill(-m_jobPid, requested);
        } else if (isForwardedAsIs(signalNumber)) {
            ::kill(-m_jobPid, signalNumber);
        }
    }

    // Reaps every child that has ended (the job's main process, and orphans re-parented to us). Returns
    // false when the shim has no children left at all.
    bool reapChildren() {
        for (;;) {
            int status = 0;
            const pid_t pid = ::waitpid(-1, &status, WNOHANG);
            if (pid > 0) {
                if (pid == m_jobPid)
                    m_jobStatus = status;
                continue;
            }
            if (pid < 0 && errno == EINTR)
                continue;
            return !(pid < 0 && errno == ECHILD);
        }
    }

    // As Slurm at the end of a batch job: nothing of the job outlives its main process. Every process of
    // the job descends from the shim (orphans re-parent to it), so the descendants are the whole job.
    void killWhatIsLeft() {
        sigset_t childSignal;
        sigemptyset(&childSignal);
        sigaddset(&childSignal, SIGCHLD);
        const long long giveUpAtMs = monotonicMs() + kFinalKillLimitMs;
        for (;;) {
            const int left = killAllDescendants(m_shimPid);
            const bool haveChildren = reapChildren();
            if ((left == 0 && !haveChildren) || monotonicMs() >= giveUpAtMs)
                return;
            siginfo_t info{};
            waitForSignal(childSignal, 100, &info);
        }
    }

    void sampleMemory() { m_peakRssKib = std::max(m_peakRssKib, jobRssKib(m_shimPid, m_jobPid)); }

    StatusRecord endRecord() const {
        StatusRecord record;
        record.ended = true;
        if (WIFEXITED(*m_jobStatus)) {
            record.exitCode = WEXITSTATUS(*m_jobStatus);
        } else if (WIFSIGNALED(*m_jobStatus)) {
            record.termSignal = WTERMSIG(*m_jobStatus);
        }
        record.terminatedByRequest = m_terminatedByRequest;
        // Everything the job ran has been reaped by now, by its parents or by us (the subreaper).
        rusage usage{};
        ::getrusage(RUSAGE_CHILDREN, &usage);
        record.cpuTimeMs = timevalMs(usage.ru_utime) + timevalMs(usage.ru_stime);
        record.peakRssKib = std::max(m_peakRssKib, static_cast<long long>(usage.ru_maxrss));  // KiB on Linux
        record.endTimeMs = wallClockMs();
        return record;
    }

    const pid_t m_shimPid;
    const pid_t m_jobPid;
    const long long m_graceMs;
    std::optional<int> m_jobStatus;  // waitpid status of the job's main process, once it has exited
    std::optional<long long> m_killAtMs;
    bool m_terminatedByRequest = false;
    long long m_peakRssKib = 0;
};

}  // namespace

long long wallClockMs() {
    timespec now{};
    ::clock_gettime(CLOCK_REALTIME, &now);
    return now.tv_sec * 1000LL + now.tv_nsec / 1000000;
}

StatusRecord superviseJob(pid_t jobPid, long long graceMs) {
    return Supervisor(jobPid, graceMs).run();
}

}  // namespace nd::jobshim
