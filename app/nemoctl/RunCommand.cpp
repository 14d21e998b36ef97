// nemoctl run: text generation on the local engine (no daemon). A raw completion (--prompt), one chat
// turn through the model's template (--chat, --chat-file), or an interactive chat (-i) that keeps the
// session between turns and evaluates only each turn's new tokens. The answer streams to stdout,
// reasoning to stderr (RunOutput.h), a stats line ends each answer on stderr. Ctrl-C stops the answer
// cleanly (the stats are still printed). Exit codes: 0 done, 1 runtime failure (model, prompt, engine),
// 2 bad command line, 130 when Ctrl-C stopped a single answer.
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <type_traits>

#include "Cli.h"
#include "EngineCommon.h"
#include "RunChat.h"
#include "RunOutput.h"
#include "gpu/chat/chat_format.h"
#include "gpu/cpu/cpu_backend.h"
#include "gpu/session/generate.h"

namespace nd::cli {

namespace {

constexpr int exitInterrupted = 130;  // 128 + SIGINT, as shells report it

volatile std::sig_atomic_t g_interrupted = 0;

extern "C" void onSigint(int) {
    g_interrupted = 1;
}

// SIGINT sets a flag that the token callback checks, for as long as this object lives. No SA_RESTART:
// Ctrl-C at the interactive prompt interrupts the read, which ends the conversation.
class SigintGuard {
public:
    SigintGuard() {
        struct sigaction sa {};
        sa.sa_handler = onSigint;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, &m_previous);
    }
    ~SigintGuard() { sigaction(SIGINT, &m_previous, nullptr); }
    SigintGuard(const SigintGuard &) = delete;
    SigintGuard &operator=(const SigintGuard &) = delete;

private:
    struct sigaction m_previous {};
};

QString qs(const std::string &s) {
    return QString::fromStdString(s);
}

struct Options {
    QCommandLineOption model{QStringLiteral("model"), QStringLiteral("The GGUF model to run."),
                             QStringLiteral("M.gguf")};
    QCommandLineOption prompt{QStringLiteral("prompt"),
                              QStringLiteral("Complete this text as is (BOS as the model's tokenizer says)."),
                              QStringLiteral("TEXT")};
    QCommandLineOption chat{QStringLiteral("chat"),
                            QStringLiteral("One user message, through the model's chat template."),
                            QStringLiteral("TEXT")};
    QCommandLineOption chatFile{QStringLiteral("chat-file"),
                                QStringLiteral("An OpenAI-style messages array (or an object with "
                                               "\"messages\"), through the model's chat template."),
                                QStringLiteral("MESSAGES.json")};
    QCommandLineOption interactive{{QStringLiteral("i"), QStringLiteral("interactive")},
                                   QStringLiteral("Chat: each line of stdin is a user turn.")};
    QCommandLineOption system{QStringLiteral("system"),
                              QStringLiteral("A system message (with --chat or -i)."),
                              QStringLiteral("TEXT")};
    QCommandLineOption think{QStringLiteral("think"),
                             QStringLiteral("Let the model reason first: on or off (default on when the "
                                            "template has the switch)."),
                             QStringLiteral("on|off")};
    QCommandLineOption family{QStringLiteral("family"),
                              QStringLiteral("When the model has no chat template or it fails, use this "
                                             "family's built-in format: nemotron3, nemotron-nano2, "
                                             "nemotron-mini, llama3, chatml."),
                              QStringLiteral("NAME")};
    QCommandLineOption hideReasoning{
        QStringLiteral("hide-reasoning"),
        QStringLiteral("Do not show the reasoning (it goes to stderr otherwise).")};
    QCommandLineOption temp{QStringLiteral("temp"), QStringLiteral("Temperature; 0 is greedy (default 0.8)."),
                            QStringLiteral("T")};
    QCommandLineOption topK{QStringLiteral("top-k"), QStringLiteral("Top-k; 0 is off (default 40)."),
                            QStringLiteral("K")};
    QCommandLineOption topP{QStringLiteral("top-p"),
                            QStringLiteral("Top-p in (0, 1]; 1 is off (default 0.95)."), QStringLiteral("P")};
    QCommandLineOption minP{QStringLiteral("min-p"),
                            QStringLiteral("Min-p in [0, 1); 0 is off (default 0.05)."), QStringLiteral("P")};
    QCommandLineOption repeatPenalty{QStringLiteral("repeat-penalty"),
                                     QStringLiteral("Repetition penalty; 1 is off (default 1)."),
                                     QStringLiteral("X")};
    QCommandLineOption presencePenalty{QStringLiteral("presence-penalty"),
                                       QStringLiteral("Presence penalty (default 0)."), QStringLiteral("X")};
    QCommandLineOption frequencyPenalty{QStringLiteral("frequency-penalty"),
                                        QStringLiteral("Frequency penalty (default 0)."),
                                        QStringLiteral("X")};
    QCommandLineOption repeatLastN{QStringLiteral("repeat-last-n"),
                                   QStringLiteral("Tokens the penalties look back at; -1 all, 0 off "
                                                  "(default 64)."),
                                   QStringLiteral("N")};
    QCommandLineOption seed{QStringLiteral("seed"),
                            QStringLiteral("Random seed, to repeat a run (default: from the clock; "
                                           "the stats line prints it)."),
                            QStringLiteral("N")};
    QCommandLineOption maxTokens{{QStringLiteral("n"), QStringLiteral("max-tokens")},
                                 QStringLiteral("Most tokens to generate; -1 until the end of the "
                                                "answer or the context (default -1)."),
                                 QStringLiteral("N")};
    QCommandLineOption stop{QStringLiteral("stop"), QStringLiteral("Stop before this text (repeatable)."),
                            QStringLiteral("TEXT")};
    QCommandLineOption ctx{QStringLiteral("ctx"),
                           QStringLiteral("Context length in tokens (default: the model's, at most 8192)."),
                           QStringLiteral("N")};
    QCommandLineOption threads{{QStringLiteral("t"), QStringLiteral("threads")},
                               QStringLiteral("CPU threads (default: all cores)."),
                               QStringLiteral("N")};
    QCommandLineOption kvType{QStringLiteral("kv-type"),
                              QStringLiteral("KV cache type: f16 or f32 (default f16)."),
                              QStringLiteral("f16|f32")};
    QCommandLineOption device{
        QStringLiteral("device"),
        QStringLiteral("Where to run: auto (default: the first CUDA GPU when there is one, "
                       "else the CPU), cpu, cuda or cuda:N."),
        QStringLiteral("D")};
    QCommandLineOption gpuLayers{QStringLiteral("gpu-layers"),
                                 QStringLiteral("Only the last N layers on the GPU, the rest on the CPU (for "
                                                "models larger than the GPU's memory)."),
                                 QStringLiteral("N")};
    QCommandLineOption json{QStringLiteral("json"),
                            QStringLiteral("Print one JSON object at the end instead of streaming.")};

    void addTo(QCommandLineParser &p) const {
        p.addOptions(
            {model,           prompt,           chat,        chatFile,  interactive, system, think,
             family,          hideReasoning,    temp,        topK,      topP,        minP,   repeatPenalty,
             presencePenalty, frequencyPenalty, repeatLastN, seed,      maxTokens,   stop,   ctx,
             threads,         kvType,           device,      gpuLayers, json});
    }
};

const QString kUsage = QStringLiteral(
    "nemoctl run --model M.gguf (--prompt TEXT | --chat TEXT | --chat-file MESSAGES.json | -i) [--system "
    "TEXT] [--think on|off] [--family NAME] [--hide-reasoning] [--temp T] [--top-k K] [--top-p P] [--min-p "
    "P] "
    "[--repeat-penalty X] [--presence-penalty X] [--frequency-penalty X] [--repeat-last-n N] [--seed N] "
    "[-n N] [--stop TEXT]… [--ctx N] [-t N] [--kv-type f16|f32] [--json]");

// Reads a number option; false (and *error) when it is set but not a number of that kind.
template <class T>
bool readNumber(const QCommandLineParser &parser, const QCommandLineOption &option, T *out, QString *error) {
    if (!parser.isSet(option))
        return true;
    const QString text = parser.value(option);
    bool ok = false;
    if constexpr (std::is_same_v<T, float>)
        *out = text.toFloat(&ok);
    else if constexpr (std::is_same_v<T, uint64_t>)
        *out = text.toULongLong(&ok);
    else if constexpr (std::is_same_v<T, int64_t>)
        *out = text.toLongLong(&ok);
    else
        *out = text.toInt(&ok);
    if (!ok)
        *error = QStringLiteral("--%1 wants a number, not '%2'").arg(option.names().constLast(), text);
    return ok;
}

struct RunSettings {
    GenerateOptions generate;
    SessionOptions session;
    int threads = 0;
    QString device;
    int64_t gpuLayers = -1;     // -1: every layer on the device
    std::optional<bool> think;  // nullopt: the template's default
    OutputMode mode = OutputMode::stream;
    ReasoningOutput reasoning = ReasoningOutput::stderrStream;
};

// Every option but the prompt: exitUsage with a message, or -1.
int readSettings(const QCommandLineParser &parser, const Options &o, RunSettings *s) {
    QString error;
    SamplerParams &sp = s->generate.sampling;
    sp.random_seed = !parser.isSet(o.seed);
    int64_t ctx = 0;
    int64_t maxTokens = -1;
    if (!readNumber(parser, o.temp, &sp.temperature, &error) ||
        !readNumber(parser, o.topK, &sp.top_k, &error) || !readNumber(parser, o.topP, &sp.top_p, &error) ||
        !readNumber(parser, o.minP, &sp.min_p, &error) ||
        !readNumber(parser, o.repeatPenalty, &sp.repeat_penalty, &error) ||
        !readNumber(parser, o.presencePenalty, &sp.presence_penalty, &error) ||
        !readNumber(parser, o.frequencyPenalty, &sp.frequency_penalty, &error) ||
        !readNumber(parser, o.repeatLastN, &sp.penalty_last_n, &error) ||
        !readNumber(parser, o.seed, &sp.seed, &error) ||
        !readNumber(parser, o.maxTokens, &maxTokens, &error) || !readNumber(parser, o.ctx, &ctx, &error) ||
        !readNumber(parser, o.threads, &s->threads, &error) ||
        !readNumber(parser, o.gpuLayers, &s->gpuLayers, &error))
        return usageError(error, kUsage);
    if (parser.isSet(o.gpuLayers) && s->gpuLayers < 0)
        return usageError(QStringLiteral("--gpu-layers must be 0 or more"), kUsage);
    if (const Status st = sampler_params_validate(sp); !st.ok())
        return usageError(qs(st.message), kUsage);
    if (ctx < 0 || (parser.isSet(o.ctx) && ctx == 0))
        return usageError(QStringLiteral("--ctx must be a positive number of tokens"), kUsage);
    if (s->threads < 0 || (parser.isSet(o.threads) && s->threads == 0))
        return usageError(QStringLiteral("--threads must be at least 1"), kUsage);
    s->session.n_ctx = ctx;
    s->generate.max_tokens = maxTokens;
    for (const QString &text : parser.values(o.stop)) {
        if (text.isEmpty())
            return usageError(QStringLiteral("--stop wants a non-empty text"), kUsage);
        s->generate.stop.push_back(text.toStdString());
    }
    const QString kv = parser.isSet(o.kvType) ? parser.value(o.kvType) : QStringLiteral("f16");
    if (kv != QStringLiteral("f16") && kv != QStringLiteral("f32"))
        return usageError(QStringLiteral("--kv-type must be f16 or f32, not '%1'").arg(kv), kUsage);
    s->session.kv_type = kv == QStringLiteral("f32") ? KvType::f32 : KvType::f16;
    s->device = parser.isSet(o.device) ? parser.value(o.device) : QStringLiteral("auto");
    if (parser.isSet(o.think)) {
        const QString t = parser.value(o.think);
        if (t != QStringLiteral("on") && t != QStringLiteral("off"))
            return usageError(QStringLiteral("--think must be on or off, not '%1'").arg(t), kUsage);
        s->think = t == QStringLiteral("on");
    }
    s->mode = parser.isSet(o.json) ? OutputMode::json : OutputMode::stream;
    s->reasoning = parser.isSet(o.hideReasoning) ? ReasoningOutput::hidden : ReasoningOutput::stderrStream;
    return -1;
}

// A text option's bytes, checked for UTF-8 on the raw command line (Qt would have replaced bad bytes).
int textOption(const QCommandLineParser &parser, const QCommandLineOption &option, const char *what,
               std::string *out) {
    const QString value = parser.value(option);
    const std::string name = "--" + option.names().constFirst().toStdString();
    const std::optional<std::string> raw =
        rawOptionValue({name, "-" + option.names().constFirst().toStdString()});
    if (raw && QString::fromLocal8Bit(raw->data(), static_cast<qsizetype>(raw->size())) == value) {
        if (const std::optional<std::string> problem = utf8Problem(*raw, what))
            return usageError(qs(*problem), kUsage);
    }
    *out = value.toStdString();
    return -1;
}

// --chat-file: an array of messages, or an object holding one under "messages".
int readChatFile(const QString &path, nlohmann::ordered_json *messages) {
    std::ifstream in(path.toStdString(), std::ios::binary);
    if (!in) {
        printErr(QStringLiteral("%1: cannot open the file").arg(path));
        return exitFailure;
    }
    std::ostringstream buffer;
    buffer << in.rdbuf();
    const std::string bytes = buffer.str();
    if (const std::optional<std::string> problem = utf8Problem(bytes, "the file")) {
        printErr(QStringLiteral("%1: %2").arg(path, qs(*problem)));
        return exitFailure;
    }
    nlohmann::ordered_json doc = nlohmann::ordered_json::parse(bytes, nullptr, false);
    if (doc.is_object() && doc.contains("messages"))
        doc = doc["messages"];
    if (!doc.is_array() || doc.empty()) {
        printErr(
            QStringLiteral("%1: expected a JSON array of messages like [{\"role\": \"user\", \"content\": "
                           "\"Hi\"}]")
                .arg(path));
        return exitFailure;
    }
    for (size_t i = 0; i < doc.size(); ++i) {
        if (!doc[i].is_object() || !doc[i].contains("role") || !doc[i]["role"].is_string()) {
            printErr(
                QStringLiteral("%1: message %2 is not an object with a \"role\" string").arg(path).arg(i));
            return exitFailure;
        }
    }
    *messages = std::move(doc);
    return -1;
}

// The engine for a run (EngineCommon.h's Engine), with the tokenizer that eval and bench go without.
int loadEngine(const QString &path, const RunSettings &s, Engine *e) {
    Status st = model_load(path.toStdString(), {}, &e->model);
    if (!st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    if (!e->model->tokenizer) {
        printErr(QStringLiteral("%1: the model has no tokenizer, so nemoctl run cannot turn text into tokens "
                                "(nemoctl eval takes token ids)")
                     .arg(path));
        return exitFailure;
    }
    e->threads = s.threads;
    int exitCode = exitFailure;
    e->backend = openBackend(s.device, s.threads, s.gpuLayers, kUsage, &exitCode);
    if (!e->backend)
        return exitCode;
    st = Session::create(*e->model, e->backend.get(), s.session, &e->session);
    if (!st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    return -1;
}

// A prompt that cannot fit: said before any work is done.
bool fitsContext(int64_t held, size_t adding, int64_t n_ctx) {
    if (held + static_cast<int64_t>(adding) <= n_ctx)
        return true;
    printErr(QStringLiteral("the prompt is %1 tokens but the context holds %2%3; shorten it or raise --ctx")
                 .arg(static_cast<qint64>(adding))
                 .arg(n_ctx - held)
                 .arg(held > 0 ? QStringLiteral(" more (the conversation so far takes %1)").arg(held)
                               : QString()));
    return false;
}

bool keepGoing(std::string_view, int32_t) {
    return g_interrupted == 0;
}

void endAnswer(const RunOutput &out, const GenerateResult &r) {
    if (!out.content().empty() && out.content().back() != '\n' && isatty(STDOUT_FILENO) == 1)
        std::fputs("\n", stdout);
    std::fflush(stdout);
    printStats(r);
}

// --prompt, --chat, --chat-file: one answer.
int runOnce(Engine &e, const RunSettings &s, const std::string &promptText, bool isChat,
            const QString &modelPath) {
    std::vector<int32_t> tokens;
    if (const Status st = promptTokens(e.model->tokenizer.get(), promptText, &tokens); !st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    if (!fitsContext(0, tokens.size(), e.session->n_ctx()))
        return exitFailure;
    const std::optional<ReasoningStart> start =
        isChat ? std::optional(reasoning_start_for_prompt(promptText)) : std::nullopt;
    RunOutput out(s.mode, s.reasoning, start);
    GenerateResult result;
    const Status st = generate(
        e.session.get(), tokens, s.generate,
        [&](std::string_view piece, int32_t id) {
            out.piece(piece);
            return keepGoing(piece, id);
        },
        &result);
    out.finish();
    if (!st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    if (s.mode == OutputMode::json) {
        const std::string json = runJson({&result, &out, modelPath.toStdString(), e.backend->name()});
        std::fwrite(json.data(), 1, json.size(), stdout);
        std::fflush(stdout);
    } else {
        endAnswer(out, result);
    }
    return result.stop_reason == StopReason::callback ? exitInterrupted : exitOk;
}

// -i: a conversation on one session; a bad line is reported and skipped.
int runInteractive(Engine &e, const RunSettings &s, const ChatSetup &setup, bool think,
                   nlohmann::ordered_json messages) {
    Conversation conversation(e.session.get());
    const bool prompting = isatty(STDIN_FILENO) == 1;
    int rc = exitOk;
    bool warned = false;  // the fallback-format warning, once
    std::string line;
    for (;;) {
        if (prompting)
            std::fputs("> ", stderr), std::fflush(stderr);
        if (!std::getline(std::cin, line))
            break;
        if (!line.empty() && line.back() == '\r')
            line.pop_back();
        if (line.empty())
            continue;
        if (const std::optional<std::string> problem = utf8Problem(line, "this line")) {
            printErr(qs(*problem));
            rc = exitFailure;
            continue;
        }
        messages.push_back({{"role", "user"}, {"content", line}});
        std::string prompt, history, renderNote, note;
        std::vector<int32_t> full, historyTokens, suffix;
        Status st = chatRender(setup, messages, think, &prompt, &renderNote);
        if (st.ok() && !renderNote.empty() && !warned) {
            printErr(QStringLiteral("warning: %1").arg(qs(renderNote)));
            warned = true;
        }
        if (st.ok())
            st = promptTokens(e.model->tokenizer.get(), prompt, &full);
        // The conversation without the generation prompt: the part the next turn renders the same way.
        if (st.ok())
            st = chatRender(setup, messages, think, &history, &renderNote, RenderPart::historyOnly);
        if (st.ok())
            st = promptTokens(e.model->tokenizer.get(), history, &historyTokens);
        if (st.ok())
            st = conversation.prepare(full, &suffix, &note);
        if (!st.ok()) {
            // The template's problem, not this line's: the next line would fail the same way.
            printErr(qs(st.message));
            return exitFailure;
        }
        if (!note.empty())
            printErr(qs(note));
        if (!fitsContext(e.session->n_past(), suffix.size(), e.session->n_ctx()))
            return exitFailure;  // the conversation can only grow: it will not fit again
        int32_t last = -1;
        double headSeconds = 0;
        const auto stable = static_cast<size_t>(
            std::mismatch(historyTokens.begin(), historyTokens.end(), full.begin(), full.end()).first -
            historyTokens.begin());
        if (st = conversation.evalAllButLast(suffix, stable, &last, &headSeconds); !st.ok()) {
            printErr(qs(st.message));
            return exitFailure;
        }
        g_interrupted = 0;
        RunOutput out(OutputMode::stream, s.reasoning, reasoning_start_for_prompt(prompt));
        GenerateResult result;
        st = generate(
            e.session.get(), std::span<const int32_t>(&last, 1), s.generate,
            [&](std::string_view piece, int32_t id) {
                out.piece(piece);
                return keepGoing(piece, id);
            },
            &result);
        out.finish();
        result.prompt_tokens = static_cast<int64_t>(suffix.size());
        result.prompt_seconds += headSeconds;
        if (!out.content().empty() && out.content().back() != '\n')
            std::fputs("\n", stdout);  // the next turn's answer starts on its own line
        std::fflush(stdout);
        if (!st.ok()) {
            printErr(qs(st.message));
            return exitFailure;
        }
        printStats(result);
        nlohmann::ordered_json answer = {{"role", "assistant"}, {"content", out.content()}};
        if (!out.reasoning().empty())
            answer["reasoning_content"] = out.reasoning();
        messages.push_back(std::move(answer));
    }
    return rc;
}

}  // namespace

int runRun(const QStringList &args) {
    QCommandLineParser parser;
    const Options o;
    o.addTo(parser);
    const int early =
        parseOrExit(parser, args, kUsage,
                    QStringLiteral("Generates text with a GGUF model on this machine's CPU: a raw completion "
                                   "(--prompt), one chat answer (--chat, --chat-file) or a conversation (-i, "
                                   "one user turn per line of stdin). The answer streams to stdout, the "
                                   "reasoning and a stats line to stderr. Ctrl-C stops the answer."));
    if (early >= 0)
        return early;
    const int sources = int(parser.isSet(o.prompt)) + int(parser.isSet(o.chat)) +
                        int(parser.isSet(o.chatFile)) + int(parser.isSet(o.interactive));
    if (sources != 1)
        return usageError(QStringLiteral("give exactly one of --prompt, --chat, --chat-file and -i"), kUsage);
    if (!parser.isSet(o.model))
        return usageError(QStringLiteral("--model is required"), kUsage);
    const bool isRaw = parser.isSet(o.prompt);
    if (isRaw && (parser.isSet(o.think) || parser.isSet(o.system)))
        return usageError(QStringLiteral("--think and --system go with a chat (--chat, --chat-file, -i), not "
                                         "--prompt"),
                          kUsage);
    if (parser.isSet(o.system) && parser.isSet(o.chatFile))
        return usageError(QStringLiteral("--system does not go with --chat-file: put the system message in "
                                         "the file"),
                          kUsage);
    if (parser.isSet(o.json) && parser.isSet(o.interactive))
        return usageError(
            QStringLiteral("--json gives one answer: use it with --prompt, --chat or --chat-file"), kUsage);
    RunSettings settings;
    if (const int rc = readSettings(parser, o, &settings); rc >= 0)
        return rc;
    if (ChatFamily f{};
        parser.isSet(o.family) && !chat_family_from_name(parser.value(o.family).toStdString(), &f))
        return usageError(
            QStringLiteral("unknown --family '%1' (nemotron3, nemotron-nano2, nemotron-mini, llama3, "
                           "chatml)")
                .arg(parser.value(o.family)),
            kUsage);

    std::string promptText, systemText, chatText;
    if (isRaw) {
        if (const int rc = textOption(parser, o.prompt, "the prompt", &promptText); rc >= 0)
            return rc;
    }
    if (parser.isSet(o.chat)) {
        if (const int rc = textOption(parser, o.chat, "the chat message", &chatText); rc >= 0)
            return rc;
    }
    if (parser.isSet(o.system)) {
        if (const int rc = textOption(parser, o.system, "the system message", &systemText); rc >= 0)
            return rc;
    }
    nlohmann::ordered_json messages = nlohmann::ordered_json::array();
    if (parser.isSet(o.chatFile)) {
        if (const int rc = readChatFile(parser.value(o.chatFile), &messages); rc >= 0)
            return rc;
    }
    if (parser.isSet(o.system))
        messages.push_back({{"role", "system"}, {"content", systemText}});
    if (parser.isSet(o.chat))
        messages.push_back({{"role", "user"}, {"content", chatText}});

    const QString modelPath = parser.value(o.model);
    Engine engine;
    if (const int rc = loadEngine(modelPath, settings, &engine); rc >= 0)
        return rc;
    const SigintGuard sigint;
    g_interrupted = 0;
    if (isRaw)
        return runOnce(engine, settings, promptText, false, modelPath);

    const ChatSetup setup =
        chatSetup(*engine.model, modelPath.toStdString(), parser.value(o.family).toStdString());
    if (settings.think && !setup.thinking)
        printErr(
            QStringLiteral("note: this model's chat template has no thinking switch; --think has no "
                           "effect"));
    const bool think = settings.think.value_or(setup.thinking);
    if (parser.isSet(o.interactive))
        return runInteractive(engine, settings, setup, think, std::move(messages));
    std::string rendered, note;
    if (const Status st = chatRender(setup, messages, think, &rendered, &note); !st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    if (!note.empty())
        printErr(QStringLiteral("warning: %1").arg(qs(note)));
    return runOnce(engine, settings, rendered, true, modelPath);
}

}  // namespace nd::cli
