// JobFormat: field values as squeue, scontrol and sacct print them, and aligned tables.
#include "JobFormat.h"

#include <QDateTime>
#include <QJsonObject>

#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

Result<QList<Job>> jobsFromJson(const QJsonArray &array) {
    QList<Job> jobs;
    jobs.reserve(array.size());
    for (const QJsonValue &value : array) {
        Result<Job> job = jobFromJson(value.toObject());
        if (!job.ok())
            return Error{QStringLiteral("the daemon sent a job nemoctl cannot read (id %1): %2")
                             .arg(value.toObject().value(QStringLiteral("id")).toInteger())
                             .arg(job.error())};
        jobs.append(std::move(job).value());
    }
    return jobs;
}

QString formatTimestamp(qint64 ms, const QString &none) {
    if (ms <= 0)
        return none;
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-ddTHH:mm:ss"));
}

QString formatElapsed(qint64 seconds) {
    // formatDuration reads 0 as "no limit"; an elapsed time of zero is just that.
    return seconds <= 0 ? QStringLiteral("0:00") : formatDuration(seconds);
}

qint64 runSeconds(const Job &job, qint64 nowMs) {
    if (job.startTimeMs <= 0)
        return 0;
    const qint64 endMs = job.state == JobState::running ? nowMs : job.endTimeMs;
    return endMs > job.startTimeMs ? (endMs - job.startTimeMs) / 1000 : 0;
}

QString formatMemoryMib(qint64 mib) {
    if (mib <= 0)
        return QStringLiteral("0");
    if (mib % (1024 * 1024) == 0)
        return QStringLiteral("%1T").arg(mib / (1024 * 1024));
    if (mib % 1024 == 0)
        return QStringLiteral("%1G").arg(mib / 1024);
    return QStringLiteral("%1M").arg(mib);
}

QString formatExitCode(const Job &job) {
    return QStringLiteral("%1:%2").arg(std::max(job.exitCode, 0)).arg(job.termSignal);
}

QString formatGpuRequest(const Job &job) {
    const JobSpec &s = job.spec;
    if (s.gpus == 0 && s.gpuMemMib > 0)
        return QStringLiteral("share of 1 (%1)").arg(formatMemoryMib(s.gpuMemMib));
    if (s.gpuMemMib > 0)
        return QStringLiteral("%1 (%2 each)").arg(s.gpus).arg(formatMemoryMib(s.gpuMemMib));
    return QString::number(s.gpus);
}

QString formatGpuIndices(const Job &job) {
    QStringList indices;
    for (const int index : job.allocatedGpus)
        indices.append(QString::number(index));
    return indices.join(u',');
}

QString reasonOrPlacement(const Job &job) {
    if (job.state == JobState::pending)
        return pendingReasonSlurmName(job.reason);
    if (job.state == JobState::running)
        return job.allocatedGpus.isEmpty() ? QStringLiteral("cpu")
                                           : QStringLiteral("gpu:") + formatGpuIndices(job);
    return pendingReasonSlurmName(PendingReason::none);
}

QString commandSummary(const Job &job) {
    if (!job.spec.argv.isEmpty())
        return job.spec.argv.join(u' ');
    const QStringList lines = job.spec.script.split(u'\n');
    for (const QString &line : lines) {
        const QString trimmed = line.trimmed();
        if (!trimmed.isEmpty() && !trimmed.startsWith(u'#'))
            return trimmed;
    }
    return lines.value(0).trimmed();
}

QString formatTable(const QList<QStringList> &rows, const QList<Align> &alignment) {
    QList<qsizetype> widths;
    for (const QStringList &row : rows)
        for (qsizetype c = 0; c < row.size(); ++c) {
            if (widths.size() <= c)
                widths.append(0);
            widths[c] = std::max(widths[c], row[c].size());
        }
    QString out;
    for (const QStringList &row : rows) {
        QString line;
        for (qsizetype c = 0; c < row.size(); ++c) {
            const bool right = alignment.value(c, Align::left) == Align::right;
            line += right ? row[c].rightJustified(widths[c]) : row[c].leftJustified(widths[c]);
            if (c + 1 < row.size())
                line += QStringLiteral("  ");
        }
        while (line.endsWith(u' '))
            line.chop(1);
        out += line + u'\n';
    }
    return out;
}

}  // namespace nd::cli
