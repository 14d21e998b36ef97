// nemoctl worker serve: one model answering OpenAI-compatible requests, all concurrent ones batched.
#include "WorkerServe.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonDocument>
#include <QTimer>

#include <nlohmann/json.hpp>

#include "Cli.h"
#include "EngineCommon.h"
#include "WorkerCommands.h"
#include "WorkerReport.h"
#include "core/auth/Token.h"
#include "core/daemon/SignalWatcher.h"
#include "core/http/HttpConnection.h"
#include "core/models/ModelScan.h"
#include "core/paths/Paths.h"
#include "gpu/chat/reasoning_parser.h"

namespace nd::cli {

namespace {

const QString kUsage = QStringLiteral(
    "nemoctl worker serve --model M.gguf [--slots N] [--ctx N] [--device D] [--gpu-layers N] [-t N] "
    "[--batch N] [--kv-type f16|f32] [--idle-exit S]");
const char *kDescription =
    "Serves one model to the daemon's OpenAI-compatible API (the daemon starts it as a job when a request "
    "names the model, and stops it when idle). Concurrent requests share each forward pass: --slots of them "
    "run at once (default 4), each with --ctx positions (default: the model's, at most 8192); more wait.";

constexpr int progressIntervalMs = 1000;
constexpr int64_t defaultSlots = 4;

QString qs(const std::string &s) {
    return QString::fromStdString(s);
}

}  // namespace

// One request being answered: the engine's pieces arrive here (queued from the engine thread, in order),
// go through the reasoning parser and out as chunks, or are kept for one answer at the end.
class ServeStream : public QObject {
public:
    ServeStream(ServeServer *server, HttpConnection *client, openai::CompletionRequest request,
                std::optional<ReasoningStart> reasoning)
        : m_server(server), m_client(client), m_request(std::move(request)) {
        if (reasoning)
            m_parser.emplace(*reasoning);
        m_answer.endpoint = m_request.endpoint;
        m_answer.id = (m_request.endpoint == openai::Endpoint::chat ? QStringLiteral("chatcmpl-")
                                                                    : QStringLiteral("cmpl-")) +
                      QString::fromLatin1(TokenFile::generate().left(24));
        m_answer.created = QDateTime::currentSecsSinceEpoch();
        m_answer.model = m_server->m_engine.name;
        // A client that goes away stops its generation at the next step.
        connect(client, &HttpConnection::closed, this, [this] {
            m_client = nullptr;
            if (m_id != 0)
                m_server->m_engine.generator->cancel(m_id);
        });
    }

    void begin(int64_t id) {
        m_id = id;
        if (!m_request.stream || !m_client)
            return;
        m_client->answer(HttpResponse::eventStream([](HttpConnection *) {}));
        if (m_request.endpoint == openai::Endpoint::chat)
            m_client->write(openai::chunkEvent(m_answer, {}, {}, true, {}));
    }

    void piece(const std::string &text) {
        std::vector<ReasoningDelta> deltas;
        if (m_parser)
            m_parser->push(text, &deltas);
        else
            deltas.push_back({ReasoningChannel::content, text});
        emitDeltas(deltas);
    }

    void done(const BatchDone &done) {
        if (m_parser) {
            std::vector<ReasoningDelta> deltas;
            m_parser->finish(&deltas);
            emitDeltas(deltas);
        }
        const GenerateResult &r = done.result;
        openai::Usage usage;
        usage.promptTokens = r.prompt_tokens;
        usage.completionTokens = r.completion_tokens;
        usage.ttftMs = r.prompt_seconds * 1000.0;
        usage.promptMs = r.prompt_seconds * 1000.0;
        usage.decodeMs = r.decode_seconds * 1000.0;
        const QString finish = openai::finishReason(QString::fromLatin1(stop_reason_name(r.stop_reason)));
        if (m_client) {
            if (!done.status.ok()) {
                const QString message = qs(done.status.message);
                if (m_request.stream) {
                    m_client->write(openai::errorEvent(500, message, QStringLiteral("generation_failed")));
                    m_client->close();
                } else {
                    m_client->answer(
                        openai::errorResponse(500, message, QStringLiteral("generation_failed")));
                }
            } else if (m_request.stream) {
                m_client->write(openai::chunkEvent(m_answer, {}, {}, false, finish));
                if (m_request.includeUsage)
                    m_client->write(openai::usageEvent(m_answer, usage));
                m_client->write(openai::doneEvent());
                m_client->close();
            } else {
                m_client->answer(HttpResponse::json(
                    200, openai::completionJson(m_answer, m_content, m_reasoning, finish, usage)));
            }
        }
        --m_server->m_active;
        m_server->m_sinceActive.restart();
        deleteLater();
    }

private:
    void emitDeltas(const std::vector<ReasoningDelta> &deltas) {
        for (const ReasoningDelta &d : deltas) {
            const QString text = qs(d.text);
            if (text.isEmpty())
                continue;
            // Tool calls are not part of this API yet: their text stays visible as content.
            const bool reasoning = d.channel == ReasoningChannel::reasoning;
            if (!m_request.stream) {
                (reasoning ? m_reasoning : m_content) += text;
                continue;
            }
            if (m_client)
                m_client->write(openai::chunkEvent(m_answer, reasoning ? QString() : text,
                                                   reasoning ? text : QString(), false, {}));
        }
    }

    ServeServer *m_server;
    QPointer<HttpConnection> m_client;
    openai::CompletionRequest m_request;
    openai::Answer m_answer;
    std::optional<ReasoningParser> m_parser;
    QString m_content;
    QString m_reasoning;
    int64_t m_id = 0;
};

ServeServer::ServeServer(ServeEngine engine, QByteArray token, WorkerReport *report, qint64 idleExitMs)
    : m_engine(std::move(engine)), m_token(std::move(token)), m_report(report), m_idleExitMs(idleExitMs) {
    m_sinceActive.start();
}

ServeServer::~ServeServer() {
    stop();
}

Result<quint16> ServeServer::start() {
    m_http = new HttpServer([this](const HttpRequest &r) { return handle(r); }, {}, this);
    const Result<quint16> port = m_http->listen(QHostAddress::LocalHost, 0);
    if (!port.ok())
        return port;
    m_port = port.value();
    BatchGenerator *generator = m_engine.generator.get();
    m_thread = std::thread([generator] { generator->run(); });
    auto *timer = new QTimer(this);
    timer->setInterval(progressIntervalMs);
    connect(timer, &QTimer::timeout, this, [this] {
        reportProgress(false);
        if (m_idleExitMs > 0 && m_active == 0 && m_sinceActive.elapsed() > m_idleExitMs) {
            printOut(QStringLiteral("no request for %1 s: stopping\n").arg(m_idleExitMs / 1000));
            stop();
            QCoreApplication::quit();
        }
    });
    timer->start();
    reportProgress(true);
    return m_port;
}

void ServeServer::stop() {
    if (!m_thread.joinable())
        return;
    m_engine.generator->stop();
    m_thread.join();
    if (m_http)
        m_http->closeAllConnections();
}

void ServeServer::reportProgress(bool urgent) {
    if (!m_report)
        return;
    const BatchGeneratorStats stats = m_engine.generator->stats();
    const double busy = stats.busy_seconds - m_lastBusySeconds;
    const qint64 tokens = stats.decode_tokens - m_lastDecodeTokens;
    m_lastBusySeconds = stats.busy_seconds;
    m_lastDecodeTokens = stats.decode_tokens;
    const double tps = tokens * 1000.0 / progressIntervalMs;
    m_report->progress(
        QJsonObject{{QStringLiteral("kind"), QStringLiteral("server")},
                    {QStringLiteral("phase"), QStringLiteral("serving")},
                    {QStringLiteral("endpoint"), QStringLiteral("http://127.0.0.1:%1").arg(m_port)},
                    {QStringLiteral("model"), m_engine.name},
                    {QStringLiteral("slots"), static_cast<qint64>(m_engine.generator->n_slots())},
                    {QStringLiteral("ctx"), static_cast<qint64>(m_engine.generator->n_ctx())},
                    {QStringLiteral("requests"), m_requests},
                    {QStringLiteral("active"), m_active},
                    {QStringLiteral("tokens_per_s"), tps},
                    {QStringLiteral("busy"), busy * 1000.0 / progressIntervalMs},
                    {QStringLiteral("prompt_tokens"), static_cast<qint64>(stats.prompt_tokens)},
                    {QStringLiteral("completion_tokens"), static_cast<qint64>(stats.decode_tokens)}},
        urgent ? WorkerReport::Urgency::now : WorkerReport::Urgency::throttled);
}

HttpResponse ServeServer::handle(const HttpRequest &request) {
    const QByteArray authorization = request.header("authorization");
    if (!authorization.startsWith("Bearer ") || !tokensEqual(authorization.mid(7).trimmed(), m_token))
        return openai::errorResponse(401, QStringLiteral("this model server answers the daemon only"),
                                     QStringLiteral("unauthorized"));
    if (request.method == "GET" && (request.path == "/health" || request.path == "/v1/models"))
        return HttpResponse::json(
            200,
            QJsonObject{{QStringLiteral("object"), QStringLiteral("list")},
                        {QStringLiteral("data"),
                         QJsonArray{QJsonObject{{QStringLiteral("id"), m_engine.name},
                                                {QStringLiteral("object"), QStringLiteral("model")},
                                                {QStringLiteral("owned_by"), QStringLiteral("nemodesk")}}}}});
    if (request.method == "POST" && request.path == "/v1/chat/completions")
        return complete(request, openai::Endpoint::chat);
    if (request.method == "POST" && request.path == "/v1/completions")
        return complete(request, openai::Endpoint::completions);
    return openai::errorResponse(404,
                                 QStringLiteral("no route %1 %2")
                                     .arg(QString::fromUtf8(request.method), QString::fromUtf8(request.path)),
                                 QStringLiteral("not_found"));
}

HttpResponse ServeServer::complete(const HttpRequest &request, openai::Endpoint endpoint) {
    const Result<openai::CompletionRequest> parsed = openai::parseCompletionRequest(request.body, endpoint);
    if (!parsed.ok()) {
        const QString message = parsed.error();
        return openai::errorResponse(400, message, QStringLiteral("invalid_request"),
                                     message.section(u':', 0, 0));
    }
    const openai::CompletionRequest &r = parsed.value();
    const Tokenizer *tokenizer = m_engine.model->tokenizer.get();

    std::string promptText;
    std::optional<ReasoningStart> reasoning;
    if (endpoint == openai::Endpoint::chat) {
        nlohmann::ordered_json messages;
        try {
            messages = nlohmann::ordered_json::parse(
                QJsonDocument(r.messages).toJson(QJsonDocument::Compact).toStdString());
        } catch (const std::exception &e) {
            return openai::errorResponse(400, QStringLiteral("messages: %1").arg(QString::fromUtf8(e.what())),
                                         QStringLiteral("invalid_request"), QStringLiteral("messages"));
        }
        const bool think = r.reasoning.value_or(m_engine.chat.thinking);
        std::string note;
        if (const Status st = chatRender(m_engine.chat, messages, think, &promptText, &note); !st.ok())
            return openai::errorResponse(400, QStringLiteral("messages: %1").arg(qs(st.message)),
                                         QStringLiteral("invalid_request"), QStringLiteral("messages"));
        reasoning = reasoning_start_for_prompt(promptText);
    } else {
        promptText = r.prompt.toStdString();
    }
    if (const std::optional<std::string> bad = utf8Problem(promptText, "the prompt"))
        return openai::errorResponse(400, qs(*bad), QStringLiteral("invalid_request"));
    std::vector<int32_t> tokens;
    if (const Status st = promptTokens(tokenizer, promptText, &tokens); !st.ok())
        return openai::errorResponse(400, qs(st.message), QStringLiteral("invalid_request"));
    const int64_t nCtx = m_engine.generator->n_ctx();
    if (static_cast<int64_t>(tokens.size()) >= nCtx)
        return openai::errorResponse(
            400,
            QStringLiteral(
                "the prompt is %1 tokens but the model's context holds %2 (with room for the answer); "
                "shorten the conversation")
                .arg(tokens.size())
                .arg(nCtx),
            QStringLiteral("context_length_exceeded"), QStringLiteral("messages"));

    GenerateOptions options;
    SamplerParams &s = options.sampling;
    if (r.temperature)
        s.temperature = static_cast<float>(*r.temperature);
    if (r.topP)
        s.top_p = static_cast<float>(*r.topP);
    if (r.topK)
        s.top_k = static_cast<int>(*r.topK);
    if (r.minP)
        s.min_p = static_cast<float>(*r.minP);
    if (r.presencePenalty)
        s.presence_penalty = static_cast<float>(*r.presencePenalty);
    if (r.frequencyPenalty)
        s.frequency_penalty = static_cast<float>(*r.frequencyPenalty);
    if (r.repeatPenalty)
        s.repeat_penalty = static_cast<float>(*r.repeatPenalty);
    if (r.seed)
        s.seed = static_cast<uint64_t>(*r.seed);
    else
        s.random_seed = true;
    if (const Status st = sampler_params_validate(s); !st.ok())
        return openai::errorResponse(400, qs(st.message), QStringLiteral("invalid_request"));
    options.max_tokens = r.maxTokens < 0 ? 0 : r.maxTokens;
    if (r.maxTokens == 0)
        options.max_tokens = 1;  // OpenAI treats 0 as "as few as possible"; the engine's 0 means no limit
    options.stop_at_eog = !r.ignoreEos;
    for (const QString &stop : r.stop)
        options.stop.push_back(stop.toStdString());

    ++m_requests;
    ++m_active;
    m_sinceActive.restart();
    const openai::CompletionRequest copy = r;
    return HttpResponse::later([this, copy, reasoning, tokens = std::move(tokens),
                                options = std::move(options)](HttpConnection *client) mutable {
        auto *stream = new ServeStream(this, client, copy, reasoning);
        BatchRequest request;
        request.prompt = std::move(tokens);
        request.options = std::move(options);
        // Both run on the engine thread: hand each piece to the main thread, in order.
        request.on_token = [stream](std::string_view piece, int32_t) {
            if (!piece.empty())
                QMetaObject::invokeMethod(
                    stream, [stream, text = std::string(piece)] { stream->piece(text); },
                    Qt::QueuedConnection);
            return true;
        };
        request.on_done = [stream](const BatchDone &done) {
            QMetaObject::invokeMethod(
                stream, [stream, done] { stream->done(done); }, Qt::QueuedConnection);
        };
        const int64_t id = m_engine.generator->submit(std::move(request));
        stream->begin(id);
    });
}

int runWorkerServe(const QStringList &args) {
    QCommandLineParser parser;
    EngineOptions engineOptions;
    engineOptions.addTo(parser);
    const QCommandLineOption slots{QStringLiteral("slots"),
                                   QStringLiteral("Requests evaluated together (default 4)."),
                                   QStringLiteral("N")};
    const QCommandLineOption idleExitOption{
        QStringLiteral("idle-exit"),
        QStringLiteral(
            "End after S seconds without a request (default 0: never; the daemon stops idle servers)."),
        QStringLiteral("S")};
    parser.addOptions({slots, idleExitOption});
    if (const int code = parseOrExit(parser, args, kUsage, QString::fromLatin1(kDescription)); code >= 0)
        return code;
    int exitCode = exitFailure;
    const std::optional<EngineSettings> settings =
        readEngineSettings(parser, engineOptions, kUsage, &exitCode);
    const auto nSlots = positiveOption(parser, slots, defaultSlots, kUsage, &exitCode);
    const auto idleExit = positiveOption(parser, idleExitOption, 0, kUsage, &exitCode, true);
    if (!settings || !nSlots || !idleExit)
        return exitCode;

    WorkerReport report;
    const QString &path = settings->model;
    report.progress(QJsonObject{{QStringLiteral("kind"), QStringLiteral("server")},
                                {QStringLiteral("phase"), QStringLiteral("loading")},
                                {QStringLiteral("model"), modelNameOf(path)}},
                    WorkerReport::Urgency::now);

    const Paths paths = Paths::fromEnvironment();
    const Result<QByteArray> token = TokenFile::read(paths.tokenFile());
    if (!token.ok()) {
        printErr(QStringLiteral("cannot read the daemon's token: %1").arg(token.error()));
        return exitFailure;
    }

    ServeEngine engine;
    engine.name = modelNameOf(path);
    Engine loaded;
    if (!loadModelAndBackend(*settings, "serve text", kUsage, &loaded, &exitCode))
        return exitCode;
    engine.model = std::move(loaded.model);
    engine.backend = std::move(loaded.backend);
    // A model without a chat template (or with one our interpreter cannot run) still chats: in ChatML,
    // the format most instruction-tuned models without a known family were trained on.
    engine.chat = chatSetup(*engine.model, path.toStdString(), "chatml");
    BatchGeneratorOptions go;
    go.n_slots = *nSlots;
    go.n_ctx = settings->ctx;
    go.n_batch = settings->batch;
    go.kv_type = settings->kv;
    if (const Status st = BatchGenerator::create(*engine.model, engine.backend.get(), go, &engine.generator);
        !st.ok()) {
        printErr(qs(st.message));
        return exitFailure;
    }
    const QString backendName = qs(engine.backend->name());
    ServeServer server(std::move(engine), token.value(), &report, *idleExit * 1000);
    const Result<quint16> port = server.start();
    if (!port.ok()) {
        printErr(QStringLiteral("cannot listen: %1").arg(port.error()));
        return exitFailure;
    }
    printOut(QStringLiteral("serving %1 on http://127.0.0.1:%2 (%3)\n")
                 .arg(modelNameOf(path))
                 .arg(port.value())
                 .arg(backendName));

    SignalWatcher watcher;
    QString signalError;
    if (!watcher.install(&signalError))
        printErr(signalError);
    QObject::connect(&watcher, &SignalWatcher::terminationRequested, qApp, [&server](int) {
        server.stop();
        QCoreApplication::quit();
    });
    return QCoreApplication::exec();
}

}  // namespace nd::cli
