#pragma once
// The dry run of a submit (POST /api/jobs/preview): the spec is checked as a submit checks it, then the
// scheduler is asked what it would do *now* with the queue as it is plus this one job — start it (on which
// GPUs) or let it wait (the reason, what it lacks, and the expected start when a reservation gives one).
// Nothing is stored and no event is sent. The scheduling part is a pure function over a snapshot
// (previewStart); JobQueue::preview checks the spec exactly as submit does and builds the snapshot from
// the queue's memory, as a scheduling pass does.
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>

#include "core/scheduler/Scheduler.h"

namespace nd {

struct JobPreview {
    bool wouldStart = false;
    QList<int> gpus;  // with wouldStart: the GPUs it would get (whole GPUs, or the one shared GPU)
    PendingReason reason = PendingReason::none;  // without wouldStart: why it would wait
    QString detail;                              // for a person: "needs 2 GPUs with 20480 MiB, 1 free"
    qint64 expectedStartMs = 0;                  // with a reservation; 0 = unknown
    QString name;                                // the name the job would get
    int jobs = 1;                                // how many jobs the submit would create (array tasks)
    QStringList warnings;                        // as a submit would answer them (#SBATCH lines ignored)
};

QJsonObject jobPreviewToJson(const JobPreview &preview);

// Pure: adds `candidate` to the snapshot as the newest pending job (its jobId is set beyond every other)
// and returns the scheduler's verdict on it. Jobs already pending that would start in the same pass come
// first, as they would in the queue.
JobPreview previewStart(SchedulerSnapshot snapshot, SchedPending candidate, const SchedulerOptions &options);

}  // namespace nd
