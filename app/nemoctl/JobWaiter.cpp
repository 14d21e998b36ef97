// JobWaiter: an EventStream and a local event loop; the wait ends when the last job has ended.
#include "JobWaiter.h"

#include <QEventLoop>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QTimer>

#include "Cli.h"
#include "JobFormat.h"
#include "core/client/EventStream.h"

namespace nd::cli {

namespace {

// Ended for good: a failed or lost job with retries left is about to be requeued (the daemon sends its
// `requeued` event right after the `ended` one), so it is still to be waited for.
bool hasEnded(const QHash<qint64, Job> &known, qint64 id) {
    const auto it = known.constFind(id);
    if (it == known.cend() || !isTerminal(it->state))
        return false;
    const bool retriesLeft = it->retries < it->spec.maxRetries;
    return !((it->state == JobState::failed || it->state == JobState::nodeFail) && retriesLeft);
}

QString stillRunning(const QList<qint64> &ids, const QHash<qint64, Job> &known) {
    QStringList waiting;
    for (const qint64 id : ids) {
        if (hasEnded(known, id))
            continue;
        const auto it = known.constFind(id);
        waiting.append(it == known.cend()
                           ? QStringLiteral("job %1").arg(id)
                           : QStringLiteral("job %1 (%2)").arg(it->displayId(), jobStateName(it->state)));
    }
    const qsizetype shown = 10;
    QString text = waiting.mid(0, shown).join(QStringLiteral(", "));
    if (waiting.size() > shown)
        text += QStringLiteral(" and %1 more").arg(waiting.size() - shown);
    return text + (waiting.size() == 1 ? QStringLiteral(" is still waiting or running")
                                       : QStringLiteral(" are still waiting or running"));
}

}  // namespace

int waitExitCode(const Job &job) {
    if (job.state == JobState::nodeFail)
        return 1;
    if (job.state == JobState::cancelled && job.startTimeMs <= 0)
        return 1;
    int code = 1;
    if (job.termSignal > 0)
        code = 128 + job.termSignal;
    else if (job.exitCode >= 0)
        code = job.exitCode;
    // A job that timed out or was cancelled after trapping the signal and exiting 0 did not succeed.
    if (code == 0 && job.state != JobState::completed)
        code = 1;
    return code;
}

JobWaiter::JobWaiter(Paths paths, Endpoint endpoint)
    : m_paths(std::move(paths)), m_endpoint(std::move(endpoint)) {}

WaitResult JobWaiter::wait(const QList<qint64> &ids, QHash<qint64, Job> known, qint64 sinceSeq,
                           int timeoutMs) {
    // The jobs not ended yet: a set, so that an array of 100,000 tasks costs nothing per event.
    QSet<qint64> remaining;
    for (const qint64 id : ids)
        if (!hasEnded(known, id))
            remaining.insert(id);
    const QSet<qint64> wanted(ids.cbegin(), ids.cend());
    const auto update = [&](Job job) {
        const qint64 id = job.id;
        known.insert(id, std::move(job));
        if (hasEnded(known, id))
            remaining.remove(id);
        else
            remaining.insert(id);
    };
    const auto result = [&] {
        WaitResult r{WaitResult::Kind::allEnded, 0, {}};
        for (const qint64 id : ids)
            if (const int code = waitExitCode(known.value(id)); code != 0) {
                r.exitCode = code;
                break;
            }
        return r;
    };
    if (remaining.isEmpty())
        return result();

    QEventLoop loop;
    EventStream stream(m_endpoint);
    stream.setLastEventId(QByteArray::number(sinceSeq));
    bool reportedLoss = false;

    // After a `resync` (we asked for events older than the daemon keeps): read the jobs themselves, a few
    // hundred ids per request to keep each URL short.
    const auto reload = [&] {
        SyncHttp http(stream.endpoint());
        const QList<qint64> open = remaining.values();
        constexpr qsizetype idsPerRequest = 500;
        for (qsizetype at = 0; at < open.size(); at += idsPerRequest) {
            QStringList idTexts;
            for (const qint64 id : open.mid(at, idsPerRequest))
                idTexts.append(QString::number(id));
            const Result<QJsonObject> answer = callJson(
                http, "GET", QStringLiteral("/api/jobs?state=all&limit=10000&id=") + idTexts.join(u','));
            if (!answer.ok())
                return;  // the stream's reconnect brings a new resync or the events
            const Result<QList<Job>> jobs = jobsFromJson(answer->value(QStringLiteral("jobs")).toArray());
            if (jobs.ok())
                for (const Job &job : jobs.value())
                    if (wanted.contains(job.id))
                        update(job);
        }
    };
    QObject::connect(&stream, &EventStream::eventReceived, &loop,
                     [&](const QString &type, const QJsonObject &data) {
                         if (type == QLatin1StringView("job")) {
                             Result<Job> job = jobFromJson(data.value(QStringLiteral("job")).toObject());
                             if (!job.ok() || !wanted.contains(job->id))
                                 return;
                             update(std::move(job).value());
                         } else if (type == QLatin1StringView("resync")) {
                             reload();
                         } else {
                             return;
                         }
                         if (remaining.isEmpty())
                             loop.quit();
                     });
    QObject::connect(&stream, &EventStream::connected, &loop, [&] { reportedLoss = false; });
    QObject::connect(&stream, &EventStream::disconnected, &loop, [&](const QString &reason) {
        followRestartedDaemon(stream, m_paths);
        if (!reportedLoss) {
            printErr(QStringLiteral("lost the daemon's event stream (%1); reconnecting").arg(reason));
            reportedLoss = true;
        }
    });
    QTimer timeout;
    timeout.setSingleShot(true);
    bool timedOut = false;
    QObject::connect(&timeout, &QTimer::timeout, &loop, [&] {
        timedOut = true;
        loop.quit();
    });
    if (timeoutMs >= 0)
        timeout.start(timeoutMs);
    stream.start();
    loop.exec();
    stream.stop();
    if (timedOut && !remaining.isEmpty())
        return WaitResult{WaitResult::Kind::timedOut, 124, stillRunning(ids, known)};
    return result();
}

}  // namespace nd::cli
