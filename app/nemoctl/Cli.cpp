// Cli: command dispatch and shared helpers of nemoctl.
#include "Cli.h"

#include <QCoreApplication>
#include <QJsonObject>
#include <QUrl>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "WorkerCommands.h"
#include "core/client/ApiErrors.h"
#include "core/client/EventStream.h"
#include "core/daemon/RuntimeFile.h"

namespace nd::cli {

const QList<Command> &commands() {
    static const QList<Command> table{
        {"daemon", "run the daemon in the foreground (one per user)", &runDaemon},
        {"gpus", "GPU inventory and latest readings", &runGpus},
        {"health", "is the daemon up, which version, which telemetry source", &runHealth},
        {"endpoint", "the daemon's URL and token, for curl and scripts", &runEndpoint},
        {"stop", "ask the daemon to exit", &runStop},
        {"submit", "submit a batch job: a script, --wrap CMD or -- PROGRAM (like sbatch)", &runSubmit},
        {"queue", "pending and running jobs (like squeue)", &runQueue},
        {"show", "everything about a job (like scontrol show job)", &runShow},
        {"cancel", "cancel jobs or send them a signal (like scancel)", &runCancel},
        {"hold", "keep pending jobs from starting", &runHold},
        {"release", "let held jobs start again", &runRelease},
        {"requeue", "put finished or running jobs back in the queue", &runRequeue},
        {"update", "change the priority or time limit of jobs", &runUpdate},
        {"logs", "a job's output, or follow it (-f)", &runLogs},
        {"history", "finished jobs with accounting (like sacct)", &runHistory},
        {"wait", "wait until jobs end; exits with their exit code", &runWait},
        {"info", "what a GGUF model file holds: architecture, size, types, layers, memory", &runInfo},
        {"tokenize", "text to token ids, one JSON array per line (a GGUF or tokenizer.json)", &runTokenize},
        {"detokenize", "token ids (JSON arrays, one per line) back to text", &runDetokenize},
        {"template", "render a model's chat template with variables from a JSON file", &runTemplate},
        {"eval", "evaluate token ids with a model; logits of every position, greedy continuation", &runEval},
        {"run", "generate text from a prompt or a chat, streamed", &runRun},
        {"bench", "prompt and decode speed of a model, shaped like llama-bench", &runBench},
        {"models", "the daemon's model library: add, remove, list, rescan folders of GGUF files", &runModels},
        {"worker", "what model jobs run: batch, bench, serve (started by the queue, not by hand)",
         &runWorker},
    };
    return table;
}

namespace {

QString usage() {
    QString text = QStringLiteral(
        "Usage: nemoctl <command> [options]\n"
        "       nemoctl --version | --help | help <command>\n\n"
        "NemoDesk's command-line client and daemon.\n\nCommands:\n");
    qsizetype width = 0;
    for (const Command &c : commands())
        width = std::max(width, qsizetype(std::strlen(c.name)));
    for (const Command &c : commands())
        text += QStringLiteral("  %1  %2\n")
                    .arg(QString::fromLatin1(c.name).leftJustified(width), QString::fromLatin1(c.summary));
    text += QStringLiteral(
        "\nRun 'nemoctl <command> --help' for a command's options.\n"
        "Environment: NEMODESK_HOME (everything under one folder), NEMODESK_FAKE_GPUS (synthetic GPUs, e.g. "
        "2x24576).\n");
    return text;
}

const Command *findCommand(const QString &name) {
    for (const Command &c : commands())
        if (name == QLatin1StringView(c.name))
            return &c;
    return nullptr;
}

}  // namespace

int dispatch(const QStringList &arguments) {
    const QString first = arguments.value(1);
    if (first == QLatin1StringView("--version") || first == QLatin1StringView("-V")) {
        printOut(QStringLiteral("nemoctl %1\n").arg(QStringLiteral(NEMODESK_VERSION)));
        return exitOk;
    }
    if (first == QLatin1StringView("--help") || first == QLatin1StringView("-h")) {
        printOut(usage());
        return exitOk;
    }
    if (first == QLatin1StringView("help")) {
        const QString name = arguments.value(2);
        if (name.isEmpty()) {
            printOut(usage());
            return exitOk;
        }
        const Command *command = findCommand(name);
        if (!command) {
            printErr(QStringLiteral("unknown command '%1'. Run 'nemoctl --help' for the list.").arg(name));
            return exitUsage;
        }
        return command->run({QStringLiteral("nemoctl ") + name, QStringLiteral("--help")});
    }
    if (first.isEmpty()) {
        std::fputs(usage().toLocal8Bit().constData(), stderr);
        return exitUsage;
    }
    const Command *command = findCommand(first);
    if (!command) {
        QStringList names;
        for (const Command &c : commands())
            names.append(QString::fromLatin1(c.name));
        printErr(QStringLiteral("unknown command '%1'. Commands: %2. Run 'nemoctl --help' for more.")
                     .arg(first, names.join(QStringLiteral(", "))));
        return exitUsage;
    }
    QStringList args = arguments.mid(2);
    args.prepend(QStringLiteral("nemoctl ") + first);
    return command->run(args);
}

int parseOrExit(QCommandLineParser &parser, const QStringList &args, const QString &usageLine,
                const QString &description, ParseRules rules) {
    const QCommandLineOption help(rules.help == HelpOption::dashHAndLong
                                      ? QStringList{QStringLiteral("h"), QStringLiteral("help")}
                                      : QStringList{QStringLiteral("help")},
                                  QStringLiteral("Show this help."));
    parser.addOption(help);
    parser.setSingleDashWordOptionMode(rules.singleDash == SingleDash::longOption
                                           ? QCommandLineParser::ParseAsLongOptions
                                           : QCommandLineParser::ParseAsCompactedShortOptions);
    if (rules.positionals == Positionals::restAfterFirst)
        parser.setOptionsAfterPositionalArgumentsMode(QCommandLineParser::ParseAsPositionalArguments);
    const bool parsed = parser.parse(args);
    const auto helpText = [&] {
        // QCommandLineParser's own usage line names the executable only; ours names the command too.
        QString text = parser.helpText();
        const qsizetype firstNl = text.indexOf(u'\n');
        text = QStringLiteral("Usage: %1\n\n%2\n").arg(usageLine, description) + text.sliced(firstNl + 1);
        return text;
    };
    if (parsed && parser.isSet(help)) {
        printOut(helpText());
        return exitOk;
    }
    if (!parsed) {
        printErr(QStringLiteral("%1\nUsage: %2 (see --help)").arg(parser.errorText(), usageLine));
        return exitUsage;
    }
    if (rules.positionals == Positionals::forbidden && !parser.positionalArguments().isEmpty())
        return usageError(
            QStringLiteral("unexpected argument '%1'").arg(parser.positionalArguments().first()), usageLine);
    return -1;
}

int usageError(const QString &message, const QString &usageLine) {
    printErr(QStringLiteral("%1\nUsage: %2 (see --help)").arg(message, usageLine));
    return exitUsage;
}

void printOut(const QString &text) {
    const QByteArray bytes = text.toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stdout);
    std::fflush(stdout);
}

void printErr(const QString &text) {
    const QByteArray bytes = (QStringLiteral("nemoctl: ") + text + u'\n').toUtf8();
    std::fwrite(bytes.constData(), 1, static_cast<size_t>(bytes.size()), stderr);
    std::fflush(stderr);
}

QString toJsonText(const QJsonObject &object) {
    return QString::fromUtf8(QJsonDocument(object).toJson(QJsonDocument::Indented));
}

Result<QJsonDocument> requestSync(const Endpoint &endpoint, QByteArrayView method, const QString &path,
                                  int timeoutMs) {
    SyncHttp http(endpoint);
    const QByteArray body = method == "GET" ? QByteArray() : QByteArrayLiteral("{}");
    const Result<HttpReply> reply = http.request(method, path, body, timeoutMs);
    if (!reply.ok())
        return Error{reply.error()};
    if (!reply->isSuccess())
        return Error{describeErrorBody(reply->status, reply->body, QStringLiteral("error"))};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &parseError);
    if (parseError.error != QJsonParseError::NoError)
        return Error{QStringLiteral("the daemon at %1 sent invalid JSON for %2: %3")
                         .arg(endpoint.baseUrl.toString(), path, parseError.errorString())};
    return doc;
}

Result<QJsonObject> callJson(SyncHttp &http, QByteArrayView method, const QString &pathAndQuery,
                             const QJsonObject &body) {
    const QByteArray bytes =
        method == "GET" ? QByteArray() : QJsonDocument(body).toJson(QJsonDocument::Compact);
    const Result<HttpReply> reply = http.request(method, pathAndQuery, bytes);
    if (!reply.ok())
        return Error{reply.error()};
    if (!reply->isSuccess())
        return Error{reply->errorMessage()};
    QJsonParseError parseError{};
    const QJsonDocument doc = QJsonDocument::fromJson(reply->body, &parseError);
    if (parseError.error != QJsonParseError::NoError || !doc.isObject())
        return Error{QStringLiteral("the daemon sent invalid JSON for %1 %2: %3")
                         .arg(QString::fromLatin1(method), pathAndQuery, parseError.errorString())};
    return doc.object();
}

QString queryValue(const QString &value) {
    return QString::fromLatin1(QUrl::toPercentEncoding(value));
}

Result<Endpoint> locateDaemon(const Paths &paths) {
    const auto hint = QStringLiteral("; start one with 'nemoctl daemon'");
    Result<Endpoint> endpoint = Endpoint::fromRuntimeFile(paths);
    if (!endpoint.ok())
        return Error{endpoint.error().startsWith(QLatin1StringView("no daemon")) ? endpoint.error() + hint
                                                                                 : endpoint.error()};
    if (!processIsAlive(endpoint->pid))
        return Error{
            QStringLiteral("no daemon is running (the runtime file %1 names pid %2, which has exited)")
                .arg(paths.runtimeFile())
                .arg(endpoint->pid) +
            hint};
    return endpoint;
}

void followRestartedDaemon(EventStream &stream, const Paths &paths) {
    const Result<Endpoint> now = locateDaemon(paths);
    if (now.ok() && (now->baseUrl != stream.endpoint().baseUrl || now->token != stream.endpoint().token))
        stream.setEndpoint(now.value());
}

Result<RunningDaemon> findRunningDaemon(const Paths &paths, int timeoutMs) {
    const Result<Endpoint> endpoint = Endpoint::fromRuntimeFile(paths);
    if (!endpoint.ok())
        return Error{endpoint.error()};
    if (!processIsAlive(endpoint->pid))
        return Error{
            QStringLiteral("no daemon is running (the runtime file %1 names pid %2, which has exited)")
                .arg(paths.runtimeFile())
                .arg(endpoint->pid)};
    const Result<QJsonDocument> health =
        requestSync(endpoint.value(), "GET", QStringLiteral("/api/health"), timeoutMs);
    if (!health.ok())
        return Error{health.error()};
    return RunningDaemon{endpoint.value(), health->object()};
}

}  // namespace nd::cli
