// QueueFormat: squeue's % codes over a Job.
#include "QueueFormat.h"

#include <QSysInfo>

#include "core/jobs/JobState.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

namespace {

struct CodeInfo {
    char code;
    const char *header;
    const char *meaning;
};

// squeue's headers, so that scripts written against squeue's output keep their column names.
constexpr CodeInfo codeTable[] = {
    {'i', "JOBID", "job id (12, or 10_3 for an array task)"},
    {'A', "ARRAY_JOB_ID", "array job id (the job id when not an array task)"},
    {'a', "ARRAY_TASK_ID", "array task id (N/A when not an array task)"},
    {'j', "NAME", "job name"},
    {'T', "STATE", "state (PENDING, RUNNING, …)"},
    {'t', "ST", "short state (PD, R, CD, F, CA, TO, NF)"},
    {'r', "REASON", "why a pending job waits"},
    {'R', "NODELIST(REASON)", "(reason) when pending, else where it runs (gpu:0,1 or cpu)"},
    {'M', "TIME", "time used"},
    {'l', "TIME_LIMIT", "time limit"},
    {'V', "SUBMIT_TIME", "submit time"},
    {'S', "START_TIME", "start time (expected start when pending)"},
    {'e', "END_TIME", "end time (expected end when running with a limit)"},
    {'b', "GPUS", "GPUs asked for (2, 2x4G per GPU, shared:4G)"},
    {'Q', "PRIORITY", "priority"},
    {'E', "DEPENDENCY", "dependencies"},
    {'C', "CPUS", "CPUs"},
    {'m', "MIN_MEMORY", "host memory"},
    {'N', "NODELIST", "host name once started"},
    {'Z', "WORK_DIR", "working directory"},
    {'o', "COMMAND", "command or first script line"},
};

const CodeInfo *findCode(QChar code) {
    for (const CodeInfo &info : codeTable)
        if (code == QLatin1Char(info.code))
            return &info;
    return nullptr;
}

QString knownCodes() {
    QString codes;
    for (const CodeInfo &info : codeTable)
        codes += QStringLiteral("%%1 ").arg(QLatin1Char(info.code));
    return codes + QStringLiteral("%%");
}

QString fit(const QString &value, int width, Align align) {
    if (width <= 0)
        return value;
    const QString cut = value.left(width);
    return align == Align::right ? cut.rightJustified(width) : cut.leftJustified(width);
}

QString gpuRequestCompact(const Job &job) {
    const JobSpec &s = job.spec;
    if (s.gpus == 0 && s.gpuMemMib > 0)
        return QStringLiteral("shared:") + formatMemoryMib(s.gpuMemMib);
    if (s.gpuMemMib > 0)
        return QStringLiteral("%1x%2").arg(s.gpus).arg(formatMemoryMib(s.gpuMemMib));
    return QString::number(s.gpus);
}

}  // namespace

Result<QList<QueueField>> parseQueueFormat(const QString &format) {
    QList<QueueField> fields;
    QString literal;
    for (qsizetype i = 0; i < format.size(); ++i) {
        if (format[i] != u'%') {
            literal += format[i];
            continue;
        }
        QueueField field;
        qsizetype j = i + 1;
        if (j < format.size() && (format[j] == u'.' || format[j] == u'-')) {
            field.align = format[j] == u'.' ? Align::right : Align::left;
            ++j;
        }
        const qsizetype digitsStart = j;
        while (j < format.size() && format[j].isDigit())
            ++j;
        field.width = j > digitsStart ? format.sliced(digitsStart, j - digitsStart).toInt() : 0;
        if (j >= format.size())
            return Error{
                QStringLiteral("format '%1' ends in the middle of a field; fields are %[.][width]code "
                               "with the codes %2")
                    .arg(format, knownCodes())};
        if (format[j] == u'%' && j == i + 1) {
            literal += u'%';
            i = j;
            continue;
        }
        if (!findCode(format[j]))
            return Error{QStringLiteral("unknown format code '%%1' in '%2'; the codes are %3")
                             .arg(format[j])
                             .arg(format, knownCodes())};
        if (!literal.isEmpty()) {
            fields.append(QueueField{QChar(), 0, Align::left, literal});
            literal.clear();
        }
        field.code = format[j];
        fields.append(field);
        i = j;
    }
    if (!literal.isEmpty())
        fields.append(QueueField{QChar(), 0, Align::left, literal});
    return fields;
}

QString queueFormatHelp() {
    QString text;
    for (const CodeInfo &info : codeTable)
        text += QStringLiteral("  %%1  %2  %3\n")
                    .arg(QLatin1Char(info.code))
                    .arg(QString::fromLatin1(info.header).leftJustified(16), QString::fromUtf8(info.meaning));
    return text;
}

QString queueFieldHeader(QChar code) {
    const CodeInfo *info = findCode(code);
    return info ? QString::fromLatin1(info->header) : QString();
}

QString queueFieldValue(QChar code, const Job &job, qint64 nowMs) {
    const JobSpec &s = job.spec;
    const bool pending = job.state == JobState::pending;
    switch (code.toLatin1()) {
        case 'i':
            return job.displayId();
        case 'A':
            return QString::number(job.isArrayTask() ? job.arrayJobId : job.id);
        case 'a':
            return job.isArrayTask() ? QString::number(job.arrayTaskId) : QStringLiteral("N/A");
        case 'j':
            return s.name;
        case 'T':
            return jobStateSlurmName(job.state);
        case 't':
            return jobStateShortName(job.state);
        case 'r':
            return pendingReasonSlurmName(job.reason);
        case 'R':
            return pending ? u'(' + pendingReasonSlurmName(job.reason) + u')' : reasonOrPlacement(job);
        case 'M':
            return formatElapsed(runSeconds(job, nowMs));
        case 'l':
            return formatDuration(s.timeLimitSec);
        case 'V':
            return formatTimestamp(job.submitTimeMs, QStringLiteral("N/A"));
        case 'S':
            return formatTimestamp(pending ? job.expectedStartMs : job.startTimeMs, QStringLiteral("N/A"));
        case 'e':
            if (job.state == JobState::running)
                return s.timeLimitSec > 0
                           ? formatTimestamp(job.startTimeMs + s.timeLimitSec * 1000, QStringLiteral("N/A"))
                           : QStringLiteral("N/A");
            return formatTimestamp(job.endTimeMs, QStringLiteral("N/A"));
        case 'b':
            return gpuRequestCompact(job);
        case 'Q':
            return QString::number(s.priority);
        case 'E':
            return s.dependencies.isEmpty() ? QStringLiteral("(null)") : formatDependencies(s.dependencies);
        case 'C':
            return QString::number(s.cpus);
        case 'm':
            return formatMemoryMib(s.memMib);
        case 'N':
            return job.startTimeMs > 0 ? QSysInfo::machineHostName() : QString();
        case 'Z':
            return s.workdir;
        case 'o':
            return commandSummary(job);
        default:
            return QString();
    }
}

QString queueHeaderLine(const QList<QueueField> &fields) {
    QString line;
    for (const QueueField &f : fields)
        line += f.code.isNull() ? f.literal : fit(queueFieldHeader(f.code), f.width, f.align);
    return line + u'\n';
}

QString queueJobLine(const QList<QueueField> &fields, const Job &job, qint64 nowMs) {
    QString line;
    for (const QueueField &f : fields)
        line += f.code.isNull() ? f.literal : fit(queueFieldValue(f.code, job, nowMs), f.width, f.align);
    return line + u'\n';
}

}  // namespace nd::cli
