#pragma once
// Slurm's little languages, as sbatch/squeue users type them. Each parser returns an error that quotes the
// input and says what a valid one looks like.
#include <QList>
#include <QString>

#include "core/common/Result.h"
#include "core/jobs/JobSpec.h"

namespace nd {

// "UNLIMITED"/"INFINITE" → 0; "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS" → seconds.
Result<qint64> parseTimeLimit(const QString &text);
// The reverse, as squeue prints: "UNLIMITED", "5:00", "1:00:00", "2-00:00:00". A time *limit*: 0 (and
// anything below) is "UNLIMITED"; for elapsed times use formatElapsed.
QString formatDuration(qint64 seconds);
// An elapsed time as squeue's TIME column prints it: "0:00", "5:07", "1:00:00", "2-00:00:00".
QString formatElapsed(qint64 seconds);

// "512", "512M", "4G", "1T", "300K" (units K/M/G/T, binary, case-insensitive; no unit = MiB) → MiB.
Result<qint64> parseMemoryMib(const QString &text);

// "1-100", "1-100:2", "1,5,9", "0-15%4", "1-3,7,10-20:5%2". ArraySpec::text is the input, trimmed.
Result<ArraySpec> parseArraySpec(const QString &text);
// A canonical text for taskIds and maxConcurrent ("1-9:2,20%3"): what to show when `text` is empty.
QString formatArraySpec(const ArraySpec &array);

// "afterok:12:13,afterany:14_2,after:15,afternotok:16" (comma = and). "singleton" and "?" (or) are
// refused with a message.
Result<QList<Dependency>> parseDependencies(const QString &text);
QString formatDependencies(const QList<Dependency> &dependencies);

// "gpu:2", "gpu:a100:2", "gpu" (=1) → GPU count. Other gres names are refused.
Result<int> parseGres(const QString &text);

// Expands %j (job id), %A (array job id, or job id), %a (task id, or 4294967294 as Slurm does), %x (job
// name), %u (user name), %N (host name), %% and zero-padded %3j-style forms.
QString expandOutputPattern(const QString &pattern, qint64 jobId, qint64 arrayJobId, int arrayTaskId,
                            const QString &jobName);

}  // namespace nd
