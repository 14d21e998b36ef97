// OpenAI wire format: parsing requests, writing completions, chunks and errors.
#include "core/openai/OpenAiProtocol.h"

#include <QJsonDocument>

#include <cmath>

namespace nd::openai {

namespace {

constexpr int maxStopStrings = 4;

Error paramError(const QString &param, const QString &what) {
    return Error{QStringLiteral("%1: %2").arg(param, what)};
}

// "content" may be a string or a list of parts ({"type":"text","text":…}); other part types are refused.
Result<QString> contentText(const QJsonValue &content, int index) {
    if (content.isString())
        return content.toString();
    if (content.isNull())
        return QString();
    if (!content.isArray())
        return paramError(QStringLiteral("messages[%1].content").arg(index),
                          QStringLiteral("must be a string or a list of text parts"));
    QString text;
    for (const QJsonValue &part : content.toArray()) {
        const QJsonObject p = part.toObject();
        if (p.value(QStringLiteral("type")).toString() != QLatin1String("text"))
            return paramError(QStringLiteral("messages[%1].content").arg(index),
                              QStringLiteral("only text parts are supported (got '%1')")
                                  .arg(p.value(QStringLiteral("type")).toString()));
        text += p.value(QStringLiteral("text")).toString();
    }
    return text;
}

Result<QJsonArray> checkedMessages(const QJsonValue &value) {
    if (!value.isArray() || value.toArray().isEmpty())
        return paramError(QStringLiteral("messages"),
                          QStringLiteral("must be a non-empty list of {role, content}"));
    QJsonArray out;
    int index = 0;
    for (const QJsonValue &entry : value.toArray()) {
        if (!entry.isObject())
            return paramError(QStringLiteral("messages[%1]").arg(index), QStringLiteral("must be an object"));
        QJsonObject message = entry.toObject();
        const QString role = message.value(QStringLiteral("role")).toString();
        static const QStringList roles{QStringLiteral("system"), QStringLiteral("developer"),
                                       QStringLiteral("user"), QStringLiteral("assistant"),
                                       QStringLiteral("tool")};
        if (!roles.contains(role))
            return paramError(QStringLiteral("messages[%1].role").arg(index),
                              QStringLiteral("must be one of system, developer, user, assistant, tool"));
        const Result<QString> text = contentText(message.value(QStringLiteral("content")), index);
        if (!text.ok())
            return Error{text.error()};
        message.insert(QStringLiteral("role"),
                       role == QLatin1String("developer") ? QStringLiteral("system") : role);
        message.insert(QStringLiteral("content"), text.value());
        out.append(message);
        ++index;
    }
    return out;
}

template <typename T>
bool readNumber(const QJsonObject &body, const char *key, double min, double max, std::optional<T> *out,
                QString *error) {
    const QString name = QString::fromLatin1(key);
    const QJsonValue value = body.value(name);
    if (value.isUndefined() || value.isNull())
        return true;
    const double d = value.toDouble(std::nan(""));
    if (!value.isDouble() || !std::isfinite(d) || d < min || d > max) {
        *error = QStringLiteral("%1: must be a number between %2 and %3")
                     .arg(name)
                     .arg(min, 0, 'g', 17)
                     .arg(max, 0, 'g', 17);
        return false;
    }
    if constexpr (std::is_integral_v<T>) {
        if (d != std::floor(d)) {
            *error = QStringLiteral("%1: must be a whole number").arg(name);
            return false;
        }
    }
    *out = static_cast<T>(d);
    return true;
}

}  // namespace

namespace {
Result<QJsonObject> bodyObject(const QByteArray &body) {
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return Error{QStringLiteral("the body is not a JSON object (%1 at byte %2)")
                         .arg(parseError.errorString())
                         .arg(parseError.offset)};
    return doc.object();
}

Result<QString> modelOf(const QJsonObject &json) {
    const QJsonValue model = json.value(QStringLiteral("model"));
    if (!model.isString() || model.toString().isEmpty())
        return paramError(QStringLiteral("model"),
                          QStringLiteral("required: the name of a model (GET /v1/models lists them)"));
    return model.toString();
}
}  // namespace

Result<RequestRoute> requestRoute(const QByteArray &body) {
    const Result<QJsonObject> json = bodyObject(body);
    if (!json.ok())
        return Error{json.error()};
    const Result<QString> model = modelOf(json.value());
    if (!model.ok())
        return Error{model.error()};
    return RequestRoute{model.value(), json->value(QStringLiteral("stream")).toBool()};
}

Result<CompletionRequest> parseCompletionRequest(const QByteArray &body, Endpoint endpoint) {
    const Result<QJsonObject> parsed = bodyObject(body);
    if (!parsed.ok())
        return Error{parsed.error()};
    const QJsonObject &json = parsed.value();
    const Result<QString> model = modelOf(json);
    if (!model.ok())
        return Error{model.error()};
    CompletionRequest r;
    r.endpoint = endpoint;
    r.model = model.value();
    if (endpoint == Endpoint::chat) {
        const Result<QJsonArray> messages = checkedMessages(json.value(QStringLiteral("messages")));
        if (!messages.ok())
            return Error{messages.error()};
        r.messages = messages.value();
    } else {
        const QJsonValue prompt = json.value(QStringLiteral("prompt"));
        if (prompt.isArray() && prompt.toArray().size() == 1 && prompt.toArray().first().isString())
            r.prompt = prompt.toArray().first().toString();
        else if (prompt.isString())
            r.prompt = prompt.toString();
        else
            return paramError(QStringLiteral("prompt"),
                              QStringLiteral("must be a string (one prompt per request)"));
    }
    const QJsonValue stream = json.value(QStringLiteral("stream"));
    if (!stream.isUndefined() && !stream.isNull() && !stream.isBool())
        return paramError(QStringLiteral("stream"), QStringLiteral("must be true or false"));
    r.stream = stream.toBool();
    r.includeUsage = json.value(QStringLiteral("stream_options"))
                         .toObject()
                         .value(QStringLiteral("include_usage"))
                         .toBool();
    QString error;
    std::optional<qint64> maxTokens;
    const QJsonValue n = json.value(QStringLiteral("n"));
    if (!n.isUndefined() && !n.isNull() && n.toDouble() != 1)
        return paramError(QStringLiteral("n"), QStringLiteral("only one choice per request is supported"));
    const char *maxKey =
        json.contains(QStringLiteral("max_completion_tokens")) ? "max_completion_tokens" : "max_tokens";
    if (!readNumber(json, maxKey, 0, 1e9, &maxTokens, &error) ||
        !readNumber(json, "temperature", 0, 2, &r.temperature, &error) ||
        !readNumber(json, "top_p", 0, 1, &r.topP, &error) ||
        !readNumber(json, "min_p", 0, 1, &r.minP, &error) ||
        !readNumber(json, "top_k", 0, 1e6, &r.topK, &error) ||
        !readNumber(json, "presence_penalty", -2, 2, &r.presencePenalty, &error) ||
        !readNumber(json, "frequency_penalty", -2, 2, &r.frequencyPenalty, &error) ||
        !readNumber(json, "repeat_penalty", 0, 10, &r.repeatPenalty, &error) ||
        !readNumber(json, "seed", -9.007199254740991e15, 9.007199254740991e15, &r.seed, &error))
        return Error{error};
    if (maxTokens)
        r.maxTokens = *maxTokens;
    const QJsonValue stop = json.value(QStringLiteral("stop"));
    if (stop.isString()) {
        r.stop = {stop.toString()};
    } else if (stop.isArray()) {
        for (const QJsonValue &s : stop.toArray()) {
            if (!s.isString())
                return paramError(QStringLiteral("stop"),
                                  QStringLiteral("must be a string or a list of strings"));
            r.stop.append(s.toString());
        }
        if (r.stop.size() > maxStopStrings)
            return paramError(QStringLiteral("stop"),
                              QStringLiteral("at most %1 stop strings").arg(maxStopStrings));
    } else if (!stop.isUndefined() && !stop.isNull()) {
        return paramError(QStringLiteral("stop"), QStringLiteral("must be a string or a list of strings"));
    }
    r.stop.removeAll(QString());
    const QJsonValue ignoreEos = json.value(QStringLiteral("ignore_eos"));
    if (!ignoreEos.isUndefined() && !ignoreEos.isNull() && !ignoreEos.isBool())
        return paramError(QStringLiteral("ignore_eos"), QStringLiteral("must be true or false"));
    r.ignoreEos = ignoreEos.toBool();
    const QJsonValue reasoning = json.value(QStringLiteral("reasoning"));
    if (reasoning.isBool())
        r.reasoning = reasoning.toBool();
    else if (!reasoning.isUndefined() && !reasoning.isNull())
        return paramError(QStringLiteral("reasoning"), QStringLiteral("must be true or false"));
    // OpenAI's own switch: reasoning_effort "none" (or "minimal") turns thinking off.
    const QString effort = json.value(QStringLiteral("reasoning_effort")).toString();
    if (!r.reasoning && !effort.isEmpty())
        r.reasoning = effort != QLatin1String("none") && effort != QLatin1String("minimal");
    return r;
}

QJsonObject errorBody(int status, const QString &message, const QString &code, const QString &param) {
    QString type = QStringLiteral("invalid_request_error");
    if (status == 401)
        type = QStringLiteral("authentication_error");
    else if (status >= 500)
        type = QStringLiteral("server_error");
    return QJsonObject{
        {QStringLiteral("error"),
         QJsonObject{{QStringLiteral("message"), message},
                     {QStringLiteral("type"), type},
                     {QStringLiteral("param"), param.isEmpty() ? QJsonValue() : QJsonValue(param)},
                     {QStringLiteral("code"), code}}}};
}

HttpResponse errorResponse(int status, const QString &message, const QString &code, const QString &param) {
    return HttpResponse::json(status, errorBody(status, message, code, param));
}

QByteArray errorEvent(int status, const QString &message, const QString &code) {
    return "data: " + QJsonDocument(errorBody(status, message, code)).toJson(QJsonDocument::Compact) + "\n\n";
}

QJsonObject usageJson(const Usage &usage) {
    return QJsonObject{{QStringLiteral("prompt_tokens"), usage.promptTokens},
                       {QStringLiteral("completion_tokens"), usage.completionTokens},
                       {QStringLiteral("total_tokens"), usage.promptTokens + usage.completionTokens}};
}

QJsonObject timingsJson(const Usage &usage) {
    const double tps = usage.decodeMs > 0 ? usage.completionTokens * 1000.0 / usage.decodeMs : 0;
    return QJsonObject{{QStringLiteral("prompt_ms"), usage.promptMs},
                       {QStringLiteral("ttft_ms"), usage.ttftMs},
                       {QStringLiteral("decode_ms"), usage.decodeMs},
                       {QStringLiteral("tokens_per_s"), tps}};
}

QString finishReason(const QString &engineStopReason) {
    if (engineStopReason == QLatin1String("length") || engineStopReason == QLatin1String("context"))
        return QStringLiteral("length");
    return QStringLiteral("stop");
}

namespace {
QJsonObject envelope(const Answer &answer, const QJsonArray &choices, bool chunk) {
    const bool chat = answer.endpoint == Endpoint::chat;
    return QJsonObject{{QStringLiteral("id"), answer.id},
                       {QStringLiteral("object"), chat ? (chunk ? QStringLiteral("chat.completion.chunk")
                                                                : QStringLiteral("chat.completion"))
                                                       : QStringLiteral("text_completion")},
                       {QStringLiteral("created"), answer.created},
                       {QStringLiteral("model"), answer.model},
                       {QStringLiteral("system_fingerprint"), QStringLiteral("nemodesk")},
                       {QStringLiteral("choices"), choices}};
}
QByteArray event(const QJsonObject &json) {
    return "data: " + QJsonDocument(json).toJson(QJsonDocument::Compact) + "\n\n";
}
}  // namespace

QByteArray chunkEvent(const Answer &answer, const QString &content, const QString &reasoning, bool withRole,
                      const QString &finish) {
    QJsonObject choice{
        {QStringLiteral("index"), 0},
        {QStringLiteral("finish_reason"), finish.isEmpty() ? QJsonValue() : QJsonValue(finish)}};
    if (answer.endpoint == Endpoint::chat) {
        QJsonObject delta;
        if (withRole)
            delta.insert(QStringLiteral("role"), QStringLiteral("assistant"));
        if (!content.isEmpty() || (withRole && reasoning.isEmpty()))
            delta.insert(QStringLiteral("content"), content);
        if (!reasoning.isEmpty())
            delta.insert(QStringLiteral("reasoning_content"), reasoning);
        choice.insert(QStringLiteral("delta"), delta);
        choice.insert(QStringLiteral("logprobs"), QJsonValue());
    } else {
        choice.insert(QStringLiteral("text"), content);
        choice.insert(QStringLiteral("logprobs"), QJsonValue());
    }
    return event(envelope(answer, QJsonArray{choice}, true));
}

QByteArray usageEvent(const Answer &answer, const Usage &usage) {
    QJsonObject json = envelope(answer, QJsonArray{}, true);
    json.insert(QStringLiteral("usage"), usageJson(usage));
    json.insert(QStringLiteral("timings"), timingsJson(usage));
    return event(json);
}

QByteArray doneEvent() {
    return "data: [DONE]\n\n";
}

QJsonObject completionJson(const Answer &answer, const QString &content, const QString &reasoning,
                           const QString &finish, const Usage &usage) {
    QJsonObject choice{{QStringLiteral("index"), 0},
                       {QStringLiteral("finish_reason"), finish},
                       {QStringLiteral("logprobs"), QJsonValue()}};
    if (answer.endpoint == Endpoint::chat) {
        QJsonObject message{{QStringLiteral("role"), QStringLiteral("assistant")},
                            {QStringLiteral("content"), content}};
        if (!reasoning.isEmpty())
            message.insert(QStringLiteral("reasoning_content"), reasoning);
        choice.insert(QStringLiteral("message"), message);
    } else {
        choice.insert(QStringLiteral("text"), content);
    }
    QJsonObject json = envelope(answer, QJsonArray{choice}, false);
    json.insert(QStringLiteral("usage"), usageJson(usage));
    json.insert(QStringLiteral("timings"), timingsJson(usage));
    return json;
}

}  // namespace nd::openai
