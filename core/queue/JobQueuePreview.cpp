// JobQueue::preview: submit's own checks (planSubmit), then one scheduling pass over the queue as it is
// in memory plus the candidate (previewStart).
#include "core/queue/JobQueue.h"

namespace nd {

QueueResult<JobPreview> JobQueue::preview(const QJsonObject &request) const {
    if (request.contains(QStringLiteral("jobs")))
        return QueueError{QueueError::Kind::invalid,
                          QStringLiteral("a preview takes one job spec, not a list")};
    SubmitResult result;
    QueueResult<std::vector<Job>> planned = planSubmit(request, m_nextJobId, &result);
    if (const auto *error = std::get_if<QueueError>(&planned))
        return *error;
    const std::vector<Job> &jobs = std::get<std::vector<Job>>(planned);

    SchedulerSnapshot snapshot = baseSnapshot();
    snapshot.pending = m_pendingCache;  // a copy: the queue's own passes go on meanwhile
    snapshot.dependencyTarget = [this](const Dependency &dep) { return dependencyTargetOf(dep); };
    SchedPending candidate = schedPendingOf(jobs.front());
    JobPreview preview = previewStart(std::move(snapshot), candidate, m_options.scheduler);
    preview.name = jobs.front().spec.name;
    preview.jobs = static_cast<int>(jobs.size());
    preview.warnings = result.warnings;
    return preview;
}

}  // namespace nd
