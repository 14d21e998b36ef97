// JobLaunch: environment, files and the executor request for one run of a job.
#include "core/queue/JobLaunch.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QHostInfo>
#include <QStringList>

#include "core/jobs/SlurmSyntax.h"

namespace nd {

namespace {

QString joinInts(const QList<int> &values) {
    QStringList parts;
    parts.reserve(values.size());
    for (int v : values)
        parts.append(QString::number(v));
    return parts.join(QLatin1Char(','));
}

QString absoluteIn(const QString &path, const QString &workdir) {
    if (path.isEmpty())
        return path;
    return QDir::cleanPath(QDir(workdir).absoluteFilePath(path));
}

}  // namespace

QList<QPair<QString, QString>> jobEnvironment(const Job &job, const ArrayBounds &array,
                                              const QString &hostName) {
    QList<QPair<QString, QString>> env = job.spec.env;
    const auto set = [&env](const char *name, const QString &value) {
        env.append({QString::fromLatin1(name), value});
    };
    const QString id = QString::number(job.id);
    const QString gpus = joinInts(job.allocatedGpus);
    // An empty CUDA_VISIBLE_DEVICES hides every GPU: a CPU-only job must not touch GPUs others were given.
    set("CUDA_VISIBLE_DEVICES", gpus);
    set("GPU_DEVICE_ORDINAL", gpus);
    set("NEMODESK_JOB_ID", id);
    set("NEMODESK_JOB_NAME", job.spec.name);
    set("NEMODESK_JOB_GPUS", gpus);
    set("SLURM_JOB_ID", id);
    set("SLURM_JOBID", id);
    set("SLURM_JOB_NAME", job.spec.name);
    set("SLURM_CPUS_PER_TASK", QString::number(job.spec.cpus));
    set("SLURM_CPUS_ON_NODE", QString::number(job.spec.cpus));
    set("SLURM_SUBMIT_DIR", job.spec.workdir);
    set("SLURM_JOB_NUM_NODES", QStringLiteral("1"));
    set("SLURM_NNODES", QStringLiteral("1"));
    set("SLURM_NTASKS", QStringLiteral("1"));
    set("SLURM_NPROCS", QStringLiteral("1"));
    set("SLURM_JOB_NODELIST", hostName);
    set("SLURM_NODELIST", hostName);
    set("SLURMD_NODENAME", hostName);
    set("SLURM_SUBMIT_HOST", hostName);
    set("SLURM_JOB_PARTITION", QStringLiteral("local"));
    set("SLURM_RESTART_COUNT", QString::number(job.retries));
    if (job.spec.memMib > 0)
        set("SLURM_MEM_PER_NODE", QString::number(job.spec.memMib));
    if (job.spec.timeLimitSec > 0)
        set("NEMODESK_TIME_LIMIT_S", QString::number(job.spec.timeLimitSec));
    if (!job.allocatedGpus.isEmpty()) {
        set("SLURM_JOB_GPUS", gpus);
        set("SLURM_GPUS_ON_NODE", QString::number(job.allocatedGpus.size()));
    }
    if (job.allocatedGpuMemMib > 0)
        set("NEMODESK_GPU_MEM_MIB", QString::number(job.allocatedGpuMemMib));
    if (job.isArrayTask()) {
        const QString arrayId = QString::number(job.arrayJobId);
        const QString taskId = QString::number(job.arrayTaskId);
        set("NEMODESK_ARRAY_JOB_ID", arrayId);
        set("NEMODESK_ARRAY_TASK_ID", taskId);
        set("SLURM_ARRAY_JOB_ID", arrayId);
        set("SLURM_ARRAY_TASK_ID", taskId);
        set("SLURM_ARRAY_TASK_COUNT", QString::number(array.count));
        set("SLURM_ARRAY_TASK_MIN", QString::number(array.minTaskId));
        set("SLURM_ARRAY_TASK_MAX", QString::number(array.maxTaskId));
    }
    return env;
}

QPair<QString, QString> jobOutputFiles(const Job &job, const QString &defaultLogDir) {
    QString out = job.spec.stdoutPath;
    if (out.isEmpty())
        out = QDir(defaultLogDir)
                  .filePath(job.isArrayTask() ? QStringLiteral("%A_%a.out") : QStringLiteral("%j.out"));
    QString err = job.spec.stderrPath;
    const auto expand = [&job](const QString &pattern) {
        return expandOutputPattern(pattern, job.id, job.arrayJobId, job.arrayTaskId, job.spec.name);
    };
    const QString outFile = absoluteIn(expand(out), job.spec.workdir);
    const QString errFile = err.isEmpty() ? outFile : absoluteIn(expand(err), job.spec.workdir);
    return {outFile, errFile};
}

Result<LaunchRequest> prepareLaunch(const Job &job, const ArrayBounds &array, const QString &jobDir,
                                    int killGraceSec) {
    if (!QDir().mkpath(jobDir))
        return Error{QStringLiteral("cannot create the job folder %1").arg(jobDir)};
    LaunchRequest request;
    request.jobId = job.id;
    request.workdir = job.spec.workdir;
    request.stdoutFile = job.stdoutFile;
    request.stderrFile = job.stderrFile;
    request.statusFile = QDir(jobDir).filePath(QStringLiteral("status"));
    request.killGraceSec = killGraceSec;
    request.env = jobEnvironment(job, array, QHostInfo::localHostName());
    QFile::remove(request.statusFile);

    if (job.spec.script.isEmpty()) {
        request.argv = job.spec.argv;
        return request;
    }
    // The script as submitted (later edits of the user's file do not change a queued job, as in sbatch).
    const QString scriptFile = QDir(jobDir).filePath(QStringLiteral("script"));
    QFile file(scriptFile);
    if (!file.open(QIODevice::WriteOnly | QIODevice::Truncate) || file.write(job.spec.script.toUtf8()) < 0 ||
        !file.flush())
        return Error{
            QStringLiteral("cannot write the job script %1: %2").arg(scriptFile, file.errorString())};
    file.close();
    // A shebang picks the interpreter, as when sbatch runs a script; otherwise bash.
    if (job.spec.script.startsWith(QLatin1String("#!"))) {
        file.setPermissions(QFileDevice::ReadOwner | QFileDevice::WriteOwner | QFileDevice::ExeOwner);
        request.argv = QStringList{scriptFile};
    } else {
        request.argv = QStringList{QStringLiteral("/bin/bash"), scriptFile};
    }
    request.argv.append(job.spec.scriptArgs);
    return request;
}

}  // namespace nd
