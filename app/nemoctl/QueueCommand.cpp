// nemoctl queue: squeue for the local queue — pending and running jobs by default, as an aligned table,
// in squeue's -o format language, or as the API's JSON.
#include <QDateTime>

#include "Cli.h"
#include "CliTime.h"
#include "JobFormat.h"
#include "JobListing.h"
#include "QueueFormat.h"
#include "core/jobs/JobState.h"

namespace nd::cli {

namespace {

const auto usageLine = QStringLiteral(
    "nemoctl queue [-t STATES] [-j IDS] [-n NAME] [--tag TAG] [--array ID] "
    "[-o FORMAT] [-h] [--json] [--limit N]");

// "PD,r,completed" → "pending,running,completed"; "all" stays.
Result<QString> apiStates(const QString &text) {
    if (text.trimmed().compare(QLatin1StringView("all"), Qt::CaseInsensitive) == 0)
        return QStringLiteral("all");
    QStringList names;
    for (const QString &item : text.split(u',', Qt::SkipEmptyParts)) {
        const std::optional<JobState> state = parseJobState(item.trimmed());
        if (!state)
            return Error{
                QStringLiteral("'%1' is not a job state (pending/PD, running/R, completed/CD, failed/F, "
                               "cancelled/CA, timeout/TO, node_fail/NF, or all)")
                    .arg(item)};
        names.append(jobStateName(*state));
    }
    if (names.isEmpty())
        return Error{QStringLiteral("no states given")};
    return names.join(u',');
}

// The default table: squeue's columns, plus the GPUs and the priority.
QString defaultTable(const QList<Job> &jobs, qint64 nowMs, bool header) {
    const char codes[] = {'i', 'j', 'T', 'M', 'l', 'b', 'Q'};
    QList<QStringList> rows;
    if (header)
        rows.append({QStringLiteral("JOBID"), QStringLiteral("NAME"), QStringLiteral("STATE"),
                     QStringLiteral("TIME"), QStringLiteral("TIME_LIMIT"), QStringLiteral("GPUS"),
                     QStringLiteral("PRIO"), QStringLiteral("REASON")});
    for (const Job &job : jobs) {
        QStringList row;
        for (const char code : codes)
            row.append(queueFieldValue(QLatin1Char(code), job, nowMs));
        row.append(reasonOrPlacement(job));
        rows.append(row);
    }
    return formatTable(rows, {Align::right, Align::left, Align::left, Align::right, Align::right,
                              Align::right, Align::right, Align::left});
}

}  // namespace

int runQueue(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption states(
        {QStringLiteral("t"), QStringLiteral("states")},
        QStringLiteral("States to show: a comma list (PD,R,CD,F,CA,TO,NF or the long "
                       "names) or all. Default: pending,running."),
        QStringLiteral("STATES"));
    const QCommandLineOption jobs(
        {QStringLiteral("j"), QStringLiteral("jobs")},
        QStringLiteral("Only these jobs: 12,13 (an array id shows all its tasks), 10_3."),
        QStringLiteral("IDS"));
    const QCommandLineOption name({QStringLiteral("n"), QStringLiteral("name")},
                                  QStringLiteral("Only jobs whose name matches this glob."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption tag(QStringLiteral("tag"), QStringLiteral("Only jobs with this tag."),
                                 QStringLiteral("TAG"));
    const QCommandLineOption array(QStringLiteral("array"),
                                   QStringLiteral("Only the tasks of this array job."), QStringLiteral("ID"));
    const QCommandLineOption format({QStringLiteral("o"), QStringLiteral("format")},
                                    QStringLiteral("squeue's format: \"%.10i %-20j %T %R\" (codes below)."),
                                    QStringLiteral("FORMAT"));
    const QCommandLineOption noHeader({QStringLiteral("h"), QStringLiteral("noheader")},
                                      QStringLiteral("No header line."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the API's JSON (GET /api/jobs, every page)."));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("Show at most N jobs."),
                                   QStringLiteral("N"));
    parser.addOptions({states, jobs, name, tag, array, format, noHeader, json, limit});
    const int early = parseOrExit(
        parser, args, usageLine,
        QStringLiteral(
            "Lists the queue, as squeue does: JOBID NAME STATE TIME TIME_LIMIT GPUS PRIO REASON (for a "
            "running job, REASON says where it runs: gpu:0,1). Format codes for -o:\n") +
            queueFormatHelp(),
        jobCommandRules(Positionals::forbidden, HelpOption::longOnly));
    if (early >= 0)
        return early;

    QStringList query;
    if (parser.isSet(states)) {
        const Result<QString> s = apiStates(parser.value(states));
        if (!s.ok())
            return usageError(QStringLiteral("-t: ") + s.error(), usageLine);
        query.append(QStringLiteral("state=") + s.value());
    }
    IdFilter idFilter;
    if (parser.isSet(jobs)) {
        Result<IdFilter> parsed = parseIdFilter(parser.value(jobs));
        if (!parsed.ok())
            return usageError(QStringLiteral("-j: ") + parsed.error(), usageLine);
        idFilter = std::move(parsed).value();
        query.append(idFilter.queryItem);
    }
    if (parser.isSet(name))
        query.append(QStringLiteral("name=") + queryValue(parser.value(name)));
    if (parser.isSet(tag))
        query.append(QStringLiteral("tag=") + queryValue(parser.value(tag)));
    if (parser.isSet(array)) {
        if (!isJobIdArgument(parser.value(array)) || parser.value(array).contains(u'_'))
            return usageError(
                QStringLiteral("--array takes an array job id, not '%1'").arg(parser.value(array)),
                usageLine);
        query.append(QStringLiteral("array=") + parser.value(array));
    }
    qint64 maxJobs = 0;
    if (parser.isSet(limit)) {
        bool ok = false;
        maxJobs = parser.value(limit).toLongLong(&ok);
        if (!ok || maxJobs <= 0)
            return usageError(
                QStringLiteral("--limit takes a positive number, not '%1'").arg(parser.value(limit)),
                usageLine);
    }
    QList<QueueField> fields;
    if (parser.isSet(format)) {
        Result<QList<QueueField>> parsed = parseQueueFormat(parser.value(format));
        if (!parsed.ok())
            return usageError(parsed.error(), usageLine);
        fields = std::move(parsed).value();
    }

    Result<ListedJobs> listed = listJobs(QStringLiteral("/api/jobs"), query, maxJobs, idFilter);
    if (!listed.ok()) {
        printErr(listed.error());
        return exitFailure;
    }
    const QList<Job> &shown = listed->jobs;
    if (parser.isSet(json)) {
        printOut(toJsonText(listed->listing.toJson()));
        return exitOk;
    }
    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    const bool header = !parser.isSet(noHeader);
    if (fields.isEmpty()) {
        printOut(defaultTable(shown, nowMs, header));
        return exitOk;
    }
    QString out = header ? queueHeaderLine(fields) : QString();
    for (const Job &job : shown)
        out += queueJobLine(fields, job, nowMs);
    printOut(out);
    return exitOk;
}

}  // namespace nd::cli
