#pragma once
// `#SBATCH` directives at the top of a batch script, read as defaults for the job (flags given on the
// command line or fields in the API request win). As in sbatch, directives are read from the lines after
// the shebang until the first line that is neither blank nor a comment.
#include <QString>
#include <QStringList>

#include "core/common/Result.h"
#include "core/jobs/JobSpec.h"

namespace nd {

struct SbatchDirectives {
    JobSpec spec;          // `base` with the directives applied
    QStringList warnings;  // accepted but meaningless on one machine: "--partition=gpu ignored (line 3)"
};

// Understood: -J/--job-name, --gres, -G/--gpus, --gpus-per-node, --gpus-per-task (with one task),
// -t/--time, --mem, --mem-per-gpu, -c/--cpus-per-task, -a/--array, -d/--dependency, -o/--output,
// -e/--error, -D/--chdir, -H/--hold, --nice, --priority, --begin (now+N[units] or ISO time), --export
// (ALL/NONE/VAR=val list), --requeue/--no-requeue. Accepted with a warning: options without meaning on one
// machine (-p/--partition, -A/--account, -q/--qos, --mail-type, --mail-user, -N/--nodes=1, -n/--ntasks=1,
// --ntasks-per-node=1, --exclusive, -C/--constraint, --comment, --signal, --open-mode, --export-file).
// Anything else, or a value we cannot honour (--nodes=2), is an error naming the line: "line 4:
// unknown #SBATCH option --gpus-per-sockett".
// Details, as in sbatch: --mem-per-gpu and --mem-per-cpu (also understood) are *host* memory: memMib =
// per-GPU x gpus or per-CPU x cpus once every line is read, and they exclude --mem. --nice (alone: 100)
// lowers the priority. --export=ALL,VAR=val adds VAR=val; NONE, and a list without ALL (which would empty
// the environment), are refused. --requeue allows at least one automatic requeue, --no-requeue none. -b is
// --begin, which also takes HH:MM[:SS], today, tomorrow, midnight and noon. Relative --chdir, --output and
// --error stay relative. Arguments split as sbatch splits them: quotes group, a backslash escapes, an
// unquoted '#' starts a comment; "##SBATCH" and "#SBATCHING" are comments. spec.script stays as in `base`.
Result<SbatchDirectives> parseSbatchDirectives(const QString &script, JobSpec base = {});

}  // namespace nd
