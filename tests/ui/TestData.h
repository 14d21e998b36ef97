#pragma once
// Inventories and frames for the ui tests, shaped like what the daemon sends (docs/api.md).
#include "core/client/TelemetryFrame.h"

#include <QString>

namespace nd::test {

inline GpuReading reading(int index, qint64 timeMs, double utilPct, qint64 usedMib, qint64 totalMib = 24576) {
    GpuReading r;
    r.index = index;
    r.timeMs = timeMs;
    r.memoryTotalMib = totalMib;
    r.memoryUsedMib = usedMib;
    r.utilizationGpuPct = utilPct;
    r.utilizationMemoryPct = utilPct / 2;
    r.temperatureC = 41;
    r.powerW = 118.4;
    r.clockSmMhz = 1755;
    r.clockMemMhz = 2619;
    r.processCount = 2;
    r.synthetic = true;
    return r;
}

inline HostReading host(qint64 timeMs, double cpuPct = 12.5) {
    HostReading h;
    h.timeMs = timeMs;
    h.cpuPct = cpuPct;
    h.cpuCount = 16;
    h.memoryTotalMib = 128000;
    h.memoryUsedMib = 32768;
    h.loadAvg1m = 0.7;
    return h;
}

// `count` synthetic 24 GiB GPUs, each with a first reading at `timeMs`.
inline GpuInventory fakeInventory(int count, qint64 timeMs = 1'764'143'000'000) {
    GpuInventory inv;
    inv.source = QStringLiteral("fake");
    inv.message = QStringLiteral("synthetic GPUs from NEMODESK_FAKE_GPUS=%1x24576").arg(count);
    for (int i = 0; i < count; ++i) {
        GpuDevice g;
        g.index = i;
        g.name = QStringLiteral("NemoDesk Synthetic 24G");
        g.uuid = QStringLiteral("GPU-fake-%1").arg(i);
        g.pciBusId = QStringLiteral("00000000:0%1:00.0").arg(i + 1);
        g.memoryTotalMib = 24576;
        g.computeCapability = QStringLiteral("9.0");
        g.powerLimitW = 300;
        g.synthetic = true;
        g.latest = reading(i, timeMs, 37, 12288);
        inv.gpus.append(g);
    }
    inv.host = host(timeMs);
    return inv;
}

inline GpuInventory noGpuInventory(const QString &message) {
    GpuInventory inv;
    inv.source = QStringLiteral("none");
    inv.message = message;
    inv.host = host(1'764'143'000'000);
    return inv;
}

inline TelemetryFrame frame(qint64 timeMs, const QList<GpuReading> &gpus,
                            const QString &source = QStringLiteral("fake")) {
    TelemetryFrame f;
    f.source = source;
    f.timeMs = timeMs;
    f.gpus = gpus;
    f.host = host(timeMs);
    return f;
}

}  // namespace nd::test
