// The OpenAI wire format: request bodies of /v1/chat/completions and /v1/completions read and checked
// (every refusal names its parameter), and the answers built in the shape the official clients parse.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "core/openai/OpenAiProtocol.h"

namespace nd::openai {
namespace {

// A chat body with one user message and the extra keys given as JSON text ("" for none).
QByteArray chatBody(const char *extra = "") {
    QByteArray body = R"({"model":"nano","messages":[{"role":"user","content":"hi"}])";
    if (*extra)
        body += QByteArray(",") + extra;
    return body + "}";
}

Result<CompletionRequest> chat(const char *extra = "") {
    return parseCompletionRequest(chatBody(extra), Endpoint::chat);
}

// The error of parsing `body`, or "" when it parsed.
std::string chatError(const char *extra) {
    const Result<CompletionRequest> r = chat(extra);
    return r.ok() ? std::string() : r.error().toStdString();
}

std::string error(const QByteArray &body, Endpoint endpoint) {
    const Result<CompletionRequest> r = parseCompletionRequest(body, endpoint);
    return r.ok() ? std::string() : r.error().toStdString();
}

bool startsWith(const std::string &text, const std::string &prefix) {
    return text.rfind(prefix, 0) == 0;
}

// The JSON of one "data: {…}\n\n" event.
QJsonObject eventJson(const QByteArray &event) {
    EXPECT_TRUE(event.startsWith("data: ")) << event.toStdString();
    EXPECT_TRUE(event.endsWith("\n\n")) << event.toStdString();
    return QJsonDocument::fromJson(event.sliced(6).trimmed()).object();
}

QJsonObject firstChoice(const QJsonObject &json) {
    return json.value(QStringLiteral("choices")).toArray().first().toObject();
}

TEST(OpenAiRequest, ReadsAMinimalChatRequestWithDefaults) {
    const Result<CompletionRequest> r = chat();
    ASSERT_TRUE(r.ok()) << r.error().toStdString();
    EXPECT_EQ(r->endpoint, Endpoint::chat);
    EXPECT_EQ(r->model, QStringLiteral("nano"));
    ASSERT_EQ(r->messages.size(), 1);
    EXPECT_EQ(r->messages[0].toObject().value(QStringLiteral("role")).toString(), QStringLiteral("user"));
    EXPECT_EQ(r->messages[0].toObject().value(QStringLiteral("content")).toString(), QStringLiteral("hi"));
    EXPECT_FALSE(r->stream);
    EXPECT_FALSE(r->includeUsage);
    EXPECT_EQ(r->maxTokens, -1);
    EXPECT_FALSE(r->temperature);
    EXPECT_FALSE(r->topP);
    EXPECT_FALSE(r->topK);
    EXPECT_FALSE(r->seed);
    EXPECT_TRUE(r->stop.isEmpty());
    EXPECT_FALSE(r->reasoning);
}

TEST(OpenAiRequest, ReadsEverySamplingParameter) {
    const Result<CompletionRequest> r =
        chat(R"("stream":true,"stream_options":{"include_usage":true},"max_tokens":64,"temperature":0.7,)"
             R"("top_p":0.9,"min_p":0.05,"top_k":40,"presence_penalty":-1.5,"frequency_penalty":2,)"
             R"("repeat_penalty":1.1,"seed":-42,"n":1)");
    ASSERT_TRUE(r.ok()) << r.error().toStdString();
    EXPECT_TRUE(r->stream);
    EXPECT_TRUE(r->includeUsage);
    EXPECT_EQ(r->maxTokens, 64);
    EXPECT_DOUBLE_EQ(r->temperature.value(), 0.7);
    EXPECT_DOUBLE_EQ(r->topP.value(), 0.9);
    EXPECT_DOUBLE_EQ(r->minP.value(), 0.05);
    EXPECT_EQ(r->topK.value(), 40);
    EXPECT_DOUBLE_EQ(r->presencePenalty.value(), -1.5);
    EXPECT_DOUBLE_EQ(r->frequencyPenalty.value(), 2);
    EXPECT_DOUBLE_EQ(r->repeatPenalty.value(), 1.1);
    EXPECT_EQ(r->seed.value(), -42);
}

TEST(OpenAiRequest, NullParametersMeanTheDefault) {
    const Result<CompletionRequest> r =
        chat(R"("temperature":null,"max_tokens":null,"stop":null,"n":null,"stream":null,"reasoning":null)");
    ASSERT_TRUE(r.ok()) << r.error().toStdString();
    EXPECT_FALSE(r->temperature);
    EXPECT_EQ(r->maxTokens, -1);
    EXPECT_TRUE(r->stop.isEmpty());
    EXPECT_FALSE(r->stream);
    EXPECT_FALSE(r->reasoning);
}

TEST(OpenAiRequest, MaxCompletionTokensIsTheNewNameOfMaxTokens) {
    EXPECT_EQ(chat(R"("max_completion_tokens":12)")->maxTokens, 12);
    // Both given: the newer name wins.
    EXPECT_EQ(chat(R"("max_tokens":5,"max_completion_tokens":12)")->maxTokens, 12);
    EXPECT_TRUE(startsWith(chatError(R"("max_completion_tokens":-1)"),
                           "max_completion_tokens: must be a number between 0 and "));
    EXPECT_EQ(chatError(R"("max_completion_tokens":2.5)"), "max_completion_tokens: must be a whole number");
}

TEST(OpenAiRequest, RefusesWrongTypesAndRangesNamingTheParameter) {
    EXPECT_EQ(chatError(R"("temperature":2.5)"), "temperature: must be a number between 0 and 2");
    EXPECT_EQ(chatError(R"("temperature":"hot")"), "temperature: must be a number between 0 and 2");
    EXPECT_EQ(chatError(R"("top_p":1.5)"), "top_p: must be a number between 0 and 1");
    EXPECT_EQ(chatError(R"("min_p":-0.1)"), "min_p: must be a number between 0 and 1");
    EXPECT_TRUE(startsWith(chatError(R"("top_k":-1)"), "top_k: must be a number between 0 and "));
    EXPECT_EQ(chatError(R"("top_k":1.5)"), "top_k: must be a whole number");
    EXPECT_EQ(chatError(R"("presence_penalty":3)"), "presence_penalty: must be a number between -2 and 2");
    EXPECT_EQ(chatError(R"("frequency_penalty":-2.1)"),
              "frequency_penalty: must be a number between -2 and 2");
    EXPECT_EQ(chatError(R"("repeat_penalty":11)"), "repeat_penalty: must be a number between 0 and 10");
    EXPECT_TRUE(startsWith(chatError(R"("max_tokens":true)"), "max_tokens: must be a number between 0 and "));
    EXPECT_TRUE(startsWith(chatError(R"("max_tokens":1e10)"), "max_tokens: must be a number between 0 and "));
    EXPECT_EQ(chatError(R"("seed":0.5)"), "seed: must be a whole number");
    EXPECT_TRUE(startsWith(chatError(R"("seed":1e300)"), "seed: must be a number between "));
    EXPECT_EQ(chatError(R"("stream":"yes")"), "stream: must be true or false");
    EXPECT_EQ(chatError(R"("reasoning":"on")"), "reasoning: must be true or false");
}

// The bounds a person reads must be the real ones, written out: "1e+09" is not how anyone writes
// max_tokens, and "9.0072e+15" (six digits) is not the seed's real bound.
TEST(OpenAiRequest, RangeBoundsAreWrittenInFull) {
    EXPECT_EQ(chatError(R"("max_tokens":-1)"), "max_tokens: must be a number between 0 and 1000000000");
    EXPECT_EQ(chatError(R"("top_k":-1)"), "top_k: must be a number between 0 and 1000000");
    EXPECT_EQ(chatError(R"("seed":1e300)"),
              "seed: must be a number between -9007199254740991 and 9007199254740991");
}

TEST(OpenAiRequest, AcceptsTheEndsOfEachRange) {
    const Result<CompletionRequest> low =
        chat(R"("temperature":0,"top_p":0,"top_k":0,"presence_penalty":-2,"max_tokens":0)");
    ASSERT_TRUE(low.ok()) << low.error().toStdString();
    EXPECT_EQ(low->maxTokens, 0);
    const Result<CompletionRequest> high =
        chat(R"("temperature":2,"top_p":1,"top_k":1000000,"frequency_penalty":2,"repeat_penalty":10)");
    ASSERT_TRUE(high.ok()) << high.error().toStdString();
    EXPECT_EQ(high->topK.value(), 1000000);
}

TEST(OpenAiRequest, OnlyOneChoicePerRequest) {
    EXPECT_EQ(chatError(R"("n":2)"), "n: only one choice per request is supported");
    EXPECT_EQ(chatError(R"("n":0)"), "n: only one choice per request is supported");
    EXPECT_EQ(chatError(R"("n":"1")"), "n: only one choice per request is supported");
    EXPECT_EQ(chatError(R"("n":1)"), "");
}

TEST(OpenAiRequest, StopIsAStringOrUpToFourStrings) {
    EXPECT_EQ(chat(R"("stop":"\n\n")")->stop, QStringList{QStringLiteral("\n\n")});
    EXPECT_EQ(
        chat(R"("stop":["a","b","c","d"])")->stop,
        (QStringList{QStringLiteral("a"), QStringLiteral("b"), QStringLiteral("c"), QStringLiteral("d")}));
    // Empty strings would stop at once: they are dropped, not obeyed.
    EXPECT_EQ(chat(R"("stop":["", "x"])")->stop, QStringList{QStringLiteral("x")});
    EXPECT_TRUE(chat(R"("stop":"")")->stop.isEmpty());
    EXPECT_EQ(chatError(R"("stop":["a","b","c","d","e"])"), "stop: at most 4 stop strings");
    EXPECT_EQ(chatError(R"("stop":["a",1])"), "stop: must be a string or a list of strings");
    EXPECT_EQ(chatError(R"("stop":7)"), "stop: must be a string or a list of strings");
}

TEST(OpenAiRequest, ContentMayBeTextPartsAndDeveloperIsSystem) {
    const Result<CompletionRequest> r = parseCompletionRequest(
        R"({"model":"nano","messages":[
            {"role":"developer","content":"be brief"},
            {"role":"user","content":[{"type":"text","text":"hello "},{"type":"text","text":"there"}]},
            {"role":"assistant","content":null},
            {"role":"tool","content":"42","tool_call_id":"t1"}]})",
        Endpoint::chat);
    ASSERT_TRUE(r.ok()) << r.error().toStdString();
    ASSERT_EQ(r->messages.size(), 4);
    const auto message = [&](int i) { return r->messages[i].toObject(); };
    EXPECT_EQ(message(0).value(QStringLiteral("role")).toString(), QStringLiteral("system"));
    EXPECT_EQ(message(0).value(QStringLiteral("content")).toString(), QStringLiteral("be brief"));
    EXPECT_EQ(message(1).value(QStringLiteral("content")).toString(), QStringLiteral("hello there"));
    EXPECT_TRUE(message(2).value(QStringLiteral("content")).isString());
    EXPECT_EQ(message(2).value(QStringLiteral("content")).toString(), QString());
    EXPECT_EQ(message(3).value(QStringLiteral("role")).toString(), QStringLiteral("tool"));
    // Other keys of a message travel along.
    EXPECT_EQ(message(3).value(QStringLiteral("tool_call_id")).toString(), QStringLiteral("t1"));
}

TEST(OpenAiRequest, RefusesBadMessagesNamingTheOne) {
    const auto messagesError = [](const char *messages) {
        return error(QByteArray(R"({"model":"nano","messages":)") + messages + "}", Endpoint::chat);
    };
    EXPECT_EQ(messagesError("[]"), "messages: must be a non-empty list of {role, content}");
    EXPECT_EQ(messagesError(R"("hi")"), "messages: must be a non-empty list of {role, content}");
    EXPECT_EQ(error(R"({"model":"nano"})", Endpoint::chat),
              "messages: must be a non-empty list of {role, content}");
    EXPECT_EQ(messagesError(R"([{"role":"user","content":"a"},"b"])"), "messages[1]: must be an object");
    EXPECT_EQ(messagesError(R"([{"role":"user","content":"a"},{"role":"robot","content":"b"}])"),
              "messages[1].role: must be one of system, developer, user, assistant, tool");
    EXPECT_EQ(messagesError(R"([{"content":"a"}])"),
              "messages[0].role: must be one of system, developer, user, assistant, tool");
    EXPECT_EQ(messagesError(R"([{"role":"user","content":5}])"),
              "messages[0].content: must be a string or a list of text parts");
    EXPECT_EQ(messagesError(R"([{"role":"user","content":"a"},)"
                            R"({"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}])"),
              "messages[1].content: only text parts are supported (got 'image_url')");
}

TEST(OpenAiRequest, CompletionsTakeOnePrompt) {
    const Result<CompletionRequest> r = parseCompletionRequest(
        R"({"model":"nano","prompt":"Once upon","max_tokens":8})", Endpoint::completions);
    ASSERT_TRUE(r.ok()) << r.error().toStdString();
    EXPECT_EQ(r->endpoint, Endpoint::completions);
    EXPECT_EQ(r->prompt, QStringLiteral("Once upon"));
    EXPECT_EQ(r->maxTokens, 8);
    EXPECT_TRUE(r->messages.isEmpty());
    // A list of one prompt is the same prompt.
    EXPECT_EQ(
        parseCompletionRequest(R"({"model":"nano","prompt":["a time"]})", Endpoint::completions)->prompt,
        QStringLiteral("a time"));
    const std::string refusal = "prompt: must be a string (one prompt per request)";
    EXPECT_EQ(error(R"({"model":"nano","prompt":["a","b"]})", Endpoint::completions), refusal);
    EXPECT_EQ(error(R"({"model":"nano","prompt":[1,2,3]})", Endpoint::completions), refusal);
    EXPECT_EQ(error(R"({"model":"nano"})", Endpoint::completions), refusal);
    // A completions body is not checked for messages.
    EXPECT_EQ(error(R"({"model":"nano","prompt":"x","messages":7})", Endpoint::completions), "");
}

TEST(OpenAiRequest, ModelIsRequiredAndTheBodyMustBeAnObject) {
    const std::string noModel = "model: required: the name of a model (GET /v1/models lists them)";
    EXPECT_EQ(error(R"({"messages":[{"role":"user","content":"hi"}]})", Endpoint::chat), noModel);
    EXPECT_EQ(error(R"({"model":"","prompt":"x"})", Endpoint::completions), noModel);
    EXPECT_EQ(error(R"({"model":3,"prompt":"x"})", Endpoint::completions), noModel);
    const std::string notJson = error("{\"model\":", Endpoint::chat);
    EXPECT_EQ(notJson.rfind("the body is not a JSON object (", 0), 0u) << notJson;
    EXPECT_NE(notJson.find("at byte"), std::string::npos) << notJson;
    EXPECT_EQ(error("[1,2]", Endpoint::chat).rfind("the body is not a JSON object", 0), 0u);
}

TEST(OpenAiRequest, RequestRouteReadsOnlyWhatItNeeds) {
    const Result<RequestRoute> route = requestRoute(R"({"model":"nano","temperature":"not checked"})");
    ASSERT_TRUE(route.ok());
    EXPECT_EQ(route->model, QStringLiteral("nano"));
    EXPECT_FALSE(route->stream);
    EXPECT_FALSE(requestRoute("{}").ok());
    EXPECT_FALSE(requestRoute("nonsense").ok());
    EXPECT_TRUE(requestRoute(R"({"model":"m","stream":true})")->stream);
    EXPECT_FALSE(requestRoute(R"({"model":"m","stream":false})")->stream);
}

TEST(OpenAiRequest, IgnoreEosIsABoolean) {
    EXPECT_FALSE(chat("")->ignoreEos);
    EXPECT_TRUE(chat(R"("ignore_eos":true)")->ignoreEos);
    EXPECT_EQ(chatError(R"("ignore_eos":"yes")"), "ignore_eos: must be true or false");
}

TEST(OpenAiRequest, ReasoningSwitchAndReasoningEffort) {
    EXPECT_EQ(chat(R"("reasoning":true)")->reasoning, true);
    EXPECT_EQ(chat(R"("reasoning":false)")->reasoning, false);
    EXPECT_EQ(chat(R"("reasoning_effort":"none")")->reasoning, false);
    EXPECT_EQ(chat(R"("reasoning_effort":"minimal")")->reasoning, false);
    EXPECT_EQ(chat(R"("reasoning_effort":"low")")->reasoning, true);
    EXPECT_EQ(chat(R"("reasoning_effort":"high")")->reasoning, true);
    // NemoDesk's own switch wins over the effort.
    EXPECT_EQ(chat(R"("reasoning":false,"reasoning_effort":"high")")->reasoning, false);
    EXPECT_EQ(chat(R"("reasoning":true,"reasoning_effort":"none")")->reasoning, true);
}

TEST(OpenAiErrors, ErrorBodyHasTheTypeOfItsStatus) {
    const QJsonObject e400 = errorBody(400, QStringLiteral("temperature: too hot"),
                                       QStringLiteral("bad_param"), QStringLiteral("temperature"))
                                 .value(QStringLiteral("error"))
                                 .toObject();
    EXPECT_EQ(e400.value(QStringLiteral("message")).toString(), QStringLiteral("temperature: too hot"));
    EXPECT_EQ(e400.value(QStringLiteral("type")).toString(), QStringLiteral("invalid_request_error"));
    EXPECT_EQ(e400.value(QStringLiteral("param")).toString(), QStringLiteral("temperature"));
    EXPECT_EQ(e400.value(QStringLiteral("code")).toString(), QStringLiteral("bad_param"));

    const auto type = [](int status) {
        return errorBody(status, QStringLiteral("m"), QStringLiteral("c"))
            .value(QStringLiteral("error"))
            .toObject()
            .value(QStringLiteral("type"))
            .toString();
    };
    EXPECT_EQ(type(401), QStringLiteral("authentication_error"));
    EXPECT_EQ(type(404), QStringLiteral("invalid_request_error"));
    EXPECT_EQ(type(500), QStringLiteral("server_error"));
    EXPECT_EQ(type(503), QStringLiteral("server_error"));
    // Without a parameter, "param" is present and null (the clients read it).
    const QJsonObject noParam = errorBody(404, QStringLiteral("m"), QStringLiteral("model_not_found"))
                                    .value(QStringLiteral("error"))
                                    .toObject();
    EXPECT_TRUE(noParam.contains(QStringLiteral("param")));
    EXPECT_TRUE(noParam.value(QStringLiteral("param")).isNull());
}

TEST(OpenAiErrors, ErrorResponseAndErrorEvent) {
    const HttpResponse response = errorResponse(404, QStringLiteral("no model 'x'"),
                                                QStringLiteral("model_not_found"), QStringLiteral("model"));
    EXPECT_EQ(response.status, 404);
    const QJsonObject body =
        QJsonDocument::fromJson(response.body).object().value(QStringLiteral("error")).toObject();
    EXPECT_EQ(body.value(QStringLiteral("message")).toString(), QStringLiteral("no model 'x'"));
    EXPECT_EQ(body.value(QStringLiteral("param")).toString(), QStringLiteral("model"));

    const QJsonObject event =
        eventJson(errorEvent(500, QStringLiteral("engine failed"), QStringLiteral("internal")))
            .value(QStringLiteral("error"))
            .toObject();
    EXPECT_EQ(event.value(QStringLiteral("type")).toString(), QStringLiteral("server_error"));
    EXPECT_EQ(event.value(QStringLiteral("message")).toString(), QStringLiteral("engine failed"));
}

TEST(OpenAiAnswer, FinishReasonFromTheEngine) {
    EXPECT_EQ(finishReason(QStringLiteral("length")), QStringLiteral("length"));
    EXPECT_EQ(finishReason(QStringLiteral("context")), QStringLiteral("length"));
    EXPECT_EQ(finishReason(QStringLiteral("eos")), QStringLiteral("stop"));
    EXPECT_EQ(finishReason(QStringLiteral("stop_string")), QStringLiteral("stop"));
}

Answer chatAnswer() {
    return Answer{Endpoint::chat, QStringLiteral("chatcmpl-1"), 1700000000, QStringLiteral("nano")};
}

TEST(OpenAiAnswer, ChatChunksCarryRoleContentAndReasoning) {
    const QJsonObject first = eventJson(chunkEvent(chatAnswer(), QString(), QString(), true, QString()));
    EXPECT_EQ(first.value(QStringLiteral("id")).toString(), QStringLiteral("chatcmpl-1"));
    EXPECT_EQ(first.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion.chunk"));
    EXPECT_EQ(first.value(QStringLiteral("created")).toInteger(), 1700000000);
    EXPECT_EQ(first.value(QStringLiteral("model")).toString(), QStringLiteral("nano"));
    const QJsonObject choice = firstChoice(first);
    EXPECT_EQ(choice.value(QStringLiteral("index")).toInt(), 0);
    EXPECT_TRUE(choice.value(QStringLiteral("finish_reason")).isNull());
    const QJsonObject delta = choice.value(QStringLiteral("delta")).toObject();
    EXPECT_EQ(delta.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
    // The first chunk has content "" as OpenAI's does, so clients that concatenate never see null.
    EXPECT_TRUE(delta.value(QStringLiteral("content")).isString());

    const QJsonObject thinking =
        firstChoice(eventJson(chunkEvent(chatAnswer(), QString(), QStringLiteral("hmm"), false, QString())))
            .value(QStringLiteral("delta"))
            .toObject();
    EXPECT_FALSE(thinking.contains(QStringLiteral("role")));
    EXPECT_FALSE(thinking.contains(QStringLiteral("content")));
    EXPECT_EQ(thinking.value(QStringLiteral("reasoning_content")).toString(), QStringLiteral("hmm"));

    const QJsonObject last = firstChoice(
        eventJson(chunkEvent(chatAnswer(), QStringLiteral("!"), QString(), false, QStringLiteral("stop"))));
    EXPECT_EQ(last.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
    EXPECT_EQ(last.value(QStringLiteral("delta")).toObject().value(QStringLiteral("content")).toString(),
              QStringLiteral("!"));
}

TEST(OpenAiAnswer, CompletionsChunksCarryText) {
    const Answer answer{Endpoint::completions, QStringLiteral("cmpl-1"), 5, QStringLiteral("nano")};
    const QJsonObject chunk =
        eventJson(chunkEvent(answer, QStringLiteral(" a time"), QString(), true, QString()));
    EXPECT_EQ(chunk.value(QStringLiteral("object")).toString(), QStringLiteral("text_completion"));
    const QJsonObject choice = firstChoice(chunk);
    EXPECT_EQ(choice.value(QStringLiteral("text")).toString(), QStringLiteral(" a time"));
    EXPECT_FALSE(choice.contains(QStringLiteral("delta")));
}

TEST(OpenAiAnswer, UsageEventAndDone) {
    const Usage usage{10, 20, 5.0, 7.5, 400.0};
    const QJsonObject json = eventJson(usageEvent(chatAnswer(), usage));
    EXPECT_TRUE(json.value(QStringLiteral("choices")).toArray().isEmpty());
    const QJsonObject u = json.value(QStringLiteral("usage")).toObject();
    EXPECT_EQ(u.value(QStringLiteral("prompt_tokens")).toInteger(), 10);
    EXPECT_EQ(u.value(QStringLiteral("completion_tokens")).toInteger(), 20);
    EXPECT_EQ(u.value(QStringLiteral("total_tokens")).toInteger(), 30);
    const QJsonObject t = json.value(QStringLiteral("timings")).toObject();
    EXPECT_DOUBLE_EQ(t.value(QStringLiteral("tokens_per_s")).toDouble(), 50.0);  // 20 tokens in 0.4 s
    EXPECT_DOUBLE_EQ(t.value(QStringLiteral("ttft_ms")).toDouble(), 7.5);
    EXPECT_EQ(doneEvent(), QByteArray("data: [DONE]\n\n"));
    // No decode time: no division by zero.
    EXPECT_EQ(timingsJson(Usage{}).value(QStringLiteral("tokens_per_s")).toDouble(), 0.0);
}

TEST(OpenAiAnswer, WholeCompletions) {
    const Usage usage{3, 4, 1, 2, 100};
    const QJsonObject json = completionJson(chatAnswer(), QStringLiteral("Hello"), QStringLiteral("think"),
                                            QStringLiteral("stop"), usage);
    EXPECT_EQ(json.value(QStringLiteral("object")).toString(), QStringLiteral("chat.completion"));
    const QJsonObject choice = firstChoice(json);
    EXPECT_EQ(choice.value(QStringLiteral("finish_reason")).toString(), QStringLiteral("stop"));
    const QJsonObject message = choice.value(QStringLiteral("message")).toObject();
    EXPECT_EQ(message.value(QStringLiteral("role")).toString(), QStringLiteral("assistant"));
    EXPECT_EQ(message.value(QStringLiteral("content")).toString(), QStringLiteral("Hello"));
    EXPECT_EQ(message.value(QStringLiteral("reasoning_content")).toString(), QStringLiteral("think"));
    EXPECT_EQ(
        json.value(QStringLiteral("usage")).toObject().value(QStringLiteral("total_tokens")).toInteger(), 7);
    const QJsonObject noThinking = firstChoice(completionJson(chatAnswer(), QStringLiteral("Hi"), QString(),
                                                              QStringLiteral("length"), usage))
                                       .value(QStringLiteral("message"))
                                       .toObject();
    EXPECT_FALSE(noThinking.contains(QStringLiteral("reasoning_content")));

    const Answer text{Endpoint::completions, QStringLiteral("cmpl-2"), 5, QStringLiteral("nano")};
    const QJsonObject completion =
        completionJson(text, QStringLiteral(" end"), QString(), QStringLiteral("length"), usage);
    EXPECT_EQ(completion.value(QStringLiteral("object")).toString(), QStringLiteral("text_completion"));
    EXPECT_EQ(firstChoice(completion).value(QStringLiteral("text")).toString(), QStringLiteral(" end"));
    EXPECT_FALSE(firstChoice(completion).contains(QStringLiteral("message")));
}

}  // namespace
}  // namespace nd::openai
