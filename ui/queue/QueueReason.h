#pragma once
// Why a job in the queue is where it is, in plain words for the Queue view's "Reason" column:
// "waiting for resources: needs 2 GPUs with 20.0 GiB, 1 free → expected to start in ~12 min",
// "waiting for job 41 (afterok)", "held: release it to run", "starts at 14:05",
// "array throttle: 2 running (%2)", "running on GPU 0,1". A pure function of the job, the machine
// snapshot (GET /api/queue) and the time, so every sentence is unit-tested without a daemon.
#include <QString>

#include "core/jobs/Job.h"
#include "ui/queue/MachineSnapshot.h"

namespace nd {

struct ReasonContext {
    MachineSnapshot machine;
    qint64 nowMs = 0;
    int arrayTasksRunning = 0;  // running tasks of the job's array (for the %N throttle)
};

QString queueReasonText(const Job &job, const ReasonContext &context);

// "under a minute", "~12 min", "~2 h 5 min": how far away `ms` is, rounded the way people say it.
QString approximateDuration(qint64 ms);
// "1:02:03" or "4:05" (hours only when needed); for elapsed and limit times.
QString clockDuration(qint64 ms);

}  // namespace nd
