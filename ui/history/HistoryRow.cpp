// HistoryRow: the Job JSON's shown fields (see the header for why leniently).
#include "ui/history/HistoryRow.h"

#include <QJsonArray>

namespace nd {

Result<HistoryRow> HistoryRow::fromJson(const QJsonObject &job) {
    const auto key = [&job](const char *name) { return job.value(QLatin1String(name)); };
    if (!key("id").isDouble() || !key("state").isString())
        return Error{QStringLiteral("a job without a numeric 'id' and a 'state' string")};
    HistoryRow row;
    row.id = key("id").toInteger();
    row.displayId = key("display_id").toString(QString::number(row.id));
    row.name = key("name").toString();
    row.state = key("state").toString();
    row.exitCode = key("exit_code").toInt(-1);
    row.signal = key("signal").toInt();
    row.message = key("message").toString();
    row.submitMs = key("submit_time_ms").toInteger();
    row.startMs = key("start_time_ms").toInteger();
    row.endMs = key("end_time_ms").toInteger();
    for (const QJsonValue &gpu : key("gpus").toArray())
        row.gpus.append(gpu.toInt());
    const QJsonObject accounting = key("accounting").toObject();
    row.wallMs = accounting.value(QLatin1String("wall_ms")).toInteger();
    row.gpuSeconds = accounting.value(QLatin1String("gpu_seconds")).toDouble();
    row.gpuEnergyJ = accounting.value(QLatin1String("gpu_energy_j")).toDouble();
    row.peakRssKib = accounting.value(QLatin1String("peak_rss_kib")).toInteger();
    row.cpuTimeMs = accounting.value(QLatin1String("cpu_time_ms")).toInteger();
    for (const QJsonValue &tag : key("spec").toObject().value(QLatin1String("tags")).toArray())
        row.tags.append(tag.toString());
    const QJsonValue tokens = key("progress").toObject().value(QLatin1String("completion_tokens"));
    if (tokens.isDouble())
        row.tokens = tokens.toInteger();
    return row;
}

}  // namespace nd
