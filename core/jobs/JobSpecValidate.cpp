// validateJobSpec: what can be checked about a spec without the machine or the queue. Messages name the
// API's JSON key ("cpus must be between 1 and 4096 (got 0)"), since that is what the sender can fix.
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <unistd.h>

#include "core/jobs/JobSpec.h"

namespace nd {

namespace {

constexpr qint64 maxGpuMemMib = qint64{16} * 1024 * 1024;     // 16 TiB
constexpr qint64 maxHostMemMib = qint64{1024} * 1024 * 1024;  // 1 PiB
constexpr qint64 maxPriority = 1'000'000'000'000;
constexpr qint64 maxTimeLimitSec = qint64{365} * 100 * 86400;  // a century
constexpr int maxRetriesLimit = 1000;
constexpr int maxGpuIndex = 1023;
constexpr int maxNameChars = 200;
constexpr int maxTagChars = 64;
constexpr int maxTags = 32;

Error outOfRange(const QString &field, qint64 min, qint64 max, qint64 got) {
    return Error{QStringLiteral("%1 must be between %2 and %3 (got %4)")
                     .arg(field, QString::number(min), QString::number(max), QString::number(got))};
}

QString joinIndices(const QList<int> &indices) {
    QStringList texts;
    for (const int index : indices)
        texts.append(QString::number(index));
    return texts.join(u',');
}

bool hasControlCharacter(const QString &text) {
    for (const QChar c : text) {
        if (c.category() == QChar::Other_Control)
            return true;
    }
    return false;
}

bool isShellIdentifier(const QString &name) {
    if (name.isEmpty() || name.front().isDigit())
        return false;
    for (const QChar c : name) {
        const bool ok =
            (c >= u'A' && c <= u'Z') || (c >= u'a' && c <= u'z') || (c >= u'0' && c <= u'9') || c == u'_';
        if (!ok)
            return false;
    }
    return true;
}

// What the queue itself sets in every job's environment: a user's value would be overwritten or, worse,
// would point a job at GPUs it was not given.
bool isSetByQueue(const QString &name) {
    static const QStringList reserved = {
        QStringLiteral("CUDA_VISIBLE_DEVICES"), QStringLiteral("SLURM_JOB_ID"),
        QStringLiteral("SLURM_JOBID"),          QStringLiteral("SLURM_ARRAY_JOB_ID"),
        QStringLiteral("SLURM_ARRAY_TASK_ID"),
    };
    return name.startsWith(QLatin1String("NEMODESK_")) || reserved.contains(name);
}

VoidResult validateCommand(const JobSpec &spec) {
    if (spec.argv.isEmpty() && spec.script.isEmpty())
        return Error{
            QStringLiteral("the job has no command: give argv (a program and its arguments) or script")};
    if (!spec.argv.isEmpty() && !spec.script.isEmpty())
        return Error{QStringLiteral("give either argv or script, not both")};
    if (!spec.argv.isEmpty() && spec.argv.front().isEmpty())
        return Error{QStringLiteral("argv[0], the program to run, is empty")};
    for (qsizetype i = 0; i < spec.argv.size(); ++i) {
        if (spec.argv[i].contains(QChar(0)))
            return Error{QStringLiteral("argv[%1] contains a NUL character").arg(i)};
    }
    if (!spec.scriptArgs.isEmpty() && spec.script.isEmpty())
        return Error{QStringLiteral("script_args need a script (a program's arguments go in argv)")};
    for (qsizetype i = 0; i < spec.scriptArgs.size(); ++i) {
        if (spec.scriptArgs[i].contains(QChar(0)))
            return Error{QStringLiteral("script_args[%1] contains a NUL character").arg(i)};
    }
    if (spec.script.contains(QChar(0)))
        return Error{QStringLiteral("script contains a NUL character")};
    if (spec.name.size() > maxNameChars)
        return Error{QStringLiteral("name is longer than %1 characters").arg(maxNameChars)};
    if (hasControlCharacter(spec.name))
        return Error{QStringLiteral("name contains a control character (a newline or tab?)")};
    return success();
}

VoidResult validateWorkdir(const QString &workdir) {
    if (workdir.isEmpty())
        return Error{
            QStringLiteral("workdir is empty: give the job's working directory as an absolute path")};
    if (workdir.contains(QChar(0)))
        return Error{QStringLiteral("workdir contains a NUL character")};
    if (!QDir::isAbsolutePath(workdir))
        return Error{QStringLiteral("working directory '%1' is not an absolute path").arg(workdir)};
    const QFileInfo info(workdir);
    if (!info.exists())
        return Error{QStringLiteral("working directory '%1' does not exist").arg(workdir)};
    if (!info.isDir())
        return Error{QStringLiteral("working directory '%1' is not a directory").arg(workdir)};
    if (::access(QFile::encodeName(workdir).constData(), X_OK) != 0)
        return Error{
            QStringLiteral("working directory '%1' cannot be entered (no search permission)").arg(workdir)};
    return success();
}

VoidResult validateResources(const JobSpec &spec) {
    if (spec.gpus < 0 || spec.gpus > maxJobGpus)
        return outOfRange(QStringLiteral("gpus"), 0, maxJobGpus, spec.gpus);
    if (spec.gpuMemMib < 0 || spec.gpuMemMib > maxGpuMemMib)
        return outOfRange(QStringLiteral("gpu_mem_mib"), 0, maxGpuMemMib, spec.gpuMemMib);
    if (spec.cpus < 1 || spec.cpus > maxJobCpus)
        return outOfRange(QStringLiteral("cpus"), 1, maxJobCpus, spec.cpus);
    if (spec.memMib < 0 || spec.memMib > maxHostMemMib)
        return outOfRange(QStringLiteral("mem_mib"), 0, maxHostMemMib, spec.memMib);
    for (qsizetype i = 0; i < spec.gpuIndices.size(); ++i) {
        const int index = spec.gpuIndices[i];
        if (index < 0 || index > maxGpuIndex)
            return outOfRange(QStringLiteral("gpu_indices[%1]").arg(i), 0, maxGpuIndex, index);
        if (spec.gpuIndices.indexOf(index) != i)
            return Error{QStringLiteral("gpu_indices lists GPU %1 twice").arg(index)};
    }
    if (spec.gpus > 0 && !spec.gpuIndices.isEmpty() && spec.gpuIndices.size() < spec.gpus)
        return Error{QStringLiteral("the job asks for %1 GPUs but gpu_indices allows only %2 (%3)")
                         .arg(QString::number(spec.gpus), QString::number(spec.gpuIndices.size()),
                              joinIndices(spec.gpuIndices))};
    return success();
}

VoidResult validateLimits(const JobSpec &spec) {
    if (spec.priority < -maxPriority || spec.priority > maxPriority)
        return outOfRange(QStringLiteral("priority"), -maxPriority, maxPriority, spec.priority);
    if (spec.timeLimitSec < 0 || spec.timeLimitSec > maxTimeLimitSec)
        return outOfRange(QStringLiteral("time_limit_s"), 0, maxTimeLimitSec, spec.timeLimitSec);
    if (spec.maxRetries < 0 || spec.maxRetries > maxRetriesLimit)
        return outOfRange(QStringLiteral("max_retries"), 0, maxRetriesLimit, spec.maxRetries);
    if (spec.beginTimeMs < 0)
        return Error{QStringLiteral("begin_time_ms must not be negative (got %1)").arg(spec.beginTimeMs)};
    return success();
}

VoidResult validateTags(const QStringList &tags) {
    if (tags.size() > maxTags)
        return Error{
            QStringLiteral("a job may carry at most %1 tags (got %2)").arg(maxTags).arg(tags.size())};
    for (const QString &tag : tags) {
        if (tag.isEmpty())
            return Error{QStringLiteral("tags must not be empty")};
        if (tag.size() > maxTagChars)
            return Error{QStringLiteral("tag '%1' is longer than %2 characters")
                             .arg(tag, QString::number(maxTagChars))};
        for (const QChar c : tag) {
            if (c == u',' || c.isSpace() || c.category() == QChar::Other_Control)
                return Error{
                    QStringLiteral("tag '%1' contains a comma, a space or a control character").arg(tag)};
        }
    }
    return success();
}

VoidResult validateEnvironment(const QList<QPair<QString, QString>> &env) {
    QStringList seen;
    for (const auto &[name, value] : env) {
        if (!isShellIdentifier(name))
            return Error{QStringLiteral("env: '%1' is not a valid variable name (letters, digits and _, not "
                                        "starting with a digit)")
                             .arg(name)};
        if (isSetByQueue(name))
            return Error{
                QStringLiteral("env: %1 is set by the queue for every job and cannot be given").arg(name)};
        if (seen.contains(name))
            return Error{QStringLiteral("env: %1 is given twice").arg(name)};
        if (value.contains(QChar(0)))
            return Error{QStringLiteral("env: the value of %1 contains a NUL character").arg(name)};
        seen.append(name);
    }
    return success();
}

VoidResult validateOutputPaths(const JobSpec &spec) {
    // Relative paths are resolved against workdir and patterns expanded at start: only what can never
    // become a file name is refused here.
    if (spec.stdoutPath.contains(QChar(0)))
        return Error{QStringLiteral("stdout contains a NUL character")};
    if (spec.stderrPath.contains(QChar(0)))
        return Error{QStringLiteral("stderr contains a NUL character")};
    return success();
}

VoidResult validateArrayAndDependencies(const JobSpec &spec) {
    if (spec.array) {
        const ArraySpec &array = *spec.array;
        if (array.taskIds.isEmpty() || array.taskIds.size() > maxArrayTasks)
            return Error{QStringLiteral("array must have between 1 and %1 tasks (got %2)")
                             .arg(maxArrayTasks)
                             .arg(array.taskIds.size())};
        for (const int id : array.taskIds) {
            if (id < 0 || id > maxArrayTaskId)
                return outOfRange(QStringLiteral("array task ids"), 0, maxArrayTaskId, id);
        }
        if (array.maxConcurrent < 0)
            return Error{QStringLiteral("the array's %N limit must not be negative")};
    }
    for (const Dependency &dependency : spec.dependencies) {
        if (dependency.jobId <= 0)
            return Error{QStringLiteral("dependency: job ids start at 1 (got %1)").arg(dependency.jobId)};
        if (dependency.arrayTaskId < -1 || dependency.arrayTaskId > maxArrayTaskId)
            return Error{
                QStringLiteral("dependency: array task id %1 is out of range").arg(dependency.arrayTaskId)};
    }
    return success();
}

}  // namespace

VoidResult validateJobSpec(const JobSpec &spec) {
    for (const auto &check : {validateCommand, validateResources, validateLimits, validateOutputPaths,
                              validateArrayAndDependencies}) {
        if (VoidResult result = check(spec); !result)
            return result;
    }
    if (VoidResult result = validateTags(spec.tags); !result)
        return result;
    if (VoidResult result = validateEnvironment(spec.env); !result)
        return result;
    return validateWorkdir(spec.workdir);  // last: the only check that touches the file system
}

}  // namespace nd
