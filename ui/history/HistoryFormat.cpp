// HistoryFormat: the History view's number and time formats (see the header).
#include "ui/history/HistoryFormat.h"

#include <QDateTime>
#include <QLocale>

namespace nd::historyFormat {

QString count(qint64 n) {
    return QLocale().toString(n);
}

QString compactCount(double n) {
    struct Step {
        double size;
        const char *suffix;
    };
    static constexpr Step steps[] = {{1e9, "G"}, {1e6, "M"}, {1e3, "k"}};
    for (const Step &step : steps) {
        if (n >= step.size)
            return QStringLiteral("%1 %2").arg(QLocale().toString(n / step.size, 'f', 1),
                                               QLatin1String(step.suffix));
    }
    return QLocale().toString(qint64(n));
}

QString dateTime(qint64 ms) {
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms).toString(QStringLiteral("yyyy-MM-dd HH:mm:ss"));
}

QString duration(qint64 ms) {
    if (ms < 0)
        ms = 0;
    const qint64 seconds = ms / 1000;
    const qint64 days = seconds / 86400;
    const QString clock = QStringLiteral("%1:%2:%3")
                              .arg((seconds / 3600) % 24)
                              .arg((seconds / 60) % 60, 2, 10, QLatin1Char('0'))
                              .arg(seconds % 60, 2, 10, QLatin1Char('0'));
    return days > 0 ? QStringLiteral("%1-%2").arg(days).arg(clock) : clock;
}

QString gpuHours(double gpuSeconds) {
    return QLocale().toString(gpuSeconds / 3600.0, 'f', 2);
}

QString energy(double joules) {
    const double wattHours = joules / 3600.0;
    if (wattHours >= 1000)
        return QStringLiteral("%1 kWh").arg(QLocale().toString(wattHours / 1000, 'f', 1));
    if (wattHours >= 1)
        return QStringLiteral("%1 Wh").arg(QLocale().toString(wattHours, 'f', 1));
    return QStringLiteral("%1 J").arg(QLocale().toString(qint64(joules)));
}

QString memoryKib(qint64 kib) {
    if (kib <= 0)
        return {};
    if (kib >= 1024 * 1024)
        return QStringLiteral("%1 GiB").arg(QLocale().toString(double(kib) / (1024 * 1024), 'f', 1));
    if (kib >= 1024)
        return QStringLiteral("%1 MiB").arg(QLocale().toString(double(kib) / 1024, 'f', 1));
    return QStringLiteral("%1 KiB").arg(kib);
}

QString isoTime(qint64 ms) {
    if (ms <= 0)
        return {};
    return QDateTime::fromMSecsSinceEpoch(ms, Qt::UTC).toString(Qt::ISODateWithMs);
}

QString totalsLine(qint64 jobs, double gpuSeconds, double energyJ, qint64 tokens) {
    const QString kwh = QLocale().toString(energyJ / 3.6e6, 'f', 1);
    return QStringLiteral("%1 %2 · %3 GPU-hours · %4 kWh · %5 tokens")
        .arg(count(jobs), jobs == 1 ? QStringLiteral("job") : QStringLiteral("jobs"),
             QLocale().toString(gpuSeconds / 3600.0, 'f', 1), kwh, compactCount(double(tokens)));
}

}  // namespace nd::historyFormat
