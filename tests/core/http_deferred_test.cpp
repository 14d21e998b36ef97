// Deferred answers over real loopback sockets: a handler returns HttpResponse::later(), someone answers
// through the connection later; pipelined requests wait their turn; a stream or raw stream answer hands the
// connection over; no request timeout while the answer is outstanding; a client leaving says closed().
#include <gtest/gtest.h>

#include <QElapsedTimer>
#include <QJsonObject>
#include <QPointer>
#include <QTcpSocket>

#include "LoopbackClient.h"
#include "TestUtil.h"
#include "core/http/HttpServer.h"

namespace nd {
namespace {

using test::waitUntil;

using Client = test::LoopbackClient;

// Runs the event loop for `ms` (to show that something does NOT happen in that time).
void settle(int ms) {
    QElapsedTimer timer;
    timer.start();
    waitUntil([&] { return timer.elapsed() >= ms; });
}

QByteArray get(const char *path, const char *extra = "") {
    return QByteArray("GET ") + path + " HTTP/1.1\r\nHost: t\r\n" + extra + "\r\n";
}

HttpResponse pathJson(const QByteArray &path) {
    return HttpResponse::json(200, QJsonObject{{QStringLiteral("path"), QString::fromUtf8(path)}});
}

// Paths starting with /later are deferred: the connection waits in `waiting` for the test to answer.
class DeferringServer {
public:
    explicit DeferringServer(HttpServerOptions options = {})
        : m_server(
              [this](const HttpRequest &r) {
                  handled.append(r.path);
                  if (!r.path.startsWith("/later"))
                      return pathJson(r.path);
                  return HttpResponse::later([this](HttpConnection *c) {
                      waiting = c;
                      QObject::connect(c, &HttpConnection::closed, c, [this] { ++closedCount; });
                  });
              },
              options) {
        port = m_server.listen(QHostAddress::LocalHost, 0).value();
    }
    bool waitForDeferred() {
        return waitUntil([this] { return !waiting.isNull(); });
    }
    int connectionCount() const { return m_server.connectionCount(); }

    quint16 port = 0;
    QPointer<HttpConnection> waiting;
    QList<QByteArray> handled;
    int closedCount = 0;

private:
    HttpServer m_server;
};

TEST(HttpDeferred, AnswersLaterAndKeepsTheConnection) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later/1"));
    ASSERT_TRUE(server.waitForDeferred());
    settle(50);
    EXPECT_TRUE(client.received().isEmpty()) << client.received().toStdString();

    server.waiting->answer(pathJson("/answered"));
    ASSERT_TRUE(client.waitFor("\"path\":\"/answered\""));
    EXPECT_TRUE(client.received().startsWith("HTTP/1.1 200 OK\r\n")) << client.received().toStdString();
    EXPECT_TRUE(client.received().contains("Connection: keep-alive")) << client.received().toStdString();
    // The same connection takes the next request.
    client.send(get("/next"));
    ASSERT_TRUE(client.waitFor("\"path\":\"/next\""));
    EXPECT_FALSE(client.closed());
    EXPECT_EQ(server.connectionCount(), 1);
}

TEST(HttpDeferred, PipelinedRequestsWaitAndAreAnsweredInOrder) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/a") + get("/later/b") + get("/c") + get("/d", "Connection: close\r\n"));
    ASSERT_TRUE(server.waitForDeferred());
    ASSERT_TRUE(client.waitFor("\"path\":\"/a\""));
    settle(50);
    // /c and /d are not even read while /later/b is outstanding.
    EXPECT_EQ(server.handled, (QList<QByteArray>{"/a", "/later/b"}));
    EXPECT_FALSE(client.received().contains("/c"));

    server.waiting->answer(pathJson("/b"));
    ASSERT_TRUE(client.waitClosed());  // /d asked to close
    const QByteArray r = client.received();
    const qsizetype a = r.indexOf("\"/a\"");
    const qsizetype b = r.indexOf("\"/b\"");
    const qsizetype c = r.indexOf("\"/c\"");
    const qsizetype d = r.indexOf("\"/d\"");
    ASSERT_GE(a, 0) << r.toStdString();
    EXPECT_GT(b, a) << r.toStdString();
    EXPECT_GT(c, b) << r.toStdString();
    EXPECT_GT(d, c) << r.toStdString();
    EXPECT_EQ(r.count("HTTP/1.1 200 OK"), 4);
    EXPECT_EQ(server.handled, (QList<QByteArray>{"/a", "/later/b", "/c", "/d"}));
}

TEST(HttpDeferred, ARequestThatAskedToCloseClosesAfterItsAnswer) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later", "Connection: close\r\n"));
    ASSERT_TRUE(server.waitForDeferred());
    server.waiting->answer(pathJson("/done"));
    ASSERT_TRUE(client.waitClosed());
    EXPECT_TRUE(client.received().contains("\"path\":\"/done\""));
    EXPECT_TRUE(client.received().contains("Connection: close")) << client.received().toStdString();
    EXPECT_EQ(server.closedCount, 1);
}

TEST(HttpDeferred, AnHttp10RequestWithoutKeepAliveClosesAfterItsAnswer) {
    DeferringServer server;
    Client client(server.port);
    client.send("GET /later HTTP/1.0\r\n\r\n");
    ASSERT_TRUE(server.waitForDeferred());
    server.waiting->answer(pathJson("/done"));
    ASSERT_TRUE(client.waitClosed());
    EXPECT_TRUE(client.received().contains("\"path\":\"/done\""));
}

TEST(HttpDeferred, AnEventStreamAnswerHandsTheConnectionOver) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later/events") + get("/never"));
    ASSERT_TRUE(server.waitForDeferred());
    HttpConnection *streamed = nullptr;
    server.waiting->answer(HttpResponse::eventStream([&](HttpConnection *c) {
        streamed = c;
        c->write("data: one\n\n");
    }));
    ASSERT_TRUE(client.waitFor("data: one\n\n"));
    ASSERT_NE(streamed, nullptr);
    EXPECT_EQ(streamed, server.waiting.data());
    EXPECT_TRUE(client.received().startsWith("HTTP/1.1 200 OK\r\n"));
    EXPECT_TRUE(client.received().contains("Content-Type: text/event-stream"));
    EXPECT_TRUE(streamed->isStreaming());
    settle(50);
    // The pipelined request after a stream is never answered: the connection is the stream's now.
    EXPECT_EQ(server.handled, (QList<QByteArray>{"/later/events"}));
    server.waiting->write("data: two\n\n");
    ASSERT_TRUE(client.waitFor("data: two\n\n"));
    server.waiting->close();
    ASSERT_TRUE(client.waitClosed());
}

TEST(HttpDeferred, ARawStreamAnswerWritesNoHead) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later/proxy"));
    ASSERT_TRUE(server.waitForDeferred());
    server.waiting->answer(HttpResponse::rawStream([](HttpConnection *c) {
        c->write("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
        c->close();
    }));
    ASSERT_TRUE(client.waitClosed());
    EXPECT_EQ(client.received(),
              QByteArray("HTTP/1.1 201 Created\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"));
}

TEST(HttpDeferred, ARawStreamFromTheHandlerWritesNoHeadEither) {
    HttpServer server([](const HttpRequest &) {
        return HttpResponse::rawStream([](HttpConnection *c) {
            c->write("passed through");
            c->close();
        });
    });
    Client client(server.listen(QHostAddress::LocalHost, 0).value());
    client.send(get("/raw"));
    ASSERT_TRUE(client.waitClosed());
    EXPECT_EQ(client.received(), QByteArray("passed through"));
    EXPECT_TRUE(HttpResponse::rawStream([](HttpConnection *) {}).serialize(true).isEmpty());
}

TEST(HttpDeferred, NoRequestTimeoutWhileTheAnswerIsOutstanding) {
    HttpServerOptions options;
    options.requestTimeoutMs = 100;
    DeferringServer server(options);
    Client client(server.port);
    client.send(get("/later"));
    ASSERT_TRUE(server.waitForDeferred());
    settle(400);  // four request timeouts
    EXPECT_FALSE(client.closed());
    ASSERT_FALSE(server.waiting.isNull());
    server.waiting->answer(pathJson("/slow"));
    ASSERT_TRUE(client.waitFor("\"path\":\"/slow\""));
    // Answered, the connection is an idle keep-alive one again, and times out as one.
    ASSERT_TRUE(client.waitClosed());
    EXPECT_EQ(client.received().count("HTTP/1.1 "), 1) << client.received().toStdString();
}

TEST(HttpDeferred, AClientLeavingWhileTheAnswerIsDeferredEmitsClosed) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later"));
    ASSERT_TRUE(server.waitForDeferred());
    client.socket().disconnectFromHost();
    ASSERT_TRUE(waitUntil([&] { return server.closedCount == 1; }));
    // The connection deletes itself: whoever kept it learns so from closed() (here, through QPointer).
    EXPECT_TRUE(waitUntil([&] { return server.waiting.isNull(); }));
    EXPECT_TRUE(waitUntil([&] { return server.connectionCount() == 0; }));
}

TEST(HttpDeferred, AnAnswerGivenAtOnceInsideTheCallbackWorks) {
    HttpServer server([](const HttpRequest &r) {
        if (r.path != "/now")
            return pathJson(r.path);
        return HttpResponse::later([](HttpConnection *c) { c->answer(pathJson("/now-answered")); });
    });
    Client client(server.listen(QHostAddress::LocalHost, 0).value());
    client.send(get("/now") + get("/after") + get("/now") + get("/last", "Connection: close\r\n"));
    ASSERT_TRUE(client.waitClosed());
    const QByteArray r = client.received();
    const qsizetype first = r.indexOf("/now-answered");
    const qsizetype after = r.indexOf("\"/after\"");
    const qsizetype second = r.indexOf("/now-answered", after);
    const qsizetype last = r.indexOf("\"/last\"");
    ASSERT_GE(first, 0) << r.toStdString();
    EXPECT_GT(after, first) << r.toStdString();
    EXPECT_GT(second, after) << r.toStdString();
    EXPECT_GT(last, second) << r.toStdString();
    EXPECT_EQ(r.count("HTTP/1.1 200 OK"), 4);
}

TEST(HttpDeferred, AClientFloodingWhileTheAnswerIsDeferredIsDropped) {
    // Nothing is parsed while an answer is outstanding, so the parser's limits cannot bound what arrives:
    // more than one request's worth (head + body limits) drops the client.
    HttpServerOptions options;
    options.limits.maxHeadBytes = 1024;
    options.limits.maxBodyBytes = 4096;
    DeferringServer server(options);
    Client client(server.port);
    client.send(get("/later/1"));
    ASSERT_TRUE(server.waitForDeferred());
    client.send(get("/queued"));  // one pipelined request is fine
    settle(50);
    EXPECT_FALSE(client.closed());
    client.send(QByteArray(8192, 'x'));
    EXPECT_TRUE(client.waitClosed());
    EXPECT_EQ(server.closedCount, 1);
}

TEST(HttpDeferred, AnswerIsIgnoredWhenNothingIsDeferred) {
    DeferringServer server;
    Client client(server.port);
    client.send(get("/later"));
    ASSERT_TRUE(server.waitForDeferred());
    server.waiting->answer(pathJson("/first"));
    ASSERT_TRUE(client.waitFor("/first"));
    server.waiting->answer(pathJson("/second"));  // a second answer to the same request
    settle(50);
    EXPECT_FALSE(client.received().contains("/second"));
    EXPECT_EQ(client.received().count("HTTP/1.1 "), 1);
}

TEST(HttpDeferred, TwoConnectionsWaitIndependently) {
    QList<QPointer<HttpConnection>> waiting;
    HttpServer server([&](const HttpRequest &r) {
        if (r.path != "/later")
            return pathJson(r.path);
        return HttpResponse::later([&](HttpConnection *c) { waiting.append(c); });
    });
    const quint16 port = server.listen(QHostAddress::LocalHost, 0).value();
    Client one(port);
    Client two(port);
    one.send(get("/later"));
    ASSERT_TRUE(waitUntil([&] { return waiting.size() == 1; }));
    two.send(get("/later"));
    ASSERT_TRUE(waitUntil([&] { return waiting.size() == 2; }));
    // The second connection is not blocked by the first one's outstanding answer.
    two.send(get("/x"));
    settle(30);
    EXPECT_TRUE(two.received().isEmpty());  // it waits for its own deferred answer, though
    waiting[1]->answer(pathJson("/two"));
    ASSERT_TRUE(two.waitFor("\"/x\""));
    EXPECT_TRUE(one.received().isEmpty());
    waiting[0]->answer(pathJson("/one"));
    ASSERT_TRUE(one.waitFor("\"/one\""));
}

}  // namespace
}  // namespace nd
