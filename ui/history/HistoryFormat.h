#pragma once
// How the History view writes its numbers: on screen (the user's locale, short units) and in CSV (plain,
// machine-readable: ISO 8601 times, raw units in the header). One place, so the table, the totals line and
// the export agree.
#include <QString>

namespace nd::historyFormat {

QString count(qint64 n);              // "1,234"
QString compactCount(double n);       // "950", "12.3 k", "4.5 M", "1.2 G"
QString dateTime(qint64 ms);          // "2026-11-27 14:03:07" local; "" for 0
QString duration(qint64 ms);          // "0:00:05", "1-02:03:04" (Slurm's elapsed)
QString gpuHours(double gpuSeconds);  // "0.42"
QString energy(double joules);        // "850 J", "12.3 Wh", "4.5 kWh"
QString memoryKib(qint64 kib);        // "512 KiB", "12.3 MiB", "1.5 GiB"; "" for 0
QString isoTime(qint64 ms);           // "2026-11-27T14:03:07.120Z"; "" for 0
// "1,234 jobs · 56.7 GPU-hours · 12.3 kWh · 4.5 M tokens".
QString totalsLine(qint64 jobs, double gpuSeconds, double energyJ, qint64 tokens);

}  // namespace nd::historyFormat
