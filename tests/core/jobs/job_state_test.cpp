// The job state machine: every state × every event against the table in JobState.h, and the names.
#include <gtest/gtest.h>

#include <array>
#include <optional>

#include "core/jobs/JobState.h"

namespace nd {
namespace {

constexpr std::array allStates{JobState::pending,   JobState::running, JobState::completed, JobState::failed,
                               JobState::cancelled, JobState::timeout, JobState::nodeFail};
constexpr std::array allEvents{JobEvent::start,  JobEvent::exitOk, JobEvent::exitError, JobEvent::timeLimit,
                               JobEvent::cancel, JobEvent::lost,   JobEvent::requeue};

using S = JobState;
constexpr std::optional<JobState> no = std::nullopt;

// Rows: states in allStates order. Columns: start, exitOk, exitError, timeLimit, cancel, lost, requeue.
const std::array<std::array<std::optional<JobState>, 7>, 7> expectedTable{{
    /* pending   */ {S::running, no, no, no, S::cancelled, no, no},
    /* running   */ {no, S::completed, S::failed, S::timeout, S::cancelled, S::nodeFail, S::pending},
    /* completed */ {no, no, no, no, no, no, S::pending},
    /* failed    */ {no, no, no, no, no, no, S::pending},
    /* cancelled */ {no, no, no, no, no, no, S::pending},
    /* timeout   */ {no, no, no, no, no, no, S::pending},
    /* nodeFail  */ {no, no, no, no, no, no, S::pending},
}};

TEST(JobState, TransitionTableCoversEveryStateAndEvent) {
    for (size_t s = 0; s < allStates.size(); ++s) {
        for (size_t e = 0; e < allEvents.size(); ++e) {
            const std::optional<JobState> got = jobTransition(allStates[s], allEvents[e]);
            const std::optional<JobState> want = expectedTable[s][e];
            EXPECT_EQ(got, want) << "state " << jobStateName(allStates[s]).toStdString() << ", event #" << e
                                 << ": got " << (got ? jobStateName(*got).toStdString() : "(refused)")
                                 << ", want " << (want ? jobStateName(*want).toStdString() : "(refused)");
        }
    }
}

TEST(JobState, OnlyTheFiveEndStatesAreTerminal) {
    EXPECT_FALSE(isTerminal(JobState::pending));
    EXPECT_FALSE(isTerminal(JobState::running));
    for (const JobState state :
         {JobState::completed, JobState::failed, JobState::cancelled, JobState::timeout, JobState::nodeFail})
        EXPECT_TRUE(isTerminal(state)) << jobStateName(state).toStdString();
}

TEST(JobState, TerminalStatesLeaveOnlyByRequeue) {
    for (const JobState state : allStates) {
        if (!isTerminal(state))
            continue;
        for (const JobEvent event : allEvents)
            EXPECT_EQ(jobTransition(state, event).has_value(), event == JobEvent::requeue);
    }
}

TEST(JobState, NamesInAllThreeSpellings) {
    struct Row {
        JobState state;
        const char *api, *slurm, *code;
    };
    const Row rows[] = {
        {JobState::pending, "pending", "PENDING", "PD"},
        {JobState::running, "running", "RUNNING", "R"},
        {JobState::completed, "completed", "COMPLETED", "CD"},
        {JobState::failed, "failed", "FAILED", "F"},
        {JobState::cancelled, "cancelled", "CANCELLED", "CA"},
        {JobState::timeout, "timeout", "TIMEOUT", "TO"},
        {JobState::nodeFail, "node_fail", "NODE_FAIL", "NF"},
    };
    for (const Row &row : rows) {
        EXPECT_EQ(jobStateName(row.state), QLatin1String(row.api));
        EXPECT_EQ(jobStateSlurmName(row.state), QLatin1String(row.slurm));
        EXPECT_EQ(jobStateShortName(row.state), QLatin1String(row.code));
        for (const char *spelling : {row.api, row.slurm, row.code}) {
            const QString text = QString::fromLatin1(spelling);
            EXPECT_EQ(parseJobState(text), row.state) << spelling;
            EXPECT_EQ(parseJobState(text.toLower()), row.state) << spelling;
            EXPECT_EQ(parseJobState(text.toUpper()), row.state) << spelling;
        }
    }
}

TEST(JobState, ParsingRefusesWhatIsNotAState) {
    for (const char *text : {"", "pend", "done", "COMPLETING", "held", "P", "node fail", "42"})
        EXPECT_FALSE(parseJobState(QString::fromLatin1(text)).has_value()) << text;
    EXPECT_EQ(parseJobState(QStringLiteral("node-fail")), JobState::nodeFail);
    EXPECT_EQ(parseJobState(QStringLiteral(" running ")), JobState::running);
}

TEST(JobState, PendingReasonNames) {
    struct Row {
        PendingReason reason;
        const char *api, *slurm;
    };
    const Row rows[] = {
        {PendingReason::none, "none", "None"},
        {PendingReason::resources, "resources", "Resources"},
        {PendingReason::priority, "priority", "Priority"},
        {PendingReason::dependency, "dependency", "Dependency"},
        {PendingReason::dependencyNeverSatisfied, "dependency_never_satisfied", "DependencyNeverSatisfied"},
        {PendingReason::held, "held", "JobHeldUser"},
        {PendingReason::beginTime, "begin_time", "BeginTime"},
        {PendingReason::arrayTaskLimit, "array_task_limit", "JobArrayTaskLimit"},
    };
    for (const Row &row : rows) {
        EXPECT_EQ(pendingReasonName(row.reason), QLatin1String(row.api));
        EXPECT_EQ(pendingReasonSlurmName(row.reason), QLatin1String(row.slurm));
        EXPECT_EQ(parsePendingReason(QString::fromLatin1(row.api)), row.reason);
        EXPECT_EQ(parsePendingReason(QString::fromLatin1(row.slurm)), row.reason);
        EXPECT_EQ(parsePendingReason(QString::fromLatin1(row.slurm).toUpper()), row.reason);
    }
    EXPECT_FALSE(parsePendingReason(QStringLiteral("waiting")).has_value());
    EXPECT_FALSE(parsePendingReason(QString()).has_value());
}

}  // namespace
}  // namespace nd
