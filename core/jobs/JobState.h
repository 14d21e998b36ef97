#pragma once
// Job states as in Slurm, the reasons a pending job waits, and the one transition function every state
// change goes through (table-tested in tests/core/jobs/job_state_test.cpp).
//
//   pending ──start──▶ running ──exitOk──▶ completed
//      │                  ├──exitError──▶ failed
//      │                  ├──timeLimit──▶ timeout
//      │                  ├──lost──────▶ nodeFail     (daemon or machine crash; process gone)
//      └──cancel──▶ cancelled ◀──cancel──┘
//   any terminal state ──requeue──▶ pending;  running ──requeue──▶ pending (after the process is killed)
#include <QString>

#include <optional>

namespace nd {

enum class JobState { pending = 1, running, completed, failed, cancelled, timeout, nodeFail };

// Why a pending job is not running. `none` for jobs that are not pending.
enum class PendingReason {
    none = 1,
    resources,                 // does not fit in what is free now
    priority,                  // would fit, but a job ahead of it holds a reservation it would delay
    dependency,                // waits for the jobs it depends on
    dependencyNeverSatisfied,  // a dependency can no longer be met; stays pending until cancelled
    held,                      // submitted held or held later; `release` lets it go
    beginTime,                 // its begin time is in the future
    arrayTaskLimit,            // its array already runs its %N tasks
};

enum class JobEvent {
    start = 1,  // the scheduler started it
    exitOk,     // the process exited with code 0
    exitError,  // non-zero exit, killed by a signal, or could not be started
    timeLimit,  // killed at its time limit
    cancel,     // the user cancelled it
    lost,       // its process vanished with the daemon (kill -9, reboot)
    requeue,    // user requeue or an automatic retry
};

// The state after `event`, or nothing when the event is not allowed in `from` (the caller turns that into
// an error such as "job 12 is completed; only pending or running jobs can be cancelled").
std::optional<JobState> jobTransition(JobState from, JobEvent event);

bool isTerminal(JobState state);  // completed, failed, cancelled, timeout, nodeFail

// Names used in the API, the database and the CLI: "pending", "running", "completed", "failed",
// "cancelled", "timeout", "node_fail". Parsing also accepts Slurm's upper-case names and abbreviations
// (PD, R, CD, F, CA, TO, NF).
QString jobStateName(JobState state);
std::optional<JobState> parseJobState(const QString &text);
// Slurm's spelling for squeue-style output: "PENDING", "RUNNING", …, "NODE_FAIL"; and the short code.
QString jobStateSlurmName(JobState state);
QString jobStateShortName(JobState state);

// "none", "resources", "priority", "dependency", "dependency_never_satisfied", "held", "begin_time",
// "array_task_limit"; Slurm's spelling ("Resources", "Priority", "Dependency", "DependencyNeverSatisfied",
// "JobHeldUser", "BeginTime", "JobArrayTaskLimit", "None") for squeue-style output.
QString pendingReasonName(PendingReason reason);
std::optional<PendingReason> parsePendingReason(const QString &text);
QString pendingReasonSlurmName(PendingReason reason);

}  // namespace nd
