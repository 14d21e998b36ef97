#pragma once
// The daemon as one object: takes the per-user lock, reads settings and the token, starts telemetry and
// the API, publishes the runtime file, and shuts all of it down in order on SIGTERM/SIGINT/SIGHUP or
// POST /api/shutdown. `nemoctl daemon` creates one and runs the event loop.
#include <QElapsedTimer>
#include <QLockFile>
#include <QObject>

#include <memory>
#include <optional>

#include "core/daemon/RuntimeFile.h"
#include "core/paths/Paths.h"
#include "core/settings/Settings.h"

namespace nd {

class ApiServer;
class JobQueue;
class ModelRoutes;
class ModelServers;
class SignalWatcher;
class TelemetryService;

class Daemon : public QObject {
    Q_OBJECT
public:
    struct Options {
        Paths paths;
        std::optional<int> port;  // overrides settings.json's daemon.port
        QString fakeGpuSpec;      // NEMODESK_FAKE_GPUS
    };

    struct StartResult {
        enum class Kind { started = 1, alreadyRunning, failed };
        Kind kind = Kind::failed;
        QString message;      // for stderr: why it did not start
        bool logged = false;  // already written to stderr and the log with a timestamp
    };

    explicit Daemon(Options options, QObject *parent = nullptr);
    ~Daemon() override;

    // Takes the lock, reads settings and token, starts telemetry and the API. The runtime file follows
    // with the first telemetry sample (at most ~2 s later).
    StartResult start();
    quint16 port() const { return m_port; }
    // 0 after a requested stop; 1 when the daemon had to stop on its own (the log says why).
    int exitCode() const { return m_exitCode; }

    // Stops serving, removes the runtime file and emits finished() once connections have drained.
    void stop();

Q_SIGNALS:
    void finished();

private:
    StartResult fail(const QString &message);
    VoidResult startQueue();
    // The model library, model servers and the OpenAI-compatible API (after the queue and the API).
    void startModels(const QByteArray &token);
    void publish();
    void finishStop();

    Options m_options;
    Settings m_settings;
    std::unique_ptr<QLockFile> m_lock;
    TelemetryService *m_telemetry = nullptr;
    JobQueue *m_queue = nullptr;
    ApiServer *m_api = nullptr;
    ModelRoutes *m_models = nullptr;
    ModelServers *m_servers = nullptr;
    SignalWatcher *m_signals = nullptr;
    quint16 m_port = 0;
    RuntimeInfo m_runtime;
    int m_exitCode = 0;
    bool m_published = false;
    bool m_logInstalled = false;
    bool m_stopping = false;
    QElapsedTimer m_stopClock;
};

}  // namespace nd
