#pragma once
// What the Monitor draws, as plain data: charts (a title, a unit, one series per GPU or per quantity), job
// markers, the windows it offers, and how an answer of GET /api/telemetry/history becomes charts. Each
// series is capped at the window's point budget, so memory stays bounded however long the view is open.
#include <QColor>
#include <QJsonObject>
#include <QList>
#include <QPointF>
#include <QString>

#include <optional>

#include "core/common/Result.h"

namespace nd {

struct MonitorWindow {
    QString id;     // "5m": the route's `window`
    QString label;  // "5 minutes"
    qint64 spanMs = 0;
};
// 5 min, 1 h, 24 h, 7 days.
const QList<MonitorWindow> &monitorWindows();

struct MonitorSeries {
    QString name;  // "GPU 0", "Pending"
    QColor color;
    QList<QPointF> points;  // x: Unix ms, y: value; oldest first
};

struct MonitorMarker {
    qint64 timeMs = 0;
    qint64 jobId = 0;
    bool start = true;  // false: the job ended
};

// The charts, in the order the view shows them.
enum class MonitorChartId {
    gpuUtilization = 1,
    gpuMemory,
    gpuPower,
    gpuTemperature,
    hostCpu,
    hostMemory,
    queueDepth,
    tokensPerS,
    jobsPerHour,
};
const QList<MonitorChartId> &monitorChartIds();

struct MonitorChart {
    MonitorChartId id = MonitorChartId::gpuUtilization;
    QString title;  // "GPU utilisation"
    QString unit;   // "%", "MiB", "W", "°C", "tokens/s", "jobs/h"
    QList<MonitorSeries> series;
};
MonitorChart emptyMonitorChart(MonitorChartId id);

// Appends a point unless it is closer than `minSpacingMs` to the last, then drops points older than
// `oldestMs` and, past `cap`, the oldest ones.
void appendCapped(QList<QPointF> *points, QPointF point, qint64 oldestMs, qint64 minSpacingMs, int cap);

struct MonitorHistory {
    qint64 fromMs = 0;
    qint64 toMs = 0;
    qint64 stepMs = 0;
    QList<MonitorChart> charts;  // one per monitorChartIds(), in that order
    QList<MonitorMarker> markers;
};
// An answer of GET /api/telemetry/history as charts (averages; jobs/h from the `jobs.finished` sums).
Result<MonitorHistory> parseMonitorHistory(const QJsonObject &json);

}  // namespace nd
