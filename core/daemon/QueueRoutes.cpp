// QueueRoutes: HTTP ⇄ JobQueue for the job routes.
#include "core/daemon/QueueRoutes.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QUrlQuery>

#include <csignal>
#include <memory>
#include <variant>

#include "core/daemon/LogFollower.h"
#include "core/http/HttpConnection.h"
#include "core/http/JsonBody.h"
#include "core/http/Sse.h"
#include "core/http/SseHub.h"
#include "core/jobs/SlurmSyntax.h"
#include "core/queue/JobPreview.h"
#include "core/queue/JobQueue.h"
#include "core/store/JobEvents.h"

namespace nd {

namespace {

constexpr qint64 maxLogChunkBytes = 4 * 1024 * 1024;
constexpr int replayBatch = 1000;
constexpr qint64 maxReplayEvents = 20000;

HttpResponse fromError(const QueueError &error) {
    switch (error.kind) {
        case QueueError::Kind::notFound:
            return HttpResponse::error(404, "not_found", error.message);
        case QueueError::Kind::conflict:
            return HttpResponse::error(409, "conflict", error.message);
        case QueueError::Kind::internal:
            return HttpResponse::error(500, "internal", error.message);
        case QueueError::Kind::invalid:
            break;
    }
    return HttpResponse::error(400, "invalid_job", error.message);
}

QJsonArray idsToJson(const QList<qint64> &ids) {
    QJsonArray array;
    for (qint64 id : ids)
        array.append(id);
    return array;
}

// "USR1", "SIGUSR1", "10" → a signal number we allow users to send.
std::optional<int> parseSignal(const QString &text) {
    static const QList<QPair<QString, int>> names{
        {QStringLiteral("HUP"), SIGHUP},   {QStringLiteral("INT"), SIGINT},
        {QStringLiteral("QUIT"), SIGQUIT}, {QStringLiteral("KILL"), SIGKILL},
        {QStringLiteral("USR1"), SIGUSR1}, {QStringLiteral("USR2"), SIGUSR2},
        {QStringLiteral("TERM"), SIGTERM}, {QStringLiteral("CONT"), SIGCONT},
        {QStringLiteral("STOP"), SIGSTOP}, {QStringLiteral("TSTP"), SIGTSTP},
        {QStringLiteral("ALRM"), SIGALRM}};
    QString name = text.trimmed().toUpper();
    if (name.startsWith(QLatin1String("SIG")))
        name = name.mid(3);
    bool isNumber = false;
    const int number = name.toInt(&isNumber);
    for (const auto &[n, value] : names)
        if (n == name || (isNumber && number == value))
            return value;
    return std::nullopt;
}

// The query of GET /api/jobs, /api/history and /api/history/totals, or the 400 that says what is wrong.
std::variant<JobQuery, HttpResponse> parseJobQuery(const HttpRequest &request, bool history) {
    const QUrlQuery query(QString::fromUtf8(request.query));
    const auto value = [&query](const char *key) {
        return query.queryItemValue(QString::fromLatin1(key), QUrl::FullyDecoded);
    };
    JobQuery q;
    const auto bad = [](const QString &message) { return HttpResponse::error(400, "bad_request", message); };
    QString states = value("state");
    if (states.isEmpty())
        states = history ? QStringLiteral("completed,failed,cancelled,timeout,node_fail")
                         : QStringLiteral("pending,running");
    if (states != QLatin1String("all")) {
        for (const QString &s : states.split(QLatin1Char(','), Qt::SkipEmptyParts)) {
            const std::optional<JobState> state = parseJobState(s);
            if (!state)
                return bad(QStringLiteral("state: unknown job state '%1'").arg(s));
            q.states.append(*state);
        }
    }
    for (const QString &id : value("id").split(QLatin1Char(','), Qt::SkipEmptyParts)) {
        const Result<JobRef> ref = parseJobRef(id);
        if (!ref.ok())
            return bad(QStringLiteral("id: %1").arg(ref.error()));
        q.ids.append(ref->id);
    }
    if (!value("array").isEmpty()) {
        const Result<JobRef> ref = parseJobRef(value("array"));
        if (!ref.ok())
            return bad(QStringLiteral("array: %1").arg(ref.error()));
        q.ids.append(ref->id);
    }
    q.name = value("name");
    q.tag = value("tag");
    const QString order = value("order");
    if (order.isEmpty())
        q.order = history ? JobQuery::Order::idDescending : JobQuery::Order::idAscending;
    else if (order == QLatin1String("asc") || order == QLatin1String("desc"))
        q.order =
            order == QLatin1String("asc") ? JobQuery::Order::idAscending : JobQuery::Order::idDescending;
    else
        return bad(QStringLiteral("order must be asc or desc"));
    const auto number = [&](const char *key, qint64 fallback, qint64 min, qint64 max, qint64 *out) {
        const QString text = value(key);
        if (text.isEmpty()) {
            *out = fallback;
            return true;
        }
        bool ok = false;
        const qint64 n = text.toLongLong(&ok);
        if (!ok || n < min || n > max)
            return false;
        *out = n;
        return true;
    };
    qint64 limit = 0;
    if (!number("limit", 1000, 1, 10000, &limit))
        return bad(QStringLiteral("limit must be a number from 1 to 10000"));
    q.limit = static_cast<int>(limit);
    if (!number("after", 0, 0, std::numeric_limits<qint64>::max(), &q.afterId))
        return bad(QStringLiteral("after must be a job id"));
    if (!number("since", 0, 0, std::numeric_limits<qint64>::max(), &q.endedAfterMs) ||
        !number("until", 0, 0, std::numeric_limits<qint64>::max(), &q.endedBeforeMs))
        return bad(QStringLiteral("since and until are Unix times in milliseconds"));
    if (!number("submitted_after", 0, 0, std::numeric_limits<qint64>::max(), &q.submittedAfterMs) ||
        !number("submitted_before", 0, 0, std::numeric_limits<qint64>::max(), &q.submittedBeforeMs))
        return bad(QStringLiteral("submitted_after and submitted_before are Unix times in milliseconds"));
    return q;
}

// GET /api/history/totals: sums over every job the history query matches (docs/api.md). The store is a
// read-only connection of its own, opened on first use: in WAL mode it reads a snapshot and never holds up
// the queue's writes, and JobQueue needs no reader API for it.
HttpResponse historyTotals(const HttpRequest &request, const QString &databaseFile,
                           std::unique_ptr<JobStore> *store) {
    std::variant<JobQuery, HttpResponse> parsed = parseJobQuery(request, true);
    if (auto *refused = std::get_if<HttpResponse>(&parsed))
        return std::move(*refused);
    if (!*store) {
        Result<std::unique_ptr<JobStore>> opened = JobStore::open(databaseFile, JobStore::Mode::readOnly);
        if (!opened)
            return HttpResponse::error(500, "internal", opened.error());
        *store = std::move(opened).value();
    }
    const Result<HistoryTotals> totals = (*store)->historyTotals(std::get<JobQuery>(parsed));
    if (!totals)
        return HttpResponse::error(500, "internal", totals.error());
    QJsonObject byState;
    for (const auto &[state, jobs] : totals->byState)
        byState.insert(state, jobs);
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("jobs"), totals->jobs},
                                               {QStringLiteral("gpu_seconds"), totals->gpuSeconds},
                                               {QStringLiteral("gpu_energy_j"), totals->gpuEnergyJ},
                                               {QStringLiteral("cpu_time_ms"), totals->cpuTimeMs},
                                               {QStringLiteral("wall_ms"), totals->wallMs},
                                               {QStringLiteral("tokens"), totals->tokens},
                                               {QStringLiteral("prompt_tokens"), totals->promptTokens},
                                               {QStringLiteral("by_state"), byState}});
}

}  // namespace

QueueRoutes::QueueRoutes(JobQueue *queue, QObject *parent) : QObject(parent), m_queue(queue) {}

namespace {

// GET /api/jobs/{id}/events over a read-only connection opened on first use (core/store/JobEvents.h).
HttpResponse jobEvents(qint64 jobId, const QString &databaseFile, std::unique_ptr<JobEventReader> *reader) {
    constexpr int maxEvents = 10000;
    if (!*reader) {
        Result<std::unique_ptr<JobEventReader>> opened = JobEventReader::open(databaseFile);
        if (!opened)
            return HttpResponse::error(500, "internal", opened.error());
        *reader = std::move(opened).value();
    }
    const Result<std::vector<JobEventRecord>> events = (*reader)->eventsOf(jobId, maxEvents);
    if (!events)
        return HttpResponse::error(500, "internal", events.error());
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("job_id"), jobId},
                                               {QStringLiteral("events"), jobEventsToJson(events.value())}});
}

}  // namespace

void QueueRoutes::registerOn(Router &router) {
    const auto ref = [](const RouteParams &params) { return QString::fromUtf8(params.value("id")); };
    router.add("POST", "/api/jobs", [this](const HttpRequest &r, const RouteParams &) { return submit(r); });
    // POST /api/jobs/preview: the submit's checks and what the scheduler would do now; nothing stored.
    router.add("POST", "/api/jobs/preview", [this](const HttpRequest &r, const RouteParams &) {
        const Result<QJsonObject> body = jsonObjectBody(r);
        if (!body.ok())
            return HttpResponse::error(400, "invalid_job", body.error());
        const QueueResult<JobPreview> preview = m_queue->preview(body.value());
        if (const auto *error = std::get_if<QueueError>(&preview))
            return fromError(*error);
        return HttpResponse::json(200, jobPreviewToJson(std::get<JobPreview>(preview)));
    });
    router.add("GET", "/api/jobs",
               [this](const HttpRequest &r, const RouteParams &) { return list(r, false); });
    router.add("GET", "/api/history",
               [this](const HttpRequest &r, const RouteParams &) { return list(r, true); });
    auto totalsStore = std::make_shared<std::unique_ptr<JobStore>>();
    router.add("GET", "/api/history/totals", [this, totalsStore](const HttpRequest &r, const RouteParams &) {
        return historyTotals(r, m_queue->options().databaseFile, totalsStore.get());
    });
    router.add("GET", "/api/queue", [this](const HttpRequest &, const RouteParams &) {
        return HttpResponse::json(200, m_queue->summary());
    });
    router.add("GET", "/api/jobs/{id}",
               [this, ref](const HttpRequest &, const RouteParams &p) { return show(ref(p)); });
    router.add("PATCH", "/api/jobs/{id}",
               [this, ref](const HttpRequest &r, const RouteParams &p) { return update(ref(p), r); });
    for (const char *what : {"cancel", "hold", "release", "requeue"}) {
        const QByteArray name(what);
        router.add("POST", "/api/jobs/{id}/" + name,
                   [this, ref, name](const HttpRequest &r, const RouteParams &p) {
                       return action(ref(p), name, r);
                   });
    }
    router.add("POST", "/api/jobs/{id}/progress",
               [this, ref](const HttpRequest &r, const RouteParams &p) { return progress(ref(p), r); });
    router.add("GET", "/api/jobs/{id}/log",
               [this, ref](const HttpRequest &r, const RouteParams &p) { return log(ref(p), r); });
    router.add("GET", "/api/jobs/{id}/log/follow",
               [this, ref](const HttpRequest &r, const RouteParams &p) { return followLog(ref(p), r); });
    // GET /api/jobs/{id}/events: the job's stored events, oldest first (the Job detail's state timeline).
    auto eventReader = std::make_shared<std::unique_ptr<JobEventReader>>();
    router.add(
        "GET", "/api/jobs/{id}/events", [this, ref, eventReader](const HttpRequest &, const RouteParams &p) {
            const QueueResult<Job> job = m_queue->find(ref(p));
            if (const auto *error = std::get_if<QueueError>(&job))
                return fromError(*error);
            return jobEvents(std::get<Job>(job).id, m_queue->options().databaseFile, eventReader.get());
        });
}

HttpResponse QueueRoutes::submit(const HttpRequest &request) {
    const Result<QJsonObject> body = jsonObjectBody(request);
    if (!body.ok())
        return HttpResponse::error(400, "invalid_job", body.error());
    QueueResult<std::vector<SubmitResult>> submitted = m_queue->submit(body.value());
    if (const auto *error = std::get_if<QueueError>(&submitted))
        return fromError(*error);
    const auto one = [](const SubmitResult &result) {
        QJsonArray ids;
        for (qint64 id : result.jobIds)
            ids.append(id);
        QJsonObject json{{QStringLiteral("job_id"), result.jobIds.front()},
                         {QStringLiteral("job_ids"), ids},
                         {QStringLiteral("warnings"), QJsonArray::fromStringList(result.warnings)}};
        if (result.arrayJobId != 0)
            json.insert(QStringLiteral("array_job_id"), result.arrayJobId);
        return json;
    };
    const auto &results = std::get<std::vector<SubmitResult>>(submitted);
    QJsonObject answer;
    if (body->contains(QStringLiteral("jobs"))) {
        QJsonArray list;
        for (const SubmitResult &result : results)
            list.append(one(result));
        answer.insert(QStringLiteral("results"), list);
    } else {
        answer = one(results.front());
    }
    answer.insert(QStringLiteral("last_seq"), m_queue->lastSeq());
    return HttpResponse::json(201, answer);
}

HttpResponse QueueRoutes::list(const HttpRequest &request, bool history) {
    std::variant<JobQuery, HttpResponse> parsed = parseJobQuery(request, history);
    if (auto *refused = std::get_if<HttpResponse>(&parsed))
        return std::move(*refused);
    const JobQuery &q = std::get<JobQuery>(parsed);
    const Result<JobPage> page = m_queue->query(q);
    if (!page.ok())
        return HttpResponse::error(500, "internal", page.error());
    QJsonArray jobs;
    for (const Job &job : page->jobs)
        jobs.append(jobToJson(job));
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("jobs"), jobs},
                                               {QStringLiteral("total"), page->total},
                                               {QStringLiteral("next_after"), page->nextAfterId},
                                               {QStringLiteral("last_seq"), m_queue->lastSeq()}});
}

HttpResponse QueueRoutes::show(const QString &ref) {
    const QueueResult<Job> job = m_queue->find(ref);
    if (const auto *error = std::get_if<QueueError>(&job))
        return fromError(*error);
    QJsonObject json = jobToJson(std::get<Job>(job));
    json.insert(QStringLiteral("last_seq"), m_queue->lastSeq());
    return HttpResponse::json(200, json);
}

HttpResponse QueueRoutes::action(const QString &ref, const QByteArray &what, const HttpRequest &request) {
    QueueResult<QList<qint64>> result = QueueError{};
    if (what == "cancel") {
        const Result<QJsonObject> body = jsonObjectBody(request, BodyRequired::no);
        if (!body.ok())
            return HttpResponse::error(400, "bad_request", body.error());
        std::optional<int> signal;
        if (body->contains(QStringLiteral("signal"))) {
            const QJsonValue v = body->value(QStringLiteral("signal"));
            signal = parseSignal(v.isDouble() ? QString::number(v.toInt()) : v.toString());
            if (!signal)
                return HttpResponse::error(
                    400, "bad_request",
                    QStringLiteral("signal: unknown signal (use a name like USR1 or TERM)"));
        }
        result = m_queue->cancel(ref, signal);
    } else if (what == "hold") {
        result = m_queue->hold(ref);
    } else if (what == "release") {
        result = m_queue->release(ref);
    } else {
        result = m_queue->requeue(ref);
    }
    if (const auto *error = std::get_if<QueueError>(&result))
        return fromError(*error);
    return HttpResponse::json(
        200, QJsonObject{{QStringLiteral("job_ids"), idsToJson(std::get<QList<qint64>>(result))},
                         {QStringLiteral("last_seq"), m_queue->lastSeq()}});
}

HttpResponse QueueRoutes::update(const QString &ref, const HttpRequest &request) {
    const Result<QJsonObject> body = jsonObjectBody(request);
    if (!body.ok())
        return HttpResponse::error(400, "bad_request", body.error());
    std::optional<qint64> priority;
    std::optional<qint64> limit;
    for (auto it = body->begin(); it != body->end(); ++it) {
        const QJsonValue v = it.value();
        const auto integral = [&v] {
            return v.isDouble() && v.toDouble() == static_cast<double>(v.toInteger());
        };
        if (it.key() == QLatin1String("priority") && integral()) {
            priority = v.toInteger();
        } else if (it.key() == QLatin1String("time_limit_s") && integral() && v.toInteger() >= 0) {
            limit = v.toInteger();
        } else if (it.key() == QLatin1String("time_limit") && v.isString()) {
            const Result<qint64> parsed = parseTimeLimit(v.toString());
            if (!parsed.ok())
                return HttpResponse::error(400, "bad_request",
                                           QStringLiteral("time_limit: %1").arg(parsed.error()));
            limit = parsed.value();
        } else {
            return HttpResponse::error(
                400, "bad_request",
                QStringLiteral("'%1' cannot be changed or has a wrong type (priority: integer, time_limit_s: "
                               "integer seconds, time_limit: \"HH:MM:SS\")")
                    .arg(it.key()));
        }
    }
    const QueueResult<QList<qint64>> result = m_queue->update(ref, priority, limit);
    if (const auto *error = std::get_if<QueueError>(&result))
        return fromError(*error);
    return HttpResponse::json(
        200, QJsonObject{{QStringLiteral("job_ids"), idsToJson(std::get<QList<qint64>>(result))},
                         {QStringLiteral("last_seq"), m_queue->lastSeq()}});
}

namespace {

struct LogTarget {
    Job job;
    QString file;
    qint64 offset = 0;
    qint64 limit = maxLogChunkBytes;
};

std::variant<LogTarget, HttpResponse> logTarget(JobQueue *queue, const QString &ref,
                                                const HttpRequest &request) {
    const QueueResult<Job> job = queue->find(ref);
    if (const auto *error = std::get_if<QueueError>(&job))
        return fromError(*error);
    LogTarget target;
    target.job = std::get<Job>(job);
    const QUrlQuery query(QString::fromUtf8(request.query));
    const QString stream = query.queryItemValue(QStringLiteral("stream"));
    if (!stream.isEmpty() && stream != QLatin1String("stdout") && stream != QLatin1String("stderr"))
        return HttpResponse::error(400, "bad_request", QStringLiteral("stream must be stdout or stderr"));
    target.file = stream == QLatin1String("stderr") ? target.job.stderrFile : target.job.stdoutFile;
    bool ok = true;
    if (query.hasQueryItem(QStringLiteral("offset")))
        target.offset = query.queryItemValue(QStringLiteral("offset")).toLongLong(&ok);
    if (ok && query.hasQueryItem(QStringLiteral("limit")))
        target.limit = query.queryItemValue(QStringLiteral("limit")).toLongLong(&ok);
    if (!ok || target.limit < 0)
        return HttpResponse::error(400, "bad_request",
                                   QStringLiteral("offset and limit must be byte counts"));
    target.limit = std::min(target.limit, maxLogChunkBytes);
    return target;
}

}  // namespace

HttpResponse QueueRoutes::log(const QString &ref, const HttpRequest &request) {
    auto target = logTarget(m_queue, ref, request);
    if (auto *response = std::get_if<HttpResponse>(&target))
        return *response;
    const LogTarget &t = std::get<LogTarget>(target);
    QFile file(t.file);
    HttpResponse response;
    response.headers.emplaceBack("Content-Type", "application/octet-stream");
    response.setHeader("X-Job-State", jobStateName(t.job.state).toUtf8());
    qint64 size = 0;
    qint64 offset = 0;
    if (file.open(QIODevice::ReadOnly)) {
        size = file.size();
        offset = t.offset < 0 ? std::max<qint64>(0, size + t.offset) : std::min(t.offset, size);
        file.seek(offset);
        response.body = file.read(t.limit);
    } else if (file.exists()) {
        return HttpResponse::error(500, "internal",
                                   QStringLiteral("cannot read %1: %2").arg(t.file, file.errorString()));
    }
    response.setHeader("X-Log-Offset", QByteArray::number(offset));
    response.setHeader("X-Log-Size", QByteArray::number(size));
    response.setHeader("X-Log-File", t.file.toUtf8().toPercentEncoding("/"));
    return response;
}

HttpResponse QueueRoutes::followLog(const QString &ref, const HttpRequest &request) {
    auto target = logTarget(m_queue, ref, request);
    if (auto *response = std::get_if<HttpResponse>(&target))
        return *response;
    const LogTarget t = std::get<LogTarget>(target);
    qint64 offset = t.offset;
    if (offset < 0) {
        const qint64 size = QFile(t.file).size();
        offset = std::max<qint64>(0, size + offset);
    }
    JobQueue *queue = m_queue;
    return HttpResponse::eventStream([queue, t, offset](HttpConnection *connection) {
        new LogFollower(connection, queue, t.job.id, t.file, offset, connection);
    });
}

bool QueueRoutes::replayEvents(HttpConnection *connection, SseHub *hub, qint64 afterSeq) {
    const Result<qint64> oldest = m_queue->oldestSeq();
    // Too old, or so far behind that replaying would take longer than reloading the list.
    if ((oldest.ok() && oldest.value() > 0 && afterSeq + 1 < oldest.value()) ||
        m_queue->lastSeq() - afterSeq > maxReplayEvents) {
        const QJsonObject resync{{QStringLiteral("oldest_seq"), oldest.value()},
                                 {QStringLiteral("last_seq"), m_queue->lastSeq()}};
        hub->sendTo(connection, "resync", 0, QJsonDocument(resync).toJson(QJsonDocument::Compact));
        return false;
    }
    qint64 seq = afterSeq;
    while (seq < m_queue->lastSeq()) {
        const Result<std::vector<JobEventRecord>> events = m_queue->eventsAfter(seq, replayBatch);
        if (!events.ok() || events->empty())
            break;
        for (const JobEventRecord &event : events.value())
            hub->sendTo(connection, "job", static_cast<quint64>(event.seq), event.payload);
        seq = events->back().seq;
    }
    return true;
}

HttpResponse QueueRoutes::progress(const QString &ref, const HttpRequest &request) {
    const Result<QJsonObject> body = jsonObjectBody(request);
    if (!body.ok())
        return HttpResponse::error(400, "bad_request", body.error());
    const Result<JobRef> parsed = parseJobRef(ref);
    if (!parsed.ok() || parsed->arrayTaskId >= 0)
        return HttpResponse::error(400, "bad_request",
                                   QStringLiteral("progress is reported by one job, by its numeric id"));
    const QueueResult<QJsonObject> merged = m_queue->reportProgress(parsed->id, body.value());
    if (const auto *error = std::get_if<QueueError>(&merged))
        return fromError(*error);
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("job_id"), parsed->id},
                                               {QStringLiteral("progress"), std::get<QJsonObject>(merged)}});
}

}  // namespace nd
