// JobQueue::reportProgress: what model workloads tell the daemon about themselves while they run.
#include <QJsonDocument>

#include "core/queue/JobQueue.h"

namespace nd {

namespace {
constexpr int maxProgressKeys = 64;
constexpr qsizetype maxProgressBytes = 16 * 1024;
}  // namespace

QueueResult<QJsonObject> JobQueue::reportProgress(qint64 id, const QJsonObject &report) {
    const auto it = m_active.find(id);
    if (it == m_active.end()) {
        const Result<std::optional<Job>> stored = m_store->find(id);
        if (stored.ok() && stored->has_value())
            return QueueError{QueueError::Kind::conflict,
                              QStringLiteral("job %1 is %2: only a running job reports progress")
                                  .arg(id)
                                  .arg(jobStateName((*stored)->state))};
        return QueueError{QueueError::Kind::notFound, QStringLiteral("no job %1").arg(id)};
    }
    Job &job = it->second;
    if (job.state != JobState::running)
        return QueueError{QueueError::Kind::conflict,
                          QStringLiteral("job %1 is %2: only a running job reports progress")
                              .arg(id)
                              .arg(jobStateName(job.state))};
    QJsonObject merged = job.progress;
    for (auto entry = report.begin(); entry != report.end(); ++entry) {
        if (entry.value().isNull())
            merged.remove(entry.key());
        else
            merged.insert(entry.key(), entry.value());
    }
    if (merged.size() > maxProgressKeys)
        return QueueError{QueueError::Kind::invalid,
                          QStringLiteral("progress may hold at most %1 keys").arg(maxProgressKeys)};
    if (QJsonDocument(merged).toJson(QJsonDocument::Compact).size() > maxProgressBytes)
        return QueueError{
            QueueError::Kind::invalid,
            QStringLiteral("progress may be at most %1 KiB of JSON").arg(maxProgressBytes / 1024)};
    job.progress = merged;
    Q_EMIT jobProgress(id, merged);
    return merged;
}

}  // namespace nd
