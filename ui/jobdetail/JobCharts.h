#pragma once
// What the Job detail charts: the window of telemetry history around a job (from its start, or its submit
// when it never started, less a margin, to its end or now plus the margin), and the Monitor's charts cut
// down to the job's GPUs and the job's own start/end markers.
#include <QList>

#include "core/jobs/Job.h"
#include "ui/monitor/MonitorData.h"

namespace nd {

struct JobChartWindow {
    qint64 fromMs = 0;
    qint64 toMs = 0;
};

// A margin of a tenth of the job's span, at least a minute: the bucket before the start shows the GPU idle.
JobChartWindow jobChartWindow(const Job &job, qint64 nowMs);
// `chart` with only the series of `gpus` ("GPU 0", …); every GPU's series when `gpus` is empty.
MonitorChart chartForGpus(const MonitorChart &chart, const QList<int> &gpus);
// The markers of job `jobId` only.
QList<MonitorMarker> markersOfJob(const QList<MonitorMarker> &markers, qint64 jobId);

}  // namespace nd
