// nemoctl wait: until the given jobs have ended, then exit with their exit code. The jobs are read once;
// after that only their events are followed (from the sequence number that reading answered).
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>

#include "Cli.h"
#include "CliTime.h"
#include "JobFormat.h"
#include "JobListing.h"
#include "JobWaiter.h"

namespace nd::cli {

namespace {
const auto usageLine = QStringLiteral("nemoctl wait ID… [--timeout SECONDS]");
}  // namespace

int runWait(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption timeout(QStringLiteral("timeout"),
                                     QStringLiteral("Give up after this many seconds (exit code 124)."),
                                     QStringLiteral("SECONDS"));
    parser.addOption(timeout);
    const int early = parseOrExit(
        parser, args, usageLine,
        QStringLiteral(
            "Waits until every given job has ended (ID: 12, a whole array by its id, or 12_3). Exit "
            "code: the job's exit code (of several: the first non-zero); 128+N when signal N ended it "
            "(a time limit: 143); 1 when it was cancelled before it ran, could not start or was lost; "
            "124 when --timeout passed first; 2 wrong command line."),
        jobCommandRules(Positionals::allowed));
    if (early >= 0)
        return early;
    const QStringList refs = parser.positionalArguments();
    if (refs.isEmpty())
        return usageError(QStringLiteral("which jobs? Give at least one ID"), usageLine);
    for (const QString &ref : refs)
        if (!isJobIdArgument(ref))
            return usageError(QStringLiteral("'%1' is not a job id (12, or 12_3 for an array task)").arg(ref),
                              usageLine);
    int timeoutMs = -1;
    if (parser.isSet(timeout)) {
        bool ok = false;
        const double seconds = parser.value(timeout).toDouble(&ok);
        if (!ok || seconds < 0 || seconds > 365.0 * 86400)
            return usageError(QStringLiteral("--timeout takes seconds, not '%1'").arg(parser.value(timeout)),
                              usageLine);
        timeoutMs = static_cast<int>(seconds * 1000);
    }

    const Paths paths = Paths::fromEnvironment();
    const Result<Endpoint> endpoint = locateDaemon(paths);
    if (!endpoint.ok()) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(endpoint.value());
    QStringList plain;
    QStringList tasks;
    for (const QString &ref : refs)
        (ref.contains(u'_') ? tasks : plain).append(ref);

    // The list first: its last_seq is where following starts, and each task read after it is at least as new.
    QHash<qint64, Job> known;
    QList<qint64> ids;
    qint64 sinceSeq = 0;
    QJsonArray found;
    if (!plain.isEmpty()) {
        const Result<JobListing> listing =
            fetchJobs(http, QStringLiteral("/api/jobs"),
                      {QStringLiteral("state=all"), QStringLiteral("id=") + plain.join(u',')}, 0);
        if (!listing.ok()) {
            printErr(listing.error());
            return exitFailure;
        }
        sinceSeq = listing->lastSeq;
        found = listing->jobs;
    }
    for (const QString &ref : tasks) {
        const Result<QJsonObject> job = callJson(http, "GET", QStringLiteral("/api/jobs/") + ref);
        if (!job.ok()) {
            printErr(job.error());
            return exitFailure;
        }
        if (plain.isEmpty() &&
            (sinceSeq == 0 || job->value(QStringLiteral("last_seq")).toInteger() < sinceSeq))
            sinceSeq = job->value(QStringLiteral("last_seq")).toInteger();
        found.append(job.value());
    }
    const Result<QList<Job>> jobs = jobsFromJson(found);
    if (!jobs.ok()) {
        printErr(jobs.error());
        return exitFailure;
    }
    for (const QString &ref : plain) {
        const qint64 id = ref.toLongLong();
        if (std::none_of(jobs->cbegin(), jobs->cend(),
                         [id](const Job &j) { return j.id == id || j.arrayJobId == id; })) {
            printErr(QStringLiteral("no job %1").arg(ref));
            return exitFailure;
        }
    }
    for (const Job &job : jobs.value()) {
        if (!known.contains(job.id))
            ids.append(job.id);
        known.insert(job.id, job);
    }

    JobWaiter waiter(paths, endpoint.value());
    const WaitResult waited = waiter.wait(ids, known, sinceSeq, timeoutMs);
    if (waited.kind == WaitResult::Kind::timedOut)
        printErr(QStringLiteral("timed out after %1 s: %2").arg(parser.value(timeout), waited.message));
    return waited.exitCode;
}

}  // namespace nd::cli
