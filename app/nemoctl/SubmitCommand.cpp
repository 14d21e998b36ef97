// nemoctl submit: sbatch for the local queue. One request: the runtime file names the daemon, POST
// /api/jobs carries the spec, and the answer is printed (then, with --wait, the job is followed to its end).
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonObject>

#include <cstdio>

#include "Cli.h"
#include "JobWaiter.h"
#include "SubmitOptions.h"
#include "core/jobs/SbatchScript.h"

namespace nd::cli {

namespace {

const auto usageLine = QStringLiteral(
    "nemoctl submit [options] SCRIPT [ARGS…] | --wrap \"CMD\" | -- PROGRAM [ARGS…] | --file JOBS.jsonl");

Result<QByteArray> readInput(const QString &path, const QString &what) {
    QFile file(path);
    const bool fromStdin = path == QLatin1StringView("-");
    if (!(fromStdin ? file.open(stdin, QIODevice::ReadOnly) : file.open(QIODevice::ReadOnly)))
        return Error{QStringLiteral("cannot read the %1 %2: %3").arg(what, path, file.errorString())};
    return file.readAll();
}

// A script read here: its text, its arguments, and the defaults sbatch takes from the file itself (the job
// name is the script's file name unless an #SBATCH line names it).
VoidResult addScript(const SubmitSource &source, QJsonObject *spec, bool *scriptSetsWorkdir) {
    const Result<QByteArray> bytes = readInput(source.path, QStringLiteral("script"));
    if (!bytes.ok())
        return Error{bytes.error()};
    const QString text = QString::fromUtf8(bytes.value());
    spec->insert(QStringLiteral("script"), text);
    if (!source.args.isEmpty())
        spec->insert(QStringLiteral("script_args"), QJsonArray::fromStringList(source.args));
    // Read here only to know what the script sets; the daemon reads it again and reports its errors.
    const Result<SbatchDirectives> directives = parseSbatchDirectives(text);
    if (directives.ok()) {
        *scriptSetsWorkdir = !directives->spec.workdir.isEmpty();
        if (directives->spec.name.isEmpty() && !spec->contains(QStringLiteral("name")) &&
            source.path != QLatin1StringView("-"))
            spec->insert(QStringLiteral("name"), QFileInfo(source.path).fileName());
    }
    return success();
}

void printWarnings(const QJsonObject &answer, const QString &prefix) {
    for (const QJsonValue &w : answer.value(QStringLiteral("warnings")).toArray())
        printErr(QStringLiteral("warning: ") + prefix + w.toString());
}

QList<qint64> idsOf(const QJsonObject &answer) {
    QList<qint64> ids;
    for (const QJsonValue &v : answer.value(QStringLiteral("job_ids")).toArray())
        ids.append(v.toInteger());
    if (ids.isEmpty())
        ids.append(answer.value(QStringLiteral("job_id")).toInteger());
    return ids;
}

}  // namespace

int runSubmit(const QStringList &args) {
    QCommandLineParser parser;
    const SubmitOptions options;
    options.addTo(parser);
    const int early = parseOrExit(parser, args, usageLine,
                                  QStringLiteral("Submits a batch job to the local queue, as sbatch does. A "
                                                 "SCRIPT is read here and run with bash; its "
                                                 "#SBATCH lines are defaults that the flags override. Prints "
                                                 "\"Submitted batch job ID\" (warnings on "
                                                 "stderr). Exit codes: 0 submitted (with --wait: the job's "
                                                 "exit code, 128+signal when a signal ended "
                                                 "it), 1 refused or no daemon, 2 wrong command line."),
                                  jobCommandRules(Positionals::restAfterFirst));
    if (early >= 0)
        return early;
    const Result<SubmitSource> source = options.source(parser, args.mid(1));
    if (!source.ok())
        return usageError(source.error(), usageLine);
    if (source->kind == SubmitSource::Kind::jobsFile && options.anySpecFlag(parser))
        return usageError(
            QStringLiteral("--file takes whole job specs: flags such as -J or -G do not apply to it"),
            usageLine);
    const QString cwd = QDir::currentPath();
    Result<QJsonObject> flags = options.specFromFlags(parser, cwd, QDateTime::currentMSecsSinceEpoch());
    if (!flags.ok())
        return usageError(flags.error(), usageLine);

    QJsonObject body = flags.value();
    bool scriptSetsWorkdir = false;
    switch (source->kind) {
        case SubmitSource::Kind::wrap:
            body.insert(QStringLiteral("script"), wrapScript(source->wrapCommand));
            break;
        case SubmitSource::Kind::argv:
            body.insert(QStringLiteral("argv"), QJsonArray::fromStringList(source->args));
            break;
        case SubmitSource::Kind::script:
            if (const VoidResult added = addScript(source.value(), &body, &scriptSetsWorkdir); !added.ok()) {
                printErr(added.error());
                return exitFailure;
            }
            break;
        case SubmitSource::Kind::jobsFile: {
            const Result<QByteArray> text = readInput(source->path, QStringLiteral("jobs file"));
            const Result<QJsonArray> specs =
                text.ok() ? parseJobsFile(text.value()) : Result<QJsonArray>(Error{text.error()});
            if (!specs.ok()) {
                printErr(text.ok() ? source->path + QStringLiteral(": ") + specs.error() : specs.error());
                return exitFailure;
            }
            body = QJsonObject{{QStringLiteral("jobs"), specs.value()}};
            break;
        }
    }
    // As sbatch: the job runs where it was submitted unless told otherwise.
    if (source->kind != SubmitSource::Kind::jobsFile && !body.contains(QStringLiteral("workdir")) &&
        !scriptSetsWorkdir)
        body.insert(QStringLiteral("workdir"), cwd);

    const Paths paths = Paths::fromEnvironment();
    const Result<Endpoint> endpoint = locateDaemon(paths);
    if (!endpoint.ok()) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(endpoint.value());
    const Result<QJsonObject> answer = callJson(http, "POST", QStringLiteral("/api/jobs"), body);
    if (!answer.ok()) {
        printErr(answer.error());
        return exitFailure;
    }

    QList<qint64> ids;
    qint64 sinceSeq = answer->value(QStringLiteral("last_seq")).toInteger();
    QString out;
    if (source->kind == SubmitSource::Kind::jobsFile) {
        for (const QJsonValue &v : answer->value(QStringLiteral("results")).toArray()) {
            const QJsonObject result = v.toObject();
            const qint64 id = result.value(QStringLiteral("job_id")).toInteger();
            printWarnings(result, QStringLiteral("job %1: ").arg(id));
            out += QString::number(id) + u'\n';
            ids += idsOf(result);
            const qint64 seq = result.value(QStringLiteral("last_seq")).toInteger();
            if (seq > 0 && (sinceSeq <= 0 || seq < sinceSeq))
                sinceSeq = seq;
        }
    } else {
        printWarnings(answer.value(), QString());
        const qint64 id = answer->value(QStringLiteral("job_id")).toInteger();
        out = options.output(parser) == SubmitOptions::Output::parsable
                  ? QStringLiteral("%1\n").arg(id)
                  : QStringLiteral("Submitted batch job %1\n").arg(id);
        ids = idsOf(answer.value());
    }
    printOut(options.output(parser) == SubmitOptions::Output::json ? toJsonText(answer.value()) : out);
    if (!options.waitRequested(parser))
        return exitOk;

    JobWaiter waiter(paths, endpoint.value());
    const WaitResult waited = waiter.wait(ids, {}, sinceSeq, -1);
    return waited.exitCode;
}

}  // namespace nd::cli
