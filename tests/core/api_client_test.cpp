// The API in process: ApiServer's authentication and routes (called directly and over loopback), and
// the client side against it: ApiClient's answers and error sentences, EventStream's events and
// reconnects, DaemonConnector finding a daemon through the runtime file or explaining why it cannot.
#include <gtest/gtest.h>

#include <QCoreApplication>
#include <QFile>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTcpServer>
#include <QTemporaryDir>

#include <memory>

#include "TestUtil.h"
#include "core/auth/Token.h"
#include "core/client/ApiClient.h"
#include "core/client/DaemonConnector.h"
#include "core/client/EventStream.h"
#include "core/client/TelemetryFrame.h"
#include "core/daemon/ApiServer.h"
#include "core/daemon/RuntimeFile.h"
#include "core/telemetry/TelemetryService.h"

namespace nd {
namespace {

using test::waitUntil;

// A daemon's insides, without the process: fake GPUs sampled every 100 ms, the API on a free port.
class ApiFixture : public ::testing::Test {
protected:
    void SetUp() override {
        ASSERT_TRUE(home.isValid());
        paths = Paths::underHome(home.path());
        QString error;
        ASSERT_TRUE(paths.ensureExists(&error)) << error.toStdString();
        const Result<QByteArray> t = TokenFile::loadOrCreate(paths.tokenFile(), nullptr);
        ASSERT_TRUE(t.ok());
        token = t.value();
        TelemetryService::Options options;
        options.telemetry.fake_spec = "2x24576";
        options.intervalMs = 100;
        telemetry = std::make_unique<TelemetryService>(options);
        ASSERT_TRUE(telemetry->start().ok());
        startApi(0);
    }

    void startApi(quint16 wantedPort) {
        ApiServer::Context context;
        context.token = token;
        context.tokenFile = paths.tokenFile();
        context.home = paths.home();
        context.startedAtMs = 1;
        api = std::make_unique<ApiServer>(context, telemetry.get());
        const Result<quint16> p = api->listen(wantedPort);
        ASSERT_TRUE(p.ok()) << p.error().toStdString();
        port = p.value();
    }

    Endpoint endpoint(const QByteArray &withToken = {}) const {
        Endpoint e;
        e.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(port));
        e.tokenFile = paths.tokenFile();
        e.token = withToken.isEmpty() ? token : withToken;
        e.pid = QCoreApplication::applicationPid();
        return e;
    }

    HttpRequest request(const QByteArray &method, const QByteArray &path, bool withToken = true) const {
        HttpRequest r;
        r.method = method;
        r.path = path;
        r.target = path;
        if (withToken)
            r.headers.append({"authorization", "Bearer " + token});
        return r;
    }

    static QJsonObject bodyOf(const HttpResponse &r) { return QJsonDocument::fromJson(r.body).object(); }

    Result<QJsonDocument> getSync(ApiClient &client, const QString &path) {
        std::optional<Result<QJsonDocument>> answer;
        QObject context;
        client.getJson(path, &context, [&](const Result<QJsonDocument> &r) { answer = r; });
        EXPECT_TRUE(waitUntil([&] { return answer.has_value(); }));
        return answer.value_or(Error{QStringLiteral("no answer")});
    }

    QTemporaryDir home;
    Paths paths;
    QByteArray token;
    std::unique_ptr<TelemetryService> telemetry;
    std::unique_ptr<ApiServer> api;
    quint16 port = 0;
};

TEST_F(ApiFixture, EveryRouteNeedsTheToken) {
    for (const char *path : {"/api/health", "/api/gpus", "/api/events", "/api/nonexistent"}) {
        HttpResponse r = api->handle(request("GET", path, false));
        EXPECT_EQ(r.status, 401) << path;
        EXPECT_EQ(
            bodyOf(r).value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
            QStringLiteral("unauthorized"));
        bool challenge = false;
        for (const auto &h : r.headers)
            challenge |= h.first == "WWW-Authenticate" && h.second.startsWith("Bearer");
        EXPECT_TRUE(challenge) << path;
    }
    HttpRequest wrong = request("GET", "/api/health", false);
    wrong.headers.append({"authorization", "Bearer " + TokenFile::generate()});
    const HttpResponse r = api->handle(wrong);
    EXPECT_EQ(r.status, 401);
    const QString message =
        bodyOf(r).value(QStringLiteral("error")).toObject().value(QStringLiteral("message")).toString();
    EXPECT_TRUE(message.contains(QStringLiteral("wrong"))) << message.toStdString();
    EXPECT_TRUE(message.contains(paths.tokenFile())) << message.toStdString();
    HttpRequest basic = request("GET", "/api/health", false);
    basic.headers.append({"authorization", "Basic " + token});
    EXPECT_EQ(api->handle(basic).status, 401);
    HttpRequest lowercase = request("GET", "/api/health", false);
    lowercase.headers.append({"authorization", "bearer " + token});
    EXPECT_EQ(api->handle(lowercase).status, 200);  // the scheme is case-insensitive (RFC 9110)
}

TEST_F(ApiFixture, HealthDescribesTheDaemon) {
    const HttpResponse r = api->handle(request("GET", "/api/health"));
    ASSERT_EQ(r.status, 200);
    const QJsonObject h = bodyOf(r);
    EXPECT_EQ(h.value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
    EXPECT_EQ(h.value(QStringLiteral("version")).toString(), QStringLiteral(NEMODESK_VERSION));
    EXPECT_EQ(h.value(QStringLiteral("api_version")).toInt(), 1);
    EXPECT_EQ(h.value(QStringLiteral("pid")).toInteger(), QCoreApplication::applicationPid());
    EXPECT_EQ(h.value(QStringLiteral("home")).toString(), paths.home());
    const QJsonObject t = h.value(QStringLiteral("telemetry")).toObject();
    EXPECT_EQ(t.value(QStringLiteral("source")).toString(), QStringLiteral("fake"));
    EXPECT_EQ(t.value(QStringLiteral("gpu_count")).toInt(), 2);
}

TEST_F(ApiFixture, GpusListsTheSyntheticGpusWithSamples) {
    ASSERT_TRUE(waitUntil([&] { return telemetry->latest() != nullptr; }));
    const HttpResponse r = api->handle(request("GET", "/api/gpus"));
    ASSERT_EQ(r.status, 200);
    const Result<GpuInventory> inv = parseGpuInventory(bodyOf(r));
    ASSERT_TRUE(inv.ok()) << inv.error().toStdString();
    EXPECT_EQ(inv->source, QStringLiteral("fake"));
    ASSERT_EQ(inv->gpus.size(), 2);
    EXPECT_TRUE(inv->gpus[0].synthetic);
    EXPECT_TRUE(inv->gpus[1].latest.has_value());
    EXPECT_TRUE(inv->host.has_value());
}

TEST_F(ApiFixture, UnknownRoutesAndMethods) {
    EXPECT_EQ(api->handle(request("GET", "/api/nonexistent")).status, 404);
    const HttpResponse r = api->handle(request("DELETE", "/api/gpus"));
    EXPECT_EQ(r.status, 405);
    EXPECT_EQ(api->handle(request("GET", "/api/shutdown")).status, 405);
}

TEST_F(ApiFixture, ShutdownAnswersThenSignals) {
    QSignalSpy spy(api.get(), &ApiServer::shutdownRequested);
    const HttpResponse r = api->handle(request("POST", "/api/shutdown"));
    EXPECT_EQ(r.status, 202);
    EXPECT_EQ(bodyOf(r).value(QStringLiteral("status")).toString(), QStringLiteral("stopping"));
    EXPECT_EQ(spy.count(), 0);  // not before the answer is out
    EXPECT_TRUE(spy.wait(5000));
}

TEST_F(ApiFixture, ApiClientGetsJson) {
    ApiClient client(endpoint());
    const Result<QJsonDocument> health = getSync(client, QStringLiteral("/api/health"));
    ASSERT_TRUE(health.ok()) << health.error().toStdString();
    EXPECT_EQ(health->object().value(QStringLiteral("status")).toString(), QStringLiteral("ok"));
}

TEST_F(ApiFixture, ApiClientExplainsHttpErrors) {
    ApiClient wrongToken(endpoint(TokenFile::generate()));
    const Result<QJsonDocument> denied = getSync(wrongToken, QStringLiteral("/api/health"));
    ASSERT_FALSE(denied.ok());
    EXPECT_TRUE(denied.error().startsWith(QStringLiteral("401 unauthorized: wrong bearer token")))
        << denied.error().toStdString();
    ApiClient client(endpoint());
    const Result<QJsonDocument> missing = getSync(client, QStringLiteral("/api/nope"));
    ASSERT_FALSE(missing.ok());
    EXPECT_TRUE(missing.error().startsWith(QStringLiteral("404 not_found: ")))
        << missing.error().toStdString();
}

TEST_F(ApiFixture, ApiClientExplainsAnUnreachableDaemon) {
    // A port that was free a moment ago: nothing listens there.
    QTcpServer probe;
    ASSERT_TRUE(probe.listen(QHostAddress::LocalHost, 0));
    const quint16 closedPort = probe.serverPort();
    probe.close();
    Endpoint e = endpoint();
    e.baseUrl.setPort(closedPort);
    ApiClient client(e);
    const Result<QJsonDocument> r = getSync(client, QStringLiteral("/api/health"));
    ASSERT_FALSE(r.ok());
    EXPECT_TRUE(
        r.error().startsWith(QStringLiteral("daemon not reachable at http://127.0.0.1:%1: ").arg(closedPort)))
        << r.error().toStdString();
}

TEST_F(ApiFixture, ApiClientDropsTheCallbackWhenTheContextDies) {
    ApiClient client(endpoint());
    bool called = false;
    auto context = std::make_unique<QObject>();
    client.getJson(QStringLiteral("/api/health"), context.get(),
                   [&](const Result<QJsonDocument> &) { called = true; });
    context.reset();
    // Give the request every chance to complete.
    ApiClient other(endpoint());
    ASSERT_TRUE(getSync(other, QStringLiteral("/api/health")).ok());
    waitUntil([] { return false; }, 200);
    EXPECT_FALSE(called);
}

TEST_F(ApiFixture, EventStreamDeliversTelemetryAndReconnects) {
    EventStream stream(endpoint());
    QList<QJsonObject> frames;
    int connects = 0;
    QStringList reasons;
    QObject context;
    QObject::connect(&stream, &EventStream::eventReceived, &context,
                     [&](const QString &type, const QJsonObject &data) {
                         if (type == QStringLiteral("telemetry"))
                             frames.append(data);
                     });
    QObject::connect(&stream, &EventStream::connected, &context, [&] { ++connects; });
    QObject::connect(&stream, &EventStream::disconnected, &context,
                     [&](const QString &why) { reasons.append(why); });
    stream.start();
    ASSERT_TRUE(waitUntil([&] { return frames.size() >= 2; }));
    EXPECT_EQ(connects, 1);
    EXPECT_TRUE(stream.isConnected());
    const Result<TelemetryFrame> frame = parseTelemetryFrame(frames.last());
    ASSERT_TRUE(frame.ok()) << frame.error().toStdString();
    EXPECT_EQ(frame->gpus.size(), 2);

    // The daemon goes away and comes back on the same port: the stream notices and resumes.
    api.reset();
    ASSERT_TRUE(waitUntil([&] { return !reasons.isEmpty(); }));
    EXPECT_FALSE(stream.isConnected());
    startApi(port);
    const qsizetype before = frames.size();
    ASSERT_TRUE(waitUntil([&] { return connects == 2 && frames.size() > before; }));
    stream.stop();
    EXPECT_FALSE(stream.isConnected());
}

TEST_F(ApiFixture, EventStreamReportsAWrongToken) {
    EventStream stream(endpoint(TokenFile::generate()));
    QStringList reasons;
    QObject context;
    QObject::connect(&stream, &EventStream::disconnected, &context,
                     [&](const QString &why) { reasons.append(why); });
    stream.start();
    ASSERT_TRUE(waitUntil([&] { return !reasons.isEmpty(); }));
    EXPECT_TRUE(reasons.first().startsWith(QStringLiteral("401 unauthorized")))
        << reasons.first().toStdString();
    stream.stop();
}

TEST_F(ApiFixture, ConnectorFindsTheDaemonThroughTheRuntimeFile) {
    RuntimeInfo info;
    info.pid = QCoreApplication::applicationPid();
    info.port = port;
    info.url = QStringLiteral("http://127.0.0.1:%1").arg(port);
    info.tokenFile = paths.tokenFile();
    info.version = QStringLiteral(NEMODESK_VERSION);
    ASSERT_TRUE(info.write(paths.runtimeFile()).ok());

    DaemonConnector connector(paths, QString());
    QSignalSpy connected(&connector, &DaemonConnector::connected);
    QSignalSpy failed(&connector, &DaemonConnector::failed);
    connector.connectToDaemon();
    ASSERT_TRUE(waitUntil([&] { return connected.count() + failed.count() > 0; }));
    ASSERT_EQ(connected.count(), 1) << failed.value(0).value(0).toString().toStdString();
    const Endpoint e = connected.at(0).at(0).value<Endpoint>();
    EXPECT_EQ(e.baseUrl.port(), port);
    EXPECT_EQ(e.token, token);
    EXPECT_EQ(connector.state(), DaemonConnector::State::connected);
}

class ConnectorTest : public ::testing::Test {
protected:
    void SetUp() override { paths = Paths::underHome(home.path()); }

    QString failureOf(const QString &nemoctl, int timeoutMs = 10000) {
        DaemonConnector connector(paths, nemoctl);
        connector.setStartTimeoutMs(timeoutMs);
        QSignalSpy connected(&connector, &DaemonConnector::connected);
        QSignalSpy failed(&connector, &DaemonConnector::failed);
        connector.connectToDaemon();
        EXPECT_TRUE(waitUntil([&] { return connected.count() + failed.count() > 0; }, timeoutMs + 10000));
        EXPECT_EQ(connected.count(), 0);
        EXPECT_EQ(connector.state(), failed.isEmpty() ? connector.state() : DaemonConnector::State::failed);
        return failed.isEmpty() ? QString() : failed.at(0).at(0).toString();
    }

    QString script(const QByteArray &body) {
        const QString file = home.filePath(QStringLiteral("fake-nemoctl"));
        QFile f(file);
        EXPECT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("#!/bin/sh\n" + body);
        f.close();
        f.setPermissions(QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner);
        return file;
    }

    QTemporaryDir home;
    Paths paths;
};

TEST_F(ConnectorTest, WithoutADaemonAndWithoutStartingOne) {
    const QString message = failureOf(QString());
    EXPECT_TRUE(message.contains(QStringLiteral("no daemon"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("nemoctl daemon"))) << message.toStdString();
}

TEST_F(ConnectorTest, AnExecutableThatCannotStart) {
    const QString message = failureOf(QStringLiteral("/nonexistent/nemoctl"));
    EXPECT_TRUE(message.contains(QStringLiteral("/nonexistent/nemoctl"))) << message.toStdString();
}

TEST_F(ConnectorTest, ADaemonThatDiesAtStartShowsItsLog) {
    const QString message =
        failureOf(script("echo \"nemoctl: settings file x: line 3, column 2: garbage\" >&2\nexit 1\n"));
    EXPECT_TRUE(message.contains(QStringLiteral("exited"))) << message.toStdString();
    EXPECT_TRUE(message.contains(QStringLiteral("line 3, column 2: garbage"))) << message.toStdString();
}

TEST_F(ConnectorTest, ADaemonThatNeverAnswersTimesOut) {
    const QString message = failureOf(script("exec sleep 3\n"), 600);
    EXPECT_TRUE(message.contains(QStringLiteral("did not answer"))) << message.toStdString();
}

}  // namespace
}  // namespace nd
