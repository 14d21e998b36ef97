#pragma once
// Finds the running daemon or starts one, without blocking: reads the runtime file, checks
// GET /api/health, and when no daemon answers starts `nemoctl daemon` detached and waits (polling with a
// timer) until it answers or `startTimeoutMs` passes. Used by the GUI; nemoctl uses the same steps.
#include <QObject>
#include <QString>
#include <QTimer>

#include "core/client/Endpoint.h"
#include "core/daemon/StartupProblem.h"
#include "core/paths/Paths.h"

namespace nd {

class ApiClient;

class DaemonConnector : public QObject {
    Q_OBJECT
public:
    enum class State { idle = 1, probing, starting, connected, failed };
    Q_ENUM(State)

    // `nemoctlPath`: the executable to start (`<nemoctl> daemon`); empty = do not start one.
    DaemonConnector(Paths paths, QString nemoctlPath, QObject *parent = nullptr);

    void setStartTimeoutMs(int ms) { m_startTimeoutMs = ms; }
    State state() const { return m_state; }
    // Begins (or retries) connecting; emits connected() or failed() exactly once per call.
    void connectToDaemon();
    // After needsConsent(): starts `nemoctl daemon --start-fresh` detached (it renames the file it cannot
    // use and starts with the defaults or a new database) and connects as connectToDaemon() does.
    void startFresh();

Q_SIGNALS:
    void stateChanged(nd::DaemonConnector::State state, const QString &detail);
    void connected(const nd::Endpoint &endpoint);
    void failed(const QString &message);
    // The daemon this connector started exited because of a file it cannot use, and left
    // <runtime>/startup-problem.json: ask the user, then call startFresh() (or leave the file alone).
    // Emitted right after failed().
    void needsConsent(const nd::StartupProblem &problem);

private:
    enum class StartMode { plain = 1, startFresh };
    void probe();
    void onProbeFailed(const QString &why);
    void startDaemon(StartMode mode = StartMode::plain);
    void fail(const QString &message);
    void setState(State state, const QString &detail);

    Paths m_paths;
    QString m_nemoctlPath;
    State m_state = State::idle;
    QTimer m_pollTimer;
    qint64 m_startDeadlineMs = 0;
    int m_startTimeoutMs = 15000;
    bool m_startedOne = false;
    qint64 m_startedPid = 0;
    // Incremented by every connectToDaemon(): answers to an earlier attempt are ignored.
    quint64 m_generation = 0;
};

}  // namespace nd
