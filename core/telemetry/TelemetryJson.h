#pragma once
// JSON for telemetry exactly as docs/api.md describes it: GpuSample, HostSample, the /api/gpus body and
// the `telemetry` event. Values a GPU does not report are null, never a made-up 0.
#include <QJsonObject>

#include "core/telemetry/TelemetrySnapshot.h"

namespace nd {

QJsonObject gpuSampleToJson(const GpuSample &sample);
QJsonObject hostSampleToJson(const HostSample &host);
// One inventory entry; `latest` may be null (no reading yet): "sample" is then null.
QJsonObject gpuInfoToJson(const GpuInfo &info, const GpuSample *latest);
// GET /api/gpus
QJsonObject gpusResponseToJson(const TelemetryInventory &inventory, const TelemetrySnapshot *latest);
// The data of one `telemetry` event.
QJsonObject telemetryFrameToJson(TelemetrySource source, const TelemetrySnapshot &snapshot);

}  // namespace nd
