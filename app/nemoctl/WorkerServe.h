#pragma once
// `nemoctl worker serve`: a model server job. It loads one model, evaluates every concurrent request in
// shared forward passes (gpu/session/batch_generator.h), and answers the OpenAI-compatible routes on
// 127.0.0.1 for the daemon, which passes its clients' requests through (core/daemon/ModelProxy). It
// reports {"phase": "loading" | "serving", "endpoint", "requests", "active", "tokens_per_s", …} as the
// job's progress, so the queue shows what the server does.
#include <QElapsedTimer>
#include <QObject>
#include <QPointer>

#include <memory>
#include <string>
#include <thread>

#include "RunChat.h"
#include "core/http/HttpServer.h"
#include "core/openai/OpenAiProtocol.h"
#include "gpu/model/model.h"
#include "gpu/session/batch_generator.h"

namespace nd::cli {

class WorkerReport;

struct ServeEngine {
    std::unique_ptr<Model> model;
    std::unique_ptr<Backend> backend;
    std::unique_ptr<BatchGenerator> generator;
    ChatSetup chat;
    QString name;  // the model's library name: the file name without .gguf
};

class ServeServer : public QObject {
    Q_OBJECT
public:
    // idleExitMs > 0: the server ends itself (exit 0) after that long without a request — the daemon stops
    // an idle server sooner (its keep-alive); this covers a daemon that is gone and never comes back.
    ServeServer(ServeEngine engine, QByteArray token, WorkerReport *report, qint64 idleExitMs);
    ~ServeServer() override;
    // Listens on 127.0.0.1 (any free port) and starts the engine thread.
    Result<quint16> start();
    // Ends every request and the engine thread.
    void stop();

private:
    HttpResponse handle(const HttpRequest &request);
    HttpResponse complete(const HttpRequest &request, openai::Endpoint endpoint);
    void reportProgress(bool urgent);

    ServeEngine m_engine;
    QByteArray m_token;
    WorkerReport *m_report;
    HttpServer *m_http = nullptr;
    std::thread m_thread;
    quint16 m_port = 0;
    qint64 m_requests = 0;
    int m_active = 0;
    qint64 m_idleExitMs = 0;
    QElapsedTimer m_sinceActive;  // restarted whenever a request starts or ends
    qint64 m_nextId = 1;
    // For tokens/s over the last report interval.
    qint64 m_lastDecodeTokens = 0;
    double m_lastBusySeconds = 0;
    friend class ServeStream;
};

}  // namespace nd::cli
