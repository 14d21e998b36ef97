// nemoctl history: sacct for the local queue — finished jobs, newest first, with their accounting.
#include <QDateTime>

#include "Cli.h"
#include "CliTime.h"
#include "HistoryFormat.h"
#include "JobFormat.h"
#include "JobListing.h"
#include "core/jobs/JobState.h"

namespace nd::cli {

namespace {

const auto usageLine = QStringLiteral(
    "nemoctl history [-S TIME] [-E TIME] [-s STATES] [-n NAME] [--tag TAG] "
    "[-j IDS] [-o FIELDS] [-P] [--noheader] [--json] [--limit N]");

// sacct's look: a header, a line of dashes, the rows; a field given a width is cut to it with a '+'.
QString table(const QList<HistoryField> &fields, const QList<Job> &jobs, qint64 nowMs, bool header) {
    QList<QStringList> rows;
    for (const Job &job : jobs) {
        QStringList row;
        for (const HistoryField &f : fields) {
            QString value = historyFieldValue(f, job, nowMs);
            if (f.width > 0 && value.size() > f.width)
                value = value.left(f.width - 1) + u'+';
            row.append(value);
        }
        rows.append(row);
    }
    QList<qsizetype> widths;
    for (qsizetype c = 0; c < fields.size(); ++c) {
        qsizetype w = fields[c].width > 0 ? fields[c].width : historyFieldHeader(fields[c]).size();
        if (fields[c].width <= 0)
            for (const QStringList &row : rows)
                w = std::max(w, row[c].size());
        widths.append(w);
    }
    const auto line = [&](const QStringList &cells) {
        QString out;
        for (qsizetype c = 0; c < cells.size(); ++c) {
            const QString cell = cells[c].left(widths[c]);
            out += historyFieldAlign(fields[c]) == Align::right ? cell.rightJustified(widths[c])
                                                                : cell.leftJustified(widths[c]);
            out += c + 1 < cells.size() ? QStringLiteral(" ") : QString();
        }
        while (out.endsWith(u' '))
            out.chop(1);
        return out + u'\n';
    };
    QString out;
    if (header) {
        QStringList names;
        QStringList dashes;
        for (qsizetype c = 0; c < fields.size(); ++c) {
            names.append(historyFieldHeader(fields[c]));
            dashes.append(QString(widths[c], u'-'));
        }
        out += line(names) + line(dashes);
    }
    for (const QStringList &row : rows)
        out += line(row);
    return out;
}

QString parsable(const QList<HistoryField> &fields, const QList<Job> &jobs, qint64 nowMs, bool header) {
    QString out;
    if (header) {
        QStringList names;
        for (const HistoryField &f : fields)
            names.append(historyFieldHeader(f));
        out += names.join(u'|') + u'\n';
    }
    for (const Job &job : jobs) {
        QStringList cells;
        for (const HistoryField &f : fields)
            cells.append(historyFieldValue(f, job, nowMs));
        out += cells.join(u'|') + u'\n';
    }
    return out;
}

}  // namespace

int runHistory(const QStringList &args) {
    QCommandLineParser parser;
    const QCommandLineOption start(
        {QStringLiteral("S"), QStringLiteral("starttime")},
        QStringLiteral("Jobs that ended at or after TIME (now-1day, 2026-11-26T10:00, …)."),
        QStringLiteral("TIME"));
    const QCommandLineOption end({QStringLiteral("E"), QStringLiteral("endtime")},
                                 QStringLiteral("Jobs that ended before TIME."), QStringLiteral("TIME"));
    const QCommandLineOption states({QStringLiteral("s"), QStringLiteral("state")},
                                    QStringLiteral("Only these states: CD,F,CA,TO,NF or the long names."),
                                    QStringLiteral("STATES"));
    const QCommandLineOption name({QStringLiteral("n"), QStringLiteral("name")},
                                  QStringLiteral("Only jobs whose name matches this glob."),
                                  QStringLiteral("NAME"));
    const QCommandLineOption tag(QStringLiteral("tag"), QStringLiteral("Only jobs with this tag."),
                                 QStringLiteral("TAG"));
    const QCommandLineOption jobs({QStringLiteral("j"), QStringLiteral("jobs")},
                                  QStringLiteral("Only these jobs: 12,13 or 10_3,10_4."),
                                  QStringLiteral("IDS"));
    const QCommandLineOption format(
        {QStringLiteral("o"), QStringLiteral("format")},
        QStringLiteral("Fields to show, comma-separated, each optionally NAME%WIDTH."),
        QStringLiteral("FIELDS"));
    const QCommandLineOption parsable2({QStringLiteral("P"), QStringLiteral("parsable2")},
                                       QStringLiteral("Fields separated by |, no padding."));
    const QCommandLineOption allocations(
        {QStringLiteral("X"), QStringLiteral("allocations")},
        QStringLiteral("Accepted for sacct scripts (jobs have no steps here)."));
    const QCommandLineOption noHeader(QStringLiteral("noheader"), QStringLiteral("No header lines."));
    const QCommandLineOption json(QStringLiteral("json"),
                                  QStringLiteral("Print the API's JSON (GET /api/history, every page)."));
    const QCommandLineOption limit(QStringLiteral("limit"), QStringLiteral("At most N jobs (the newest)."),
                                   QStringLiteral("N"));
    parser.addOptions(
        {start, end, states, name, tag, jobs, format, parsable2, allocations, noHeader, json, limit});
    const int early =
        parseOrExit(parser, args, usageLine,
                    QStringLiteral("Lists finished jobs, newest first, as sacct does. Fields for -o "
                                   "(case does not matter):\n") +
                        historyFieldsHelp(),
                    jobCommandRules(Positionals::forbidden));
    if (early >= 0)
        return early;

    const qint64 nowMs = QDateTime::currentMSecsSinceEpoch();
    QStringList query;
    for (const auto &[option, key] : {std::pair{&start, "since"}, std::pair{&end, "until"}}) {
        if (!parser.isSet(*option))
            continue;
        const Result<qint64> at = parseTimePoint(parser.value(*option), nowMs, PastTimeOfDay::today);
        if (!at.ok())
            return usageError(at.error(), usageLine);
        query.append(
            QStringLiteral("%1=%2").arg(QLatin1StringView(key)).arg(std::max<qint64>(at.value(), 0)));
    }
    if (parser.isSet(states)) {
        QStringList names;
        for (const QString &item : parser.value(states).split(u',', Qt::SkipEmptyParts)) {
            const std::optional<JobState> state = parseJobState(item.trimmed());
            if (!state)
                return usageError(QStringLiteral("-s: '%1' is not a job state").arg(item), usageLine);
            names.append(jobStateName(*state));
        }
        query.append(QStringLiteral("state=") + names.join(u','));
    }
    if (parser.isSet(name))
        query.append(QStringLiteral("name=") + queryValue(parser.value(name)));
    if (parser.isSet(tag))
        query.append(QStringLiteral("tag=") + queryValue(parser.value(tag)));
    IdFilter idFilter;
    if (parser.isSet(jobs)) {
        Result<IdFilter> parsed = parseIdFilter(parser.value(jobs));
        if (!parsed.ok())
            return usageError(QStringLiteral("-j: ") + parsed.error(), usageLine);
        idFilter = std::move(parsed).value();
        query.append(idFilter.queryItem);
    }
    QList<HistoryField> fields = defaultHistoryFields();
    if (parser.isSet(format)) {
        Result<QList<HistoryField>> parsed = parseHistoryFields(parser.value(format));
        if (!parsed.ok())
            return usageError(QStringLiteral("-o: ") + parsed.error(), usageLine);
        fields = std::move(parsed).value();
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

    Result<ListedJobs> listed = listJobs(QStringLiteral("/api/history"), query, maxJobs, idFilter);
    if (!listed.ok()) {
        printErr(listed.error());
        return exitFailure;
    }
    const QList<Job> &shown = listed->jobs;
    if (parser.isSet(json)) {
        printOut(toJsonText(listed->listing.toJson()));
        return exitOk;
    }
    const bool header = !parser.isSet(noHeader);
    printOut(parser.isSet(parsable2) ? parsable(fields, shown, nowMs, header)
                                     : table(fields, shown, nowMs, header));
    return exitOk;
}

}  // namespace nd::cli
