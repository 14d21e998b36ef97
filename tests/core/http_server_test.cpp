// HttpServer and SseHub over real loopback sockets: keep-alive, pipelining, errors, timeouts, the
// connection limit, keep-alive comments and dropping a stream client that stopped reading.
#include <gtest/gtest.h>

#include <QJsonDocument>
#include <QJsonObject>
#include <QTcpSocket>

#include <memory>

#include "LoopbackClient.h"
#include "TestUtil.h"
#include "core/http/HttpServer.h"
#include "core/http/SseHub.h"

namespace nd {
namespace {

using test::waitUntil;

using Client = test::LoopbackClient;

HttpResponse echo(const HttpRequest &r) {
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("path"), QString::fromUtf8(r.path)},
                                               {QStringLiteral("body"), QString::fromUtf8(r.body)}});
}

QByteArray get(const char *path, const char *extra = "") {
    return QByteArray("GET ") + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

TEST(HttpServer, KeepsTheConnectionForSeveralRequests) {
    HttpServer server(echo);
    const Result<quint16> port = server.listen(QHostAddress::LocalHost, 0);
    ASSERT_TRUE(port.ok()) << port.error().toStdString();
    Client client(port.value());
    client.send(get("/one"));
    ASSERT_TRUE(client.waitFor("\"path\":\"/one\""));
    client.send(get("/two"));
    ASSERT_TRUE(client.waitFor("\"path\":\"/two\""));
    EXPECT_EQ(client.received().count("HTTP/1.1 200 OK"), 2);
    EXPECT_EQ(server.connectionCount(), 1);
}

TEST(HttpServer, AnswersPipelinedRequestsInOrder) {
    HttpServer server(echo);
    Client client(server.listen(QHostAddress::LocalHost, 0).value());
    client.send(get("/a") + "POST /b HTTP/1.1\r\nHost: t\r\nContent-Length: 2\r\n\r\nhi" +
                get("/c", "Connection: close\r\n"));
    ASSERT_TRUE(client.waitClosed());
    const QByteArray r = client.received();
    const qsizetype a = r.indexOf("\"/a\"");
    const qsizetype b = r.indexOf("\"/b\"");
    const qsizetype c = r.indexOf("\"/c\"");
    ASSERT_GE(a, 0);
    EXPECT_GT(b, a);
    EXPECT_GT(c, b);
    EXPECT_TRUE(r.contains("\"body\":\"hi\""));
    EXPECT_TRUE(r.contains("Connection: close"));
}

TEST(HttpServer, MalformedRequestGets400JsonAndClose) {
    HttpServer server(echo);
    Client client(server.listen(QHostAddress::LocalHost, 0).value());
    client.send("THIS IS NOT HTTP\r\n\r\n");
    ASSERT_TRUE(client.waitClosed());
    const QByteArray r = client.received();
    EXPECT_TRUE(r.startsWith("HTTP/1.1 400 Bad Request\r\n")) << r.toStdString();
    const QJsonObject body = QJsonDocument::fromJson(r.sliced(r.indexOf("\r\n\r\n") + 4)).object();
    EXPECT_EQ(body.value(QStringLiteral("error")).toObject().value(QStringLiteral("code")).toString(),
              QStringLiteral("bad_request"));
}

TEST(HttpServer, ExpectContinueGets100First) {
    HttpServer server(echo);
    Client client(server.listen(QHostAddress::LocalHost, 0).value());
    client.send("POST /up HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    ASSERT_TRUE(client.waitFor("HTTP/1.1 100 Continue\r\n\r\n"));
    client.send("abc");
    ASSERT_TRUE(client.waitFor("\"body\":\"abc\""));
}

TEST(HttpServer, SlowRequestsTimeOutWith408) {
    HttpServerOptions options;
    options.requestTimeoutMs = 200;
    HttpServer server(echo, options);
    const quint16 port = server.listen(QHostAddress::LocalHost, 0).value();
    Client partial(port);
    partial.send("GET /slow HTTP/1.1\r\nHo");  // and then nothing (slowloris)
    Client idle(port);
    ASSERT_TRUE(partial.waitClosed());
    EXPECT_TRUE(partial.received().startsWith("HTTP/1.1 408 ")) << partial.received().toStdString();
    ASSERT_TRUE(idle.waitClosed());
    EXPECT_TRUE(idle.received().isEmpty());  // an idle keep-alive connection just closes
    EXPECT_TRUE(waitUntil([&] { return server.connectionCount() == 0; }));
}

TEST(HttpServer, RefusesConnectionsOverTheLimitWith503) {
    HttpServerOptions options;
    options.maxConnections = 2;
    HttpServer server(echo, options);
    const quint16 port = server.listen(QHostAddress::LocalHost, 0).value();
    Client a(port);
    Client b(port);
    ASSERT_TRUE(waitUntil([&] { return server.connectionCount() == 2; }));
    Client c(port);
    ASSERT_TRUE(c.waitClosed());
    EXPECT_TRUE(c.received().startsWith("HTTP/1.1 503 ")) << c.received().toStdString();
    EXPECT_TRUE(c.received().contains("too_many_connections"));
    // The others still work, and a slot frees when one leaves.
    a.send(get("/still"));
    ASSERT_TRUE(a.waitFor("/still"));
    b.socket().disconnectFromHost();
    ASSERT_TRUE(waitUntil([&] { return server.connectionCount() == 1; }));
    Client d(port);
    d.send(get("/again"));
    ASSERT_TRUE(d.waitFor("/again"));
}

TEST(HttpServer, ListeningOnABusyPortIsAClearError) {
    HttpServer first(echo);
    const quint16 port = first.listen(QHostAddress::LocalHost, 0).value();
    HttpServer second(echo);
    const Result<quint16> again = second.listen(QHostAddress::LocalHost, port);
    ASSERT_FALSE(again.ok());
    EXPECT_TRUE(again.error().contains(QString::number(port))) << again.error().toStdString();
}

// A server whose /events route hands connections to a hub.
struct StreamServer {
    explicit StreamServer(SseHub::Options options)
        : hub(options), server([this](const HttpRequest &) {
            return HttpResponse::eventStream([this](HttpConnection *c) { hub.addClient(c); });
        }) {
        port = server.listen(QHostAddress::LocalHost, 0).value();
    }
    SseHub hub;
    HttpServer server;
    quint16 port = 0;
};

TEST(SseHub, BroadcastsNumberedEventsAndKeepAlives) {
    SseHub::Options options;
    options.keepAliveIntervalMs = 100;
    StreamServer s(options);
    Client client(s.port);
    client.send(get("/events"));
    ASSERT_TRUE(waitUntil([&] { return s.hub.clientCount() == 1; }));
    EXPECT_EQ(s.hub.broadcast("telemetry", "{\"n\":1}"), 1u);
    EXPECT_EQ(s.hub.broadcast("telemetry", "{\"n\":2}"), 2u);
    ASSERT_TRUE(client.waitFor("id: 2\ndata: {\"n\":2}\n\n"));
    EXPECT_TRUE(client.received().contains("Content-Type: text/event-stream"));
    EXPECT_TRUE(client.received().contains("event: telemetry\nid: 1\ndata: {\"n\":1}\n\n"));
    ASSERT_TRUE(client.waitFor(": keep-alive\n\n"));
    client.socket().disconnectFromHost();
    EXPECT_TRUE(waitUntil([&] { return s.hub.clientCount() == 0; }));
}

TEST(SseHub, DropsAClientThatStopsReading) {
    SseHub::Options options;
    options.maxUnsentBytes = 256 * 1024;
    StreamServer s(options);
    QTcpSocket reader;  // connects, asks for the stream, and never reads again
    reader.connectToHost(QHostAddress::LocalHost, s.port);
    ASSERT_TRUE(waitUntil([&] { return reader.state() == QAbstractSocket::ConnectedState; }));
    reader.setReadBufferSize(1);
    reader.write(get("/events"));
    ASSERT_TRUE(waitUntil([&] { return s.hub.clientCount() == 1; }));
    const QByteArray chunk(64 * 1024, 'x');
    // The kernel's socket buffers take some megabytes first; after that the daemon-side queue grows
    // until the limit drops the client. 512 MiB is far beyond any socket buffer.
    qint64 sent = 0;
    while (s.hub.clientCount() > 0 && sent < 512LL * 1024 * 1024) {
        s.hub.broadcast("big", chunk);
        sent += chunk.size();
        QCoreApplication::processEvents();
    }
    EXPECT_EQ(s.hub.clientCount(), 0);
    EXPECT_EQ(s.hub.droppedSlowClients(), 1u);
}

}  // namespace
}  // namespace nd
