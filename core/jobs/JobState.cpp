// Job states and pending reasons: the transition table and the names used by the API, the CLI and
// squeue-style output.
#include "core/jobs/JobState.h"

#include <array>

namespace nd {

namespace {

struct StateNames {
    JobState state;
    QLatin1String api;
    QLatin1String slurm;
    QLatin1String shortCode;
};

constexpr std::array stateNames{
    StateNames{JobState::pending, QLatin1String("pending"), QLatin1String("PENDING"), QLatin1String("PD")},
    StateNames{JobState::running, QLatin1String("running"), QLatin1String("RUNNING"), QLatin1String("R")},
    StateNames{JobState::completed, QLatin1String("completed"), QLatin1String("COMPLETED"),
               QLatin1String("CD")},
    StateNames{JobState::failed, QLatin1String("failed"), QLatin1String("FAILED"), QLatin1String("F")},
    StateNames{JobState::cancelled, QLatin1String("cancelled"), QLatin1String("CANCELLED"),
               QLatin1String("CA")},
    StateNames{JobState::timeout, QLatin1String("timeout"), QLatin1String("TIMEOUT"), QLatin1String("TO")},
    StateNames{JobState::nodeFail, QLatin1String("node_fail"), QLatin1String("NODE_FAIL"),
               QLatin1String("NF")},
};

struct ReasonNames {
    PendingReason reason;
    QLatin1String api;
    QLatin1String slurm;
};

constexpr std::array reasonNames{
    ReasonNames{PendingReason::none, QLatin1String("none"), QLatin1String("None")},
    ReasonNames{PendingReason::resources, QLatin1String("resources"), QLatin1String("Resources")},
    ReasonNames{PendingReason::priority, QLatin1String("priority"), QLatin1String("Priority")},
    ReasonNames{PendingReason::dependency, QLatin1String("dependency"), QLatin1String("Dependency")},
    ReasonNames{PendingReason::dependencyNeverSatisfied, QLatin1String("dependency_never_satisfied"),
                QLatin1String("DependencyNeverSatisfied")},
    ReasonNames{PendingReason::held, QLatin1String("held"), QLatin1String("JobHeldUser")},
    ReasonNames{PendingReason::beginTime, QLatin1String("begin_time"), QLatin1String("BeginTime")},
    ReasonNames{PendingReason::arrayTaskLimit, QLatin1String("array_task_limit"),
                QLatin1String("JobArrayTaskLimit")},
};

const StateNames *findState(JobState state) {
    for (const StateNames &names : stateNames) {
        if (names.state == state)
            return &names;
    }
    return nullptr;
}

const ReasonNames *findReason(PendingReason reason) {
    for (const ReasonNames &names : reasonNames) {
        if (names.reason == reason)
            return &names;
    }
    return nullptr;
}

}  // namespace

std::optional<JobState> jobTransition(JobState from, JobEvent event) {
    // Requeue is the one way out of a terminal state; for a running job the caller kills the process first.
    if (event == JobEvent::requeue) {
        if (from == JobState::running || isTerminal(from))
            return JobState::pending;
        return std::nullopt;
    }
    switch (from) {
        case JobState::pending:
            if (event == JobEvent::start)
                return JobState::running;
            if (event == JobEvent::cancel)
                return JobState::cancelled;
            return std::nullopt;
        case JobState::running:
            switch (event) {
                case JobEvent::exitOk:
                    return JobState::completed;
                case JobEvent::exitError:
                    return JobState::failed;
                case JobEvent::timeLimit:
                    return JobState::timeout;
                case JobEvent::lost:
                    return JobState::nodeFail;
                case JobEvent::cancel:
                    return JobState::cancelled;
                case JobEvent::start:
                case JobEvent::requeue:
                    return std::nullopt;
            }
            return std::nullopt;
        case JobState::completed:
        case JobState::failed:
        case JobState::cancelled:
        case JobState::timeout:
        case JobState::nodeFail:
            return std::nullopt;
    }
    return std::nullopt;
}

bool isTerminal(JobState state) {
    switch (state) {
        case JobState::completed:
        case JobState::failed:
        case JobState::cancelled:
        case JobState::timeout:
        case JobState::nodeFail:
            return true;
        case JobState::pending:
        case JobState::running:
            return false;
    }
    return false;
}

QString jobStateName(JobState state) {
    const StateNames *names = findState(state);
    return names ? QString(names->api) : QStringLiteral("unknown");
}

QString jobStateSlurmName(JobState state) {
    const StateNames *names = findState(state);
    return names ? QString(names->slurm) : QStringLiteral("UNKNOWN");
}

QString jobStateShortName(JobState state) {
    const StateNames *names = findState(state);
    return names ? QString(names->shortCode) : QStringLiteral("?");
}

std::optional<JobState> parseJobState(const QString &text) {
    const QString trimmed = text.trimmed();
    for (const StateNames &names : stateNames) {
        if (trimmed.compare(names.api, Qt::CaseInsensitive) == 0 ||
            trimmed.compare(names.slurm, Qt::CaseInsensitive) == 0 ||
            trimmed.compare(names.shortCode, Qt::CaseInsensitive) == 0)
            return names.state;
    }
    // The spelling DESIGN.md and people use in prose.
    if (trimmed.compare(QLatin1String("node-fail"), Qt::CaseInsensitive) == 0)
        return JobState::nodeFail;
    return std::nullopt;
}

QString pendingReasonName(PendingReason reason) {
    const ReasonNames *names = findReason(reason);
    return names ? QString(names->api) : QStringLiteral("none");
}

QString pendingReasonSlurmName(PendingReason reason) {
    const ReasonNames *names = findReason(reason);
    return names ? QString(names->slurm) : QStringLiteral("None");
}

std::optional<PendingReason> parsePendingReason(const QString &text) {
    const QString trimmed = text.trimmed();
    for (const ReasonNames &names : reasonNames) {
        if (trimmed.compare(names.api, Qt::CaseInsensitive) == 0 ||
            trimmed.compare(names.slurm, Qt::CaseInsensitive) == 0)
            return names.reason;
    }
    return std::nullopt;
}

}  // namespace nd
