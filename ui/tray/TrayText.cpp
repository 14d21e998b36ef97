// TrayText: the sentences of the tray icon and of its notifications.
#include "ui/tray/TrayText.h"

#include "core/jobs/Job.h"
#include "core/jobs/JobState.h"

using namespace Qt::StringLiterals;

namespace nd {

QueueCounts queueCountsFromJson(const QJsonObject &queue) {
    const QJsonObject counts = queue.value(u"counts"_s).toObject();
    return QueueCounts{counts.value(u"running"_s).toInt(), counts.value(u"pending"_s).toInt()};
}

QString queueCountsText(const QueueCounts &counts) {
    if (counts.running == 0 && counts.pending == 0)
        return u"Nothing running or pending"_s;
    return u"%1 running · %2 pending"_s.arg(counts.running).arg(counts.pending);
}

bool jobEventChangesCounts(const QString &type) {
    // held/released/updated leave a job pending: the counts stay.
    return type == u"submitted"_s || type == u"started"_s || type == u"ended"_s || type == u"cancelled"_s ||
           type == u"requeued"_s;
}

QString spokenDuration(qint64 ms) {
    const qint64 s = std::max<qint64>(0, ms) / 1000;
    if (s < 60)
        return u"%1 s"_s.arg(s);
    const qint64 min = s / 60;
    if (min < 60)
        return u"%1 min"_s.arg(min);
    const qint64 h = min / 60;
    if (h < 24)
        return min % 60 ? u"%1 h %2 min"_s.arg(h).arg(min % 60) : u"%1 h"_s.arg(h);
    return h % 24 ? u"%1 d %2 h"_s.arg(h / 24).arg(h % 24) : u"%1 d"_s.arg(h / 24);
}

std::optional<JobNotification> jobEndNotification(const QString &type, const QJsonObject &event) {
    if (type != u"ended"_s && type != u"cancelled"_s)
        return std::nullopt;
    const Result<Job> parsed = jobFromJson(event.value(u"job"_s).toObject());
    if (!parsed.ok())
        return std::nullopt;
    const Job &job = parsed.value();
    const QString who = job.spec.name.isEmpty() ? u"Job %1"_s.arg(job.displayId())
                                                : u"%1 (%2)"_s.arg(job.spec.name, job.displayId());
    const bool ran = job.startTimeMs > 0 && job.endTimeMs >= job.startTimeMs;
    const QString after =
        ran ? u" after %1"_s.arg(spokenDuration(job.endTimeMs - job.startTimeMs)) : QString();
    using Severity = JobNotification::Severity;
    switch (job.state) {
        case JobState::completed:
            return JobNotification{
                u"Job completed"_s,
                ran ? u"%1 completed in %2"_s.arg(who, spokenDuration(job.endTimeMs - job.startTimeMs))
                    : u"%1 completed"_s.arg(who),
                Severity::information};
        case JobState::failed: {
            QString how;
            if (job.termSignal > 0)
                how = u"was killed by signal %1"_s.arg(job.termSignal);
            else if (job.exitCode >= 0)
                how = u"failed with exit code %1"_s.arg(job.exitCode);
            else
                how = job.message.isEmpty() ? u"failed"_s : u"failed: %1"_s.arg(job.message);
            return JobNotification{u"Job failed"_s, u"%1 %2%3"_s.arg(who, how, after), Severity::critical};
        }
        case JobState::timeout:
            return JobNotification{u"Job timed out"_s, u"%1 timed out%2"_s.arg(who, after),
                                   Severity::warning};
        case JobState::cancelled:
            return JobNotification{u"Job cancelled"_s,
                                   ran ? u"%1 was cancelled%2"_s.arg(who, after)
                                       : u"%1 was cancelled before it started"_s.arg(who),
                                   Severity::information};
        case JobState::nodeFail:
            return JobNotification{u"Job lost"_s,
                                   job.message.isEmpty() ? u"%1 was lost (node failure)"_s.arg(who)
                                                         : u"%1 was lost: %2"_s.arg(who, job.message),
                                   Severity::critical};
        case JobState::pending:
        case JobState::running:
            break;  // requeued right after ending (retries): not an end yet
    }
    return std::nullopt;
}

}  // namespace nd
