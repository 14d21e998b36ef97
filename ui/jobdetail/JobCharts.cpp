// JobCharts: the job's window of history and its GPUs' series (see the header).
#include "ui/jobdetail/JobCharts.h"

#include <algorithm>

namespace nd {

JobChartWindow jobChartWindow(const Job &job, qint64 nowMs) {
    const qint64 begin = job.startTimeMs > 0 ? job.startTimeMs : job.submitTimeMs;
    const qint64 end = job.endTimeMs > 0 ? job.endTimeMs : nowMs;
    const qint64 margin = std::max<qint64>(60'000, (end - begin) / 10);
    return {begin - margin, std::min(end + margin, std::max(nowMs, begin + 1))};
}

MonitorChart chartForGpus(const MonitorChart &chart, const QList<int> &gpus) {
    if (gpus.isEmpty())
        return chart;
    MonitorChart out = chart;
    out.series.clear();
    for (const MonitorSeries &series : chart.series) {
        // The Monitor names GPU series "GPU <index>" (MonitorData.cpp).
        const int index = series.name.section(QLatin1Char(' '), -1).toInt();
        if (gpus.contains(index))
            out.series.append(series);
    }
    return out;
}

QList<MonitorMarker> markersOfJob(const QList<MonitorMarker> &markers, qint64 jobId) {
    QList<MonitorMarker> out;
    for (const MonitorMarker &marker : markers)
        if (marker.jobId == jobId)
            out.append(marker);
    return out;
}

}  // namespace nd
