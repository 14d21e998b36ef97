// JobQueue::submit: from the API's JSON to committed jobs. Every check runs before anything is written,
// so a refused submit leaves nothing behind.
#include <QDir>
#include <QFileInfo>
#include <QJsonArray>

#include "core/jobs/SbatchScript.h"
#include "core/queue/JobQueue.h"

namespace nd {

namespace {

// The request keys that are not part of a job spec.
const QString kScriptName = QStringLiteral("script_name");
const QString kSubmitDir = QStringLiteral("submit_dir");

QString defaultName(const JobSpec &spec, const QString &scriptName) {
    if (!spec.script.isEmpty())
        return scriptName.isEmpty() ? QStringLiteral("wrap") : QFileInfo(scriptName).fileName();
    return spec.argv.isEmpty() ? QStringLiteral("wrap") : QFileInfo(spec.argv.front()).fileName();
}

SchedPending toSchedPending(const JobSpec &spec) {
    SchedPending p;
    p.gpus = spec.gpus;
    p.gpuMemMib = spec.gpuMemMib;
    p.cpus = spec.cpus;
    p.memMib = spec.memMib;
    p.pinnedGpus = spec.gpuIndices;
    return p;
}

}  // namespace

QString JobQueue::checkDependencies(const JobSpec &spec) const {
    for (const Dependency &dep : spec.dependencies) {
        const auto array = m_arrays.constFind(dep.jobId);
        if (dep.arrayTaskId >= 0) {
            bool found = false;
            if (array != m_arrays.constEnd())
                for (const auto &task : *array)
                    found = found || task.first == dep.arrayTaskId;
            if (!found)
                return QStringLiteral("dependency on job %1_%2: no such array task")
                    .arg(dep.jobId)
                    .arg(dep.arrayTaskId);
        } else if (!m_states.contains(dep.jobId)) {
            return QStringLiteral("dependency on job %1: no such job").arg(dep.jobId);
        }
    }
    return {};
}

ArrayBounds JobQueue::arrayBounds(qint64 arrayJobId) const {
    ArrayBounds bounds;
    const auto array = m_arrays.constFind(arrayJobId);
    if (array == m_arrays.constEnd() || array->empty())
        return bounds;
    bounds.count = static_cast<int>(array->size());
    bounds.minTaskId = array->front().first;
    bounds.maxTaskId = array->front().first;
    for (const auto &task : *array) {
        bounds.minTaskId = std::min(bounds.minTaskId, task.first);
        bounds.maxTaskId = std::max(bounds.maxTaskId, task.first);
    }
    return bounds;
}

QueueResult<std::vector<Job>> JobQueue::planSubmit(const QJsonObject &request, qint64 firstId,
                                                   SubmitResult *result) const {
    const auto invalid = [](const QString &message) {
        return QueueError{QueueError::Kind::invalid, message};
    };
    QJsonObject json = request;
    const QString scriptName = json.take(kScriptName).toString();
    // Where the user submitted from: the default working directory, and what a relative --chdir or
    // "workdir" is relative to (Slurm's SLURM_SUBMIT_DIR).
    const QJsonValue submitDirValue = json.take(kSubmitDir);
    if (!submitDirValue.isUndefined() &&
        (!submitDirValue.isString() || !QDir::isAbsolutePath(submitDirValue.toString())))
        return invalid(QStringLiteral("submit_dir must be an absolute path"));
    const QString submitDir =
        submitDirValue.isString() ? submitDirValue.toString() : m_options.defaultWorkdir;

    JobSpec base;
    const QJsonValue script = json.value(QStringLiteral("script"));
    if (script.isString()) {
        const Result<SbatchDirectives> directives = parseSbatchDirectives(script.toString(), base);
        if (!directives.ok())
            return invalid(directives.error());
        base = directives->spec;
        result->warnings = directives->warnings;
    }
    Result<JobSpec> parsed = jobSpecFromJson(json, base);
    if (!parsed.ok())
        return invalid(parsed.error());
    JobSpec spec = std::move(parsed).value();
    spec.workdir =
        spec.workdir.isEmpty() ? submitDir : QDir::cleanPath(QDir(submitDir).absoluteFilePath(spec.workdir));
    if (!spec.workload.isEmpty()) {
        if (!spec.argv.isEmpty() || !spec.script.isEmpty())
            return invalid(QStringLiteral("a workload job runs its worker: give no argv or script with it"));
        if (!m_options.workloads)
            return invalid(QStringLiteral("this queue runs no model workloads (no model library)"));
        const Result<WorkloadCommand> command = m_options.workloads(spec.workload, spec.workdir);
        if (!command.ok())
            return invalid(command.error());
        spec.argv = command->argv;
        if (spec.name.isEmpty())
            spec.name = command->name;
    }
    if (spec.name.isEmpty())
        spec.name = defaultName(spec, scriptName);
    const VoidResult valid = validateJobSpec(spec);
    if (!valid.ok())
        return invalid(valid.error());
    const VoidResult fits = schedulerFitsMachine(toSchedPending(spec), m_options.machine);
    if (!fits.ok())
        return invalid(fits.error());
    const QString dependencyError = checkDependencies(spec);
    if (!dependencyError.isEmpty())
        return invalid(dependencyError);

    const qint64 submitMs = now();
    Job job;
    job.spec = spec;
    job.state = JobState::pending;
    job.held = spec.hold;
    job.reason = spec.hold ? PendingReason::held : PendingReason::none;
    job.submitTimeMs = submitMs;
    std::vector<Job> jobs;
    if (!spec.array) {
        job.id = firstId;
        const auto files = jobOutputFiles(job, m_options.defaultLogDir);
        job.stdoutFile = files.first;
        job.stderrFile = files.second;
        jobs.push_back(job);
        result->jobIds.push_back(job.id);
        return jobs;
    }
    jobs.reserve(static_cast<size_t>(spec.array->taskIds.size()));
    result->arrayJobId = firstId;
    qint64 id = firstId;
    for (int taskId : spec.array->taskIds) {
        Job task = job;
        task.id = id++;
        task.arrayJobId = firstId;
        task.arrayTaskId = taskId;
        const auto files = jobOutputFiles(task, m_options.defaultLogDir);
        task.stdoutFile = files.first;
        task.stderrFile = files.second;
        result->jobIds.push_back(task.id);
        jobs.push_back(std::move(task));
    }
    return jobs;
}

QueueResult<std::vector<SubmitResult>> JobQueue::submit(const QJsonObject &request) {
    QList<QJsonObject> specs;
    const bool list = request.contains(QStringLiteral("jobs"));
    if (list) {
        const QJsonValue jobs = request.value(QStringLiteral("jobs"));
        if (!jobs.isArray() || request.size() != 1)
            return QueueError{QueueError::Kind::invalid,
                              QStringLiteral("a list submit is {\"jobs\": [spec, …]} and nothing else")};
        for (const QJsonValue &value : jobs.toArray()) {
            if (!value.isObject())
                return QueueError{QueueError::Kind::invalid,
                                  QStringLiteral("jobs[%1] is not a job spec object").arg(specs.size())};
            specs.append(value.toObject());
        }
        if (specs.isEmpty())
            return QueueError{QueueError::Kind::invalid, QStringLiteral("\"jobs\" is empty")};
    } else {
        specs.append(request);
    }

    std::vector<SubmitResult> results;
    StoreBatch batch;
    qint64 nextId = m_nextJobId;
    for (qsizetype i = 0; i < specs.size(); ++i) {
        SubmitResult result;
        QueueResult<std::vector<Job>> planned = planSubmit(specs[i], nextId, &result);
        if (auto *error = std::get_if<QueueError>(&planned)) {
            if (list)
                error->message = QStringLiteral("jobs[%1]: %2").arg(i).arg(error->message);
            return *error;
        }
        std::vector<Job> &jobs = std::get<std::vector<Job>>(planned);
        nextId += static_cast<qint64>(jobs.size());
        for (Job &job : jobs)
            batch.inserts.push_back(std::move(job));
        results.push_back(std::move(result));
    }
    batch.events.reserve(batch.inserts.size());
    for (const Job &job : batch.inserts)
        batch.events.push_back(makeEvent(job, QStringLiteral("submitted")));
    const VoidResult committed = commitAndApply(batch);
    if (!committed.ok())
        return QueueError{QueueError::Kind::internal, committed.error()};
    m_nextJobId = nextId;
    return results;
}

}  // namespace nd
