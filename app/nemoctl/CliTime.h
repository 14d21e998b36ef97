#pragma once
// Points in time as Slurm's tools accept them on the command line (sbatch --begin, sacct -S/-E), and the
// job ids the job commands take.
#include <QString>

#include "core/common/Result.h"

namespace nd::cli {

// What "HH:MM" means when that time of day has already passed: sbatch --begin takes tomorrow's, sacct -S
// today's.
enum class PastTimeOfDay { today = 1, tomorrow };

// "now", "now+60" (seconds), "now+5min", "now-1day" (units: s/sec/seconds, m/min/minutes, h/hours,
// d/days, w/weeks), "2026-11-26", "2026-11-26T10:00[:SS]" (also with a space), "10:00[:SS]" → Unix ms,
// local time. The error quotes the text and lists the forms.
Result<qint64> parseTimePoint(const QString &text, qint64 nowMs, PastTimeOfDay pastTimeOfDay);

// A job id argument: "12" (a job, or a whole array for the actions) or "12_3" (task 3 of array 12).
bool isJobIdArgument(const QString &text);

}  // namespace nd::cli
