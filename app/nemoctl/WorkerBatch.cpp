// nemoctl worker batch: one model answers every line of a JSON Lines file, in order, into another JSON
// Lines file. A line is {"prompt": "..."} (a raw completion) or {"messages": [...]} (a chat through the
// model's template), with an optional "id" and per-line overrides. A bad line gets an error line and the
// batch goes on. The output is resumable (WorkerBatchFile.h); SIGTERM (cancel) stops after the line being
// answered is written. Progress goes to the daemon when run as a job (WorkerReport.h).
#include <csignal>
#include <optional>

#include <QJsonObject>

#include <nlohmann/json.hpp>

#include "Cli.h"
#include "EngineCommon.h"
#include "RunChat.h"
#include "RunOutput.h"
#include "WorkerBatchFile.h"
#include "WorkerCommands.h"
#include "WorkerReport.h"
#include "gpu/chat/reasoning_parser.h"
#include "gpu/session/generate.h"

namespace nd::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr int exitTerminated = 143;  // 128 + SIGTERM, as shells report it
constexpr int64_t defaultMaxTokens = 1024;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onStopSignal(int) {
    g_stop = 1;
}

const QString kUsage = QStringLiteral(
    "nemoctl worker batch --model M.gguf --input IN.jsonl --output OUT.jsonl [--max-tokens N] "
    "[--temperature T] [--top-p P] [--top-k K] [--seed S] [--think on|off] [--device D] [--ctx N] [-t N]");

const char *kDescription =
    "Answers every line of IN.jsonl with the model, writing one JSON line per input line to OUT.jsonl in "
    "input order.\n\nInput lines: {\"prompt\": TEXT} (a raw completion) or {\"messages\": [{\"role\", "
    "\"content\"}, …]} (a chat through the model's chat template), each optionally with \"id\" (copied to "
    "the output) and overrides: max_tokens, temperature, top_p, top_k, seed, stop (a text or a list), "
    "reasoning (true/false: the template's thinking switch).\n\nOutput lines: {line, id, text, reasoning, "
    "finish_reason (stop|length|context), usage: {prompt_tokens, completion_tokens}, timings: {prompt_ms, "
    "decode_ms, tokens_per_s}}, or {line, id, error} for a line that cannot be answered (not JSON, no "
    "prompt, "
    "too long for the context).\n\nResumable: finished lines already in OUT.jsonl are not answered again; a "
    "torn last line (a crash while writing it) is cut off and answered again. SIGTERM stops after the "
    "current "
    "line is written (exit 143). Exit 0 when every line has an output line, 1 when the model or a file "
    "fails.";

struct BatchOptions {
    EngineOptions engine;
    QCommandLineOption input{QStringLiteral("input"), QStringLiteral("The JSON Lines input."),
                             QStringLiteral("IN.jsonl")};
    QCommandLineOption output{QStringLiteral("output"),
                              QStringLiteral("The JSON Lines output (appended to when resuming)."),
                              QStringLiteral("OUT.jsonl")};
    QCommandLineOption maxTokens{QStringLiteral("max-tokens"),
                                 QStringLiteral("Most tokens per answer (default 1024)."),
                                 QStringLiteral("N")};
    QCommandLineOption temperature{QStringLiteral("temperature"),
                                   QStringLiteral("Temperature; 0 is greedy (default 0.8)."),
                                   QStringLiteral("T")};
    QCommandLineOption topP{QStringLiteral("top-p"), QStringLiteral("Top-p (default 0.95)."),
                            QStringLiteral("P")};
    QCommandLineOption topK{QStringLiteral("top-k"), QStringLiteral("Top-k; 0 is off (default 40)."),
                            QStringLiteral("K")};
    QCommandLineOption seed{QStringLiteral("seed"),
                            QStringLiteral("Random seed (default: from the clock, per line)."),
                            QStringLiteral("S")};
    QCommandLineOption think{QStringLiteral("think"),
                             QStringLiteral("Chats: let the model reason first (default: the template's)."),
                             QStringLiteral("on|off")};
    void addTo(QCommandLineParser &p) const {
        engine.addTo(p);
        p.addOptions({input, output, maxTokens, temperature, topP, topK, seed, think});
    }
};

// A per-line override of the wrong type: the message.
struct LineError {
    std::string message;
};

std::string dump(const Json &j) {
    // Generated text may hold invalid UTF-8 (a token cut mid-character): replaced, never a throw.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

const char *finishReason(StopReason r) {
    switch (r) {
        case StopReason::eog:
        case StopReason::stop_string:
            return "stop";
        case StopReason::max_tokens:
            return "length";
        case StopReason::context_full:
            return "context";
        case StopReason::callback:
            break;
    }
    return "cancelled";
}

// The line's generation options over the command line's; false and *error for a bad override.
bool lineOptions(const Json &line, const GenerateOptions &base, GenerateOptions *out, std::string *error) {
    *out = base;
    const auto number = [&](const char *key, auto *target) {
        if (!line.contains(key))
            return true;
        if (!line[key].is_number()) {
            *error = std::string("\"") + key + "\" must be a number";
            return false;
        }
        *target = line[key].get<std::remove_pointer_t<decltype(target)>>();
        return true;
    };
    if (!number("max_tokens", &out->max_tokens) || !number("temperature", &out->sampling.temperature) ||
        !number("top_p", &out->sampling.top_p) || !number("top_k", &out->sampling.top_k))
        return false;
    if (line.contains("seed")) {
        if (!line["seed"].is_number_unsigned()) {
            *error = "\"seed\" must be a whole number, 0 or more";
            return false;
        }
        out->sampling.seed = line["seed"].get<uint64_t>();
        out->sampling.random_seed = false;
    }
    if (line.contains("stop")) {
        const Json &stop = line["stop"];
        if (stop.is_string())
            out->stop.push_back(stop.get<std::string>());
        else if (stop.is_array() && std::all_of(stop.begin(), stop.end(), [](const Json &s) {
                     return s.is_string() && !s.get<std::string>().empty();
                 }))
            for (const Json &s : stop)
                out->stop.push_back(s.get<std::string>());
        else {
            *error = "\"stop\" must be a text or a list of non-empty texts";
            return false;
        }
    }
    if (const Status st = sampler_params_validate(out->sampling); !st.ok()) {
        *error = st.message;
        return false;
    }
    return true;
}

struct Totals {
    int64_t done = 0, errors = 0, promptTokens = 0, completionTokens = 0;
    double decodeSeconds = 0;
    double tokensPerSecond() const {
        return decodeSeconds > 0 ? static_cast<double>(completionTokens) / decodeSeconds : 0;
    }
};

class Batch {
public:
    Batch(Engine &engine, const ChatSetup &setup, bool think, GenerateOptions base)
        : m_engine(engine), m_setup(setup), m_think(think), m_base(std::move(base)) {}

    // The output object of input line `n` (1-based).
    Json answer(int64_t n, const std::string &text, Totals *totals) {
        Json out = {{"line", n}};
        const auto fail = [&](const std::string &message) {
            out["error"] = "line " + std::to_string(n) + ": " + message;
            ++totals->errors;
            return out;
        };
        if (text.find_first_not_of(" \t") == std::string::npos)
            return fail("empty line (expected {\"prompt\": \"…\"} or {\"messages\": […]})");
        const Json line = Json::parse(text, nullptr, false);
        if (line.is_discarded())
            return fail("not valid JSON (or not UTF-8)");
        if (!line.is_object())
            return fail("expected a JSON object with \"prompt\" or \"messages\"");
        if (line.contains("id"))
            out["id"] = line["id"];
        GenerateOptions options;
        std::string error;
        if (!lineOptions(line, m_base, &options, &error))
            return fail(error);
        std::string prompt;
        bool isChat = false;
        if (line.contains("prompt") == line.contains("messages"))
            return fail("give exactly one of \"prompt\" (a text) and \"messages\" (a chat)");
        if (line.contains("prompt")) {
            if (!line["prompt"].is_string() || line["prompt"].get<std::string>().empty())
                return fail("\"prompt\" must be a non-empty text");
            prompt = line["prompt"].get<std::string>();
        } else {
            const Json &messages = line["messages"];
            if (!messages.is_array() || messages.empty() ||
                !std::all_of(messages.begin(), messages.end(), [](const Json &m) {
                    return m.is_object() && m.contains("role") && m["role"].is_string();
                }))
                return fail(
                    "\"messages\" must be a non-empty array of {\"role\": …, \"content\": …} objects");
            bool think = m_think;
            if (line.contains("reasoning")) {
                if (!line["reasoning"].is_boolean())
                    return fail("\"reasoning\" must be true or false");
                think = line["reasoning"].get<bool>();
            }
            std::string note;
            if (const Status st = chatRender(m_setup, messages, think, &prompt, &note); !st.ok())
                return fail(st.message);
            isChat = true;
        }
        std::vector<int32_t> tokens;
        if (const Status st = promptTokens(m_engine.model->tokenizer.get(), prompt, &tokens); !st.ok())
            return fail(st.message);
        const int64_t nCtx = m_engine.session->n_ctx();
        if (static_cast<int64_t>(tokens.size()) >= nCtx)
            return fail("the prompt is " + std::to_string(tokens.size()) + " tokens but the context holds " +
                        std::to_string(nCtx) + "; shorten it or raise --ctx");
        m_engine.session->reset();
        RunOutput collected(OutputMode::json, ReasoningOutput::hidden,
                            isChat ? std::optional(reasoning_start_for_prompt(prompt)) : std::nullopt);
        GenerateResult r;
        const Status st = generate(
            m_engine.session.get(), tokens, options,
            [&](std::string_view piece, int32_t) {
                collected.piece(piece);
                return true;  // SIGTERM waits for the line to end: a half answer would be redone anyway
            },
            &r);
        collected.finish();
        if (!st.ok())
            return fail(st.message);
        totals->promptTokens += r.prompt_tokens;
        totals->completionTokens += r.completion_tokens;
        totals->decodeSeconds += r.decode_seconds;
        out["text"] = collected.content();
        out["reasoning"] = collected.reasoning();
        out["finish_reason"] = finishReason(r.stop_reason);
        out["usage"] = {{"prompt_tokens", r.prompt_tokens}, {"completion_tokens", r.completion_tokens}};
        out["timings"] = {
            {"prompt_ms", r.prompt_seconds * 1000.0},
            {"decode_ms", r.decode_seconds * 1000.0},
            {"tokens_per_s",
             r.decode_seconds > 0 ? static_cast<double>(r.completion_tokens) / r.decode_seconds : 0.0}};
        return out;
    }

private:
    Engine &m_engine;
    const ChatSetup &m_setup;
    bool m_think;
    GenerateOptions m_base;
};

QJsonObject progressObject(const char *phase, int64_t total, const Totals &t) {
    return QJsonObject{{QStringLiteral("kind"), QStringLiteral("batch")},
                       {QStringLiteral("phase"), QString::fromLatin1(phase)},
                       {QStringLiteral("done"), static_cast<double>(t.done)},
                       {QStringLiteral("total"), static_cast<double>(total)},
                       {QStringLiteral("errors"), static_cast<double>(t.errors)},
                       {QStringLiteral("tokens_per_s"), t.tokensPerSecond()},
                       {QStringLiteral("prompt_tokens"), static_cast<double>(t.promptTokens)},
                       {QStringLiteral("completion_tokens"), static_cast<double>(t.completionTokens)}};
}

// The sampling and length options of the command line; exitUsage printed, or -1.
int readGenerate(const QCommandLineParser &parser, const BatchOptions &o, GenerateOptions *g) {
    g->max_tokens = defaultMaxTokens;
    g->sampling.random_seed = true;
    const auto read = [&](const QCommandLineOption &option, auto *target) {
        if (!parser.isSet(option))
            return true;
        bool ok = false;
        const double v = parser.value(option).toDouble(&ok);
        if (!ok) {
            usageError(QStringLiteral("--%1 wants a number, not '%2'")
                           .arg(option.names().constLast(), parser.value(option)),
                       kUsage);
            return false;
        }
        *target = static_cast<std::remove_pointer_t<decltype(target)>>(v);
        return true;
    };
    if (!read(o.maxTokens, &g->max_tokens) || !read(o.temperature, &g->sampling.temperature) ||
        !read(o.topP, &g->sampling.top_p) || !read(o.topK, &g->sampling.top_k) ||
        !read(o.seed, &g->sampling.seed))
        return exitUsage;
    if (parser.isSet(o.seed))
        g->sampling.random_seed = false;
    if (const Status st = sampler_params_validate(g->sampling); !st.ok())
        return usageError(QString::fromStdString(st.message), kUsage);
    return -1;
}

// The model with its tokenizer, a backend and a session (--ctx, or the model's default context).
int loadEngine(const QCommandLineParser &parser, const EngineOptions &o, Engine *e) {
    int exitCode = exitFailure;
    const std::optional<EngineSettings> settings = readEngineSettings(parser, o, kUsage, &exitCode);
    if (!settings)
        return exitCode;
    if (!loadModelAndBackend(*settings, "answer text prompts", kUsage, e, &exitCode))
        return exitCode;
    return openSession(*settings, 0, e) ? -1 : exitFailure;
}

}  // namespace

int runWorkerBatch(const QStringList &args) {
    QCommandLineParser parser;
    const BatchOptions o;
    o.addTo(parser);
    if (const int early = parseOrExit(parser, args, kUsage, QString::fromUtf8(kDescription)); early >= 0)
        return early;
    for (const QCommandLineOption *required : {&o.engine.model, &o.input, &o.output})
        if (!parser.isSet(*required))
            return usageError(QStringLiteral("--%1 is required").arg(required->names().constFirst()), kUsage);
    GenerateOptions base;
    if (const int rc = readGenerate(parser, o, &base); rc >= 0)
        return rc;
    std::optional<bool> think;
    if (parser.isSet(o.think)) {
        const QString t = parser.value(o.think);
        if (t != QLatin1String("on") && t != QLatin1String("off"))
            return usageError(QStringLiteral("--think must be on or off, not '%1'").arg(t), kUsage);
        think = t == QLatin1String("on");
    }

    WorkerReport report;
    Totals totals;
    std::vector<std::string> lines;
    std::string error;
    if (!readInputLines(parser.value(o.input).toStdString(), &lines, &error)) {
        printErr(QString::fromStdString(error));
        return exitFailure;
    }
    const auto total = static_cast<int64_t>(lines.size());
    BatchOutput output;
    size_t dropped = 0;
    if (!output.open(parser.value(o.output).toStdString(), &error, &dropped)) {
        printErr(QString::fromStdString(error));
        return exitFailure;
    }
    if (dropped > 0)
        printErr(QStringLiteral("%1: cut off %2 bytes after the last finished line (a run that stopped "
                                "mid-line); that line is answered again")
                     .arg(parser.value(o.output))
                     .arg(dropped));
    totals.done = static_cast<int64_t>(output.done().size());
    report.progress(progressObject("loading", total, totals), WorkerReport::Urgency::now);

    Engine engine;
    if (const int rc = loadEngine(parser, o.engine, &engine); rc >= 0)
        return rc;
    // As the model server: a model without a usable chat template chats in ChatML.
    const ChatSetup setup = chatSetup(*engine.model, parser.value(o.engine.model).toStdString(), "chatml");
    Batch batch(engine, setup, think.value_or(setup.thinking), base);

    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    report.progress(progressObject("running", total, totals), WorkerReport::Urgency::now);
    for (int64_t n = 1; n <= total && g_stop == 0; ++n) {
        if (output.done().count(n) > 0)
            continue;
        const Json out = batch.answer(n, lines[static_cast<size_t>(n - 1)], &totals);
        if (!output.append(dump(out), &error)) {
            printErr(QString::fromStdString(error));
            return exitFailure;
        }
        ++totals.done;
        report.progress(progressObject("running", total, totals));
    }
    if (!output.sync(&error)) {
        printErr(QString::fromStdString(error));
        return exitFailure;
    }
    const bool stopped = g_stop != 0 && totals.done < total;
    report.progress(progressObject(stopped ? "cancelled" : "done", total, totals),
                    WorkerReport::Urgency::now);
    if (stopped) {
        printErr(
            QStringLiteral("stopped after %1 of %2 lines; run again to go on").arg(totals.done).arg(total));
        return exitTerminated;
    }
    return exitOk;
}

}  // namespace nd::cli
