// DaemonHarness: process control and raw HTTP for the integration tests.
#include "DaemonHarness.h"

#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>
#include <QThread>

#include <csignal>

#include "core/auth/Token.h"

namespace nd::test {

QByteArray RawResponse::header(const QByteArray &lowercaseName) const {
    for (const auto &h : headers)
        if (h.first == lowercaseName)
            return h.second;
    return {};
}

DaemonHarness::DaemonHarness()
    : m_paths(Paths::underHome(m_dir.path())), m_env(QProcessEnvironment::systemEnvironment()) {
    m_env.insert(QStringLiteral("NEMODESK_HOME"), m_dir.path());
    m_env.insert(QStringLiteral("NEMODESK_FAKE_GPUS"), QStringLiteral("2x24576"));
    // The test's own logging rules or proxies must not change what the daemon does.
    m_env.remove(QStringLiteral("QT_LOGGING_RULES"));
    m_env.remove(QStringLiteral("http_proxy"));
}

DaemonHarness::~DaemonHarness() {
    // Jobs outlive their daemon by design (a model server would wait for the next one): a test leaves none.
    if (m_daemon && m_daemon->state() == QProcess::Running) {
        const QJsonArray jobs = QJsonDocument::fromJson(get("/api/jobs", token()).body)
                                    .object()
                                    .value(QStringLiteral("jobs"))
                                    .toArray();
        for (const QJsonValue &job : jobs) {
            const QByteArray id = QByteArray::number(job.toObject().value(QStringLiteral("id")).toInteger());
            send("POST /api/jobs/" + id + "/cancel HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer " +
                 token() + "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        }
    }
    // A daemon started some other way (DaemonConnector, detached) must not outlive the test either.
    const Result<RuntimeInfo> info = RuntimeInfo::read(m_paths.runtimeFile());
    if (info.ok() && (!m_daemon || info->pid != m_daemon->processId()) && processIsAlive(info->pid))
        ::kill(static_cast<pid_t>(info->pid), SIGTERM);
    if (m_daemon && m_daemon->state() != QProcess::NotRunning) {
        m_daemon->terminate();
        if (!m_daemon->waitForFinished(5000)) {
            m_daemon->kill();
            m_daemon->waitForFinished(5000);
        }
    }
}

void DaemonHarness::writeSettings(const QByteArray &json) {
    QString error;
    m_paths.ensureExists(&error);
    QFile f(m_paths.settingsFile());
    if (f.open(QIODevice::WriteOnly))
        f.write(json);
}

bool DaemonHarness::start(QString *why, int deadlineMs) {
    m_daemon = std::make_unique<QProcess>();
    m_daemon->setProcessEnvironment(m_env);
    m_daemon->setProgram(nemoctlPath());
    m_daemon->setArguments({QStringLiteral("daemon")});
    // A file, not a pipe: nobody reads a pipe while the test polls, and a daemon blocked on a full one
    // (sanitizer reports are long) would never come up.
    m_daemon->setStandardOutputFile(outputFile(), QIODevice::Append);
    m_daemon->setStandardErrorFile(outputFile(), QIODevice::Append);
    m_daemon->start();
    if (!m_daemon->waitForStarted(10000)) {
        *why = QStringLiteral("could not start %1: %2").arg(nemoctlPath(), m_daemon->errorString());
        return false;
    }
    const QDeadlineTimer deadline(deadlineMs);
    while (!deadline.hasExpired()) {
        const Result<RuntimeInfo> info = RuntimeInfo::read(m_paths.runtimeFile());
        if (info.ok() && info->pid == m_daemon->processId()) {
            m_runtime = info.value();
            return true;
        }
        if (m_daemon->state() == QProcess::NotRunning)
            break;
        QThread::msleep(20);
    }
    m_daemon->waitForFinished(100);
    *why = QStringLiteral("the daemon did not come up (state %1, exit code %2); its output:\n%3")
               .arg(m_daemon->state())
               .arg(m_daemon->exitCode())
               .arg(QString::fromUtf8(output().right(8000)));
    return false;
}

QString DaemonHarness::outputFile() const {
    return m_dir.filePath(QStringLiteral("daemon-output.txt"));
}

QByteArray DaemonHarness::output() const {
    QFile f(outputFile());
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QByteArray DaemonHarness::token() const {
    return TokenFile::read(m_paths.tokenFile()).value();
}

int DaemonHarness::waitForExit(int deadlineMs) {
    if (!m_daemon)
        return -1;
    if (m_daemon->state() != QProcess::NotRunning && !m_daemon->waitForFinished(deadlineMs))
        return -1;
    return m_daemon->exitStatus() == QProcess::NormalExit ? m_daemon->exitCode() : -1;
}

void DaemonHarness::killHard() {
    if (!m_daemon)
        return;
    ::kill(static_cast<pid_t>(m_daemon->processId()), SIGKILL);
    m_daemon->waitForFinished(10000);
}

CommandResult runProcess(const QString &program, const QStringList &args, const QProcessEnvironment &env,
                         const QByteArray &input, int deadlineMs) {
    QProcess p;
    p.setProcessEnvironment(env);
    p.start(program, args);
    CommandResult r;
    if (!p.waitForStarted(10000)) {
        r.err = "(did not start)";
        return r;
    }
    p.write(input);
    p.closeWriteChannel();
    if (!p.waitForFinished(deadlineMs)) {
        p.kill();
        p.waitForFinished(5000);
        r.err = "(timed out)";
        return r;
    }
    r.exitCode = p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1;
    r.out = p.readAllStandardOutput();
    r.err = p.readAllStandardError();
    return r;
}

QString writeFile(const QTemporaryDir &dir, const char *name, const QByteArray &bytes) {
    const QString path = dir.filePath(QString::fromUtf8(name));
    QFile f(path);
    EXPECT_TRUE(f.open(QIODevice::WriteOnly)) << path.toStdString();
    f.write(bytes);
    return path;
}

CommandResult DaemonHarness::nemoctl(const QStringList &args, int deadlineMs) const {
    return runProcess(nemoctlPath(), args, m_env, {}, deadlineMs);
}

RawResponse DaemonHarness::send(const QByteArray &bytes) const {
    RawResponse r;
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, m_runtime.port);
    if (!socket.waitForConnected(10000))
        return r;
    socket.write(bytes);
    socket.waitForBytesWritten(10000);
    QByteArray buffer;
    const QDeadlineTimer deadline(20000);
    qsizetype headEnd = -1;
    qsizetype length = -1;
    while (!deadline.hasExpired()) {
        if (headEnd < 0 && (headEnd = buffer.indexOf("\r\n\r\n")) >= 0) {
            const QList<QByteArray> lines = buffer.first(headEnd).split('\n');
            r.status = lines.value(0).split(' ').value(1).toInt();
            for (qsizetype i = 1; i < lines.size(); ++i) {
                const qsizetype colon = lines[i].indexOf(':');
                if (colon > 0)
                    r.headers.append(
                        {lines[i].first(colon).trimmed().toLower(), lines[i].sliced(colon + 1).trimmed()});
            }
            length = r.header("content-length").isEmpty() ? -1 : r.header("content-length").toLongLong();
        }
        if (headEnd >= 0 && length >= 0 && buffer.size() >= headEnd + 4 + length)
            break;
        if (socket.state() != QAbstractSocket::ConnectedState && socket.bytesAvailable() == 0) {
            r.closed = true;
            break;
        }
        if (socket.waitForReadyRead(200))
            buffer += socket.readAll();
    }
    if (headEnd >= 0)
        r.body = buffer.sliced(headEnd + 4, length >= 0 ? std::min(length, buffer.size() - headEnd - 4)
                                                        : buffer.size() - headEnd - 4);
    // Did the server close after it? A short wait tells.
    if (!r.closed && socket.state() == QAbstractSocket::ConnectedState) {
        socket.waitForReadyRead(r.header("connection") == "close" ? 2000 : 50);
        r.closed = socket.state() != QAbstractSocket::ConnectedState;
    }
    return r;
}

RawResponse DaemonHarness::get(const QByteArray &path, const QByteArray &token) const {
    QByteArray request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    if (!token.isEmpty())
        request += "Authorization: Bearer " + token + "\r\n";
    request += "Connection: close\r\n\r\n";
    return send(request);
}

}  // namespace nd::test
