#pragma once
// The GUI's link to the daemon: finds or starts it (DaemonConnector), reads the GPU inventory
// (GET /api/gpus) and the daemon's version (GET /api/health) with an ApiClient, then follows the live
// telemetry (EventStream) and feeds GpuTableModel. Turns all of that into one connection state for the
// window: connecting, starting the daemon, loading, connected, reconnecting (stream down, data stale),
// unreachable (with the reason; retry() starts over, starting the daemon again if needed).
// Everything runs on the GUI thread and nothing here blocks: every step is a callback or a signal.
#include <QObject>
#include <QPointer>
#include <QString>
#include <QTimer>
#include <QUrl>

#include <QElapsedTimer>

#include "core/client/DaemonConnector.h"
#include "core/client/Endpoint.h"
#include "core/paths/Paths.h"

namespace nd {

class ApiClient;
class EventStream;
class GpuTableModel;

class ConnectionController : public QObject {
    Q_OBJECT
public:
    enum class State { idle = 1, connecting, startingDaemon, loading, connected, reconnecting, unreachable };
    Q_ENUM(State)

    // `nemoctlPath`: the nemoctl executable used to start a daemon when none answers (empty: never start
    // one). `model` is fed from the daemon's data; it must outlive the controller.
    ConnectionController(Paths paths, QString nemoctlPath, GpuTableModel *model, QObject *parent = nullptr);
    ~ConnectionController() override;

    void setStartTimeoutMs(int ms);
    // How long the event stream may stay down before the daemon is checked and, if gone, declared
    // unreachable (the stream keeps retrying on its own until then).
    void setReconnectGraceMs(int ms) { m_reconnectGrace.setInterval(ms); }

    State state() const { return m_state; }
    // A sentence about the current state: the reason when reconnecting or unreachable.
    QString detail() const { return m_detail; }
    QUrl apiUrl() const { return m_endpoint.baseUrl; }
    // The daemon connected to (URL and token) and the folders: for views that talk to it themselves.
    const Endpoint &endpoint() const { return m_endpoint; }
    const Paths &paths() const { return m_paths; }
    QString daemonVersion() const { return m_daemonVersion; }
    qint64 daemonPid() const { return m_endpoint.pid; }
    QString nemoctlPath() const { return m_nemoctlPath; }

public Q_SLOTS:
    // Connects, starting the daemon when none answers. Safe to call again at any time (Retry).
    void start();
    void retry() { start(); }
    // After startupProblem(), with the user's consent: starts `nemoctl daemon --start-fresh`, which keeps
    // the file it cannot use under problem.backup (renamed, never deleted), and connects to it.
    void startFresh();

Q_SIGNALS:
    void stateChanged(nd::ConnectionController::State state, const QString &detail);
    // The daemon refused to start because of a settings file or database it cannot use; the state is
    // already `unreachable`. The window asks the user (StartupProblemDialog) and calls startFresh().
    void startupProblem(const nd::StartupProblem &problem);
    // Notes the daemon made at start (GET /api/health `notices`), once per daemon.
    void daemonNotices(const QStringList &notices);
    // Every event of the daemon's stream but telemetry (which feeds the GPU model): `job` (with `seq`),
    // `progress`, `models.changed`, `resync`, … (docs/api.md). A view loads its list when the state
    // becomes `connected` (also after a reconnect) and applies these on top.
    void daemonEvent(const QString &type, const QJsonObject &data);
    // The daemon's version or URL changed (for the About box).
    void daemonInfoChanged();

private:
    void onConnectorState(DaemonConnector::State connectorState, const QString &detail);
    void onDaemonFound(const Endpoint &endpoint);
    void onConnectorFailed(const QString &message);
    void fetchHealth();
    void fetchInventory();
    void startStream();
    void onStreamConnected();
    void onStreamDisconnected(const QString &reason);
    void onEvent(const QString &type, const QJsonObject &data);
    void onReconnectGraceOver();
    void teardown();
    void setState(State state, const QString &detail);

    Paths m_paths;
    QString m_nemoctlPath;
    GpuTableModel *m_model;
    DaemonConnector *m_connector;
    QPointer<ApiClient> m_api;
    QPointer<EventStream> m_stream;
    Endpoint m_endpoint;
    QString m_daemonVersion;
    QString m_noticesShownFor;  // pid + version of the daemon whose notices were shown
    State m_state = State::idle;
    QString m_detail;
    QTimer m_reconnectGrace;
    // Incremented by every start(): answers that belong to an earlier attempt are dropped.
    quint64 m_generation = 0;
    bool m_inventoryInFlight = false;
    QElapsedTimer m_sinceInventoryFetch;  // throttles refetches when frames keep not matching
};

}  // namespace nd
