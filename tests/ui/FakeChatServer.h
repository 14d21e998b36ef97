#pragma once
// A scripted stand-in for the daemon's OpenAI-compatible API, for the Playground tests: answers
// GET /v1/models with a fixed list and each POST /v1/chat/completions with the next queued script, written
// in pieces with pauses between them (SSE events split at odd places, as TCP may deliver them).
#include <QByteArray>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QList>
#include <QPointer>
#include <QStringList>
#include <QTcpServer>
#include <QTcpSocket>
#include <QTimer>

#include <algorithm>

#include "core/client/Endpoint.h"

namespace nd::test {

struct ChatScript {
    QList<QByteArray> pieces;  // written one after another
    int pauseMs = 5;           // between pieces
    bool close = true;         // close the connection after the last piece (else hold it open)
};

inline QByteArray sseData(const QByteArray &json) {
    return "data: " + json + "\n\n";
}

inline QByteArray deltaChunk(const char *field, const QString &text) {
    const QJsonObject delta{{QString::fromLatin1(field), text}};
    const QJsonObject choice{{QStringLiteral("index"), 0}, {QStringLiteral("delta"), delta}};
    const QJsonObject chunk{{QStringLiteral("object"), QStringLiteral("chat.completion.chunk")},
                            {QStringLiteral("choices"), QJsonArray{choice}}};
    return sseData(QJsonDocument(chunk).toJson(QJsonDocument::Compact));
}

// A whole answer: reasoning deltas, content deltas, the finish chunk, the usage chunk, [DONE]; the bytes
// cut into pieces of 1 to 23 bytes (through UTF-8 sequences and "data:" prefixes alike).
inline ChatScript streamedAnswer(const QStringList &reasoning, const QStringList &content,
                                 bool close = true) {
    QByteArray all = ": waiting for the model server\n\n";
    for (const QString &piece : reasoning)
        all += deltaChunk("reasoning_content", piece);
    for (const QString &piece : content)
        all += deltaChunk("content", piece);
    all += sseData(
        R"({"object":"chat.completion.chunk","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]})");
    all += sseData(R"({"object":"chat.completion.chunk","choices":[],"usage":{"prompt_tokens":12,)"
                   R"("completion_tokens":9},"timings":{"prompt_ms":20.5,"ttft_ms":31.0,"decode_ms":80.0,)"
                   R"("tokens_per_s":100.0}})");
    all += "data: [DONE]\n\n";
    ChatScript script;
    script.close = close;
    const int sizes[] = {7, 1, 13, 23, 2, 17, 5, 11, 3, 19};
    int i = 0;
    for (qsizetype at = 0; at < all.size(); ++i) {
        const qsizetype size = std::min<qsizetype>(sizes[i % 10], all.size() - at);
        script.pieces << all.mid(at, size);
        at += size;
    }
    script.pieces.prepend(
        "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
        "Connection: close\r\n\r\n");
    return script;
}

inline ChatScript errorAnswer(int status, const QByteArray &reason, const QByteArray &message) {
    const QByteArray body = R"({"error":{"message":")" + message +
                            R"(","type":"invalid_request_error","code":")" + reason + R"("}})";
    ChatScript script;
    script.pieces << "HTTP/1.1 " + QByteArray::number(status) + " " + reason +
                         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                         QByteArray::number(body.size()) + "\r\n\r\n" + body;
    return script;
}

// No Q_OBJECT: no signals of its own, so the header needs no moc.
class FakeChatServer : public QObject {
public:
    FakeChatServer() {
        connect(&m_server, &QTcpServer::newConnection, this, &FakeChatServer::onConnection);
        m_server.listen(QHostAddress::LocalHost);
    }

    Endpoint endpoint() const {
        Endpoint endpoint;
        endpoint.baseUrl = QUrl(QStringLiteral("http://127.0.0.1:%1").arg(m_server.serverPort()));
        endpoint.token = "test-token";
        return endpoint;
    }
    void queue(const ChatScript &script) { m_scripts.append(script); }

    QStringList models{QStringLiteral("nemotron-nano-9b"), QStringLiteral("llama-3.2-1b")};
    QList<QJsonObject> chatBodies;  // the JSON bodies received on /v1/chat/completions
    QList<QByteArray> authorizations;
    int clientClosedEarly = 0;  // connections the client closed while a script was still running

private:
    void onConnection() {
        while (QTcpSocket *socket = m_server.nextPendingConnection()) {
            auto *buffer = new QByteArray;
            connect(socket, &QTcpSocket::readyRead, this, [this, socket, buffer] {
                buffer->append(socket->readAll());
                const qsizetype end = buffer->indexOf("\r\n\r\n");
                if (end < 0)
                    return;
                const QByteArray head = buffer->left(end);
                qsizetype length = 0;
                for (const QByteArray &line : head.split('\n')) {
                    if (line.toLower().startsWith("content-length:"))
                        length = line.mid(15).trimmed().toLongLong();
                    if (line.toLower().startsWith("authorization:"))
                        authorizations << line.mid(14).trimmed();
                }
                if (buffer->size() < end + 4 + length)
                    return;
                const QByteArray body = buffer->mid(end + 4, length);
                buffer->clear();
                answer(socket, head, body);
            });
            connect(socket, &QTcpSocket::disconnected, socket, [socket, buffer] {
                delete buffer;
                socket->deleteLater();
            });
        }
    }

    void answer(QTcpSocket *socket, const QByteArray &head, const QByteArray &body) {
        if (head.startsWith("GET /v1/models")) {
            QJsonArray data;
            for (const QString &model : std::as_const(models))
                data.append(QJsonObject{{QStringLiteral("id"), model},
                                        {QStringLiteral("object"), QStringLiteral("model")}});
            const QByteArray json =
                QJsonDocument(QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                                          {QStringLiteral("data"), data}})
                    .toJson(QJsonDocument::Compact);
            socket->write(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
                QByteArray::number(json.size()) + "\r\n\r\n" + json);
            socket->disconnectFromHost();
            return;
        }
        chatBodies << QJsonDocument::fromJson(body).object();
        const ChatScript script =
            m_scripts.isEmpty() ? errorAnswer(500, "no_script", "nothing queued") : m_scripts.takeFirst();
        writePiece(socket, script, 0);
    }

    void writePiece(QPointer<QTcpSocket> guard, ChatScript script, int index) {
        QTcpSocket *socket = guard.data();
        if (socket == nullptr || socket->state() != QAbstractSocket::ConnectedState) {
            ++clientClosedEarly;
            return;
        }
        if (index >= script.pieces.size()) {
            if (script.close)
                socket->disconnectFromHost();
            return;
        }
        socket->write(script.pieces[index]);
        socket->flush();
        QTimer::singleShot(script.pauseMs, this,
                           [this, guard, script, index] { writePiece(guard, script, index + 1); });
    }

    QTcpServer m_server;
    QList<ChatScript> m_scripts;
};

}  // namespace nd::test
