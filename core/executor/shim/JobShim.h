#pragma once
// nemodesk-jobshim: the small process that sits between the daemon and one job (plain C++20 + POSIX, no Qt,
// so it starts fast and stays small for as long as the job runs).
//
//   nemodesk-jobshim --status FILE --stdout FILE --stderr FILE [--cwd DIR] [--grace SECONDS] -- PROGRAM ARGS…
//
// It starts a new session and makes itself a child subreaper (orphaned descendants of the job come back to
// it: their CPU time counts and none escapes the kill at the end), forks the job into its own process
// group, and supervises it in one loop: SIGTERM = end the job (SIGTERM to its group and every other
// descendant, SIGKILL after the grace period); SIGINT, SIGHUP, SIGUSR1, SIGUSR2 and SIGCONT are passed on
// to the job's group; the forward-request signal below passes on any other signal. When the job's main
// process exits, whatever is left of the job is killed and reaped (as Slurm does at the end of a batch
// job) and the final status is written. The status file is also this program's only voice: its own stdout
// and stderr go to /dev/null when the daemon starts it.
#include <csignal>
#include <initializer_list>

namespace nd::jobshim {

// The status file: `key=value` lines, written atomically (temporary file + rename) once when the job has
// started (child_pid, ended=0) and once when it is over. Values are integers, except launch_error, which
// is escaped: backslash as `\\`, newline as `\n`, carriage return as `\r`.
inline constexpr char kKeyChildPid[] = "child_pid";
inline constexpr char kKeyEnded[] = "ended";  // 0 or 1
inline constexpr char kKeyExitCode[] = "exit_code";
inline constexpr char kKeySignal[] = "signal";
inline constexpr char kKeyLaunchError[] = "launch_error";
inline constexpr char kKeyTerminatedByRequest[] = "terminated_by_request";  // 0 or 1
inline constexpr char kKeyCpuTimeMs[] = "cpu_time_ms";
inline constexpr char kKeyPeakRssKib[] = "peak_rss_kib";
inline constexpr char kKeyEndTimeMs[] = "end_time_ms";  // wall clock, ms since the epoch

// A signal the daemon queues to the shim (sigqueue / pidfd_send_signal with SI_QUEUE) carrying another
// signal's number in si_value.sival_int: the shim sends that signal to the job's group. This is how
// SIGKILL, SIGSTOP, SIGQUIT… reach the job; sent to the shim itself they would stop or kill the shim.
inline int forwardRequestSignal() {
    return SIGRTMIN + 1;
}

// The signals the shim handles in its loop. The daemon starts the shim with them already blocked, so a
// terminate() that arrives before the shim has set itself up waits instead of killing it.
inline sigset_t handledSignals() {
    sigset_t set;
    sigemptyset(&set);
    for (int signalNumber : {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGCONT, SIGCHLD})
        sigaddset(&set, signalNumber);
    sigaddset(&set, forwardRequestSignal());
    return set;
}

// Whether the shim passes `signalNumber` on to the job's group when it receives it directly.
inline bool isForwardedAsIs(int signalNumber) {
    return signalNumber == SIGINT || signalNumber == SIGHUP || signalNumber == SIGUSR1 ||
           signalNumber == SIGUSR2 || signalNumber == SIGCONT;
}

}  // namespace nd::jobshim

// The whole program; app/jobshim/main.cpp only calls this. Returns the shim's exit status: 0 when the
// final status was written, 1 when it could not be, 2 for a bad command line.
int jobshim_main(int argc, char **argv);
