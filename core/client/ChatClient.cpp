// ChatClient: one streaming POST per answer; SSE chunks parsed as they arrive, numbers measured on the way.
#include "core/client/ChatClient.h"

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QNetworkAccessManager>
#include <QNetworkProxy>
#include <QNetworkReply>
#include <QNetworkRequest>

#include "core/client/ApiErrors.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QNetworkRequest makeRequest(const Endpoint &endpoint, const QString &path) {
    QUrl url = endpoint.baseUrl;
    url.setPath(path);
    QNetworkRequest request(url);
    request.setRawHeader("Authorization", "Bearer " + endpoint.token);
    request.setAttribute(QNetworkRequest::CacheLoadControlAttribute, QNetworkRequest::AlwaysNetwork);
    return request;
}

int httpStatus(QNetworkReply *reply) {
    return reply->attribute(QNetworkRequest::HttpStatusCodeAttribute).toInt();
}

}  // namespace

ChatClient::ChatClient(Endpoint endpoint, QObject *parent)
    : QObject(parent), m_endpoint(std::move(endpoint)), m_network(new QNetworkAccessManager(this)) {
    // The daemon is on this machine: a proxy from the environment would only get in the way.
    m_network->setProxy(QNetworkProxy::NoProxy);
}

ChatClient::~ChatClient() {
    dropReply();
}

void ChatClient::setEndpoint(Endpoint endpoint) {
    m_endpoint = std::move(endpoint);
}

QByteArray ChatClient::requestBody(const ChatRequest &request) {
    QJsonArray messages;
    for (const ChatMessage &message : request.messages)
        messages.append(QJsonObject{{u"role"_s, message.role}, {u"content"_s, message.content}});
    QJsonObject body{
        {u"model"_s, request.model},
        {u"messages"_s, messages},
        {u"temperature"_s, request.params.temperature},
        {u"top_p"_s, request.params.topP},
        {u"max_tokens"_s, request.params.maxTokens},
        {u"reasoning"_s, request.params.reasoning},
        {u"stream"_s, true},
        {u"stream_options"_s, QJsonObject{{u"include_usage"_s, true}}},
    };
    if (request.params.seed)
        body.insert(u"seed"_s, static_cast<double>(*request.params.seed));
    if (!request.params.stop.isEmpty())
        body.insert(u"stop"_s, QJsonArray::fromStringList(request.params.stop));
    return QJsonDocument(body).toJson(QJsonDocument::Compact);
}

void ChatClient::send(const ChatRequest &request) {
    abort();
    QNetworkRequest http = makeRequest(m_endpoint, u"/v1/chat/completions"_s);
    http.setHeader(QNetworkRequest::ContentTypeHeader, QByteArrayLiteral("application/json"));
    http.setRawHeader("Accept", "text/event-stream");
    // Resets on every byte received: ": waiting" comments keep a long model load alive.
    http.setTransferTimeout(m_silenceTimeoutMs);
    m_parser = SseParser{};
    m_commentLine.clear();
    m_isEventStream = false;
    m_sawDone = false;
    m_stats = ChatStats{};
    m_firstTextMs = -1;
    m_lastTextMs = -1;
    m_sinceSend.start();
    m_reply = m_network->post(http, requestBody(request));
    connect(m_reply, &QNetworkReply::readyRead, this, &ChatClient::onReadyRead);
    connect(m_reply, &QNetworkReply::finished, this, &ChatClient::onFinished);
    Q_EMIT started();
}

void ChatClient::abort() {
    if (!m_reply)
        return;
    finishWith(u"aborted"_s);
}

void ChatClient::dropReply() {
    if (QNetworkReply *reply = m_reply.data()) {
        m_reply = nullptr;
        reply->disconnect(this);
        reply->abort();  // closes the connection: the server stops generating
        reply->deleteLater();
    }
}

void ChatClient::onReadyRead() {
    QNetworkReply *reply = m_reply.data();
    if (!reply)
        return;
    const int status = httpStatus(reply);
    if (status < 200 || status >= 300)
        return;  // the error body is read whole in onFinished
    if (!m_isEventStream) {
        const QByteArray type = reply->header(QNetworkRequest::ContentTypeHeader).toByteArray();
        if (!type.startsWith("text/event-stream"))
            return;  // a plain JSON answer: read whole in onFinished
        m_isEventStream = true;
    }
    const QByteArray bytes = reply->readAll();
    handleCommentLines(bytes);
    const QList<SseEvent> events = m_parser.feed(bytes);
    for (const SseEvent &event : events) {
        if (!m_reply)
            return;  // a slot connected to a delta aborted us
        if (event.data == "[DONE]") {
            m_sawDone = true;
            continue;
        }
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(event.data, &error);
        if (error.error != QJsonParseError::NoError) {
            failWith(u"the chat stream from %1 carried a chunk that is not JSON (%2): %3"_s.arg(
                m_endpoint.baseUrl.toString(), error.errorString(), QString::fromUtf8(event.data.left(120))));
            return;
        }
        const QJsonObject chunk = doc.object();
        if (chunk.contains(u"error"_s)) {
            // An error after the 200 header (the model server failed mid-answer).
            const QJsonObject error = chunk.value(u"error"_s).toObject();
            failWith(u"the daemon stopped the answer: %1"_s.arg(error.value(u"message"_s).toString()));
            return;
        }
        handleChunk(chunk);
    }
}

void ChatClient::handleCommentLines(QByteArrayView bytes) {
    // SseParser drops comments, but the server's ": waiting for …" lines are what the user should see
    // while the model loads. Only lines are scanned here; events are the parser's.
    for (char c : bytes) {
        if (c != '\n' && c != '\r') {
            m_commentLine.append(c);
            continue;
        }
        if (m_commentLine.startsWith(':')) {
            const QString text = QString::fromUtf8(m_commentLine.sliced(1)).trimmed();
            if (!text.isEmpty() && m_stats.deltaChunks == 0)
                Q_EMIT statusText(text);
        }
        m_commentLine.clear();
    }
}

void ChatClient::noteText() {
    const qint64 now = m_sinceSend.elapsed();
    if (m_firstTextMs < 0) {
        m_firstTextMs = now;
        m_stats.ttftMs = now;
    }
    m_lastTextMs = now;
    ++m_stats.deltaChunks;
}

void ChatClient::handleChunk(const QJsonObject &chunk) {
    const QJsonObject usage = chunk.value(u"usage"_s).toObject();
    if (!usage.isEmpty()) {
        m_stats.promptTokens = usage.value(u"prompt_tokens"_s).toInt(-1);
        m_stats.completionTokens = usage.value(u"completion_tokens"_s).toInt(-1);
    }
    const QJsonObject timings = chunk.value(u"timings"_s).toObject();
    if (!timings.isEmpty()) {
        m_stats.serverPromptMs = timings.value(u"prompt_ms"_s).toDouble(-1);
        m_stats.serverTtftMs = timings.value(u"ttft_ms"_s).toDouble(-1);
        m_stats.serverDecodeMs = timings.value(u"decode_ms"_s).toDouble(-1);
        m_stats.serverTokensPerS = timings.value(u"tokens_per_s"_s).toDouble(-1);
    }
    const QJsonArray choices = chunk.value(u"choices"_s).toArray();
    if (choices.isEmpty())
        return;
    const QJsonObject choice = choices.first().toObject();
    const QJsonObject delta = choice.value(u"delta"_s).toObject();
    const QString reasoning = delta.value(u"reasoning_content"_s).toString();
    const QString content = delta.value(u"content"_s).toString();
    if (!reasoning.isEmpty()) {
        noteText();
        Q_EMIT reasoningDelta(reasoning);
    }
    if (!content.isEmpty() && m_reply) {
        if (reasoning.isEmpty())
            noteText();
        Q_EMIT contentDelta(content);
    }
    const QString finishReason = choice.value(u"finish_reason"_s).toString();
    if (!finishReason.isEmpty())
        m_stats.finishReason = finishReason;
}

void ChatClient::onFinished() {
    onReadyRead();  // bytes that arrived with the end of the stream
    QNetworkReply *reply = m_reply.data();
    if (!reply)
        return;
    const int status = httpStatus(reply);
    if (reply->error() != QNetworkReply::NoError || status < 200 || status >= 300) {
        QString message = describeReplyError(reply, m_endpoint.baseUrl, m_silenceTimeoutMs);
        if (m_stats.deltaChunks > 0)
            message = u"the answer was cut off: %1"_s.arg(message);
        failWith(message);
        return;
    }
    if (!m_isEventStream) {
        // A server that ignored "stream": the whole completion in one JSON body.
        QJsonParseError error{};
        const QJsonObject body = QJsonDocument::fromJson(reply->readAll(), &error).object();
        const QJsonObject message =
            body.value(u"choices"_s).toArray().first().toObject().value(u"message"_s).toObject();
        if (error.error != QJsonParseError::NoError || message.isEmpty()) {
            failWith(
                u"the daemon at %1 answered the chat request with neither an event stream nor a "
                u"chat completion; is it a NemoDesk daemon with the /v1 API?"_s.arg(
                    m_endpoint.baseUrl.toString()));
            return;
        }
        QJsonObject chunk = body;
        QJsonObject choice = body.value(u"choices"_s).toArray().first().toObject();
        choice.insert(u"delta"_s, message);
        chunk.insert(u"choices"_s, QJsonArray{choice});
        handleChunk(chunk);
        m_sawDone = true;
    }
    if (!m_sawDone) {
        failWith(
            u"the chat stream from %1 ended before the answer was complete (no [DONE]); the daemon "
            u"may have stopped: see its log"_s.arg(m_endpoint.baseUrl.toString()));
        return;
    }
    finishWith(m_stats.finishReason.isEmpty() ? u"stop"_s : m_stats.finishReason);
}

void ChatClient::finishWith(const QString &finishReason) {
    dropReply();
    m_stats.finishReason = finishReason;
    // Client-side speed: the tokens after the first over the time since the first arrived. The server's
    // count is exact; chunks are the fallback (one token per chunk as the daemon sends them).
    const int tokens = m_stats.completionTokens > 0 ? m_stats.completionTokens : m_stats.deltaChunks;
    const qint64 spanMs = m_lastTextMs - m_firstTextMs;
    if (m_firstTextMs >= 0 && tokens > 1 && spanMs > 0)
        m_stats.tokensPerS = (tokens - 1) * 1000.0 / static_cast<double>(spanMs);
    Q_EMIT finished(m_stats);
}

void ChatClient::failWith(const QString &message) {
    dropReply();
    Q_EMIT failed(message);
}

void ChatClient::listModels() {
    if (m_modelsReply) {
        m_modelsReply->disconnect(this);
        m_modelsReply->abort();
        m_modelsReply->deleteLater();
    }
    constexpr int timeoutMs = 10'000;
    QNetworkRequest request = makeRequest(m_endpoint, u"/v1/models"_s);
    request.setRawHeader("Accept", "application/json");
    request.setTransferTimeout(timeoutMs);
    QNetworkReply *reply = m_network->get(request);
    m_modelsReply = reply;
    connect(reply, &QNetworkReply::finished, this, [this, reply] {
        reply->deleteLater();
        m_modelsReply = nullptr;
        const Result<QJsonDocument> body = jsonFromReply(reply, m_endpoint.baseUrl, timeoutMs);
        if (!body) {
            Q_EMIT modelsFailed(body.error());
            return;
        }
        QStringList models;
        const QJsonArray data = body->object().value(u"data"_s).toArray();
        for (const QJsonValue &entry : data) {
            const QString id = entry.toObject().value(u"id"_s).toString();
            if (!id.isEmpty())
                models << id;
        }
        Q_EMIT modelsListed(models);
    });
}

}  // namespace nd
