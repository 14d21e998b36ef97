// HistoryFormat: sacct's field names over a Job, with its accounting.
#include "HistoryFormat.h"

#include <QSysInfo>

#include "JobFormat.h"
#include "core/jobs/JobState.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

namespace {

using Value = QString (*)(const Job &, qint64 nowMs);

struct FieldInfo {
    const char *name;  // as sacct spells it; matched case-insensitively
    const char *meaning;
    Value value;
};

QString seconds(double value) {
    return QString::number(value, 'f', 1);
}

// Names and meanings follow sacct where sacct has the field; GPU fields are ours.
const FieldInfo fieldTable[] = {
    {"JobID", "job id (10_3 for an array task)", [](const Job &j, qint64) { return j.displayId(); }},
    {"JobIDRaw", "the task's own job id", [](const Job &j, qint64) { return QString::number(j.id); }},
    {"JobName", "job name", [](const Job &j, qint64) { return j.spec.name; }},
    {"State", "final state (COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL)",
     [](const Job &j, qint64) { return jobStateSlurmName(j.state); }},
    {"ExitCode", "exit code:signal", [](const Job &j, qint64) { return formatExitCode(j); }},
    {"Submit", "submit time",
     [](const Job &j, qint64) { return formatTimestamp(j.submitTimeMs, QStringLiteral("Unknown")); }},
    {"Start", "start time",
     [](const Job &j, qint64) { return formatTimestamp(j.startTimeMs, QStringLiteral("Unknown")); }},
    {"End", "end time",
     [](const Job &j, qint64) { return formatTimestamp(j.endTimeMs, QStringLiteral("Unknown")); }},
    {"Elapsed", "wall time of the last run",
     [](const Job &j, qint64 now) { return formatElapsed(runSeconds(j, now)); }},
    {"Wait", "time from submit to start",
     [](const Job &j, qint64) {
         return formatElapsed(j.startTimeMs > 0 ? (j.startTimeMs - j.submitTimeMs) / 1000 : 0);
     }},
    {"Timelimit", "time limit", [](const Job &j, qint64) { return formatDuration(j.spec.timeLimitSec); }},
    {"AllocGPUS", "GPUs allocated",
     [](const Job &j, qint64) { return QString::number(j.allocatedGpus.size()); }},
    {"GpuIdx", "indices of the GPUs it ran on", [](const Job &j, qint64) { return formatGpuIndices(j); }},
    {"GPUSeconds", "GPU-seconds allocated",
     [](const Job &j, qint64) { return seconds(j.accounting.gpuSeconds); }},
    {"AllocCPUS", "CPUs", [](const Job &j, qint64) { return QString::number(j.spec.cpus); }},
    {"ReqMem", "host memory asked for", [](const Job &j, qint64) { return formatMemoryMib(j.spec.memMib); }},
    {"CPUTime", "CPU time used by the whole process tree",
     [](const Job &j, qint64) { return formatElapsed(j.accounting.cpuTimeMs / 1000); }},
    {"TotalCPU", "same as CPUTime",
     [](const Job &j, qint64) { return formatElapsed(j.accounting.cpuTimeMs / 1000); }},
    {"MaxRSS", "peak resident memory",
     [](const Job &j, qint64) { return QStringLiteral("%1K").arg(j.accounting.peakRssKib); }},
    {"PeakGpuMem", "peak GPU memory of its processes",
     [](const Job &j, qint64) { return formatMemoryMib(j.accounting.peakGpuMemMib); }},
    {"Energy", "energy of its GPUs, joules",
     [](const Job &j, qint64) { return QString::number(qRound64(j.accounting.gpuEnergyJ)); }},
    {"ConsumedEnergy", "same as Energy",
     [](const Job &j, qint64) { return QString::number(qRound64(j.accounting.gpuEnergyJ)); }},
    {"Priority", "priority", [](const Job &j, qint64) { return QString::number(j.spec.priority); }},
    {"Tags", "tags", [](const Job &j, qint64) { return j.spec.tags.join(u','); }},
    {"Reason", "what the daemon said about its end (or why it waits)",
     [](const Job &j, qint64) { return j.message.isEmpty() ? pendingReasonSlurmName(j.reason) : j.message; }},
    {"Restarts", "automatic requeues", [](const Job &j, qint64) { return QString::number(j.retries); }},
    {"WorkDir", "working directory", [](const Job &j, qint64) { return j.spec.workdir; }},
    {"NodeList", "host name",
     [](const Job &j, qint64) { return j.startTimeMs > 0 ? QSysInfo::machineHostName() : QString(); }},
    {"Dependency", "dependencies",
     [](const Job &j, qint64) { return formatDependencies(j.spec.dependencies); }},
    {"Command", "command or first script line", [](const Job &j, qint64) { return commandSummary(j); }},
};
constexpr int fieldCount = static_cast<int>(std::size(fieldTable));

int findField(const QString &name) {
    for (int i = 0; i < fieldCount; ++i)
        if (name.compare(QLatin1StringView(fieldTable[i].name), Qt::CaseInsensitive) == 0)
            return i;
    return -1;
}

QString knownFields() {
    QStringList names;
    for (const FieldInfo &f : fieldTable)
        names.append(QString::fromLatin1(f.name));
    return names.join(QStringLiteral(", "));
}

}  // namespace

Result<QList<HistoryField>> parseHistoryFields(const QString &list) {
    QList<HistoryField> fields;
    for (const QString &item : list.split(u',', Qt::SkipEmptyParts)) {
        const QString trimmed = item.trimmed();
        const qsizetype percent = trimmed.indexOf(u'%');
        HistoryField field;
        field.index = findField(percent < 0 ? trimmed : trimmed.first(percent));
        if (field.index < 0)
            return Error{QStringLiteral("unknown field '%1'; the fields are %2").arg(trimmed, knownFields())};
        if (percent >= 0) {
            bool ok = false;
            field.width = trimmed.sliced(percent + 1).toInt(&ok);
            if (!ok || field.width <= 0)
                return Error{
                    QStringLiteral("'%1': a width is a positive number, as in JobName%30").arg(trimmed)};
        }
        fields.append(field);
    }
    if (fields.isEmpty())
        return Error{QStringLiteral("no fields given; the fields are %1").arg(knownFields())};
    return fields;
}

QList<HistoryField> defaultHistoryFields() {
    QList<HistoryField> fields;
    for (const char *name :
         {"JobID", "JobName", "State", "ExitCode", "Start", "Elapsed", "AllocGPUS", "Tags"})
        fields.append(HistoryField{findField(QString::fromLatin1(name)), 0});
    return fields;
}

QString historyFieldsHelp() {
    QString text;
    for (const FieldInfo &f : fieldTable)
        text += QStringLiteral("  %1  %2\n")
                    .arg(QString::fromLatin1(f.name).leftJustified(15), QString::fromUtf8(f.meaning));
    return text;
}

QString historyFieldHeader(const HistoryField &field) {
    return QString::fromLatin1(fieldTable[field.index].name);
}

Align historyFieldAlign(const HistoryField &field) {
    static const QStringList textFields{
        QStringLiteral("JobID"),   QStringLiteral("JobName"),  QStringLiteral("State"),
        QStringLiteral("Submit"),  QStringLiteral("Start"),    QStringLiteral("End"),
        QStringLiteral("GpuIdx"),  QStringLiteral("Tags"),     QStringLiteral("Reason"),
        QStringLiteral("WorkDir"), QStringLiteral("NodeList"), QStringLiteral("Dependency"),
        QStringLiteral("Command")};
    return textFields.contains(historyFieldHeader(field)) ? Align::left : Align::right;
}

QString historyFieldValue(const HistoryField &field, const Job &job, qint64 nowMs) {
    return fieldTable[field.index].value(job, nowMs);
}

}  // namespace nd::cli
