// DaemonConnector: probe, start, poll — all on timers and callbacks, never blocking the caller's thread.
#include "core/client/DaemonConnector.h"

#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QLockFile>
#include <QProcess>

#include "core/client/ApiClient.h"
#include "core/daemon/RuntimeFile.h"

namespace nd {

namespace {

constexpr int pollIntervalMs = 200;
constexpr int healthTimeoutMs = 2000;
constexpr qint64 logTailBytes = 2000;

QString logTail(const QString &file) {
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    if (f.size() > logTailBytes)
        f.seek(f.size() - logTailBytes);
    QString text = QString::fromUtf8(f.readAll()).trimmed();
    if (f.size() > logTailBytes) {
        const qsizetype nl = text.indexOf(u'\n');
        if (nl >= 0)
            text = text.sliced(nl + 1);  // drop the cut-off first line
    }
    return text;
}

// The pid holding the daemon lock when it is a live process other than `exceptPid`, else 0.
qint64 otherLockHolder(const QString &lockFile, qint64 exceptPid) {
    QLockFile lock(lockFile);
    qint64 pid = 0;
    QString host;
    QString app;
    if (!lock.getLockInfo(&pid, &host, &app))
        return 0;
    return pid != exceptPid && processIsAlive(pid) ? pid : 0;
}

}  // namespace

DaemonConnector::DaemonConnector(Paths paths, QString nemoctlPath, QObject *parent)
    : QObject(parent), m_paths(std::move(paths)), m_nemoctlPath(std::move(nemoctlPath)) {
    m_pollTimer.setSingleShot(true);
    m_pollTimer.setInterval(pollIntervalMs);
    connect(&m_pollTimer, &QTimer::timeout, this, &DaemonConnector::probe);
}

void DaemonConnector::setState(State state, const QString &detail) {
    m_state = state;
    Q_EMIT stateChanged(state, detail);
}

void DaemonConnector::connectToDaemon() {
    // A new attempt supersedes whatever the previous one was waiting for.
    ++m_generation;
    m_pollTimer.stop();
    m_startedOne = false;
    m_startedPid = 0;
    setState(State::probing, QStringLiteral("looking for a running daemon (%1)").arg(m_paths.runtimeFile()));
    probe();
}

void DaemonConnector::probe() {
    const quint64 generation = m_generation;
    const Result<Endpoint> endpoint = Endpoint::fromRuntimeFile(m_paths);
    if (!endpoint.ok()) {
        onProbeFailed(endpoint.error());
        return;
    }
    // One client per probe: it goes with the answer.
    auto *client = new ApiClient(endpoint.value(), this);
    client->getJson(
        QStringLiteral("/api/health"), client,
        [this, client, generation, ep = endpoint.value()](const Result<QJsonDocument> &reply) {
            client->deleteLater();
            if (generation != m_generation || m_state == State::connected || m_state == State::failed)
                return;
            if (reply.ok()) {
                setState(State::connected, QStringLiteral("connected to %1").arg(ep.baseUrl.toString()));
                Q_EMIT connected(ep);
                return;
            }
            onProbeFailed(reply.error());
        },
        healthTimeoutMs);
}

void DaemonConnector::onProbeFailed(const QString &why) {
    if (!m_startedOne) {
        if (m_nemoctlPath.isEmpty()) {
            fail(QStringLiteral("no daemon answers (%1), and starting one is not enabled; start it with "
                                "'nemoctl daemon'")
                     .arg(why));
            return;
        }
        startDaemon();
        return;
    }
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    if (m_startedPid > 0 && !processIsAlive(m_startedPid)) {
        // Ours died. If another daemon holds the lock (two clients started one at once), wait for that one.
        if (otherLockHolder(m_paths.lockFile(), m_startedPid) == 0) {
            const QString tail = logTail(m_paths.daemonLogFile());
            fail(QStringLiteral("the daemon exited right after starting%1")
                     .arg(tail.isEmpty()
                              ? QStringLiteral(" (its log %1 is empty)").arg(m_paths.daemonLogFile())
                              : QStringLiteral(". The end of its log (%1):\n%2")
                                    .arg(m_paths.daemonLogFile(), tail)));
            // A file it could not use: the user may let it start fresh. The daemon removes the problem
            // file whenever it starts, so one that is there now is about this start.
            const Result<StartupProblem> problem = StartupProblem::read(startupProblemFile(m_paths));
            if (problem.ok())
                Q_EMIT needsConsent(problem.value());
            return;
        }
    }
    if (now >= m_startDeadlineMs) {
        const QString tail = logTail(m_paths.daemonLogFile());
        fail(QStringLiteral("the daemon did not answer within %1 s of starting (%2)%3")
                 .arg(m_startTimeoutMs / 1000.0)
                 .arg(why, tail.isEmpty() ? QString() : QStringLiteral(". The end of its log:\n") + tail));
        return;
    }
    m_pollTimer.start();
}

void DaemonConnector::startFresh() {
    ++m_generation;
    m_pollTimer.stop();
    m_startedOne = false;
    m_startedPid = 0;
    if (m_nemoctlPath.isEmpty()) {
        fail(QStringLiteral("starting a daemon is not enabled; run 'nemoctl daemon --start-fresh'"));
        return;
    }
    // No probe first: the user has just seen the daemon refuse to start. Should another client have
    // started one meanwhile, ours exits (one per user) and the polling finds that one.
    startDaemon(StartMode::startFresh);
}

void DaemonConnector::startDaemon(StartMode mode) {
    m_startedOne = true;
    m_startDeadlineMs = QDateTime::currentMSecsSinceEpoch() + m_startTimeoutMs;
    QString error;
    if (!m_paths.ensureExists(&error)) {
        fail(QStringLiteral("cannot start the daemon: %1").arg(error));
        return;
    }
    QStringList arguments{QStringLiteral("daemon")};
    if (mode == StartMode::startFresh)
        arguments.append(QStringLiteral("--start-fresh"));
    setState(State::starting, QStringLiteral("starting %1 %2").arg(m_nemoctlPath, arguments.join(u' ')));
    QProcess process;
    process.setProgram(m_nemoctlPath);
    process.setArguments(arguments);
    process.setProcessEnvironment(QProcessEnvironment::systemEnvironment());
    process.setWorkingDirectory(QDir::homePath());
    process.setStandardInputFile(QProcess::nullDevice());
    // What the daemon prints before its log is open (a bad setting, a crash) lands in the log too.
    process.setStandardOutputFile(m_paths.daemonLogFile(), QIODevice::Append);
    process.setStandardErrorFile(m_paths.daemonLogFile(), QIODevice::Append);
    qint64 pid = 0;
    if (!process.startDetached(&pid)) {
        fail(QStringLiteral("cannot start %1: %2").arg(m_nemoctlPath, process.errorString()));
        return;
    }
    m_startedPid = pid;
    m_pollTimer.start();
}

void DaemonConnector::fail(const QString &message) {
    m_pollTimer.stop();
    setState(State::failed, message);
    Q_EMIT failed(message);
}

}  // namespace nd
