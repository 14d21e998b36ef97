// Connection life cycle of the GUI: daemon → inventory → live events (see ConnectionController.h).
#include "ui/controllers/ConnectionController.h"
#include "ui/common/Formatting.h"

#include <QJsonArray>
#include <QJsonObject>
#include <QLoggingCategory>

#include "core/client/ApiClient.h"
#include "core/client/EventStream.h"
#include "core/client/TelemetryFrame.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

Q_LOGGING_CATEGORY(lcConnection, "nemodesk.connection")

// Frames that do not match the inventory trigger a refetch, at most this often.
constexpr qint64 inventoryRefetchMinMs = 3000;

}  // namespace

ConnectionController::ConnectionController(Paths paths, QString nemoctlPath, GpuTableModel *model,
                                           QObject *parent)
    : QObject(parent)
    , m_paths(std::move(paths))
    , m_nemoctlPath(std::move(nemoctlPath))
    , m_model(model)
    , m_connector(new DaemonConnector(m_paths, m_nemoctlPath, this)) {
    m_reconnectGrace.setSingleShot(true);
    m_reconnectGrace.setInterval(8000);
    connect(m_connector, &DaemonConnector::stateChanged, this, &ConnectionController::onConnectorState);
    connect(m_connector, &DaemonConnector::connected, this, &ConnectionController::onDaemonFound);
    connect(m_connector, &DaemonConnector::failed, this, &ConnectionController::onConnectorFailed);
    connect(m_connector, &DaemonConnector::needsConsent, this, &ConnectionController::startupProblem);
    connect(&m_reconnectGrace, &QTimer::timeout, this, &ConnectionController::onReconnectGraceOver);
}

ConnectionController::~ConnectionController() {
    teardown();
}

void ConnectionController::setStartTimeoutMs(int ms) {
    m_connector->setStartTimeoutMs(ms);
}

void ConnectionController::start() {
    const auto busy = m_connector->state();
    if (busy == DaemonConnector::State::probing || busy == DaemonConnector::State::starting) {
        return;  // an attempt is under way; it ends in connected() or failed()
    }
    ++m_generation;
    teardown();
    if (m_model->hasInventory()) {
        m_model->setFreshness(GpuTableModel::Freshness::stale);
    }
    setState(State::connecting, tr("Looking for the NemoDesk daemon…"));
    m_connector->connectToDaemon();
}

void ConnectionController::startFresh() {
    const auto busy = m_connector->state();
    if (busy == DaemonConnector::State::probing || busy == DaemonConnector::State::starting) {
        return;  // an attempt is under way; it ends in connected() or failed()
    }
    ++m_generation;
    teardown();
    setState(State::startingDaemon, tr("Starting the daemon afresh (nemoctl daemon --start-fresh)…"));
    m_connector->startFresh();
}

void ConnectionController::onConnectorState(DaemonConnector::State connectorState, const QString &detail) {
    if (m_state != State::connecting && m_state != State::startingDaemon) {
        return;
    }
    if (connectorState == DaemonConnector::State::probing) {
        setState(State::connecting, detail.isEmpty() ? tr("Looking for the NemoDesk daemon…") : detail);
    } else if (connectorState == DaemonConnector::State::starting) {
        setState(State::startingDaemon,
                 detail.isEmpty() ? tr("Starting the daemon (nemoctl daemon)…") : detail);
    }
}

void ConnectionController::onDaemonFound(const Endpoint &endpoint) {
    ++m_generation;
    teardown();
    m_endpoint = endpoint;
    m_daemonVersion = endpoint.version;
    Q_EMIT daemonInfoChanged();
    m_api = new ApiClient(endpoint, this);
    setState(State::loading, tr("Reading the GPU list from %1…").arg(endpoint.baseUrl.toString()));
    fetchHealth();
    fetchInventory();
}

void ConnectionController::onConnectorFailed(const QString &message) {
    teardown();
    if (m_model->hasInventory()) {
        m_model->setFreshness(GpuTableModel::Freshness::stale);
    }
    setState(State::unreachable, message);
}

void ConnectionController::fetchHealth() {
    if (!m_api) {
        return;
    }
    const quint64 generation = m_generation;
    m_api->getJson(u"/api/health"_s, this, [this, generation](const Result<QJsonDocument> &reply) {
        if (generation != m_generation || !reply.ok()) {
            return;  // a failure here shows up in the inventory request or the stream
        }
        const QJsonObject health = reply.value().object();
        const QString version = health.value(u"version"_s).toString();
        if (!version.isEmpty() && version != m_daemonVersion) {
            m_daemonVersion = version;
            Q_EMIT daemonInfoChanged();
        }
        // What the daemon did on its own at start (a database migrated and its copy kept, a file moved
        // aside): said once per daemon, however often this client reconnects to it.
        QStringList notices;
        for (const QJsonValue &notice : health.value(u"notices"_s).toArray())
            notices << notice.toString();
        const QString daemon = QString::number(health.value(u"pid"_s).toInteger()) + version;
        if (!notices.isEmpty() && daemon != m_noticesShownFor) {
            m_noticesShownFor = daemon;
            Q_EMIT daemonNotices(notices);
        }
    });
}

void ConnectionController::fetchInventory() {
    if (!m_api || m_inventoryInFlight) {
        return;
    }
    m_inventoryInFlight = true;
    m_sinceInventoryFetch.start();
    const quint64 generation = m_generation;
    m_api->getJson(u"/api/gpus"_s, this, [this, generation](const Result<QJsonDocument> &reply) {
        if (generation != m_generation) {
            return;
        }
        m_inventoryInFlight = false;
        QString problem;
        if (!reply.ok()) {
            problem = tr("Could not read the GPU list: %1").arg(reply.error());
        } else {
            auto inventory = parseGpuInventory(reply.value().object());
            if (inventory.ok()) {
                m_model->setInventory(inventory.value());
            } else {
                problem =
                    tr("The daemon sent a GPU list this NemoDesk cannot read: %1").arg(inventory.error());
            }
        }
        if (!problem.isEmpty()) {
            if (m_state == State::loading) {
                teardown();
                setState(State::unreachable, problem);
            } else {
                // The stream is up; keep showing its data and say what went wrong in the log.
                qCWarning(lcConnection).noquote() << problem;
            }
            return;
        }
        if (m_state == State::loading) {
            startStream();
            setState(State::connected, tr("Connected to %1").arg(m_endpoint.baseUrl.toString()));
        }
    });
}

void ConnectionController::startStream() {
    m_stream = new EventStream(m_endpoint, this);
    connect(m_stream, &EventStream::connected, this, &ConnectionController::onStreamConnected);
    connect(m_stream, &EventStream::disconnected, this, &ConnectionController::onStreamDisconnected);
    connect(m_stream, &EventStream::eventReceived, this, &ConnectionController::onEvent);
    m_stream->start();
}

void ConnectionController::onStreamConnected() {
    m_reconnectGrace.stop();
    if (m_state == State::reconnecting) {
        setState(State::connected, tr("Connected to %1").arg(m_endpoint.baseUrl.toString()));
        // The daemon may have restarted in between: its GPUs and version may differ.
        fetchInventory();
        fetchHealth();
    }
}

void ConnectionController::onStreamDisconnected(const QString &reason) {
    if (m_state != State::connected && m_state != State::reconnecting) {
        return;
    }
    m_model->setFreshness(GpuTableModel::Freshness::stale);
    setState(State::reconnecting,
             tr("Lost the live connection (%1). Reconnecting…").arg(fmt::withoutFinalStop(reason)));
    if (!m_reconnectGrace.isActive()) {
        m_reconnectGrace.start();
    }
}

void ConnectionController::onEvent(const QString &type, const QJsonObject &data) {
    if (type != u"telemetry"_s) {
        Q_EMIT daemonEvent(type, data);  // job, progress, models.changed, resync, …: for the views
        return;
    }
    auto frame = parseTelemetryFrame(data);
    if (!frame.ok()) {
        qCWarning(lcConnection).noquote() << "ignoring a telemetry event:" << frame.error();
        return;
    }
    if (m_model->applyFrame(frame.value()) == GpuTableModel::FrameFit::inventoryMismatch &&
        (!m_sinceInventoryFetch.isValid() || m_sinceInventoryFetch.elapsed() >= inventoryRefetchMinMs)) {
        fetchInventory();
    }
}

void ConnectionController::onReconnectGraceOver() {
    if (m_state != State::reconnecting || !m_api) {
        return;
    }
    // The stream keeps retrying; find out whether there is still a daemon to retry against.
    const quint64 generation = m_generation;
    m_api->getJson(
        u"/api/health"_s, this,
        [this, generation](const Result<QJsonDocument> &reply) {
            if (generation != m_generation || m_state != State::reconnecting) {
                return;
            }
            if (reply.ok()) {
                m_reconnectGrace.start();  // the daemon answers; the stream will come back
                return;
            }
            auto current = Endpoint::fromRuntimeFile(m_paths);
            if (current.ok() && (current->pid != m_endpoint.pid || current->baseUrl != m_endpoint.baseUrl)) {
                start();  // another daemon took over: connect to it
                return;
            }
            const QString url = m_endpoint.baseUrl.toString();
            teardown();
            setState(State::unreachable, tr("The daemon at %1 stopped answering (%2). Retry starts it again.")
                                             .arg(url, fmt::withoutFinalStop(reply.error())));
        },
        2000);
}

void ConnectionController::teardown() {
    m_reconnectGrace.stop();
    m_inventoryInFlight = false;
    if (m_stream) {
        disconnect(m_stream, nullptr, this, nullptr);
        m_stream->stop();
        m_stream->deleteLater();
        m_stream = nullptr;
    }
    if (m_api) {
        m_api->deleteLater();
        m_api = nullptr;
    }
}

void ConnectionController::setState(State state, const QString &detail) {
    if (state == m_state && detail == m_detail) {
        return;
    }
    m_state = state;
    m_detail = detail;
    qCInfo(lcConnection).noquote() << QVariant::fromValue(state).toString() << detail;
    Q_EMIT stateChanged(state, detail);
}

}  // namespace nd
