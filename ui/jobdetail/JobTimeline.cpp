// JobTimeline: stored and live job events as one list (see the header).
#include "ui/jobdetail/JobTimeline.h"

#include <algorithm>

namespace nd {

using namespace Qt::Literals::StringLiterals;

QString timelineText(const QString &type, const QString &state) {
    QString word = type;
    if (!word.isEmpty())
        word[0] = word[0].toUpper();
    // The ending events name the final state: "ended" alone does not say whether the job succeeded.
    if (type == "ended"_L1 || type == "updated"_L1 || (type == "cancelled"_L1 && state != "cancelled"_L1))
        return state.isEmpty() ? word : u"%1: %2"_s.arg(word, state);
    return word;
}

void JobTimeline::setEvents(const QJsonArray &events) {
    m_entries.clear();
    for (const QJsonValue &value : events) {
        const QJsonObject event = value.toObject();
        TimelineEntry entry;
        entry.seq = event.value("seq"_L1).toInteger();
        entry.timeMs = event.value("time_ms"_L1).toInteger();
        entry.type = event.value("type"_L1).toString();
        entry.state = event.value("state"_L1).toString();
        entry.text = timelineText(entry.type, entry.state);
        insert(entry);
    }
}

bool JobTimeline::addLiveEvent(qint64 jobId, const QJsonObject &event, qint64 nowMs) {
    const QJsonObject job = event.value("job"_L1).toObject();
    if (job.value("id"_L1).toInteger() != jobId)
        return false;
    TimelineEntry entry;
    entry.seq = event.value("seq"_L1).toInteger();
    // The stream's event carries no time of its own: the job's times say when it started or ended.
    entry.type = event.value("type"_L1).toString();
    entry.state = job.value("state"_L1).toString();
    const qint64 ended = job.value("end_time_ms"_L1).toInteger();
    const qint64 started = job.value("start_time_ms"_L1).toInteger();
    if (entry.type == "ended"_L1 && ended > 0)
        entry.timeMs = ended;
    else if (entry.type == "started"_L1 && started > 0)
        entry.timeMs = started;
    else if (entry.type == "submitted"_L1)
        entry.timeMs = job.value("submit_time_ms"_L1).toInteger();
    if (entry.timeMs <= 0)
        entry.timeMs = nowMs;
    entry.text = timelineText(entry.type, entry.state);
    return insert(entry);
}

QString JobTimeline::lastState() const {
    return m_entries.isEmpty() ? QString() : m_entries.constLast().state;
}

bool JobTimeline::insert(TimelineEntry entry) {
    const auto at = std::lower_bound(m_entries.begin(), m_entries.end(), entry.seq,
                                     [](const TimelineEntry &e, qint64 seq) { return e.seq < seq; });
    if (at != m_entries.end() && at->seq == entry.seq)
        return false;
    m_entries.insert(at, std::move(entry));
    return true;
}

}  // namespace nd
