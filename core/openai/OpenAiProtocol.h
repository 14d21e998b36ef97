#pragma once
// The OpenAI-compatible API's wire format (docs/api.md "OpenAI-compatible API"): requests of
// /v1/chat/completions and /v1/completions checked and read into one struct, and the answers — whole
// completions, streamed chunks, usage, errors — in the shape the official clients parse. Shared by the
// daemon (errors, routing by model) and the model server worker (everything else).
#include <QByteArray>
#include <QJsonArray>
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/common/Result.h"
#include "core/http/HttpResponse.h"

namespace nd::openai {

enum class Endpoint { chat = 1, completions };

struct CompletionRequest {
    Endpoint endpoint = Endpoint::chat;
    QString model;
    QJsonArray messages;  // chat: [{role, content}, …] (content a string or text parts, joined)
    QString prompt;       // completions
    bool stream = false;
    bool includeUsage = false;  // stream_options.include_usage
    qint64 maxTokens = -1;      // max_tokens / max_completion_tokens; -1: until the end or the context
    std::optional<double> temperature, topP, minP, presencePenalty, frequencyPenalty, repeatPenalty;
    std::optional<qint64> topK, seed;
    QStringList stop;
    std::optional<bool> reasoning;  // NemoDesk: thinking on/off for models with a thinking switch
    bool ignoreEos = false;         // as llama.cpp's server: generate max_tokens whatever (benchmarks)
};

// Checks the body (types, ranges, n == 1); errors name the parameter (Error.message "param: …").
Result<CompletionRequest> parseCompletionRequest(const QByteArray &body, Endpoint endpoint);
// What the daemon routes a request by, without checking the rest (the worker does): its "model" (an
// error when the body is not an object or names none) and whether it asks for a stream.
struct RequestRoute {
    QString model;
    bool stream = false;
};
Result<RequestRoute> requestRoute(const QByteArray &body);

// {"error": {"message", "type", "param", "code"}} with the type that fits the status.
QJsonObject errorBody(int status, const QString &message, const QString &code, const QString &param = {});
HttpResponse errorResponse(int status, const QString &message, const QString &code,
                           const QString &param = {});
// One SSE event carrying an error (a stream that already started cannot change its status).
QByteArray errorEvent(int status, const QString &message, const QString &code);

struct Usage {
    qint64 promptTokens = 0;
    qint64 completionTokens = 0;
    // NemoDesk's timings (an extension the official clients ignore).
    double promptMs = 0;
    double ttftMs = 0;
    double decodeMs = 0;
};
QJsonObject usageJson(const Usage &usage);
QJsonObject timingsJson(const Usage &usage);

// "stop" / "length" / … from the engine's stop reason name (gpu/session/generate.h stop_reason_name).
QString finishReason(const QString &engineStopReason);

// Building the answers: `id` is "chatcmpl-…" / "cmpl-…", `created` Unix seconds.
struct Answer {
    Endpoint endpoint = Endpoint::chat;
    QString id;
    qint64 created = 0;
    QString model;
};
// A streamed delta: chat {"role"?, "content"?, "reasoning_content"?}; completions: text.
QByteArray chunkEvent(const Answer &answer, const QString &content, const QString &reasoning, bool withRole,
                      const QString &finish);
QByteArray usageEvent(const Answer &answer, const Usage &usage);
QByteArray doneEvent();
QJsonObject completionJson(const Answer &answer, const QString &content, const QString &reasoning,
                           const QString &finish, const Usage &usage);

}  // namespace nd::openai
