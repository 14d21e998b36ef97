// Conversation: messages, cuts, request and JSON.
#include "ui/playground/Conversation.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace nd {

void Conversation::addUser(const QString &text) {
    PlaygroundMessage message;
    message.role = PlaygroundMessage::Role::user;
    message.content = text;
    m_messages.append(std::move(message));
}

void Conversation::beginAssistant(const QString &answeringModel) {
    PlaygroundMessage message;
    message.role = PlaygroundMessage::Role::assistant;
    message.model = answeringModel;
    m_messages.append(std::move(message));
}

void Conversation::appendContent(const QString &text) {
    if (!m_messages.isEmpty() && m_messages.last().role == PlaygroundMessage::Role::assistant)
        m_messages.last().content += text;
}

void Conversation::appendReasoning(const QString &text) {
    if (!m_messages.isEmpty() && m_messages.last().role == PlaygroundMessage::Role::assistant)
        m_messages.last().reasoning += text;
}

void Conversation::finishAssistant(const ChatStats &stats) {
    if (!m_messages.isEmpty() && m_messages.last().role == PlaygroundMessage::Role::assistant)
        m_messages.last().stats = stats;
}

void Conversation::failAssistant(const QString &error) {
    if (!m_messages.isEmpty() && m_messages.last().role == PlaygroundMessage::Role::assistant)
        m_messages.last().error = error;
}

Result<QString> Conversation::cutForEdit(qsizetype index) {
    if (index < 0 || index >= m_messages.size() || m_messages[index].role != PlaygroundMessage::Role::user)
        return Error{u"message %1 is not a user message: only what you wrote can be edited"_s.arg(index + 1)};
    QString text = m_messages[index].content;
    m_messages.resize(index);
    return text;
}

VoidResult Conversation::cutForRegenerate() {
    if (m_messages.size() < 2 || m_messages.last().role != PlaygroundMessage::Role::assistant)
        return Error{u"there is no answer to regenerate: send a message first"_s};
    m_messages.removeLast();
    return success();
}

qsizetype Conversation::userMessageIndex(int n) const {
    int seen = 0;
    for (qsizetype i = 0; i < m_messages.size(); ++i) {
        if (m_messages[i].role != PlaygroundMessage::Role::user)
            continue;
        if (seen++ == n)
            return i;
    }
    return -1;
}

int Conversation::userTurnOf(qsizetype index) const {
    int turn = 0;
    for (qsizetype i = 0; i < index && i < m_messages.size(); ++i)
        turn += m_messages[i].role == PlaygroundMessage::Role::user ? 1 : 0;
    return turn;
}

ChatRequest Conversation::request() const {
    ChatRequest request;
    request.model = model;
    request.params = params;
    if (!systemPrompt.trimmed().isEmpty())
        request.messages.append({u"system"_s, systemPrompt});
    for (const PlaygroundMessage &message : m_messages) {
        const bool user = message.role == PlaygroundMessage::Role::user;
        if (!user && (!message.error.isEmpty() || message.content.isEmpty()))
            continue;
        request.messages.append({user ? u"user"_s : u"assistant"_s, message.content});
    }
    return request;
}

QString Conversation::suggestedTitle() const {
    for (const PlaygroundMessage &message : m_messages) {
        if (message.role != PlaygroundMessage::Role::user)
            continue;
        const QString line = message.content.simplified();
        return line.size() <= 60 ? line : line.first(57) + u"…"_s;
    }
    return u"New conversation"_s;
}

namespace {

QJsonObject statsToJson(const ChatStats &stats) {
    return QJsonObject{
        {u"finish_reason"_s, stats.finishReason},
        {u"prompt_tokens"_s, stats.promptTokens},
        {u"completion_tokens"_s, stats.completionTokens},
        {u"server_ttft_ms"_s, stats.serverTtftMs},
        {u"server_tokens_per_s"_s, stats.serverTokensPerS},
        {u"ttft_ms"_s, static_cast<double>(stats.ttftMs)},
        {u"tokens_per_s"_s, stats.tokensPerS},
        {u"delta_chunks"_s, stats.deltaChunks},
    };
}

ChatStats statsFromJson(const QJsonObject &json) {
    ChatStats stats;
    stats.finishReason = json.value(u"finish_reason"_s).toString();
    stats.promptTokens = json.value(u"prompt_tokens"_s).toInt(-1);
    stats.completionTokens = json.value(u"completion_tokens"_s).toInt(-1);
    stats.serverTtftMs = json.value(u"server_ttft_ms"_s).toDouble(-1);
    stats.serverTokensPerS = json.value(u"server_tokens_per_s"_s).toDouble(-1);
    stats.ttftMs = static_cast<qint64>(json.value(u"ttft_ms"_s).toDouble(-1));
    stats.tokensPerS = json.value(u"tokens_per_s"_s).toDouble(-1);
    stats.deltaChunks = json.value(u"delta_chunks"_s).toInt(0);
    return stats;
}

}  // namespace

QJsonObject Conversation::toJson() const {
    QJsonArray messages;
    for (const PlaygroundMessage &message : m_messages) {
        QJsonObject json{
            {u"role"_s, message.role == PlaygroundMessage::Role::user ? u"user"_s : u"assistant"_s},
            {u"content"_s, message.content}};
        if (message.role == PlaygroundMessage::Role::assistant) {
            json.insert(u"reasoning"_s, message.reasoning);
            json.insert(u"model"_s, message.model);
            if (!message.error.isEmpty())
                json.insert(u"error"_s, message.error);
            json.insert(u"stats"_s, statsToJson(message.stats));
        }
        messages.append(json);
    }
    QJsonObject paramsJson{{u"temperature"_s, params.temperature},
                           {u"top_p"_s, params.topP},
                           {u"max_tokens"_s, params.maxTokens},
                           {u"reasoning"_s, params.reasoning}};
    if (params.seed)
        paramsJson.insert(u"seed"_s, static_cast<double>(*params.seed));
    return QJsonObject{
        {u"format"_s, formatVersion},
        {u"id"_s, id},
        {u"title"_s, title},
        {u"model"_s, model},
        {u"system_prompt"_s, systemPrompt},
        {u"params"_s, paramsJson},
        {u"created"_s, created.toString(Qt::ISODateWithMs)},
        {u"updated"_s, updated.toString(Qt::ISODateWithMs)},
        {u"messages"_s, messages},
    };
}

Result<Conversation> Conversation::fromJson(const QJsonObject &json) {
    const int format = json.value(u"format"_s).toInt(0);
    if (format < 1 || format > formatVersion)
        return Error{
            u"conversation format %1 is not one this NemoDesk reads (it reads 1 to %2)"_s.arg(format).arg(
                formatVersion)};
    if (!json.value(u"messages"_s).isArray())
        return Error{u"the conversation has no message list"_s};
    Conversation conversation;
    conversation.id = json.value(u"id"_s).toString();
    conversation.title = json.value(u"title"_s).toString();
    conversation.model = json.value(u"model"_s).toString();
    conversation.systemPrompt = json.value(u"system_prompt"_s).toString();
    const QJsonObject params = json.value(u"params"_s).toObject();
    const ChatParams defaults;
    conversation.params.temperature = params.value(u"temperature"_s).toDouble(defaults.temperature);
    conversation.params.topP = params.value(u"top_p"_s).toDouble(defaults.topP);
    conversation.params.maxTokens = params.value(u"max_tokens"_s).toInt(defaults.maxTokens);
    conversation.params.reasoning = params.value(u"reasoning"_s).toBool(defaults.reasoning);
    if (params.value(u"seed"_s).isDouble())
        conversation.params.seed = static_cast<qint64>(params.value(u"seed"_s).toDouble());
    conversation.created = QDateTime::fromString(json.value(u"created"_s).toString(), Qt::ISODateWithMs);
    conversation.updated = QDateTime::fromString(json.value(u"updated"_s).toString(), Qt::ISODateWithMs);
    const QJsonArray messages = json.value(u"messages"_s).toArray();
    for (const QJsonValue &value : messages) {
        const QJsonObject object = value.toObject();
        const QString role = object.value(u"role"_s).toString();
        PlaygroundMessage message;
        if (role == u"user"_s) {
            message.role = PlaygroundMessage::Role::user;
        } else if (role == u"assistant"_s) {
            message.role = PlaygroundMessage::Role::assistant;
        } else {
            return Error{u"a message has the role \"%1\" (expected user or assistant)"_s.arg(role)};
        }
        message.content = object.value(u"content"_s).toString();
        message.reasoning = object.value(u"reasoning"_s).toString();
        message.model = object.value(u"model"_s).toString();
        message.error = object.value(u"error"_s).toString();
        message.stats = statsFromJson(object.value(u"stats"_s).toObject());
        conversation.m_messages.append(std::move(message));
    }
    return conversation;
}

}  // namespace nd
