// nemoctl show: one job in full, as `scontrol show job` prints it (Key=Value, a few per line).
#include <QDateTime>
#include <QJsonArray>
#include <QJsonObject>

#include "Cli.h"
#include "CliTime.h"
#include "JobFormat.h"
#include "core/jobs/JobState.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

namespace {

const auto usageLine = QStringLiteral("nemoctl show ID… [--json]");

QString orNull(const QString &value) {
    return value.isEmpty() ? QStringLiteral("(null)") : value;
}

QString showJob(const Job &job, qint64 nowMs) {
    const JobSpec &s = job.spec;
    using Pairs = QList<QPair<const char *, QString>>;
    const QList<Pairs> lines{
        job.isArrayTask() ? Pairs{{"JobId", QString::number(job.id)},
                                  {"ArrayJobId", QString::number(job.arrayJobId)},
                                  {"ArrayTaskId", QString::number(job.arrayTaskId)},
                                  {"JobName", s.name}}
                          : Pairs{{"JobId", QString::number(job.id)}, {"JobName", s.name}},
        {{"JobState", jobStateSlurmName(job.state)},
         {"Reason", pendingReasonSlurmName(job.reason)},
         {"Dependency", orNull(formatDependencies(s.dependencies))}},
        {{"Priority", QString::number(s.priority)},
         {"Held", job.held ? QStringLiteral("yes") : QStringLiteral("no")},
         {"Restarts", QString::number(job.retries)},
         {"MaxRetries", QString::number(s.maxRetries)},
         {"ExitCode", formatExitCode(job)}},
        {{"RunTime", formatElapsed(runSeconds(job, nowMs))}, {"TimeLimit", formatDuration(s.timeLimitSec)}},
        {{"SubmitTime", formatTimestamp(job.submitTimeMs, QStringLiteral("Unknown"))},
         {"BeginTime", formatTimestamp(s.beginTimeMs, QStringLiteral("Unknown"))},
         {"StartTime", formatTimestamp(job.state == JobState::pending ? job.expectedStartMs : job.startTimeMs,
                                       QStringLiteral("Unknown"))},
         {"EndTime", formatTimestamp(job.endTimeMs, QStringLiteral("Unknown"))}},
        {{"NumCPUs", QString::number(s.cpus)},
         {"Mem", formatMemoryMib(s.memMib)},
         {"Gpus", formatGpuRequest(job)},
         {"GpuIdx", orNull(formatGpuIndices(job))},
         {"Pinned", orNull([&] {
              QStringList pins;
              for (const int index : s.gpuIndices)
                  pins.append(QString::number(index));
              return pins.join(u',');
          }())}},
        {{"WorkDir", s.workdir}},
        {{s.argv.isEmpty() ? "Script" : "Command", commandSummary(job)}},
        {{"StdOut", orNull(job.stdoutFile)}},
        {{"StdErr", orNull(job.stderrFile)}},
        {{"Tags", orNull(s.tags.join(u','))}, {"Message", orNull(job.message)}},
        {{"CPUTime", formatElapsed(job.accounting.cpuTimeMs / 1000)},
         {"MaxRSS", QStringLiteral("%1K").arg(job.accounting.peakRssKib)},
         {"GPUSeconds", QString::number(job.accounting.gpuSeconds, 'f', 1)},
         {"PeakGpuMem", formatMemoryMib(job.accounting.peakGpuMemMib)},
         {"EnergyJ", QString::number(qRound64(job.accounting.gpuEnergyJ))}},
    };
    QString out;
    for (qsizetype i = 0; i < lines.size(); ++i) {
        QStringList pairs;
        for (const auto &[key, value] : lines[i])
            pairs.append(QString::fromLatin1(key) + u'=' + value);
        out += (i == 0 ? QString() : QStringLiteral("   ")) + pairs.join(u' ') + u'\n';
    }
    return out;
}

}  // namespace

int runShow(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption json(
        QStringLiteral("json"),
        QStringLiteral("Print the API's JSON (GET /api/jobs/ID; several: {\"jobs\": […]})."));
    parser.addOption(json);
    const int early =
        parseOrExit(parser, args, usageLine,
                    QStringLiteral("Shows everything about jobs (ID: 12 or 12_3), as scontrol show "
                                   "job does: Key=Value pairs, one job per paragraph."),
                    jobCommandRules(Positionals::allowed));
    if (early >= 0)
        return early;
    const QStringList refs = parser.positionalArguments();
    if (refs.isEmpty())
        return usageError(QStringLiteral("which job? Give an ID"), usageLine);
    for (const QString &ref : refs)
        if (!isJobIdArgument(ref))
            return usageError(QStringLiteral("'%1' is not a job id (12, or 12_3 for an array task)").arg(ref),
                              usageLine);

    const Result<Endpoint> endpoint = locateDaemon(Paths::fromEnvironment());
    if (!endpoint.ok()) {
        printErr(endpoint.error());
        return exitFailure;
    }
    SyncHttp http(endpoint.value());
    QJsonArray found;
    QString text;
    int exitCode = exitOk;
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    for (const QString &ref : refs) {
        const Result<QJsonObject> answer = callJson(http, "GET", QStringLiteral("/api/jobs/") + ref);
        if (!answer.ok()) {
            printErr(answer.error());  // "no job 99": the daemon names the job
            exitCode = exitFailure;
            continue;
        }
        const Result<Job> job = jobFromJson(answer.value());
        if (!job.ok()) {
            printErr(QStringLiteral("job %1: the daemon's answer cannot be read: %2").arg(ref, job.error()));
            exitCode = exitFailure;
            continue;
        }
        found.append(answer.value());
        text += (text.isEmpty() ? QString() : QStringLiteral("\n")) + showJob(job.value(), nowMs);
    }
    if (parser.isSet(json)) {
        if (refs.size() == 1 && found.size() == 1)
            printOut(toJsonText(found.first().toObject()));
        else if (!found.isEmpty())
            printOut(toJsonText(QJsonObject{{QStringLiteral("jobs"), found}}));
    } else {
        printOut(text);
    }
    return exitCode;
}

}  // namespace nd::cli
