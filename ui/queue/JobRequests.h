#pragma once
// The Queue view's requests to the daemon: the action routes for a job (docs/api.md "Actions") and the
// spec a resubmit posts. The daemon's error becomes the view's message through nd::daemonReason
// (core/client/ApiErrors.h): "409 conflict: job 12 is completed: …" → "job 12 is completed: …".
#include <QJsonObject>
#include <QString>

#include "core/jobs/Job.h"

namespace nd {

enum class JobAction { cancel = 1, hold, release, requeue, resubmit, setPriority };

// "/api/jobs/12/hold", "/api/jobs/10_3/cancel". Array tasks go by their display id: the array job id
// alone would act on every task of the array.
QString jobActionPath(const Job &job, JobAction action);
// What the view says when the action worked: "Held", "Cancelled", …
QString jobActionPastTense(JobAction action);
// What the view says when it failed: "hold", "cancel", …
QString jobActionVerb(JobAction action);
// The spec to POST for "Resubmit": the job's own spec; an array task's spec holds the whole array's, which
// is dropped so that the task comes back as one job.
QJsonObject resubmitSpec(const Job &job);

}  // namespace nd
