#pragma once
// How nemoctl writes a job's fields: the values shared by `queue`, `show` and `history` (times, durations,
// memory, GPUs, exit codes as Slurm's tools print them) and aligned tables.
#include <QJsonArray>
#include <QList>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"
#include "core/jobs/Job.h"

namespace nd::cli {

// Jobs from an API answer's "jobs" array; the error names the job that could not be read.
Result<QList<Job>> jobsFromJson(const QJsonArray &array);

// Local time "2026-11-26T10:42:10" as Slurm prints it; `none` when the time was not reached (0).
QString formatTimestamp(qint64 ms, const QString &none);
// Elapsed time as squeue's TIME column: "0:00", "5:03", "1:00:00", "2-00:00:00".
QString formatElapsed(qint64 seconds);
// How long the job has run (its latest run): until its end, or until now while it runs.
qint64 runSeconds(const Job &job, qint64 nowMs);
// Memory as Slurm writes it: "0", "512M", "16G", "2T".
QString formatMemoryMib(qint64 mib);
// "exit:signal" as sacct's ExitCode: "0:0", "3:0", "0:15".
QString formatExitCode(const Job &job);
// What the job asked for in GPUs: "0", "2", "2 (4096M each)", "share of 1 (4096M)".
QString formatGpuRequest(const Job &job);
// The GPU indices it holds (or held): "0,1", or "" for a CPU-only job.
QString formatGpuIndices(const Job &job);
// squeue's REASON column: the pending reason in Slurm's spelling ("Resources", "JobHeldUser"); for a
// running job, where it runs ("gpu:0,1", "cpu" for a CPU-only job); "None" otherwise.
QString reasonOrPlacement(const Job &job);
// The job's command in one line: the program and its arguments, or the script's first command line.
QString commandSummary(const Job &job);

enum class Align { left = 1, right };
// Columns padded to their widest cell (header included), two spaces apart, trailing blanks trimmed.
QString formatTable(const QList<QStringList> &rows, const QList<Align> &alignment);

}  // namespace nd::cli
