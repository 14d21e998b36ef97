// The daemon over HTTP: authentication, routes, error bodies, the event stream, one daemon per user,
// recovery from a killed daemon, and refusing to start on bad settings or a bad fake spec.
#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <sys/stat.h>

#include <csignal>

#include "DaemonHarness.h"
#include "core/client/SseParser.h"
#include "core/client/TelemetryFrame.h"

namespace nd::test {
namespace {

QJsonObject json(const RawResponse &r) {
    return QJsonDocument::fromJson(r.body).object();
}
QString errorCode(const RawResponse &r) {
    return json(r).value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString();
}

class DaemonTest : public ::testing::Test {
protected:
    void SetUp() override {
        // A short interval keeps the event-stream test quick; it also proves settings.json is read.
        daemon.writeSettings(R"({"telemetry":{"interval_ms":200}})");
        QString why;
        ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
        token = daemon.token();
    }
    void expectHealthy() {
        const RawResponse r = daemon.get("/api/health", token);
        EXPECT_EQ(r.status, 200);
        EXPECT_EQ(json(r).value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    }

    DaemonHarness daemon;
    QByteArray token;
};

TEST_F(DaemonTest, RejectsMissingAndWrongTokens) {
    RawResponse r = daemon.get("/api/health", {});
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), QStringLiteral("unauthorized"));
    EXPECT_TRUE(r.header("www-authenticate").startsWith("Bearer"));
    EXPECT_EQ(r.header("content-type"), "application/json");

    QByteArray wrong = token;
    wrong[0] = wrong[0] == 'a' ? 'b' : 'a';
    r = daemon.get("/api/gpus", wrong);
    EXPECT_EQ(r.status, 401);
    EXPECT_EQ(errorCode(r), QStringLiteral("unauthorized"));

    r = daemon.get("/api/health", token);
    EXPECT_EQ(r.status, 200);
    const QJsonObject h = json(r);
    EXPECT_EQ(h.value(QStringLiteral("pid")).toInteger(), daemon.runtime().pid);
    EXPECT_EQ(h.value(QStringLiteral("home")).toString(), daemon.paths().home());
    EXPECT_EQ(h.value(QStringLiteral("telemetry")).toObject().value(QStringLiteral("source")).toString(),
              QStringLiteral("fake"));
}

TEST_F(DaemonTest, GpusListsTwoSyntheticGpus) {
    const RawResponse r = daemon.get("/api/gpus", token);
    ASSERT_EQ(r.status, 200);
    const Result<GpuInventory> inventory = parseGpuInventory(json(r));
    ASSERT_TRUE(inventory.ok()) << inventory.error().toStdString();
    EXPECT_EQ(inventory->source, QStringLiteral("fake"));
    ASSERT_EQ(inventory->gpus.size(), 2);
    for (const GpuDevice &g : inventory->gpus) {
        EXPECT_TRUE(g.synthetic);
        EXPECT_EQ(g.memoryTotalMib, 24576);
    }
}

TEST_F(DaemonTest, ErrorsAreJsonAndTheDaemonSurvivesThem) {
    RawResponse r = daemon.send("THIS IS NOT HTTP\r\n\r\n");
    EXPECT_EQ(r.status, 400);
    EXPECT_EQ(errorCode(r), QStringLiteral("bad_request"));
    EXPECT_TRUE(r.closed);

    r = daemon.get("/api/no-such-route", token);
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(errorCode(r), QStringLiteral("not_found"));

    r = daemon.send("DELETE /api/gpus HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + token + "\r\n\r\n");
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(errorCode(r), QStringLiteral("method_not_allowed"));
    EXPECT_EQ(r.header("allow"), "GET");

    r = daemon.send("GET /api/health HTTP/1.1\r\nHost: h\r\nX-Big: " + QByteArray(20000, 'x') + "\r\n\r\n");
    EXPECT_EQ(r.status, 431);
    EXPECT_EQ(errorCode(r), QStringLiteral("headers_too_large"));

    r = daemon.send("POST /api/shutdown HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n");
    EXPECT_EQ(r.status, 411);
    EXPECT_EQ(errorCode(r), QStringLiteral("length_required"));

    r = daemon.send("POST /api/shutdown HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999\r\n\r\n");
    EXPECT_EQ(r.status, 413);
    EXPECT_EQ(errorCode(r), QStringLiteral("payload_too_large"));

    r = daemon.send(QByteArray("\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03", 11));  // a TLS handshake
    EXPECT_EQ(r.status, 400);

    expectHealthy();
    EXPECT_EQ(daemon.process()->state(), QProcess::Running);
}

TEST_F(DaemonTest, KeepAliveServesSeveralRequestsOnOneConnection) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, daemon.runtime().port);
    ASSERT_TRUE(socket.waitForConnected(10000));
    const QByteArray request =
        "GET /api/health HTTP/1.1\r\nHost: h\r\nAuthorization: Bearer " + token + "\r\n\r\n";
    socket.write(request + request);  // pipelined
    QByteArray received;
    const QDeadlineTimer deadline(20000);
    while (received.count("HTTP/1.1 200 OK") < 2 && !deadline.hasExpired())
        if (socket.waitForReadyRead(200))
            received += socket.readAll();
    EXPECT_EQ(received.count("HTTP/1.1 200 OK"), 2);
    EXPECT_EQ(socket.state(), QAbstractSocket::ConnectedState);
}

TEST_F(DaemonTest, EventStreamDeliversTelemetry) {
    QTcpSocket socket;
    socket.connectToHost(QHostAddress::LocalHost, daemon.runtime().port);
    ASSERT_TRUE(socket.waitForConnected(10000));
    socket.write(
        "GET /api/events HTTP/1.1\r\nHost: h\r\nAccept: text/event-stream\r\nAuthorization: Bearer " + token +
        "\r\n\r\n");
    QByteArray head;
    SseParser parser;
    QList<SseEvent> events;
    const QDeadlineTimer deadline(30000);
    while (events.size() < 3 && !deadline.hasExpired()) {
        if (!socket.waitForReadyRead(200))
            continue;
        QByteArray bytes = socket.readAll();
        if (!head.contains("\r\n\r\n")) {
            head += bytes;
            const qsizetype end = head.indexOf("\r\n\r\n");
            if (end < 0)
                continue;
            bytes = head.sliced(end + 4);
            head.truncate(end + 4);
        }
        events += parser.feed(bytes);
    }
    EXPECT_TRUE(head.startsWith("HTTP/1.1 200 OK\r\n")) << head.toStdString();
    EXPECT_TRUE(head.contains("Content-Type: text/event-stream"));
    ASSERT_GE(events.size(), 3);
    qint64 previousTime = 0;
    for (const SseEvent &e : events) {
        EXPECT_EQ(e.type, "telemetry");
        // Telemetry is state, not a log: no id, so Last-Event-ID keeps naming the last job event.
        EXPECT_TRUE(e.id.isEmpty()) << e.id.toStdString();
        const Result<TelemetryFrame> frame = parseTelemetryFrame(QJsonDocument::fromJson(e.data).object());
        ASSERT_TRUE(frame.ok()) << frame.error().toStdString();
        EXPECT_EQ(frame->source, QStringLiteral("fake"));
        EXPECT_EQ(frame->gpus.size(), 2);
        EXPECT_TRUE(frame->host.has_value());
        EXPECT_GE(frame->timeMs, previousTime);
        previousTime = frame->timeMs;
    }
    expectHealthy();
}

TEST_F(DaemonTest, ASecondDaemonExitsWith3NamingThePid) {
    const CommandResult second = daemon.nemoctl({QStringLiteral("daemon")});
    EXPECT_EQ(second.exitCode, 3);
    const QByteArray expected = "nemoctl: a daemon is already running (pid " +
                                QByteArray::number(daemon.runtime().pid) + ", " +
                                daemon.runtime().url.toUtf8() + ")";
    EXPECT_TRUE(second.err.contains(expected)) << second.err.toStdString();
    expectHealthy();
    // The first daemon's runtime file is untouched.
    EXPECT_EQ(RuntimeInfo::read(daemon.paths().runtimeFile())->pid, daemon.runtime().pid);
}

TEST_F(DaemonTest, AKilledDaemonsLockIsRecovered) {
    const qint64 oldPid = daemon.runtime().pid;
    daemon.killHard();
    // What a killed daemon leaves: its lock and its runtime file, naming a dead pid.
    EXPECT_TRUE(QFile::exists(daemon.paths().lockFile()));
    EXPECT_TRUE(QFile::exists(daemon.paths().runtimeFile()));
    const CommandResult endpoint = daemon.nemoctl({QStringLiteral("endpoint")});
    EXPECT_EQ(endpoint.exitCode, 1);
    EXPECT_TRUE(endpoint.err.contains("no daemon is running")) << endpoint.err.toStdString();

    QString why;
    ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
    EXPECT_NE(daemon.runtime().pid, oldPid);
    EXPECT_EQ(daemon.token(), token);  // the token survives restarts
    expectHealthy();
}

TEST_F(DaemonTest, SigtermStopsCleanly) {
    ::kill(static_cast<pid_t>(daemon.runtime().pid), SIGTERM);
    EXPECT_EQ(daemon.waitForExit(), 0);
    EXPECT_FALSE(QFile::exists(daemon.paths().runtimeFile()));
    QString why;
    ASSERT_TRUE(daemon.start(&why)) << why.toStdString();  // and the lock is free again
}

TEST_F(DaemonTest, TokenFileIsPrivate) {
    struct stat st {};
    ASSERT_EQ(::stat(QFile::encodeName(daemon.paths().tokenFile()).constData(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0600u);
    ASSERT_EQ(::stat(QFile::encodeName(daemon.paths().configDir()).constData(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0700u);
    const QByteArray log = [&] {
        QFile f(daemon.paths().daemonLogFile());
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    }();
    EXPECT_TRUE(log.contains("listening on " + daemon.runtime().url.toUtf8())) << log.toStdString();
    EXPECT_FALSE(log.contains(token));  // the token never reaches the log
}

TEST(DaemonStart, CorruptSettingsRefuseToStartAndAreLeftAlone) {
    DaemonHarness daemon;
    const QByteArray corrupt =
        "{\n  \"daemon\": { \"port\": 0 },\n  \"telemetry\": { \"interval_ms\": }\n}\n";
    daemon.writeSettings(corrupt);
    const CommandResult r = daemon.nemoctl({QStringLiteral("daemon")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains(daemon.paths().settingsFile().toUtf8())) << r.err.toStdString();
    EXPECT_TRUE(r.err.contains("line 3")) << r.err.toStdString();
    QFile f(daemon.paths().settingsFile());
    ASSERT_TRUE(f.open(QIODevice::ReadOnly));
    EXPECT_EQ(f.readAll(), corrupt);
    EXPECT_FALSE(QFile::exists(daemon.paths().runtimeFile()));
}

TEST(DaemonStart, ABadFakeGpuSpecRefusesToStart) {
    DaemonHarness daemon;
    daemon.environment().insert(QStringLiteral("NEMODESK_FAKE_GPUS"), QStringLiteral("two-big-ones"));
    const CommandResult r = daemon.nemoctl({QStringLiteral("daemon")});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains("NEMODESK_FAKE_GPUS=two-big-ones")) << r.err.toStdString();
}

TEST(DaemonStart, ABusyPortIsExplained) {
    DaemonHarness first;
    QString why;
    ASSERT_TRUE(first.start(&why)) << why.toStdString();
    DaemonHarness second;  // another home, so another lock: only the port collides
    const CommandResult r = second.nemoctl(
        {QStringLiteral("daemon"), QStringLiteral("--port"), QString::number(first.runtime().port)});
    EXPECT_EQ(r.exitCode, 1);
    EXPECT_TRUE(r.err.contains(QByteArray::number(first.runtime().port))) << r.err.toStdString();
}

}  // namespace
}  // namespace nd::test
