// ApiServer: routes of the daemon API.
#include "core/daemon/ApiServer.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QTimer>

#include <exception>

#include <QUrlQuery>

#include <optional>

#include "core/auth/Token.h"
#include "core/daemon/QueueRoutes.h"
#include "core/queue/JobQueue.h"
#include "core/telemetry/TelemetryJson.h"
#include "core/telemetry/TelemetryService.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcApi, "nemodesk.api")
}  // namespace

ApiServer::ApiServer(Context context, TelemetryService *telemetry, JobQueue *queue,
                     HttpServerOptions httpOptions, SseHub::Options sseOptions, QObject *parent)
    : QObject(parent)
    , m_context(std::move(context))
    , m_telemetry(telemetry)
    , m_queue(queue)
    , m_http(new HttpServer([this](const HttpRequest &r) { return handle(r); }, httpOptions, this))
    , m_hub(new SseHub(sseOptions, this)) {
    m_router.add("GET", "/api/health", [this](const HttpRequest &, const RouteParams &) { return health(); });
    m_router.add("GET", "/api/gpus", [this](const HttpRequest &, const RouteParams &) { return gpus(); });
    m_router.add("GET", "/api/events",
                 [this](const HttpRequest &r, const RouteParams &) { return events(r); });
    m_router.add("POST", "/api/shutdown",
                 [this](const HttpRequest &, const RouteParams &) { return shutdown(); });

    if (m_queue) {
        m_queueRoutes = new QueueRoutes(m_queue, this);
        m_queueRoutes->registerOn(m_router);
        connect(m_queue, &JobQueue::jobEvent, this, &ApiServer::onJobEvent);
        connect(m_queue, &JobQueue::jobProgress, this, [this](qint64 id, const QJsonObject &progress) {
            // State, not a log (like telemetry): no id, not replayed.
            m_hub->publish("progress", 0,
                           QJsonDocument(QJsonObject{{QStringLiteral("job_id"), id},
                                                     {QStringLiteral("progress"), progress}})
                               .toJson(QJsonDocument::Compact));
        });
    }
    connect(m_telemetry, &TelemetryService::sampleReady, this, &ApiServer::onSample);
    connect(m_hub, &SseHub::clientDropped, this, [](const QString &peer, qint64 unsent) {
        qCWarning(lcApi, "dropped event-stream client %s: it stopped reading (%lld bytes unsent)",
                  qUtf8Printable(peer), static_cast<long long>(unsent));
    });
    if (const TelemetrySnapshot *latest = m_telemetry->latest())
        onSample(*latest);
}

ApiServer::~ApiServer() = default;

Result<quint16> ApiServer::listen(quint16 port) {
    return m_http->listen(QHostAddress::LocalHost, port);
}

void ApiServer::close() {
    m_http->close();
    m_hub->closeAll();
    m_http->closeAllConnections();
}

HttpResponse ApiServer::handle(const HttpRequest &request) {
    // Authentication comes before routing, so that without the token nothing about the API (not even
    // which routes exist) can be learnt.
    const QByteArray authorization = request.header("authorization");
    const bool hasBearer = authorization.size() > 7 && authorization.first(7).toLower() == "bearer ";
    if (!hasBearer || !tokensEqual(authorization.sliced(7).trimmed(), m_context.token)) {
        HttpResponse response = HttpResponse::error(
            401, "unauthorized",
            QStringLiteral("%1 bearer token: send 'Authorization: Bearer <token>' with the token from %2")
                .arg(hasBearer ? QStringLiteral("wrong") : QStringLiteral("missing"), m_context.tokenFile));
        response.setHeader("WWW-Authenticate", "Bearer realm=\"nemodesk\"");
        return response;
    }
    try {
        return m_router.route(request);
    } catch (const std::exception &e) {
        qCCritical(lcApi, "%s %s failed: %s", request.method.constData(), request.path.constData(), e.what());
        return HttpResponse::error(
            500, "internal",
            QStringLiteral("%1 %2 failed: %3")
                .arg(QString::fromLatin1(request.method), QString::fromUtf8(request.path),
                     QString::fromLocal8Bit(e.what())));
    }
}

HttpResponse ApiServer::health() const {
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    const TelemetryInventory &inventory = m_telemetry->inventory();
    const QJsonObject telemetry{
        {QStringLiteral("source"), QString::fromLatin1(telemetry_source_name(inventory.source))},
        {QStringLiteral("message"), QString::fromStdString(inventory.message)},
        {QStringLiteral("gpu_count"), static_cast<int>(inventory.gpus.size())},
        {QStringLiteral("interval_ms"), m_telemetry->intervalMs()},
    };
    return HttpResponse::json(
        200,
        QJsonObject{
            {QStringLiteral("status"), QStringLiteral("ok")},
            {QStringLiteral("version"), QStringLiteral(NEMODESK_VERSION)},
            {QStringLiteral("api_version"), apiVersion},
            {QStringLiteral("pid"), QCoreApplication::applicationPid()},
            {QStringLiteral("started_at_ms"), m_context.startedAtMs},
            {QStringLiteral("uptime_s"), static_cast<double>(now - m_context.startedAtMs) / 1000.0},
            {QStringLiteral("home"), m_context.home.isEmpty() ? QJsonValue() : QJsonValue(m_context.home)},
            {QStringLiteral("log_file"), m_context.logFile},
            {QStringLiteral("telemetry"), telemetry},
            {QStringLiteral("notices"), QJsonArray::fromStringList(m_context.notices)},
        });
}

HttpResponse ApiServer::gpus() const {
    return HttpResponse::json(200, gpusResponseToJson(m_telemetry->inventory(), m_telemetry->latest()));
}

HttpResponse ApiServer::events(const HttpRequest &request) {
    // Where a reconnecting client left off: the SSE Last-Event-ID header, or ?since= for clients that
    // cannot set headers. Without either, only live events follow.
    std::optional<qint64> since;
    QByteArray resumeFrom = request.header("last-event-id");
    const QUrlQuery query(QString::fromUtf8(request.query));
    if (resumeFrom.isEmpty() && query.hasQueryItem(QStringLiteral("since")))
        resumeFrom = query.queryItemValue(QStringLiteral("since")).toUtf8();
    if (!resumeFrom.isEmpty()) {
        bool ok = false;
        since = resumeFrom.trimmed().toLongLong(&ok);
        if (!ok || *since < 0)
            return HttpResponse::error(
                400, "bad_request",
                QStringLiteral("Last-Event-ID / since must be a job event sequence number"));
    }
    return HttpResponse::eventStream([this, since](HttpConnection *connection) {
        // The latest state at once: a new client need not wait an interval to show something.
        if (!m_latestFrame.isEmpty())
            m_hub->sendTo(connection, "telemetry", 0, m_latestFrame);
        // Stored job events first, then live ones: the event loop runs neither in between, so none is
        // missed or sent twice.
        if (since && m_queueRoutes)
            m_queueRoutes->replayEvents(connection, m_hub, *since);
        m_hub->addClient(connection);
    });
}

HttpResponse ApiServer::shutdown() {
    qCInfo(lcApi, "shutdown requested through the API");
    // Queued: the response is written (and the connection closing) before the daemon starts to stop.
    QTimer::singleShot(0, this, [this] { Q_EMIT shutdownRequested(); });
    HttpResponse response =
        HttpResponse::json(202, QJsonObject{{QStringLiteral("status"), QStringLiteral("stopping")},
                                            {QStringLiteral("pid"), QCoreApplication::applicationPid()}});
    return response;
}

void ApiServer::onSample(const TelemetrySnapshot &snapshot) {
    m_latestFrame =
        QJsonDocument(telemetryFrameToJson(m_telemetry->source(), snapshot)).toJson(QJsonDocument::Compact);
    // State, not a log: no id, so a client's Last-Event-ID stays the last job event it saw.
    m_hub->publish("telemetry", 0, m_latestFrame);
}

void ApiServer::onJobEvent(const JobEventRecord &event) {
    m_hub->publish("job", static_cast<quint64>(event.seq), event.payload);
}

}  // namespace nd
