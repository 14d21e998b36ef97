// TelemetryService: the sampler thread with synthetic GPUs, the history, bad options, clean shutdown.
#include <gtest/gtest.h>

#include <algorithm>

#include "TestUtil.h"
#include "core/telemetry/TelemetrySampler.h"
#include "core/telemetry/TelemetryService.h"

namespace nd {
namespace {

TelemetryService::Options fakeOptions(const char *spec, int intervalMs) {
    TelemetryService::Options o;
    o.telemetry.fake_spec = spec;
    o.intervalMs = intervalMs;
    return o;
}

TEST(TelemetryService, SamplesSyntheticGpusInItsThread) {
    TelemetryService service(fakeOptions("2x24576", 100));
    int received = 0;
    QObject context;
    QObject::connect(&service, &TelemetryService::sampleReady, &context, [&](const TelemetrySnapshot &s) {
        ++received;
        EXPECT_EQ(s.gpus.size(), 2u);
        EXPECT_GT(s.host.cpu_count, 0);
    });
    ASSERT_TRUE(service.start().ok());
    EXPECT_EQ(service.source(), TelemetrySource::fake);
    ASSERT_EQ(service.inventory().gpus.size(), 2u);
    EXPECT_TRUE(service.inventory().gpus[0].synthetic);
    EXPECT_EQ(service.inventory().gpus[1].memory_total_mib, 24576u);
    ASSERT_TRUE(test::waitUntil([&] { return received >= 3; }));
    const TelemetrySnapshot *latest = service.latest();
    ASSERT_NE(latest, nullptr);
    EXPECT_TRUE(std::all_of(latest->gpus.begin(), latest->gpus.end(),
                            [](const GpuSample &g) { return g.synthetic; }));
    EXPECT_EQ(service.historySize(), received);
    // Samples come in time order.
    const std::vector<TelemetrySnapshot> all = service.history(0);
    for (size_t i = 1; i < all.size(); ++i)
        EXPECT_LE(all[i - 1].time_ms, all[i].time_ms);
    EXPECT_EQ(service.history(all.back().time_ms).size(), 1u);
}

TEST(TelemetryService, HistoryIsBoundedByItsWindow) {
    TelemetryService::Options o = fakeOptions("1x1024", 100);
    o.historyWindowMs = 250;  // keeps about three samples
    TelemetryService service(o);
    int received = 0;
    QObject context;
    QObject::connect(&service, &TelemetryService::sampleReady, &context, [&] { ++received; });
    ASSERT_TRUE(service.start().ok());
    ASSERT_TRUE(test::waitUntil([&] { return received >= 8; }));
    EXPECT_LE(service.historySize(), 6);
    EXPECT_GE(service.historySize(), 1);
}

TEST(TelemetryService, BadFakeSpecIsAnError) {
    TelemetryService service(fakeOptions("2xlots", 100));
    const VoidResult started = service.start();
    ASSERT_FALSE(started.ok());
    EXPECT_FALSE(started.error().isEmpty());
}

TEST(TelemetryService, StopsWhileSampling) {
    // Destruction joins the thread; a hang here would time the test out.
    for (int i = 0; i < 3; ++i) {
        TelemetryService service(fakeOptions("4x8192", 100));
        ASSERT_TRUE(service.start().ok());
        int received = 0;
        QObject context;
        QObject::connect(&service, &TelemetryService::sampleReady, &context, [&] { ++received; });
        ASSERT_TRUE(test::waitUntil([&] { return received >= 1; }));
    }
}

TEST(TelemetrySampler, ReadOnceGivesInventoryAndSample) {
    TelemetryOptions options;
    options.fake_spec = "1x81920,1x24576";
    const auto read = TelemetrySampler::readOnce(options, 20);
    ASSERT_TRUE(read.ok()) << read.error().toStdString();
    ASSERT_EQ(read->first.gpus.size(), 2u);
    EXPECT_EQ(read->first.gpus[0].memory_total_mib, 81920u);
    EXPECT_EQ(read->second.gpus.size(), 2u);
    EXPECT_GT(read->second.host.memory_total_mib, 0);
}

}  // namespace
}  // namespace nd
