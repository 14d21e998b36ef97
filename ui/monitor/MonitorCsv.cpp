// MonitorCsv: the table model, written out.
#include "ui/monitor/MonitorCsv.h"

#include <QDateTime>
#include <QStringList>

#include "ui/monitor/ChartTableModel.h"

namespace nd {

namespace {
QString quoted(const QString &field) {
    if (!field.contains(u',') && !field.contains(u'"') && !field.contains(u'\n'))
        return field;
    QString escaped = field;
    escaped.replace(QStringLiteral("\""), QStringLiteral("\"\""));
    return u'"' + escaped + u'"';
}
}  // namespace

QByteArray monitorChartCsv(const ChartTableModel &table) {
    QStringList header = {QStringLiteral("time_ms"), QStringLiteral("time")};
    for (int c = 1; c < table.columnCount(); ++c)
        header.append(quoted(table.headerData(c, Qt::Horizontal).toString()));
    QByteArray out = header.join(u',').toUtf8() + "\r\n";
    for (int r = 0; r < table.rowCount(); ++r) {
        const qint64 time = table.timeAt(r);
        QStringList line = {QString::number(time),
                            QDateTime::fromMSecsSinceEpoch(time)
                                .toOffsetFromUtc(QDateTime::fromMSecsSinceEpoch(time).offsetFromUtc())
                                .toString(Qt::ISODateWithMs)};
        for (int s = 0; s + 1 < table.columnCount(); ++s) {
            const std::optional<double> value = table.valueAt(r, s);
            line.append(value ? formatMonitorValue(*value) : QString());
        }
        out += line.join(u',').toUtf8() + "\r\n";
    }
    return out;
}

}  // namespace nd
