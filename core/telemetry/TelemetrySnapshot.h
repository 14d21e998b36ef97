#pragma once
// What the telemetry service hands around: the inventory found when telemetry was opened, and one
// snapshot per sampling tick (every GPU and the host at one moment).
#include <QMetaType>
#include <QString>

#include <string>
#include <vector>

#include "core/telemetry/HostStats.h"
#include "gpu/telemetry/telemetry.h"

namespace nd {

struct TelemetryInventory {
    TelemetrySource source = TelemetrySource::none;
    std::string message;
    std::string driver_version;
    std::vector<GpuInfo> gpus;
};

struct TelemetrySnapshot {
    qint64 time_ms = 0;
    std::vector<GpuSample> gpus;  // empty when no GPU could be read this time (gpu_error says why)
    HostSample host;
    QString gpu_error;
};

}  // namespace nd

Q_DECLARE_METATYPE(nd::TelemetrySnapshot)
