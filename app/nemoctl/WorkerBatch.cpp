// nemoctl worker batch: one model answers every line of a JSON Lines file, in order, into another JSON
// Lines file. A line is {"prompt": "..."} (a raw completion) or {"messages": [...]} (a chat through the
// model's template), with an optional "id" and per-line overrides. A bad line gets an error line and the
// batch goes on. --parallel lines are answered together, sharing each forward pass (BatchGenerator); their
// answers are written in input order as they complete. The output is resumable (WorkerBatchFile.h); SIGTERM
// (cancel) writes the lines that are finished and stops (the ones being answered are answered again on the
// next run). Progress goes to the daemon when run as a job (WorkerReport.h).
#include <QElapsedTimer>

#include <csignal>
#include <map>
#include <optional>
#include <variant>

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
#include "gpu/session/batch_generator.h"
#include "gpu/session/generate.h"

namespace nd::cli {

namespace {

using Json = nlohmann::ordered_json;

constexpr int exitTerminated = 143;  // 128 + SIGTERM, as shells report it
constexpr int64_t defaultMaxTokens = 1024;
constexpr int64_t defaultParallel = 4;

volatile std::sig_atomic_t g_stop = 0;
extern "C" void onStopSignal(int) {
    g_stop = 1;
}

const QString kUsage = QStringLiteral(
    "nemoctl worker batch --model M.gguf --input IN.jsonl --output OUT.jsonl [--max-tokens N] "
    "[--temperature T] [--top-p P] [--top-k K] [--seed S] [--think on|off] [--parallel N] [--device D] "
    "[--ctx N] "
    "[-t N]");

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
    "torn last line (a crash while writing it) is cut off and answered again. --parallel lines are answered "
    "together (each with --ctx positions), written in input order. SIGTERM writes the finished lines and "
    "stops (exit 143); the lines being answered are answered again on the next run. Exit 0 when every line "
    "has an output line, 1 when the model or a file "
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
    QCommandLineOption parallel{
        QStringLiteral("parallel"),
        QStringLiteral("Lines answered together, sharing each forward pass (default 4)."),
        QStringLiteral("N")};
    QCommandLineOption think{QStringLiteral("think"),
                             QStringLiteral("Chats: let the model reason first (default: the template's)."),
                             QStringLiteral("on|off")};
    void addTo(QCommandLineParser &p) const {
        engine.addTo(p);
        p.addOptions({input, output, maxTokens, temperature, topP, topK, seed, think, parallel});
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
    double seconds = 0;  // since answering began: lines overlap, so their own times do not add up
    double tokensPerSecond() const {
        return seconds > 0 ? static_cast<double>(completionTokens) / seconds : 0;
    }
};

// A line ready for the generator: its output object so far, its tokens and options, and where its reasoning
// starts (chats).
struct LinePlan {
    Json out;
    std::vector<int32_t> tokens;
    GenerateOptions options;
    std::optional<ReasoningStart> reasoning;
};

class Batch {
public:
    Batch(const Model &model, int64_t nCtx, const ChatSetup &setup, bool think, GenerateOptions base)
        : m_model(model), m_nCtx(nCtx), m_setup(setup), m_think(think), m_base(std::move(base)) {}

    // Input line `n` (1-based) checked and turned into tokens, or its error line.
    std::variant<Json, LinePlan> prepare(int64_t n, const std::string &text, Totals *totals) const {
        Json out = {{"line", n}};
        const auto fail = [&](const std::string &message) {
            out["error"] = "line " + std::to_string(n) + ": " + message;
            ++totals->errors;
            return std::variant<Json, LinePlan>(out);
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
        LinePlan plan;
        std::string error;
        if (!lineOptions(line, m_base, &plan.options, &error))
            return fail(error);
        std::string prompt;
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
            plan.reasoning = reasoning_start_for_prompt(prompt);
        }
        if (const Status st = promptTokens(m_model.tokenizer.get(), prompt, &plan.tokens); !st.ok())
            return fail(st.message);
        if (static_cast<int64_t>(plan.tokens.size()) >= m_nCtx)
            return fail("the prompt is " + std::to_string(plan.tokens.size()) +
                        " tokens but the context holds " + std::to_string(m_nCtx) +
                        "; shorten it or raise --ctx");
        plan.out = std::move(out);
        return plan;
    }

    // The output line of a generated answer.
    static Json finish(Json out, const BatchDone &done, const RunOutput &collected, Totals *totals) {
        if (!done.status.ok()) {
            out["error"] = "line " + std::to_string(out["line"].get<int64_t>()) + ": " + done.status.message;
            ++totals->errors;
            return out;
        }
        const GenerateResult &r = done.result;
        totals->promptTokens += r.prompt_tokens;
        totals->completionTokens += r.completion_tokens;
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
    const Model &m_model;
    int64_t m_nCtx;
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

// The model with its tokenizer, a backend and a generator of `parallel` sequences (--ctx positions each,
// or the model's default context).
int loadEngine(const QCommandLineParser &parser, const EngineOptions &o, int64_t parallel, Engine *e,
               std::unique_ptr<BatchGenerator> *generator) {
    int exitCode = exitFailure;
    const std::optional<EngineSettings> settings = readEngineSettings(parser, o, kUsage, &exitCode);
    if (!settings)
        return exitCode;
    if (!loadModelAndBackend(*settings, "answer text prompts", kUsage, e, &exitCode))
        return exitCode;
    BatchGeneratorOptions go;
    go.n_slots = parallel;
    go.n_ctx = settings->ctx;
    go.n_batch = settings->batch;
    go.kv_type = settings->kv;
    if (const Status st = BatchGenerator::create(*e->model, e->backend.get(), go, generator); !st.ok()) {
        printErr(QString::fromStdString(st.message));
        return exitFailure;
    }
    return -1;
}

// A line being answered: its output object so far and the answer collected from its pieces.
struct InFlight {
    Json out;
    std::unique_ptr<RunOutput> collected;
    std::optional<BatchDone> done;
    int64_t id = 0;
};

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

    int exitCode = exitFailure;
    const auto parallel = positiveOption(parser, o.parallel, defaultParallel, kUsage, &exitCode);
    if (!parallel)
        return exitCode;
    Engine engine;
    std::unique_ptr<BatchGenerator> generator;
    if (const int rc = loadEngine(parser, o.engine, *parallel, &engine, &generator); rc >= 0)
        return rc;
    // As the model server: a model without a usable chat template chats in ChatML.
    const ChatSetup setup = chatSetup(*engine.model, parser.value(o.engine.model).toStdString(), "chatml");
    const Batch batch(*engine.model, generator->n_ctx(), setup, think.value_or(setup.thinking), base);

    struct sigaction sa {};
    sa.sa_handler = onStopSignal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGTERM, &sa, nullptr);
    sigaction(SIGINT, &sa, nullptr);

    report.progress(progressObject("running", total, totals), WorkerReport::Urgency::now);
    QElapsedTimer clock;
    clock.start();
    // Lines are answered `parallel` at a time and finish in any order; they are written in input order, so a
    // finished line waits in `ready` for the lines before it.
    std::map<int64_t, InFlight> running;
    std::map<int64_t, Json> ready;
    int64_t next = 1;         // the next input line to start
    int64_t nextToWrite = 1;  // the next line the output needs
    bool stopping = false;
    const auto writeReady = [&]() {
        while (nextToWrite <= total) {
            if (output.done().count(nextToWrite) > 0) {
                ++nextToWrite;
                continue;
            }
            const auto it = ready.find(nextToWrite);
            if (it == ready.end())
                return true;
            if (!output.append(dump(it->second), &error))
                return false;
            ready.erase(it);
            ++nextToWrite;
            ++totals.done;
        }
        return true;
    };
    for (;;) {
        while (!stopping && static_cast<int64_t>(running.size()) < *parallel && next <= total) {
            const int64_t n = next++;
            if (output.done().count(n) > 0)
                continue;
            std::variant<Json, LinePlan> prepared =
                batch.prepare(n, lines[static_cast<size_t>(n - 1)], &totals);
            if (Json *failed = std::get_if<Json>(&prepared)) {
                ready.emplace(n, std::move(*failed));
                continue;
            }
            LinePlan &plan = std::get<LinePlan>(prepared);
            InFlight &line = running[n];
            line.out = std::move(plan.out);
            line.collected =
                std::make_unique<RunOutput>(OutputMode::json, ReasoningOutput::hidden, plan.reasoning);
            BatchRequest request;
            request.prompt = std::move(plan.tokens);
            request.options = std::move(plan.options);
            // Both run inside generator->step(), on this thread.
            request.on_token = [&line](std::string_view piece, int32_t) {
                line.collected->piece(piece);
                return true;
            };
            request.on_done = [&line](const BatchDone &done) { line.done = done; };
            line.id = generator->submit(std::move(request));
        }
        if (g_stop != 0 && !stopping) {
            // Cancelled: what is being answered now is answered again on the next run.
            stopping = true;
            for (auto &[n, line] : running)
                generator->cancel(line.id);
        }
        if (running.empty()) {
            if (!writeReady()) {
                printErr(QString::fromStdString(error));
                return exitFailure;
            }
            if (stopping || next > total)
                break;
            continue;
        }
        generator->step();
        for (auto it = running.begin(); it != running.end();) {
            if (!it->second.done) {
                ++it;
                continue;
            }
            it->second.collected->finish();
            if (!stopping)
                ready.emplace(it->first, Batch::finish(std::move(it->second.out), *it->second.done,
                                                       *it->second.collected, &totals));
            it = running.erase(it);
        }
        if (!writeReady()) {
            printErr(QString::fromStdString(error));
            return exitFailure;
        }
        totals.seconds = static_cast<double>(clock.nsecsElapsed()) / 1e9;
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
