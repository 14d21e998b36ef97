// ChartTableModel: series merged by time into rows.
#include "ui/monitor/ChartTableModel.h"

#include <QDateTime>

#include <algorithm>
#include <cmath>
#include <map>

namespace nd {

QString formatMonitorValue(double value) {
    // Whole numbers stay whole (MiB, counts); others keep one decimal, which is all a reading is worth.
    if (std::abs(value - std::round(value)) < 1e-9)
        return QString::number(static_cast<qint64>(std::llround(value)));
    return QString::number(value, 'f', 1);
}

ChartTableModel::ChartTableModel(QObject *parent) : QAbstractTableModel(parent) {}

void ChartTableModel::setChart(const MonitorChart &chart) {
    beginResetModel();
    m_chart = chart;
    std::map<qint64, QList<std::optional<double>>> rows;
    const qsizetype n = chart.series.size();
    for (qsizetype s = 0; s < n; ++s) {
        for (const QPointF &p : chart.series[s].points) {
            auto &row = rows[static_cast<qint64>(p.x())];
            if (row.isEmpty())
                row.resize(n);
            row[s] = p.y();
        }
    }
    m_times.clear();
    m_values.clear();
    m_times.reserve(static_cast<qsizetype>(rows.size()));
    m_values.reserve(static_cast<qsizetype>(rows.size()));
    for (auto &[time, values] : rows) {
        m_times.append(time);
        m_values.append(std::move(values));
    }
    endResetModel();
}

std::optional<double> ChartTableModel::valueAt(int row, int series) const {
    return m_values.at(row).at(series);
}

int ChartTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_times.size());
}

int ChartTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : 1 + static_cast<int>(m_chart.series.size());
}

QVariant ChartTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid))
        return {};
    const int row = index.row();
    if (index.column() == 0) {
        if (role == Qt::DisplayRole)
            return QDateTime::fromMSecsSinceEpoch(m_times.at(row))
                .toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
        if (role == ValueRole)
            return m_times.at(row);
        return {};
    }
    const std::optional<double> value = valueAt(row, index.column() - 1);
    if (role == Qt::TextAlignmentRole)
        return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
    if (!value)
        return {};
    if (role == Qt::DisplayRole)
        return formatMonitorValue(*value);
    if (role == ValueRole)
        return *value;
    return {};
}

QVariant ChartTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || role != Qt::DisplayRole || section < 0 || section >= columnCount())
        return QAbstractTableModel::headerData(section, orientation, role);
    if (section == 0)
        return tr("Time");
    return QStringLiteral("%1 (%2)").arg(m_chart.series.at(section - 1).name, m_chart.unit);
}

}  // namespace nd
