#pragma once
// The live chart of the status area: utilisation (solid) and memory in use (dashed) of every GPU, plus
// host CPU and RAM, over the last few minutes. Series are created when the GPU inventory changes; each
// telemetry frame only replaces their points from the model's history and slides the time axis.
#include <QChartView>
#include <QList>

class QDateTimeAxis;
class QLineSeries;
class QValueAxis;

namespace nd {

class GpuTableModel;

class UsageChart : public QChartView {
    Q_OBJECT
public:
    static constexpr qint64 windowMs = 3 * 60 * 1000;

    explicit UsageChart(GpuTableModel *model, QWidget *parent = nullptr);

    // For tests: the series by name ("GPU0 util %", "CPU %") and how many points each holds.
    int seriesCount() const;
    int pointCount(const QString &seriesName) const;

private:
    struct DeviceSeries {
        QLineSeries *compute = nullptr;
        QLineSeries *memory = nullptr;
        QColor color;
    };

    void rebuildSeries();
    void refreshPoints(qint64 nowMs);
    void applyFreshness();
    DeviceSeries addDevice(const QString &label, const QString &computeName, const QColor &color);

    GpuTableModel *m_model;
    QChart *m_chart;
    QDateTimeAxis *m_timeAxis;
    QValueAxis *m_percentAxis;
    QList<DeviceSeries> m_gpuSeries;  // parallel to the model's rows
    DeviceSeries m_hostSeries;
};

}  // namespace nd
