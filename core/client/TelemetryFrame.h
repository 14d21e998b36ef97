#pragma once
// Client-side view of telemetry as the API sends it (docs/api.md): parsed from /api/gpus responses and
// `telemetry` events into plain structs that item models can hold.
#include <QJsonObject>
#include <QList>
#include <QString>

#include <optional>

#include "core/common/Result.h"

namespace nd {

struct GpuReading {
    int index = 0;
    qint64 timeMs = 0;
    qint64 memoryTotalMib = 0;
    qint64 memoryUsedMib = 0;
    std::optional<double> utilizationGpuPct;
    std::optional<double> utilizationMemoryPct;
    std::optional<double> temperatureC;
    std::optional<double> powerW;
    std::optional<int> clockSmMhz;
    std::optional<int> clockMemMhz;
    std::optional<int> fanPct;
    int processCount = 0;
    bool synthetic = false;
};

struct GpuDevice {
    int index = 0;
    QString name;
    QString uuid;
    QString pciBusId;
    qint64 memoryTotalMib = 0;
    QString computeCapability;  // "9.0" or ""
    std::optional<double> powerLimitW;
    bool synthetic = false;
    std::optional<GpuReading> latest;
};

struct HostReading {
    qint64 timeMs = 0;
    double cpuPct = 0;
    int cpuCount = 0;
    qint64 memoryTotalMib = 0;
    qint64 memoryUsedMib = 0;
    double loadAvg1m = 0;
    qint64 memoryAvailableMib = 0;
};

// GET /api/gpus
struct GpuInventory {
    QString source;  // "nvml", "fake", "none"
    QString message;
    QString driverVersion;
    QList<GpuDevice> gpus;
    std::optional<HostReading> host;
};

// One `telemetry` event.
struct TelemetryFrame {
    QString source;
    qint64 timeMs = 0;
    QList<GpuReading> gpus;
    std::optional<HostReading> host;
    QString gpuError;  // set when no GPU could be read this time (then `gpus` is empty)
};

// Both fail with a message naming the malformed field ("gpus[1].index: missing or not a number").
Result<GpuInventory> parseGpuInventory(const QJsonObject &json);
Result<TelemetryFrame> parseTelemetryFrame(const QJsonObject &json);

}  // namespace nd
