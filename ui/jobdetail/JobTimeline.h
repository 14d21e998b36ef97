#pragma once
// A job's state timeline as plain data: the stored events (GET /api/jobs/{id}/events) plus the live `job`
// events of the daemon's stream, one entry per event, oldest first, each said in words ("Started on GPU 0",
// "Ended: completed, exit code 0"). Live events are merged by seq, so an event seen both in the loaded list
// and on the stream appears once whatever order they arrive in.
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QString>

namespace nd {

struct TimelineEntry {
    qint64 seq = 0;
    qint64 timeMs = 0;
    QString type;   // "submitted", "started", "ended", "held", …
    QString state;  // the job's state after it
    QString text;   // for a person: "Submitted", "Ended: completed"
};

class JobTimeline {
public:
    // Replaces every entry by those of an events answer ({"events": […]}).
    void setEvents(const QJsonArray &events);
    // A `job` event of the stream ({"seq", "type", "job": {…}}); false when it is not this job's or known.
    bool addLiveEvent(qint64 jobId, const QJsonObject &event, qint64 nowMs);
    const QList<TimelineEntry> &entries() const { return m_entries; }
    // The state of the newest entry ("" when none).
    QString lastState() const;

private:
    bool insert(TimelineEntry entry);
    QList<TimelineEntry> m_entries;
};

// "Submitted", "Started", "Ended: completed", "Held", "Released", "Requeued", "Updated: pending", …
QString timelineText(const QString &type, const QString &state);

}  // namespace nd
