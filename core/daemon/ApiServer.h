#pragma once
// The daemon's HTTP API (docs/api.md): bearer-token authentication in front of every route, the routes
// themselves, and the `telemetry` event stream fed by the TelemetryService. Lives on the main thread.
#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"
#include "core/http/HttpServer.h"
#include "core/http/Router.h"
#include "core/http/SseHub.h"

namespace nd {

class JobQueue;
class QueueRoutes;
class TelemetryService;
struct JobEventRecord;
struct TelemetrySnapshot;

class ApiServer : public QObject {
    Q_OBJECT
public:
    static constexpr int apiVersion = 1;

    struct Context {
        QByteArray token;
        QString tokenFile;  // named in 401 messages so a person knows where the token is
        QString home;       // NEMODESK_HOME, or empty
        QString logFile;
        qint64 startedAtMs = 0;
        // What the daemon found at start that a person should know (a migrated database and where its
        // old file is kept, a file moved aside): GET /api/health lists them as "notices".
        QStringList notices;
    };

    // `queue` may be null (tests of the telemetry routes): the job routes then do not exist.
    ApiServer(Context context, TelemetryService *telemetry, JobQueue *queue = nullptr,
              HttpServerOptions httpOptions = {}, SseHub::Options sseOptions = {}, QObject *parent = nullptr);
    ~ApiServer() override;

    // Listens on 127.0.0.1 only: the API is for this machine's user.
    Result<quint16> listen(quint16 port);
    // Stops accepting and closes every connection (streams included) after its queued output.
    void close();
    int connectionCount() const { return m_http->connectionCount(); }
    const SseHub &events() const { return *m_hub; }
    // For the daemon to add the route sets it owns (models, the OpenAI-compatible API) and publish on the
    // event stream.
    Router &router() { return m_router; }
    SseHub &hub() { return *m_hub; }

    // Authentication, then routing. What every connection calls; public so tests can call it directly.
    HttpResponse handle(const HttpRequest &request);

Q_SIGNALS:
    // POST /api/shutdown was answered; the daemon should exit.
    void shutdownRequested();

private:
    HttpResponse health() const;
    HttpResponse gpus() const;
    HttpResponse events(const HttpRequest &request);
    HttpResponse shutdown();
    void onSample(const TelemetrySnapshot &snapshot);
    void onJobEvent(const JobEventRecord &event);

    Context m_context;
    TelemetryService *m_telemetry;
    JobQueue *m_queue;
    QueueRoutes *m_queueRoutes = nullptr;
    Router m_router;
    HttpServer *m_http;
    SseHub *m_hub;
    QByteArray m_latestFrame;  // JSON of the latest `telemetry` event, sent to new stream clients at once
};

}  // namespace nd
