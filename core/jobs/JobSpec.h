#pragma once
// What a user asks for when submitting a job, before it has an id. Parsed from the API's JSON (and so
// from nemoctl's flags and a script's #SBATCH lines, which both end up as such JSON), validated, then
// expanded into one Job per array task.
#include <QJsonObject>
#include <QList>
#include <QPair>
#include <QString>
#include <QStringList>

#include <optional>

#include "core/common/Result.h"

namespace nd {

struct Dependency {
    enum class Kind { after = 1, afterAny, afterOk, afterNotOk };
    Kind kind = Kind::afterOk;
    qint64 jobId = 0;      // a job id or an array job id (then: every task of that array)
    int arrayTaskId = -1;  // "12_3": task 3 of array 12 only; -1 otherwise
    bool operator==(const Dependency &) const = default;
};

struct ArraySpec {
    QList<int> taskIds;     // sorted, unique, each 0..maxArrayTaskId
    int maxConcurrent = 0;  // "%N"; 0 = no limit
    QString text;           // as given, e.g. "1-100:2%4"
    bool operator==(const ArraySpec &) const = default;
};

struct JobSpec {
    QString name;                        // defaults to the script's or program's file name, else "wrap"
    QStringList argv;                    // a program and its arguments …
    QString script;                      // … or a script's text, run with bash. Exactly one of the two.
    QStringList scriptArgs;              // "script_args": arguments to the script (sbatch script.sh ARGS…)
    QString workdir;                     // absolute; must exist at submit
    QList<QPair<QString, QString>> env;  // added to the daemon's environment, in order
    int gpus = 0;                        // whole GPUs
    qint64 gpuMemMib = 0;                // per GPU. With gpus == 0: one GPU shared with other such jobs
    int cpus = 1;
    qint64 memMib = 0;               // host memory; 0 = not accounted
    QList<int> gpuIndices;           // pinning: only these GPU indices may be used
    qint64 priority = 0;             // higher runs first
    qint64 timeLimitSec = 0;         // 0 = unlimited
    QList<Dependency> dependencies;  // all must be satisfied
    std::optional<ArraySpec> array;
    bool hold = false;
    int maxRetries = 0;  // automatic requeues after failed / node_fail
    QStringList tags;
    QString stdoutPath;      // may hold %j %A %a %x %u %%; empty = <data>/logs/jobs/%j.out
    QString stderrPath;      // empty = same file as stdout
    qint64 beginTimeMs = 0;  // do not start before (Unix ms); 0 = now
    // A model workload ({"kind": "batch"|"benchmark"|"server", "model": …}, core/workloads): the queue turns
    // it into argv at submit (`nemoctl worker …`) and keeps it so the job can be shown and resubmitted.
    QJsonObject workload;

    bool operator==(const JobSpec &) const = default;
};

// Hard bounds on what a spec may say, whatever the machine. What does not fit *this* machine is the
// scheduler's check (schedulerFitsMachine), made at submit too.
constexpr int maxArrayTaskId = 4'000'000;
constexpr int maxArrayTasks = 100'000;
constexpr int maxJobGpus = 64;
constexpr int maxJobCpus = 4096;

// JSON as in docs/api.md ("name", "argv", "script", "script_args", "workdir", "env" {…}, "gpus",
// "gpu_mem_mib", "cpus", "mem_mib", "gpu_indices", "priority", "time_limit_s", "dependency"
// "afterok:12,after:13", "array" "1-10%2", "hold", "max_retries", "tags", "stdout", "stderr",
// "begin_time_ms"). Only keys present in `json` replace fields of `base` (so #SBATCH defaults can be the
// base). Unknown keys and wrong types are errors naming the key.
// Conveniences: "time_limit" "1:00:00" (instead of "time_limit_s") and "mem" "4G" (instead of
// "mem_mib"), never both spellings at once; "array": "" and "dependency": "" clear what `base` had. "env"
// comes back sorted by name (QJsonObject's order). jobSpecToJson writes only fields that differ from
// JobSpec{}, so jobSpecFromJson(jobSpecToJson(s)) == s for every spec whose env is sorted and whose array
// came from parseArraySpec.
Result<JobSpec> jobSpecFromJson(const QJsonObject &json, JobSpec base = {});
QJsonObject jobSpecToJson(const JobSpec &spec);

// Checks what can be checked without the machine or the queue: one of argv/script, sane numbers, the
// working directory exists and is a directory, pinned indices are distinct, paths are absolute or
// relative to workdir. Errors name the field: "cpus must be between 1 and 4096 (got 0)".
VoidResult validateJobSpec(const JobSpec &spec);

}  // namespace nd
