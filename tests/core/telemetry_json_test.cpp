// Telemetry JSON (docs/api.md) and the client's parsing of it back into TelemetryFrame structs.
#include <gtest/gtest.h>

#include <QJsonArray>
#include <QJsonDocument>

#include "core/client/TelemetryFrame.h"
#include "core/telemetry/TelemetryJson.h"

namespace nd {
namespace {

GpuInfo h100() {
    GpuInfo g;
    g.index = 0;
    g.name = "NVIDIA H100 80GB HBM3";
    g.uuid = "GPU-1234";
    g.pci_bus_id = "00000000:3B:00.0";
    g.memory_total_mib = 81559;
    g.compute_capability_major = 9;
    g.compute_capability_minor = 0;
    g.power_limit_w = 700;
    g.clock_sm_max_mhz = 1980;
    g.clock_mem_max_mhz = 2619;
    return g;
}

GpuSample reading(int index) {
    GpuSample s;
    s.index = index;
    s.time_ms = 1764143000000;
    s.memory_total_mib = 81559;
    s.memory_used_mib = 1200;
    s.utilization_gpu_pct = 37;
    s.utilization_memory_pct = 12;
    s.temperature_c = 41;
    s.power_w = 118.5;
    s.clock_sm_mhz = 1755;
    s.clock_mem_mhz = 2619;
    s.processes.push_back(GpuProcessUsage{4242, 1024, false});
    s.processes.push_back(GpuProcessUsage{77, std::nullopt, true});
    return s;
}

HostSample host() {
    HostSample h;
    h.time_ms = 1764143000000;
    h.cpu_pct = 12.5;
    h.cpu_count = 16;
    h.memory_total_mib = 128000;
    h.memory_used_mib = 20000;
    h.memory_available_mib = 108000;
    h.load_avg_1m = 0.7;
    return h;
}

TEST(TelemetryJson, GpuSampleHasEveryFieldAndNullsForUnreported) {
    const QJsonObject o = gpuSampleToJson(reading(0));
    EXPECT_EQ(o.value(QStringLiteral("memory_used_mib")).toInteger(), 1200);
    EXPECT_DOUBLE_EQ(o.value(QStringLiteral("power_w")).toDouble(), 118.5);
    EXPECT_TRUE(o.value(QStringLiteral("fan_pct")).isNull());  // not reported: null, not 0
    EXPECT_FALSE(o.value(QStringLiteral("synthetic")).toBool());
    const QJsonArray p = o.value(QStringLiteral("processes")).toArray();
    ASSERT_EQ(p.size(), 2);
    EXPECT_EQ(p[0].toObject().value(QStringLiteral("pid")).toInteger(), 4242);
    EXPECT_EQ(p[0].toObject().value(QStringLiteral("type")).toString(), QStringLiteral("compute"));
    EXPECT_TRUE(p[1].toObject().value(QStringLiteral("used_mib")).isNull());
    EXPECT_EQ(p[1].toObject().value(QStringLiteral("type")).toString(), QStringLiteral("graphics"));
    for (const char *key : {"index", "time_ms", "memory_total_mib", "utilization_gpu_pct",
                            "utilization_memory_pct", "temperature_c", "clock_sm_mhz", "clock_mem_mhz"})
        EXPECT_TRUE(o.contains(QString::fromLatin1(key))) << key;
}

TEST(TelemetryJson, GpusResponseMatchesTheApi) {
    TelemetryInventory inv;
    inv.source = TelemetrySource::nvml;
    inv.message = "NVML driver 550.54.15";
    inv.driver_version = "550.54.15";
    inv.gpus = {h100()};
    TelemetrySnapshot snap;
    snap.time_ms = 1764143000000;
    snap.gpus = {reading(0)};
    snap.host = host();
    const QJsonObject o = gpusResponseToJson(inv, &snap);
    EXPECT_EQ(o.value(QStringLiteral("source")).toString(), QStringLiteral("nvml"));
    EXPECT_EQ(o.value(QStringLiteral("driver_version")).toString(), QStringLiteral("550.54.15"));
    const QJsonObject g = o.value(QStringLiteral("gpus")).toArray().at(0).toObject();
    EXPECT_EQ(g.value(QStringLiteral("compute_capability")).toString(), QStringLiteral("9.0"));
    EXPECT_EQ(g.value(QStringLiteral("pci_bus_id")).toString(), QStringLiteral("00000000:3B:00.0"));
    EXPECT_EQ(g.value(QStringLiteral("sample")).toObject().value(QStringLiteral("temperature_c")).toInt(),
              41);
    EXPECT_EQ(o.value(QStringLiteral("host")).toObject().value(QStringLiteral("cpu_count")).toInt(), 16);

    // Before the first reading: sample and host are null.
    const QJsonObject empty = gpusResponseToJson(inv, nullptr);
    EXPECT_TRUE(empty.value(QStringLiteral("gpus"))
                    .toArray()
                    .at(0)
                    .toObject()
                    .value(QStringLiteral("sample"))
                    .isNull());
    EXPECT_TRUE(empty.value(QStringLiteral("host")).isNull());
}

TEST(TelemetryJson, InventoryRoundTripsThroughTheClientParser) {
    TelemetryInventory inv;
    inv.source = TelemetrySource::fake;
    inv.message = "synthetic";
    GpuInfo a = h100();
    GpuInfo b = h100();
    b.index = 1;
    b.synthetic = true;
    b.compute_capability_major.reset();
    b.power_limit_w.reset();
    inv.gpus = {a, b};
    TelemetrySnapshot snap;
    snap.gpus = {reading(0)};  // GPU 1 has no reading yet
    snap.host = host();
    const QJsonObject json =
        QJsonDocument::fromJson(QJsonDocument(gpusResponseToJson(inv, &snap)).toJson()).object();
    const Result<GpuInventory> parsed = parseGpuInventory(json);
    ASSERT_TRUE(parsed.ok()) << parsed.error().toStdString();
    EXPECT_EQ(parsed->source, QStringLiteral("fake"));
    ASSERT_EQ(parsed->gpus.size(), 2);
    EXPECT_EQ(parsed->gpus[0].name, QStringLiteral("NVIDIA H100 80GB HBM3"));
    EXPECT_EQ(parsed->gpus[0].computeCapability, QStringLiteral("9.0"));
    EXPECT_EQ(parsed->gpus[0].powerLimitW, 700.0);
    ASSERT_TRUE(parsed->gpus[0].latest);
    EXPECT_EQ(parsed->gpus[0].latest->memoryUsedMib, 1200);
    EXPECT_EQ(parsed->gpus[0].latest->processCount, 2);
    EXPECT_FALSE(parsed->gpus[0].latest->fanPct);
    EXPECT_EQ(parsed->gpus[1].computeCapability, QString());
    EXPECT_FALSE(parsed->gpus[1].powerLimitW);
    EXPECT_TRUE(parsed->gpus[1].synthetic);
    EXPECT_FALSE(parsed->gpus[1].latest);
    ASSERT_TRUE(parsed->host);
    EXPECT_EQ(parsed->host->memoryAvailableMib, 108000);
}

TEST(TelemetryJson, FrameRoundTripsThroughTheClientParser) {
    TelemetrySnapshot snap;
    snap.time_ms = 1764143000123;
    snap.gpus = {reading(0), reading(1)};
    snap.gpus[1].synthetic = true;
    snap.host = host();
    const QJsonObject json = telemetryFrameToJson(TelemetrySource::fake, snap);
    EXPECT_FALSE(json.contains(QStringLiteral("gpu_error")));
    const Result<TelemetryFrame> frame = parseTelemetryFrame(json);
    ASSERT_TRUE(frame.ok()) << frame.error().toStdString();
    EXPECT_EQ(frame->source, QStringLiteral("fake"));
    EXPECT_EQ(frame->timeMs, 1764143000123);
    ASSERT_EQ(frame->gpus.size(), 2);
    EXPECT_EQ(frame->gpus[1].index, 1);
    EXPECT_TRUE(frame->gpus[1].synthetic);
    EXPECT_EQ(*frame->gpus[0].utilizationGpuPct, 37.0);
    EXPECT_EQ(*frame->gpus[0].clockSmMhz, 1755);
    ASSERT_TRUE(frame->host);
    EXPECT_DOUBLE_EQ(frame->host->cpuPct, 12.5);
    EXPECT_DOUBLE_EQ(frame->host->loadAvg1m, 0.7);
}

TEST(TelemetryJson, FrameCarriesAGpuError) {
    TelemetrySnapshot snap;
    snap.host = host();
    snap.gpu_error = QStringLiteral("NVML: GPU is lost");
    const Result<TelemetryFrame> frame =
        parseTelemetryFrame(telemetryFrameToJson(TelemetrySource::nvml, snap));
    ASSERT_TRUE(frame.ok());
    EXPECT_TRUE(frame->gpus.isEmpty());
    EXPECT_EQ(frame->gpuError, QStringLiteral("NVML: GPU is lost"));
}

TEST(TelemetryFrame, MalformedInputNamesTheField) {
    QJsonObject frame =
        telemetryFrameToJson(TelemetrySource::fake, TelemetrySnapshot{0, {reading(0)}, host(), {}});
    QJsonArray gpus = frame.value(QStringLiteral("gpus")).toArray();
    QJsonObject g = gpus[0].toObject();
    g.insert(QStringLiteral("memory_used_mib"), QStringLiteral("lots"));
    gpus[0] = g;
    frame.insert(QStringLiteral("gpus"), gpus);
    Result<TelemetryFrame> parsed = parseTelemetryFrame(frame);
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(parsed.error().contains(QStringLiteral("gpus[0].memory_used_mib")))
        << parsed.error().toStdString();

    frame.insert(QStringLiteral("gpus"), QStringLiteral("none"));
    parsed = parseTelemetryFrame(frame);
    ASSERT_FALSE(parsed.ok());
    EXPECT_TRUE(parsed.error().contains(QStringLiteral("gpus"))) << parsed.error().toStdString();

    const Result<GpuInventory> inv = parseGpuInventory(QJsonObject{{QStringLiteral("gpus"), QJsonArray{}}});
    ASSERT_FALSE(inv.ok());
    EXPECT_TRUE(inv.error().contains(QStringLiteral("source")));
}

// Found by fuzz_telemetry_frame: numbers outside the target type's range were cast (undefined
// behaviour). They must be refused with the field's name instead.
TEST(TelemetryFrame, OutOfRangeNumbersAreRefusedNotCast) {
    const char *cases[][2] = {
        {R"({"time_ms":1e300,"gpus":[]})", "time_ms"},
        {R"({"time_ms":-5,"gpus":[]})", "time_ms"},
        {R"({"time_ms":0,"gpus":[{"index":0,"time_ms":0,"memory_total_mib":0,"memory_used_mib":0,)"
         R"("clock_sm_mhz":1e10}]})",
         "gpus[0].clock_sm_mhz"},
        {R"({"time_ms":0,"gpus":[{"index":1e12,"time_ms":0,"memory_total_mib":0,"memory_used_mib":0}]})",
         "gpus[0].index"},
        {R"({"time_ms":0,"gpus":[],"host":{"time_ms":0,"cpu_pct":0,"cpu_count":2,"load_avg_1m":0,)"
         R"("memory_total_mib":9e18,"memory_used_mib":-9e18}})",
         "host.memory_total_mib"},
    };
    for (const auto &[json, field] : cases) {
        const QJsonObject o = QJsonDocument::fromJson(QByteArray(json)).object();
        ASSERT_FALSE(o.isEmpty()) << json;
        const Result<TelemetryFrame> parsed = parseTelemetryFrame(o);
        ASSERT_FALSE(parsed.ok()) << json;
        EXPECT_TRUE(parsed.error().contains(QLatin1StringView(field))) << parsed.error().toStdString();
    }
}

}  // namespace
}  // namespace nd
