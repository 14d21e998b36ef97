// MonitorData: the route's series names mapped onto the Monitor's charts.
#include "ui/monitor/MonitorData.h"

#include <QCoreApplication>
#include <QJsonArray>
#include <QRegularExpression>

#include <algorithm>

#include "ui/common/Colors.h"

namespace nd {

namespace {
QString tr(const char *text) {
    return QCoreApplication::translate("Monitor", text);
}

// Which chart a GPU series belongs to, by its metric.
std::optional<MonitorChartId> gpuChartOf(const QString &metric) {
    if (metric == QStringLiteral("util_pct"))
        return MonitorChartId::gpuUtilization;
    if (metric == QStringLiteral("mem_used_mib"))
        return MonitorChartId::gpuMemory;
    if (metric == QStringLiteral("power_w"))
        return MonitorChartId::gpuPower;
    if (metric == QStringLiteral("temp_c"))
        return MonitorChartId::gpuTemperature;
    return std::nullopt;
}

struct Named {
    const char *series;
    MonitorChartId chart;
    const char *name;
};
// Series that are not per GPU, and what they are called on their chart.
const Named kNamed[] = {
    {"host.cpu_pct", MonitorChartId::hostCpu, QT_TRANSLATE_NOOP("Monitor", "CPU")},
    {"host.mem_used_mib", MonitorChartId::hostMemory, QT_TRANSLATE_NOOP("Monitor", "Used")},
    {"queue.pending", MonitorChartId::queueDepth, QT_TRANSLATE_NOOP("Monitor", "Pending")},
    {"queue.running", MonitorChartId::queueDepth, QT_TRANSLATE_NOOP("Monitor", "Running")},
    {"jobs.tokens_per_s", MonitorChartId::tokensPerS, QT_TRANSLATE_NOOP("Monitor", "Tokens/s")},
    {"jobs.finished", MonitorChartId::jobsPerHour, QT_TRANSLATE_NOOP("Monitor", "Finished")},
};

QColor namedColor(const QString &name) {
    if (name == tr("Pending"))
        return colors::pending();
    if (name == tr("Running") || name == tr("Finished"))
        return colors::ok();
    return colors::host();
}
}  // namespace

const QList<MonitorWindow> &monitorWindows() {
    static const QList<MonitorWindow> windows = {
        {QStringLiteral("5m"), tr("5 minutes"), 5 * 60 * 1000LL},
        {QStringLiteral("1h"), tr("1 hour"), 3600 * 1000LL},
        {QStringLiteral("24h"), tr("24 hours"), 24 * 3600 * 1000LL},
        {QStringLiteral("7d"), tr("7 days"), 7 * 24 * 3600 * 1000LL},
    };
    return windows;
}

const QList<MonitorChartId> &monitorChartIds() {
    static const QList<MonitorChartId> ids = {
        MonitorChartId::gpuUtilization, MonitorChartId::gpuMemory,  MonitorChartId::gpuPower,
        MonitorChartId::gpuTemperature, MonitorChartId::hostCpu,    MonitorChartId::hostMemory,
        MonitorChartId::queueDepth,     MonitorChartId::tokensPerS, MonitorChartId::jobsPerHour};
    return ids;
}

MonitorChart emptyMonitorChart(MonitorChartId id) {
    MonitorChart chart;
    chart.id = id;
    switch (id) {
        case MonitorChartId::gpuUtilization:
            chart.title = tr("GPU utilisation");
            chart.unit = QStringLiteral("%");
            break;
        case MonitorChartId::gpuMemory:
            chart.title = tr("GPU memory used");
            chart.unit = QStringLiteral("MiB");
            break;
        case MonitorChartId::gpuPower:
            chart.title = tr("GPU power");
            chart.unit = QStringLiteral("W");
            break;
        case MonitorChartId::gpuTemperature:
            chart.title = tr("GPU temperature");
            chart.unit = QStringLiteral("°C");
            break;
        case MonitorChartId::hostCpu:
            chart.title = tr("Host CPU");
            chart.unit = QStringLiteral("%");
            break;
        case MonitorChartId::hostMemory:
            chart.title = tr("Host memory used");
            chart.unit = QStringLiteral("MiB");
            break;
        case MonitorChartId::queueDepth:
            chart.title = tr("Queue depth");
            chart.unit = tr("jobs");
            break;
        case MonitorChartId::tokensPerS:
            chart.title = tr("Throughput of model jobs");
            chart.unit = tr("tokens/s");
            break;
        case MonitorChartId::jobsPerHour:
            chart.title = tr("Jobs finished");
            chart.unit = tr("jobs/h");
            break;
    }
    return chart;
}

void appendCapped(QList<QPointF> *points, QPointF point, qint64 oldestMs, qint64 minSpacingMs, int cap) {
    if (!points->isEmpty() && point.x() - points->constLast().x() < static_cast<double>(minSpacingMs))
        return;
    points->append(point);
    qsizetype drop = 0;
    while (drop < points->size() && points->at(drop).x() < static_cast<double>(oldestMs))
        ++drop;
    drop = std::max(drop, points->size() - cap);
    if (drop > 0)
        points->remove(0, drop);
}

Result<MonitorHistory> parseMonitorHistory(const QJsonObject &json) {
    MonitorHistory history;
    history.fromMs = json.value(QStringLiteral("from_ms")).toInteger();
    history.toMs = json.value(QStringLiteral("to_ms")).toInteger();
    history.stepMs = json.value(QStringLiteral("step_ms")).toInteger();
    if (history.stepMs <= 0 || !json.value(QStringLiteral("series")).isObject())
        return Error{
            QStringLiteral("the daemon's telemetry history has no step_ms or series (is it older "
                           "than this NemoDesk?)")};
    for (MonitorChartId id : monitorChartIds())
        history.charts.append(emptyMonitorChart(id));
    const auto chartOf = [&history](MonitorChartId id) -> MonitorChart & {
        return history.charts[monitorChartIds().indexOf(id)];
    };
    static const QRegularExpression gpuName(QStringLiteral("^gpu\\.(\\d+)\\.(\\w+)$"));
    const QJsonObject series = json.value(QStringLiteral("series")).toObject();
    // QJsonObject iterates keys sorted, so GPU series come in index order (for up to 10 GPUs).
    for (auto it = series.begin(); it != series.end(); ++it) {
        const QString key = it.key();
        MonitorSeries out;
        MonitorChart *chart = nullptr;
        double scale = 1;
        bool useSum = false;
        if (const QRegularExpressionMatch m = gpuName.match(key); m.hasMatch()) {
            const std::optional<MonitorChartId> id = gpuChartOf(m.captured(2));
            if (!id)
                continue;
            chart = &chartOf(*id);
            out.name = tr("GPU %1").arg(m.captured(1));
            out.color = colors::forGpu(m.captured(1).toInt());
        } else {
            const auto named = std::find_if(std::begin(kNamed), std::end(kNamed), [&key](const Named &n) {
                return key == QLatin1String(n.series);
            });
            if (named == std::end(kNamed))
                continue;  // a series from a newer daemon
            chart = &chartOf(named->chart);
            out.name = tr(named->name);
            out.color = namedColor(out.name);
            if (named->chart == MonitorChartId::jobsPerHour) {
                useSum = true;  // a counter: how many per bucket, as a rate per hour
                scale = 3600.0 * 1000.0 / static_cast<double>(history.stepMs);
            }
        }
        for (const QJsonValue &p : it.value().toArray()) {
            const QJsonArray point = p.toArray();
            if (point.size() < 4)
                continue;
            const double y = (useSum ? point[3].toDouble() : point[1].toDouble()) * scale;
            out.points.append(QPointF(static_cast<double>(point[0].toInteger()), y));
        }
        chart->series.append(out);
    }
    for (const QJsonValue &m : json.value(QStringLiteral("markers")).toArray()) {
        const QJsonObject marker = m.toObject();
        history.markers.append(
            MonitorMarker{marker.value(QStringLiteral("time_ms")).toInteger(),
                          marker.value(QStringLiteral("job_id")).toInteger(),
                          marker.value(QStringLiteral("kind")).toString() != QStringLiteral("end")});
    }
    return history;
}

}  // namespace nd
