// Live usage chart (see UsageChart.h).
#include "ui/widgets/UsageChart.h"

#include <QDateTime>
#include <QDateTimeAxis>
#include <QLegendMarker>
#include <QLineSeries>
#include <QValueAxis>

#include "ui/common/Colors.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QList<QPointF> pointsOf(const UsageHistory &history, qint64 fromMs, bool compute) {
    QList<QPointF> points;
    points.reserve(history.size());
    for (int i = 0; i < history.size(); ++i) {
        const UsagePoint &p = history.at(i);
        if (p.timeMs < fromMs) {
            continue;
        }
        const std::optional<double> &value = compute ? p.computePct : p.memoryPct;
        if (value) {
            points.append({static_cast<qreal>(p.timeMs), *value});
        }
    }
    return points;
}

}  // namespace

UsageChart::UsageChart(GpuTableModel *model, QWidget *parent)
    // Hand the chart to the base constructor: QChartView(parent) would make a default chart of its own,
    // and setChart() releases (does not delete) the one it replaces, which leaked it.
    : QChartView(new QChart, parent)
    , m_model(model)
    , m_chart(chart())
    , m_timeAxis(new QDateTimeAxis)
    , m_percentAxis(new QValueAxis) {
    setObjectName(u"usageChart"_s);
    setAccessibleName(tr("Utilisation and memory of each GPU and the host over the last minutes"));
    setRenderHint(QPainter::Antialiasing);
    setMinimumHeight(220);

    m_chart->setMargins(QMargins(4, 4, 4, 4));
    m_chart->setBackgroundRoundness(6);
    m_chart->legend()->setAlignment(Qt::AlignBottom);
    m_chart->setAnimationOptions(QChart::NoAnimation);  // one update per second; animation only lags

    m_timeAxis->setFormat(u"HH:mm:ss"_s);
    m_timeAxis->setTickCount(7);
    const qint64 now = QDateTime::currentMSecsSinceEpoch();
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(now - windowMs), QDateTime::fromMSecsSinceEpoch(now));
    m_percentAxis->setRange(0, 100);
    m_percentAxis->setTickCount(5);
    m_percentAxis->setLabelFormat(u"%d %%"_s);
    m_chart->addAxis(m_timeAxis, Qt::AlignBottom);
    m_chart->addAxis(m_percentAxis, Qt::AlignLeft);

    m_hostSeries = addDevice(u"Host"_s, u"CPU %"_s, colors::host());
    m_hostSeries.memory->setName(u"RAM %"_s);

    connect(m_model, &QAbstractItemModel::modelReset, this, &UsageChart::rebuildSeries);
    connect(m_model, &GpuTableModel::frameApplied, this, &UsageChart::refreshPoints);
    connect(m_model, &GpuTableModel::freshnessChanged, this, &UsageChart::applyFreshness);
    rebuildSeries();
}

UsageChart::DeviceSeries UsageChart::addDevice(const QString &label, const QString &computeName,
                                               const QColor &color) {
    DeviceSeries s;
    s.color = color;
    s.compute = new QLineSeries(m_chart);
    s.compute->setName(computeName);
    s.memory = new QLineSeries(m_chart);
    s.memory->setName(u"%1 memory %"_s.arg(label));
    for (QLineSeries *series : {s.compute, s.memory}) {
        m_chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_percentAxis);
    }
    return s;
}

void UsageChart::rebuildSeries() {
    for (const DeviceSeries &s : std::as_const(m_gpuSeries)) {
        m_chart->removeSeries(s.compute);
        m_chart->removeSeries(s.memory);
        delete s.compute;
        delete s.memory;
    }
    m_gpuSeries.clear();
    // GPUs first so that their legend entries come before the host's.
    m_chart->removeSeries(m_hostSeries.compute);
    m_chart->removeSeries(m_hostSeries.memory);
    for (int row = 0; row < m_model->rowCount(); ++row) {
        const int index = m_model->gpu(row).index;
        const QString label = u"GPU%1"_s.arg(index);
        m_gpuSeries.append(addDevice(label, u"%1 util %"_s.arg(label), colors::forGpu(index)));
    }
    for (QLineSeries *series : {m_hostSeries.compute, m_hostSeries.memory}) {
        m_chart->addSeries(series);
        series->attachAxis(m_timeAxis);
        series->attachAxis(m_percentAxis);
    }
    applyFreshness();
    refreshPoints(m_model->lastUpdateMs());
}

void UsageChart::refreshPoints(qint64 nowMs) {
    if (nowMs <= 0) {
        return;
    }
    const qint64 fromMs = nowMs - windowMs;
    for (int row = 0; row < m_gpuSeries.size() && row < m_model->rowCount(); ++row) {
        const UsageHistory &history = m_model->history(row);
        m_gpuSeries[row].compute->replace(pointsOf(history, fromMs, true));
        m_gpuSeries[row].memory->replace(pointsOf(history, fromMs, false));
    }
    m_hostSeries.compute->replace(pointsOf(m_model->hostHistory(), fromMs, true));
    m_hostSeries.memory->replace(pointsOf(m_model->hostHistory(), fromMs, false));
    m_timeAxis->setRange(QDateTime::fromMSecsSinceEpoch(fromMs), QDateTime::fromMSecsSinceEpoch(nowMs));
}

void UsageChart::applyFreshness() {
    // Stale data keeps its shape but loses its colour, like the cards and the table.
    const bool stale = m_model->freshness() == GpuTableModel::Freshness::stale;
    QList<DeviceSeries> all = m_gpuSeries;
    all.append(m_hostSeries);
    for (const DeviceSeries &s : std::as_const(all)) {
        const QColor color = stale ? palette().color(QPalette::Disabled, QPalette::Text) : s.color;
        QPen computePen(color, 2.0);
        QPen memoryPen(color, 1.5, Qt::DashLine);
        s.compute->setPen(computePen);
        s.memory->setPen(memoryPen);
    }
}

int UsageChart::seriesCount() const {
    return static_cast<int>(m_chart->series().size());
}

int UsageChart::pointCount(const QString &seriesName) const {
    const auto all = m_chart->series();
    for (QAbstractSeries *series : all) {
        if (series->name() == seriesName) {
            if (auto *line = qobject_cast<QLineSeries *>(series)) {
                return static_cast<int>(line->count());
            }
        }
    }
    return -1;
}

}  // namespace nd
