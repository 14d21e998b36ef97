#pragma once
// A chart's points as a table, for reading values exactly and for screen readers: one row per time (the
// union of every series' times, oldest first), a Time column and one column per series (empty where that
// series has no point then). Reset whenever the chart changes; it holds at most the chart's own points.
#include <QAbstractTableModel>
#include <QList>

#include <optional>

#include "ui/monitor/MonitorData.h"

namespace nd {

class ChartTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // The number behind a cell (Unix ms in the Time column); invalid for an empty cell.
    static constexpr int ValueRole = Qt::UserRole + 1;

    explicit ChartTableModel(QObject *parent = nullptr);

    void setChart(const MonitorChart &chart);
    const MonitorChart &chart() const { return m_chart; }

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    qint64 timeAt(int row) const { return m_times.at(row); }
    std::optional<double> valueAt(int row, int series) const;

private:
    MonitorChart m_chart;
    QList<qint64> m_times;
    QList<QList<std::optional<double>>> m_values;  // [row][series]
};

// "12.5", "1024", "41.3": a value as the table and the CSV show it.
QString formatMonitorValue(double value);

}  // namespace nd
