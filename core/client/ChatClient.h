#pragma once
// Client of the daemon's OpenAI-compatible chat API: POST /v1/chat/completions with "stream": true, read
// as Server-Sent Events while they arrive (SseParser), and GET /v1/models. One request at a time per
// ChatClient; send() while one runs aborts it first. Never blocks: everything is a signal on the thread
// that owns the client. Reusable without widgets (tests, tools).
//
// Signals of one request, in order: started, then any of statusText (": waiting for …" comments before the
// first chunk) / reasoningDelta / contentDelta, then exactly one of finished or failed. abort() ends a
// running request with finished(finishReason "aborted") and the numbers measured so far; closing the
// connection is what tells the server to stop generating.
#include <QElapsedTimer>
#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/client/Endpoint.h"
#include "core/client/SseParser.h"

class QNetworkAccessManager;
class QNetworkReply;
class QJsonObject;

namespace nd {

struct ChatMessage {
    QString role;  // "system", "user", "assistant"
    QString content;
};

struct ChatParams {
    double temperature = 0.6;  // Nemotron's recommended sampling with reasoning on
    double topP = 0.95;
    int maxTokens = 2048;
    std::optional<qint64> seed;  // none: the server picks
    QStringList stop;
    bool reasoning = true;  // thinking on/off (the NemoDesk "reasoning" extension)
};

struct ChatRequest {
    QString model;
    QList<ChatMessage> messages;
    ChatParams params;
};

// What the server and the client measured for one answer. -1: not known.
struct ChatStats {
    QString finishReason;  // "stop", "length", …, or "aborted" after abort()
    int promptTokens = -1;
    int completionTokens = -1;
    double serverPromptMs = -1;  // the NemoDesk `timings` extension of the usage chunk
    double serverTtftMs = -1;
    double serverDecodeMs = -1;
    double serverTokensPerS = -1;
    qint64 ttftMs = -1;      // client side: request sent → first content or reasoning delta
    double tokensPerS = -1;  // client side: tokens after the first over the time since it
    int deltaChunks = 0;     // chunks that carried text (≈ tokens when the server sends one per chunk)
};

class ChatClient : public QObject {
    Q_OBJECT
public:
    static constexpr int defaultSilenceTimeoutMs = 300'000;  // a model load may keep the stream quiet

    explicit ChatClient(Endpoint endpoint, QObject *parent = nullptr);
    ~ChatClient() override;

    void setEndpoint(Endpoint endpoint);
    const Endpoint &endpoint() const { return m_endpoint; }
    void setSilenceTimeoutMs(int ms) { m_silenceTimeoutMs = ms; }
    bool isRunning() const { return !m_reply.isNull(); }

    // The JSON body sent for `request` (public for tests and tools).
    static QByteArray requestBody(const ChatRequest &request);

    void send(const ChatRequest &request);
    void abort();
    // Answers with modelsListed or modelsFailed.
    void listModels();

Q_SIGNALS:
    void started();
    void statusText(const QString &text);
    void reasoningDelta(const QString &text);
    void contentDelta(const QString &text);
    void finished(const nd::ChatStats &stats);
    void failed(const QString &message);
    void modelsListed(const QStringList &models);
    void modelsFailed(const QString &message);

private:
    void onReadyRead();
    void onFinished();
    void handleChunk(const QJsonObject &chunk);
    void handleCommentLines(QByteArrayView bytes);
    void noteText();
    void finishWith(const QString &finishReason);
    void failWith(const QString &message);
    void dropReply();

    Endpoint m_endpoint;
    QNetworkAccessManager *m_network;
    QPointer<QNetworkReply> m_reply;
    QPointer<QNetworkReply> m_modelsReply;
    SseParser m_parser;
    QByteArray m_commentLine;  // the comment scanner's unfinished line (SseParser drops comments)
    bool m_isEventStream = false;
    bool m_sawDone = false;
    int m_silenceTimeoutMs = defaultSilenceTimeoutMs;
    ChatStats m_stats;
    QElapsedTimer m_sinceSend;
    qint64 m_firstTextMs = -1;
    qint64 m_lastTextMs = -1;
};

}  // namespace nd

Q_DECLARE_METATYPE(nd::ChatStats)
