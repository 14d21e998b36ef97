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
#include "core/daemon/StartupProblem.h"
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
    // What to do with a settings.json or job database the daemon cannot use (it does not parse, holds a
    // wrong value, is corrupt, another program's or from a newer NemoDesk). refuse: stop, and leave
    // <runtime>/startup-problem.json for a client to ask the user. moveAside (`--start-fresh`): rename it
    // to <file>.broken-<time> — never delete it — and start with the defaults or a new database.
    enum class UnusableFiles { refuse = 1, moveAside };

    struct Options {
        Paths paths;
        std::optional<int> port;  // overrides settings.json's daemon.port
        QString fakeGpuSpec;      // NEMODESK_FAKE_GPUS
        UnusableFiles unusableFiles = UnusableFiles::refuse;
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
    Result<Settings> loadSettings();
    // Opens the job database once before the queue does, so that a migration's notice reaches the log and
    // /api/health, and an unusable file is refused or moved aside (m_options.unusableFiles).
    VoidResult checkDatabase();
    // Refuses (the startup-problem file, an error ending in what to run) or moves the file aside.
    VoidResult refuseOrMoveAside(StartupProblem::Kind kind, const QString &file, const QString &message);
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
    // The problem the previous start recorded: --start-fresh keeps the file under the name it announced.
    std::optional<StartupProblem> m_previousProblem;
    QStringList m_notices;  // for the log and GET /api/health: migrations, files moved aside
    int m_exitCode = 0;
    bool m_published = false;
    bool m_logInstalled = false;
    bool m_stopping = false;
    QElapsedTimer m_stopClock;
};

}  // namespace nd
