// ChatClient against a scripted server: a real-format OpenAI SSE stream cut at odd places (reasoning and
// content kept apart, usage and timings read, [DONE]), an HTTP error with the server's message, a
// connection dropped mid-answer, a refused connection, abort(), and the model list.
#include <QSignalSpy>
#include <QTest>

#include "FakeChatServer.h"
#include "core/client/ChatClient.h"

using namespace Qt::StringLiterals;
using nd::ChatClient;
using nd::ChatStats;

class TestChatClient : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void requestBody();
    void streamsReasoningAndContent();
    void errorStatusCarriesServerMessage();
    void droppedConnectionFails();
    void refusedConnectionFails();
    void abortClosesTheConnection();
    void listsModels();

private:
    static nd::ChatRequest request() {
        nd::ChatRequest request;
        request.model = u"nemotron-nano-9b"_s;
        request.messages = {{u"system"_s, u"Be brief."_s}, {u"user"_s, u"Héllo?"_s}};
        request.params.seed = 42;
        return request;
    }
};

void TestChatClient::requestBody() {
    nd::ChatRequest r = request();
    r.params.reasoning = false;
    r.params.stop = {u"</s>"_s};
    const QJsonObject body = QJsonDocument::fromJson(ChatClient::requestBody(r)).object();
    QCOMPARE(body.value(u"model"_s).toString(), u"nemotron-nano-9b"_s);
    QCOMPARE(body.value(u"stream"_s).toBool(), true);
    QCOMPARE(body.value(u"stream_options"_s).toObject().value(u"include_usage"_s).toBool(), true);
    QCOMPARE(body.value(u"reasoning"_s).toBool(true), false);
    QCOMPARE(body.value(u"seed"_s).toInt(), 42);
    QCOMPARE(body.value(u"max_tokens"_s).toInt(), 2048);
    QCOMPARE(body.value(u"stop"_s).toArray().first().toString(), u"</s>"_s);
    QCOMPARE(body.value(u"messages"_s).toArray().at(1).toObject().value(u"content"_s).toString(),
             u"Héllo?"_s);
}

void TestChatClient::streamsReasoningAndContent() {
    nd::test::FakeChatServer server;
    server.queue(nd::test::streamedAnswer({u"The user "_s, u"greets; "_s, u"answer ☕."_s},
                                          {u"Hé"_s, u"llo"_s, u" 👋"_s, u"!"_s}));
    ChatClient client(server.endpoint());
    QSignalSpy started(&client, &ChatClient::started);
    QSignalSpy status(&client, &ChatClient::statusText);
    QSignalSpy reasoning(&client, &ChatClient::reasoningDelta);
    QSignalSpy content(&client, &ChatClient::contentDelta);
    QSignalSpy finished(&client, &ChatClient::finished);
    QSignalSpy failed(&client, &ChatClient::failed);
    client.send(request());
    QCOMPARE(started.size(), 1);
    QVERIFY(client.isRunning());
    QTRY_COMPARE_WITH_TIMEOUT(finished.size() + failed.size(), 1, 10000);
    QVERIFY2(failed.isEmpty(), failed.isEmpty() ? "" : qPrintable(failed.first().first().toString()));
    QVERIFY(!client.isRunning());

    QCOMPARE(status.size(), 1);
    QCOMPARE(status.first().first().toString(), u"waiting for the model server"_s);
    QString reasoningText;
    for (const auto &args : reasoning)
        reasoningText += args.first().toString();
    QString contentText;
    for (const auto &args : content)
        contentText += args.first().toString();
    QCOMPARE(reasoningText, u"The user greets; answer ☕."_s);
    QCOMPARE(contentText, u"Héllo 👋!"_s);
    QCOMPARE(content.size(), 4);

    const auto stats = finished.first().first().value<ChatStats>();
    QCOMPARE(stats.finishReason, u"stop"_s);
    QCOMPARE(stats.promptTokens, 12);
    QCOMPARE(stats.completionTokens, 9);
    QCOMPARE(stats.serverTtftMs, 31.0);
    QCOMPARE(stats.serverTokensPerS, 100.0);
    QCOMPARE(stats.deltaChunks, 7);
    QVERIFY(stats.ttftMs >= 0);
    QVERIFY(stats.tokensPerS > 0);

    QCOMPARE(server.chatBodies.size(), 1);
    QCOMPARE(server.chatBodies.first().value(u"model"_s).toString(), u"nemotron-nano-9b"_s);
    QCOMPARE(server.authorizations.first(), QByteArray("Bearer test-token"));
}

void TestChatClient::errorStatusCarriesServerMessage() {
    nd::test::FakeChatServer server;
    server.queue(nd::test::errorAnswer(404, "model_not_found", "no model named nemotron-nano-9b"));
    ChatClient client(server.endpoint());
    QSignalSpy finished(&client, &ChatClient::finished);
    QSignalSpy failed(&client, &ChatClient::failed);
    client.send(request());
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QCOMPARE(finished.size(), 0);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.contains(u"404"_s) && message.contains(u"no model named nemotron-nano-9b"_s),
             qPrintable(message));
}

void TestChatClient::droppedConnectionFails() {
    nd::test::FakeChatServer server;
    nd::test::ChatScript script = nd::test::streamedAnswer({}, {u"Half an "_s, u"answer"_s});
    // Cut after the second content chunk: no finish, no usage, no [DONE].
    QByteArray sent;
    QList<QByteArray> kept;
    for (const QByteArray &piece : std::as_const(script.pieces)) {
        kept << piece;
        sent += piece;
        if (sent.count("\"content\"") == 2 && sent.endsWith("\n\n"))
            break;
    }
    script.pieces = kept;
    server.queue(script);
    ChatClient client(server.endpoint());
    QSignalSpy content(&client, &ChatClient::contentDelta);
    QSignalSpy finished(&client, &ChatClient::finished);
    QSignalSpy failed(&client, &ChatClient::failed);
    client.send(request());
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    QCOMPARE(finished.size(), 0);
    QCOMPARE(content.size(), 2);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.contains(u"ended before the answer was complete"_s), qPrintable(message));
}

void TestChatClient::refusedConnectionFails() {
    quint16 port = 0;
    {
        QTcpServer probe;
        QVERIFY(probe.listen(QHostAddress::LocalHost));
        port = probe.serverPort();
    }
    nd::Endpoint endpoint;
    endpoint.baseUrl = QUrl(u"http://127.0.0.1:%1"_s.arg(port));
    ChatClient client(endpoint);
    QSignalSpy failed(&client, &ChatClient::failed);
    client.send(request());
    QTRY_COMPARE_WITH_TIMEOUT(failed.size(), 1, 10000);
    const QString message = failed.first().first().toString();
    QVERIFY2(message.contains(u"not reachable"_s), qPrintable(message));
}

void TestChatClient::abortClosesTheConnection() {
    nd::test::FakeChatServer server;
    nd::test::ChatScript script = nd::test::streamedAnswer({}, QStringList(200, u"tok "_s), false);
    script.pauseMs = 10;
    server.queue(script);
    ChatClient client(server.endpoint());
    QSignalSpy content(&client, &ChatClient::contentDelta);
    QSignalSpy finished(&client, &ChatClient::finished);
    QSignalSpy failed(&client, &ChatClient::failed);
    client.send(request());
    QTRY_VERIFY_WITH_TIMEOUT(content.size() >= 2, 10000);
    client.abort();
    QVERIFY(!client.isRunning());
    QCOMPARE(finished.size(), 1);
    QCOMPARE(finished.first().first().value<ChatStats>().finishReason, u"aborted"_s);
    QTRY_COMPARE_WITH_TIMEOUT(server.clientClosedEarly, 1, 10000);
    const qsizetype seen = content.size();
    QTest::qWait(50);
    QCOMPARE(content.size(), seen);  // nothing after abort
    QCOMPARE(failed.size(), 0);
}

void TestChatClient::listsModels() {
    nd::test::FakeChatServer server;
    ChatClient client(server.endpoint());
    QSignalSpy listed(&client, &ChatClient::modelsListed);
    client.listModels();
    QTRY_COMPARE_WITH_TIMEOUT(listed.size(), 1, 10000);
    QCOMPARE(listed.first().first().toStringList(), server.models);
}

QTEST_GUILESS_MAIN(TestChatClient)
#include "tst_chat_client.moc"
