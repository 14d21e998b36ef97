// nemoctl cancel | hold | release | requeue | update: one request per ID on one connection. An ID the
// daemon refuses (unknown, or the wrong state) is reported and the others are still done; the exit code
// is then 1.
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include <functional>

#include "Cli.h"
#include "CliTime.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

namespace {

struct Action {
    QString usageLine;
    QString description;
    QString route;     // "cancel" → POST /api/jobs/ID/cancel; empty → PATCH /api/jobs/ID
    QString doneVerb;  // "cancelled" → "cancelled job 12"
};

// What the command adds to the common flags: its own options, and the body they make (a usage error
// message when they are wrong).
struct ActionExtras {
    QList<QCommandLineOption> options;
    std::function<Result<QJsonObject>(const QCommandLineParser &)> body;
    std::function<QString(const QCommandLineParser &)> doneVerb;  // overrides Action::doneVerb when set
};

int runAction(const QStringList &args, const Action &action, const ActionExtras &extras) {
    QCommandLineParser parser;
    const QCommandLineOption quiet({QStringLiteral("Q"), QStringLiteral("quiet")},
                                   QStringLiteral("Print nothing but errors."));
    parser.addOption(quiet);
    parser.addOptions(extras.options);
    const int early = parseOrExit(parser, args, action.usageLine, action.description,
                                  jobCommandRules(Positionals::allowed));
    if (early >= 0)
        return early;
    const QStringList refs = parser.positionalArguments();
    if (refs.isEmpty())
        return usageError(QStringLiteral("which jobs? Give at least one ID"), action.usageLine);
    for (const QString &ref : refs)
        if (!isJobIdArgument(ref))
            return usageError(QStringLiteral("'%1' is not a job id (12, or 12_3 for an array task)").arg(ref),
                              action.usageLine);
    QJsonObject body;
    if (extras.body) {
        const Result<QJsonObject> built = extras.body(parser);
        if (!built.ok())
            return usageError(built.error(), action.usageLine);
        body = built.value();
    }
    const QString verb = extras.doneVerb ? extras.doneVerb(parser) : action.doneVerb;

    const Result<Endpoint> endpoint = locateDaemon(Paths::fromEnvironment());
    if (!endpoint.ok()) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(endpoint.value());
    int exitCode = exitOk;
    const QByteArray bodyBytes = QJsonDocument(body).toJson(QJsonDocument::Compact);
    for (const QString &ref : refs) {
        const QString path = QStringLiteral("/api/jobs/") + ref;
        const Result<HttpReply> reply = action.route.isEmpty()
                                            ? http.request("PATCH", path, bodyBytes)
                                            : http.request("POST", path + u'/' + action.route, bodyBytes);
        if (!reply.ok()) {
            printErr(reply.error());  // not reachable: the other ids would fail the same way
            return exitFailure;
        }
        if (!reply->isSuccess()) {
            printErr(
                reply->errorMessage());  // "job 12 is completed: only pending jobs can be held", "no job 99"
            exitCode = exitFailure;
            continue;
        }
        if (parser.isSet(quiet))
            continue;
        QString out;
        const QJsonObject answer = QJsonDocument::fromJson(reply->body).object();
        for (const QJsonValue &id : answer.value(QStringLiteral("job_ids")).toArray())
            out += QStringLiteral("%1 job %2\n").arg(verb).arg(id.toInteger());
        printOut(out);
    }
    return exitCode;
}

const QString idsHelp = QStringLiteral("ID: 12 (a whole array by its id) or 12_3 (one task). ");

}  // namespace

int runCancel(const QStringList &args) {
    const QCommandLineOption signal(
        {QStringLiteral("s"), QStringLiteral("signal")},
        QStringLiteral("Only send this signal (USR1, TERM, 10, …) to running jobs."), QStringLiteral("SIG"));
    ActionExtras extras;
    extras.options = {signal};
    extras.body = [signal](const QCommandLineParser &p) -> Result<QJsonObject> {
        if (!p.isSet(signal))
            return QJsonObject{};
        QString name = p.value(signal).trimmed().toUpper();
        if (name.startsWith(QLatin1StringView("SIG")))
            name = name.sliced(3);
        if (name.isEmpty())
            return Error{QStringLiteral("--signal needs a signal name or number")};
        return QJsonObject{{QStringLiteral("signal"), name}};
    };
    extras.doneVerb = [signal](const QCommandLineParser &p) {
        if (!p.isSet(signal))
            return QStringLiteral("cancelled");
        QString name = p.value(signal).trimmed().toUpper();
        bool numeric = false;
        name.toInt(&numeric);
        if (!numeric && !name.startsWith(QLatin1StringView("SIG")))
            name.prepend(QStringLiteral("SIG"));
        return QStringLiteral("sent %1 to").arg(numeric ? QStringLiteral("signal ") + name : name);
    };
    return runAction(
        args,
        {QStringLiteral("nemoctl cancel ID… [--signal SIG] [--quiet]"),
         QStringLiteral("Cancels jobs, as scancel does: a pending job ends at once, a running one gets "
                        "SIGTERM (SIGKILL after the grace period). With --signal, only sends that "
                        "signal. ") +
             idsHelp + QStringLiteral("Exit code 1 when any ID was refused."),
         QStringLiteral("cancel"), QStringLiteral("cancelled")},
        extras);
}

int runHold(const QStringList &args) {
    return runAction(
        args,
        {QStringLiteral("nemoctl hold ID… [--quiet]"),
         QStringLiteral("Holds pending jobs: they stay pending (reason JobHeldUser) until released. ") +
             idsHelp,
         QStringLiteral("hold"), QStringLiteral("held")},
        {});
}

int runRelease(const QStringList &args) {
    return runAction(args,
                     {QStringLiteral("nemoctl release ID… [--quiet]"),
                      QStringLiteral("Releases held jobs: they may start again. ") + idsHelp,
                      QStringLiteral("release"), QStringLiteral("released")},
                     {});
}

int runRequeue(const QStringList &args) {
    return runAction(
        args,
        {QStringLiteral("nemoctl requeue ID… [--quiet]"),
         QStringLiteral("Puts finished jobs back in the queue; a running job is killed first. ") + idsHelp,
         QStringLiteral("requeue"), QStringLiteral("requeued")},
        {});
}

int runUpdate(const QStringList &args) {
    const QCommandLineOption priority(QStringLiteral("priority"),
                                      QStringLiteral("New priority (pending jobs)."), QStringLiteral("N"));
    const QCommandLineOption time(
        {QStringLiteral("t"), QStringLiteral("time")},
        QStringLiteral("New time limit (pending or running jobs): MM, HH:MM:SS, D-HH, "
                       "UNLIMITED."),
        QStringLiteral("TIME"));
    ActionExtras extras;
    extras.options = {priority, time};
    extras.body = [priority, time](const QCommandLineParser &p) -> Result<QJsonObject> {
        QJsonObject body;
        if (p.isSet(priority)) {
            bool ok = false;
            const qint64 n = p.value(priority).toLongLong(&ok);
            if (!ok)
                return Error{
                    QStringLiteral("--priority takes a whole number, not '%1'").arg(p.value(priority))};
            body.insert(QStringLiteral("priority"), n);
        }
        if (p.isSet(time)) {
            const Result<qint64> seconds = parseTimeLimit(p.value(time));
            if (!seconds.ok())
                return Error{QStringLiteral("--time '%1': %2").arg(p.value(time), seconds.error())};
            body.insert(QStringLiteral("time_limit_s"), seconds.value());
        }
        if (body.isEmpty())
            return Error{QStringLiteral("nothing to change: give --priority N and/or --time TIME")};
        return body;
    };
    return runAction(
        args,
        {QStringLiteral("nemoctl update ID… [--priority N] [--time TIME] [--quiet]"),
         QStringLiteral("Changes jobs, as scontrol update does: the priority of pending jobs, the "
                        "time limit of pending or running ones. ") +
             idsHelp,
         QString(), QStringLiteral("updated")},
        extras);
}

}  // namespace nd::cli
