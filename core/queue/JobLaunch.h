#pragma once
// Turning a job the scheduler started into what the executor runs: the environment a Slurm script
// expects (plus our own names), the script written to the job's folder, and its log and status files.
#include <QList>
#include <QPair>
#include <QString>

#include "core/common/Result.h"
#include "core/executor/Executor.h"
#include "core/jobs/Job.h"

namespace nd {

struct ArrayBounds {
    int count = 0;
    int minTaskId = 0;
    int maxTaskId = 0;
};

// The variables the queue sets for a job (they win over the spec's env): CUDA_VISIBLE_DEVICES,
// NEMODESK_JOB_ID, SLURM_JOB_ID, … (docs/api.md lists them).
QList<QPair<QString, QString>> jobEnvironment(const Job &job, const ArrayBounds &array,
                                              const QString &hostName);

// The stdout/stderr files of a job, patterns expanded and made absolute against its working directory.
// `defaultLogDir` holds the files of jobs that name none (`%j.out`, or `%A_%a.out` for array tasks).
QPair<QString, QString> jobOutputFiles(const Job &job, const QString &defaultLogDir);

// Writes what the job needs into `jobDir` (its script, made executable; the old status file removed)
// and returns the request for the executor.
Result<LaunchRequest> prepareLaunch(const Job &job, const ArrayBounds &array, const QString &jobDir,
                                    int killGraceSec);

}  // namespace nd
