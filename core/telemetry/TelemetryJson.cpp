// TelemetryJson: gpu/ structs to API JSON.
#include "core/telemetry/TelemetryJson.h"

#include <QJsonArray>

namespace nd {

namespace {

template <typename T>
QJsonValue orNull(const std::optional<T> &value) {
    return value ? QJsonValue(static_cast<double>(*value)) : QJsonValue(QJsonValue::Null);
}

QJsonValue mib(uint64_t value) {
    return QJsonValue(static_cast<qint64>(value));
}

QString str(const std::string &s) {
    return QString::fromStdString(s);
}

}  // namespace

QJsonObject gpuSampleToJson(const GpuSample &s) {
    QJsonArray processes;
    for (const GpuProcessUsage &p : s.processes) {
        processes.append(QJsonObject{
            {QStringLiteral("pid"), static_cast<qint64>(p.pid)},
            {QStringLiteral("used_mib"), p.used_mib ? mib(*p.used_mib) : QJsonValue(QJsonValue::Null)},
            {QStringLiteral("type"), p.graphics ? QStringLiteral("graphics") : QStringLiteral("compute")},
        });
    }
    return QJsonObject{
        {QStringLiteral("index"), s.index},
        {QStringLiteral("time_ms"), static_cast<qint64>(s.time_ms)},
        {QStringLiteral("memory_total_mib"), mib(s.memory_total_mib)},
        {QStringLiteral("memory_used_mib"), mib(s.memory_used_mib)},
        {QStringLiteral("utilization_gpu_pct"), orNull(s.utilization_gpu_pct)},
        {QStringLiteral("utilization_memory_pct"), orNull(s.utilization_memory_pct)},
        {QStringLiteral("temperature_c"), orNull(s.temperature_c)},
        {QStringLiteral("power_w"), orNull(s.power_w)},
        {QStringLiteral("clock_sm_mhz"), orNull(s.clock_sm_mhz)},
        {QStringLiteral("clock_mem_mhz"), orNull(s.clock_mem_mhz)},
        {QStringLiteral("fan_pct"), orNull(s.fan_pct)},
        {QStringLiteral("synthetic"), s.synthetic},
        {QStringLiteral("processes"), processes},
    };
}

QJsonObject hostSampleToJson(const HostSample &h) {
    return QJsonObject{
        {QStringLiteral("time_ms"), h.time_ms},
        {QStringLiteral("cpu_pct"), h.cpu_pct},
        {QStringLiteral("cpu_count"), h.cpu_count},
        {QStringLiteral("memory_total_mib"), h.memory_total_mib},
        {QStringLiteral("memory_used_mib"), h.memory_used_mib},
        {QStringLiteral("memory_available_mib"), h.memory_available_mib},
        {QStringLiteral("load_avg_1m"), h.load_avg_1m},
    };
}

QJsonObject gpuInfoToJson(const GpuInfo &info, const GpuSample *latest) {
    QJsonValue capability(QJsonValue::Null);
    if (info.compute_capability_major && info.compute_capability_minor)
        capability =
            QStringLiteral("%1.%2").arg(*info.compute_capability_major).arg(*info.compute_capability_minor);
    return QJsonObject{
        {QStringLiteral("index"), info.index},
        {QStringLiteral("name"), str(info.name)},
        {QStringLiteral("uuid"), str(info.uuid)},
        {QStringLiteral("pci_bus_id"), str(info.pci_bus_id)},
        {QStringLiteral("memory_total_mib"), mib(info.memory_total_mib)},
        {QStringLiteral("compute_capability"), capability},
        {QStringLiteral("power_limit_w"), orNull(info.power_limit_w)},
        {QStringLiteral("clock_sm_max_mhz"), orNull(info.clock_sm_max_mhz)},
        {QStringLiteral("clock_mem_max_mhz"), orNull(info.clock_mem_max_mhz)},
        {QStringLiteral("synthetic"), info.synthetic},
        {QStringLiteral("sample"),
         latest ? QJsonValue(gpuSampleToJson(*latest)) : QJsonValue(QJsonValue::Null)},
    };
}

QJsonObject gpusResponseToJson(const TelemetryInventory &inventory, const TelemetrySnapshot *latest) {
    QJsonArray gpus;
    for (const GpuInfo &info : inventory.gpus) {
        const GpuSample *sample = nullptr;
        if (latest) {
            for (const GpuSample &s : latest->gpus)
                if (s.index == info.index)
                    sample = &s;
        }
        gpus.append(gpuInfoToJson(info, sample));
    }
    return QJsonObject{
        {QStringLiteral("source"), QString::fromLatin1(telemetry_source_name(inventory.source))},
        {QStringLiteral("message"), str(inventory.message)},
        {QStringLiteral("driver_version"), str(inventory.driver_version)},
        {QStringLiteral("gpus"), gpus},
        {QStringLiteral("host"),
         latest ? QJsonValue(hostSampleToJson(latest->host)) : QJsonValue(QJsonValue::Null)},
    };
}

QJsonObject telemetryFrameToJson(TelemetrySource source, const TelemetrySnapshot &snapshot) {
    QJsonArray gpus;
    for (const GpuSample &s : snapshot.gpus)
        gpus.append(gpuSampleToJson(s));
    QJsonObject frame{
        {QStringLiteral("time_ms"), snapshot.time_ms},
        {QStringLiteral("source"), QString::fromLatin1(telemetry_source_name(source))},
        {QStringLiteral("gpus"), gpus},
        {QStringLiteral("host"), hostSampleToJson(snapshot.host)},
    };
    if (!snapshot.gpu_error.isEmpty())
        frame.insert(QStringLiteral("gpu_error"), snapshot.gpu_error);
    return frame;
}

}  // namespace nd
