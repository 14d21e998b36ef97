// JobQueue's user actions: cancel, hold, release, requeue, update. Each resolves the reference (a job,
// an array task or a whole array), checks every job it names, and commits one batch.
#include <csignal>

#include "core/queue/JobQueue.h"

namespace nd {

namespace {

QueueError conflict(const Job &job, const QString &what) {
    return QueueError{QueueError::Kind::conflict,
                      QStringLiteral("job %1 is %2: %3").arg(job.displayId(), jobStateName(job.state), what)};
}

}  // namespace

QueueResult<QList<qint64>> JobQueue::finishAction(const QString &ref, const QList<qint64> &affected,
                                                  StoreBatch &batch, const QString &refusal) {
    if (affected.isEmpty()) {
        // Nothing applied: say why, from the state of the job the user named.
        const QueueResult<Job> job = find(ref);
        if (const auto *found = std::get_if<Job>(&job))
            return conflict(*found, refusal);
        return std::get<QueueError>(job);
    }
    const VoidResult committed = commitAndApply(batch);
    if (!committed.ok())
        return QueueError{QueueError::Kind::internal, committed.error()};
    return affected;
}

QueueResult<QList<qint64>> JobQueue::cancel(const QString &ref, std::optional<int> signalNumber) {
    QueueResult<QList<qint64>> ids = resolveRef(ref, true);
    if (std::holds_alternative<QueueError>(ids))
        return ids;
    QList<qint64> affected;
    StoreBatch batch;
    for (qint64 id : std::get<QList<qint64>>(ids)) {
        const auto it = m_active.find(id);
        if (it == m_active.end())
            continue;  // already ended: cancelling an array cancels what is left of it
        const Job &job = it->second;
        if (signalNumber) {
            if (job.state != JobState::running)
                continue;
            const VoidResult sent = m_executor->signalJob(id, *signalNumber);
            if (!sent.ok())
                return QueueError{QueueError::Kind::internal, sent.error()};
            affected.append(id);
            continue;
        }
        if (job.state == JobState::running) {
            if (!m_endAs.contains(id) || m_endAs.value(id) == JobState::pending) {
                m_endAs.insert(id, JobState::cancelled);
                m_killRequestedAtMs.insert(id, now());
                const VoidResult sent = m_executor->terminate(id);
                if (!sent.ok())
                    return QueueError{QueueError::Kind::internal, sent.error()};
            }
            affected.append(id);
            continue;
        }
        Job cancelled = job;
        cancelled.state = *jobTransition(job.state, JobEvent::cancel);
        cancelled.endTimeMs = now();
        cancelled.message = QStringLiteral("cancelled by the user before it started");
        batch.events.push_back(makeEvent(cancelled, QStringLiteral("cancelled")));
        batch.updates.push_back(std::move(cancelled));
        affected.append(id);
    }
    return finishAction(ref, affected, batch,
                        signalNumber ? QStringLiteral("only running jobs can be signalled")
                                     : QStringLiteral("only pending or running jobs can be cancelled"));
}

QueueResult<QList<qint64>> JobQueue::hold(const QString &ref) {
    return setHeld(ref, HoldAction::hold);
}

QueueResult<QList<qint64>> JobQueue::release(const QString &ref) {
    return setHeld(ref, HoldAction::release);
}

QueueResult<QList<qint64>> JobQueue::setHeld(const QString &ref, HoldAction action) {
    const bool held = action == HoldAction::hold;
    QueueResult<QList<qint64>> ids = resolveRef(ref, true);
    if (std::holds_alternative<QueueError>(ids))
        return ids;
    StoreBatch batch;
    QList<qint64> affected;
    for (qint64 id : std::get<QList<qint64>>(ids)) {
        const auto it = m_active.find(id);
        if (it == m_active.end() || it->second.state != JobState::pending)
            continue;
        // Holding a held job is a no-op that succeeds (as scontrol hold); releasing one that is not
        // held is refused, since the user expected it to be held.
        if (it->second.held == held) {
            if (held)
                affected.append(id);
            continue;
        }
        Job job = it->second;
        job.held = held;
        job.reason = held ? PendingReason::held : PendingReason::none;
        batch.events.push_back(makeEvent(job, held ? QStringLiteral("held") : QStringLiteral("released")));
        batch.updates.push_back(std::move(job));
        affected.append(id);
    }
    return finishAction(ref, affected, batch,
                        held ? QStringLiteral("only pending jobs can be held")
                             : QStringLiteral("only held pending jobs can be released"));
}

QueueResult<QList<qint64>> JobQueue::requeue(const QString &ref) {
    QueueResult<QList<qint64>> ids = resolveRef(ref, true);
    if (std::holds_alternative<QueueError>(ids))
        return ids;
    StoreBatch batch;
    QList<qint64> affected;
    for (qint64 id : std::get<QList<qint64>>(ids)) {
        const auto active = m_active.find(id);
        if (active != m_active.end()) {
            if (active->second.state != JobState::running || m_endAs.contains(id))
                continue;
            // A running job is killed first; it goes back to pending when its process is gone.
            m_endAs.insert(id, JobState::pending);
            m_killRequestedAtMs.insert(id, now());
            const VoidResult sent = m_executor->terminate(id);
            if (!sent.ok())
                return QueueError{QueueError::Kind::internal, sent.error()};
            affected.append(id);
            continue;
        }
        const Result<std::optional<Job>> stored = m_store->find(id);
        if (!stored.ok())
            return QueueError{QueueError::Kind::internal, stored.error()};
        if (!stored->has_value())
            continue;
        Job job = **stored;
        const std::optional<JobState> next = jobTransition(job.state, JobEvent::requeue);
        if (!next)
            continue;
        job.state = *next;
        job.reason = job.held ? PendingReason::held : PendingReason::none;
        job.message = QStringLiteral("requeued by the user");
        job.submitTimeMs = now();
        batch.events.push_back(makeEvent(job, QStringLiteral("requeued")));
        batch.updates.push_back(std::move(job));
        affected.append(id);
    }
    return finishAction(ref, affected, batch, QStringLiteral("it is already queued or being requeued"));
}

QueueResult<QList<qint64>> JobQueue::update(const QString &ref, std::optional<qint64> priority,
                                            std::optional<qint64> timeLimitSec) {
    if (!priority && !timeLimitSec)
        return QueueError{QueueError::Kind::invalid,
                          QStringLiteral("nothing to change: give priority and/or time_limit_s")};
    JobSpec probe;
    probe.argv = QStringList{QStringLiteral("true")};
    probe.workdir = QStringLiteral("/");
    probe.priority = priority.value_or(0);
    probe.timeLimitSec = timeLimitSec.value_or(0);
    const VoidResult valid = validateJobSpec(probe);
    if (!valid.ok())
        return QueueError{QueueError::Kind::invalid, valid.error()};
    QueueResult<QList<qint64>> ids = resolveRef(ref, true);
    if (std::holds_alternative<QueueError>(ids))
        return ids;
    StoreBatch batch;
    QList<qint64> affected;
    std::optional<QueueError> refused;
    for (qint64 id : std::get<QList<qint64>>(ids)) {
        const auto it = m_active.find(id);
        if (it == m_active.end())
            continue;
        Job job = it->second;
        if (priority && job.state != JobState::pending) {
            refused =
                conflict(job, QStringLiteral("the priority of a job can only change while it is pending"));
            continue;
        }
        if (priority)
            job.spec.priority = *priority;
        if (timeLimitSec)
            job.spec.timeLimitSec = *timeLimitSec;
        batch.events.push_back(makeEvent(job, QStringLiteral("updated")));
        batch.updates.push_back(std::move(job));
        affected.append(id);
    }
    if (affected.isEmpty() && refused)
        return *refused;
    QueueResult<QList<qint64>> result =
        finishAction(ref, affected, batch, QStringLiteral("only pending or running jobs can be updated"));
    enforceTimeLimits();  // a shorter limit may already be reached
    return result;
}

}  // namespace nd
