#pragma once
// What the tray says, as pure functions (unit-tested without a tray): the queue's counts in the tooltip
// and menu ("3 running · 12 pending"), and the notification when a job ends ("train (12) completed in
// 1 h 2 min", "… failed with exit code 3", "… timed out").
#include <QJsonObject>
#include <QString>

#include <optional>

namespace nd {

struct QueueCounts {
    int running = 0;
    int pending = 0;
    bool operator==(const QueueCounts &) const = default;
};

// From GET /api/queue's "counts".
QueueCounts queueCountsFromJson(const QJsonObject &queue);
// "3 running · 12 pending", "Nothing running or pending".
QString queueCountsText(const QueueCounts &counts);
// Whether a `job` event of this type can change the counts (then the tray asks for them again).
bool jobEventChangesCounts(const QString &type);

// "45 s", "12 min", "1 h 2 min", "2 d 3 h": coarse on purpose, for a sentence.
QString spokenDuration(qint64 ms);

struct JobNotification {
    enum class Severity { information = 1, warning, critical };
    QString title;  // "Job completed"
    QString text;   // "train (12) completed in 1 h 2 min"
    Severity severity = Severity::information;
};

// The notification for a `job` event ({"type", "job": {…Job…}}): only `ended` and `cancelled` give one.
std::optional<JobNotification> jobEndNotification(const QString &type, const QJsonObject &event);

}  // namespace nd
