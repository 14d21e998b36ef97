// The synthetic telemetry source through the public API: inventory, plausible ranges, determinism,
// smooth variation, and the relations between fields (power follows utilisation, temperature lags it).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "gpu/telemetry/telemetry.h"

namespace nd {
namespace {

constexpr int64_t kEpochMs = 1764143000000;  // a realistic Unix time in ms

TelemetryPtr open_fake(const std::string &spec) {
    Telemetry *raw = nullptr;
    TelemetryOptions options;
    options.fake_spec = spec;
    const Status s = telemetry_open(options, &raw);
    EXPECT_TRUE(s.ok()) << s.describe();
    return TelemetryPtr(raw);
}

std::vector<GpuSample> sample(Telemetry *t, int64_t time_ms) {
    std::vector<GpuSample> out;
    const Status s = telemetry_sample(t, time_ms, &out);
    EXPECT_TRUE(s.ok()) << s.describe();
    return out;
}

// GPU `index`'s samples every step_ms over duration_ms.
std::vector<GpuSample> series(Telemetry *t, int index, int64_t start_ms, int64_t duration_ms,
                              int64_t step_ms) {
    std::vector<GpuSample> out;
    for (int64_t time = start_ms; time < start_ms + duration_ms; time += step_ms)
        out.push_back(sample(t, time).at(static_cast<size_t>(index)));
    return out;
}

double correlation(const std::vector<double> &a, const std::vector<double> &b) {
    const double n = static_cast<double>(a.size());
    double ma = 0, mb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        ma += a[i] / n;
        mb += b[i] / n;
    }
    double cov = 0, va = 0, vb = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        cov += (a[i] - ma) * (b[i] - mb);
        va += (a[i] - ma) * (a[i] - ma);
        vb += (b[i] - mb) * (b[i] - mb);
    }
    return cov / std::sqrt(va * vb);
}

TEST(FakeTelemetry, OpensWithSyntheticInventory) {
    TelemetryPtr t = open_fake("2x24576,1x81920");
    EXPECT_EQ(telemetry_source(t.get()), TelemetrySource::fake);
    EXPECT_NE(telemetry_message(t.get()).find("synthetic"), std::string::npos) << telemetry_message(t.get());
    EXPECT_NE(telemetry_message(t.get()).find("2x24576,1x81920"), std::string::npos);
    EXPECT_TRUE(telemetry_driver_version(t.get()).empty());

    const std::vector<GpuInfo> &gpus = telemetry_inventory(t.get());
    ASSERT_EQ(gpus.size(), 3u);
    EXPECT_EQ(gpus[0].name, "NemoDesk synthetic GPU 0 (24 GiB)");
    EXPECT_EQ(gpus[2].name, "NemoDesk synthetic GPU 2 (80 GiB)");
    std::set<std::string> uuids;
    for (size_t i = 0; i < gpus.size(); ++i) {
        const GpuInfo &gpu = gpus[i];
        EXPECT_EQ(gpu.index, static_cast<int>(i));
        EXPECT_TRUE(gpu.synthetic);
        EXPECT_EQ(gpu.uuid.rfind("GPU-00000000-fake-", 0), 0u) << gpu.uuid;
        EXPECT_EQ(gpu.pci_bus_id, "fake:00." + std::to_string(i));
        EXPECT_FALSE(gpu.compute_capability_major.has_value())
            << "a synthetic GPU must not claim an architecture";
        ASSERT_TRUE(gpu.power_limit_w && gpu.clock_sm_max_mhz && gpu.clock_mem_max_mhz);
        EXPECT_GT(*gpu.power_limit_w, 50.0);
        uuids.insert(gpu.uuid);
    }
    EXPECT_EQ(uuids.size(), 3u) << "uuids must be distinct";
    EXPECT_EQ(gpus[0].memory_total_mib, 24576u);
    EXPECT_EQ(gpus[2].memory_total_mib, 81920u);
    EXPECT_GT(*gpus[2].power_limit_w, *gpus[0].power_limit_w) << "bigger parts draw more";
}

TEST(FakeTelemetry, NamesOddSizes) {
    TelemetryPtr t = open_fake("1536,512");
    EXPECT_EQ(telemetry_inventory(t.get())[0].name, "NemoDesk synthetic GPU 0 (1.5 GiB)");
    EXPECT_EQ(telemetry_inventory(t.get())[1].name, "NemoDesk synthetic GPU 1 (512 MiB)");
}

TEST(FakeTelemetry, UuidsAreStablePerIndex) {
    TelemetryPtr a = open_fake("2x1024");
    TelemetryPtr b = open_fake("3x8192");
    EXPECT_EQ(telemetry_inventory(a.get())[1].uuid, telemetry_inventory(b.get())[1].uuid);
}

TEST(FakeTelemetry, BadSpecFailsAndLeavesOutputNull) {
    Telemetry *raw = reinterpret_cast<Telemetry *>(0x1);
    TelemetryOptions options;
    options.fake_spec = "2xlots";
    const Status s = telemetry_open(options, &raw);
    EXPECT_EQ(s.code, StatusCode::invalid_argument);
    EXPECT_NE(s.message.find("\"lots\""), std::string::npos) << s.message;
    EXPECT_EQ(raw, nullptr);
    EXPECT_EQ(telemetry_open(options, nullptr).code, StatusCode::invalid_argument);
}

TEST(FakeTelemetry, SampleNeedsOutput) {
    TelemetryPtr t = open_fake("1024");
    EXPECT_EQ(telemetry_sample(t.get(), kEpochMs, nullptr).code, StatusCode::invalid_argument);
}

TEST(FakeTelemetry, SamplesAreStampedSyntheticAndWithoutProcesses) {
    TelemetryPtr t = open_fake("2x24576");
    const std::vector<GpuSample> s = sample(t.get(), kEpochMs + 123);
    ASSERT_EQ(s.size(), 2u);
    for (size_t i = 0; i < s.size(); ++i) {
        EXPECT_EQ(s[i].index, static_cast<int>(i));
        EXPECT_EQ(s[i].time_ms, kEpochMs + 123);
        EXPECT_TRUE(s[i].synthetic);
        EXPECT_TRUE(s[i].processes.empty());
        EXPECT_EQ(s[i].memory_total_mib, 24576u);
    }
}

TEST(FakeTelemetry, SameTimeGivesSameNumbers) {
    TelemetryPtr a = open_fake("2x24576");
    TelemetryPtr b = open_fake("2x24576");
    for (int64_t time : {kEpochMs, kEpochMs + 61'234, int64_t{0}, int64_t{-5'000}}) {
        const std::vector<GpuSample> x = sample(a.get(), time);
        const std::vector<GpuSample> y = sample(b.get(), time);
        const std::vector<GpuSample> z = sample(a.get(), time);  // and again on the same object
        for (size_t i = 0; i < x.size(); ++i) {
            for (const std::vector<GpuSample> *other : {&y, &z}) {
                const GpuSample &p = x[i];
                const GpuSample &q = (*other)[i];
                EXPECT_EQ(p.memory_used_mib, q.memory_used_mib);
                EXPECT_EQ(p.utilization_gpu_pct, q.utilization_gpu_pct);
                EXPECT_EQ(p.utilization_memory_pct, q.utilization_memory_pct);
                EXPECT_EQ(p.temperature_c, q.temperature_c);
                EXPECT_EQ(p.power_w, q.power_w);
                EXPECT_EQ(p.clock_sm_mhz, q.clock_sm_mhz);
                EXPECT_EQ(p.clock_mem_mhz, q.clock_mem_mhz);
                EXPECT_EQ(p.fan_pct, q.fan_pct);
            }
        }
    }
}

TEST(FakeTelemetry, ValuesStayInPlausibleRanges) {
    TelemetryPtr t = open_fake("1x24576,1x81920,1x1024");
    const std::vector<GpuInfo> &gpus = telemetry_inventory(t.get());
    for (int64_t time = kEpochMs - 3'600'000; time < kEpochMs + 3'600'000; time += 1'700) {
        for (const GpuSample &s : sample(t.get(), time)) {
            const GpuInfo &gpu = gpus[static_cast<size_t>(s.index)];
            ASSERT_TRUE(s.utilization_gpu_pct && s.utilization_memory_pct && s.temperature_c && s.power_w &&
                        s.clock_sm_mhz && s.clock_mem_mhz && s.fan_pct);
            EXPECT_GE(*s.utilization_gpu_pct, 0.0);
            EXPECT_LE(*s.utilization_gpu_pct, 100.0);
            EXPECT_GE(*s.utilization_memory_pct, 0.0);
            EXPECT_LE(*s.utilization_memory_pct, 100.0);
            EXPECT_GT(s.memory_used_mib, 0u);
            EXPECT_LE(s.memory_used_mib, s.memory_total_mib);
            EXPECT_GE(*s.temperature_c, 25.0);
            EXPECT_LE(*s.temperature_c, 90.0);
            EXPECT_GT(*s.power_w, 0.0);
            EXPECT_LE(*s.power_w, *gpu.power_limit_w);
            EXPECT_GT(*s.clock_sm_mhz, 100);
            EXPECT_LE(*s.clock_sm_mhz, *gpu.clock_sm_max_mhz);
            EXPECT_GT(*s.clock_mem_mhz, 100);
            EXPECT_LE(*s.clock_mem_mhz, *gpu.clock_mem_max_mhz);
            EXPECT_GE(*s.fan_pct, 0);
            EXPECT_LE(*s.fan_pct, 100);
        }
    }
}

TEST(FakeTelemetry, WorkloadHasIdleAndBusyStretchesAndVariesSmoothly) {
    TelemetryPtr t = open_fake("1x24576");
    const std::vector<GpuSample> s = series(t.get(), 0, kEpochMs, 30 * 60'000, 1'000);
    double lowest = 100, highest = 0;
    std::set<double> distinct;
    for (size_t i = 0; i < s.size(); ++i) {
        const double u = *s[i].utilization_gpu_pct;
        lowest = std::min(lowest, u);
        highest = std::max(highest, u);
        distinct.insert(u);
        if (i > 0) {
            EXPECT_LE(std::abs(u - *s[i - 1].utilization_gpu_pct), 10.0) << "jump at second " << i;
            EXPECT_LE(std::abs(*s[i].temperature_c - *s[i - 1].temperature_c), 3.0) << "jump at second " << i;
            const double mem_step = std::abs(static_cast<double>(s[i].memory_used_mib) -
                                             static_cast<double>(s[i - 1].memory_used_mib));
            EXPECT_LE(mem_step, 0.05 * 24576) << "jump at second " << i;
        }
    }
    EXPECT_LE(lowest, 2.0) << "the GPU should sometimes idle";
    EXPECT_GE(highest, 98.0) << "the GPU should sometimes be saturated";
    EXPECT_GE(distinct.size(), 50u);
}

TEST(FakeTelemetry, GpusDoNotMoveInLockstep) {
    TelemetryPtr t = open_fake("2x24576");
    int differing = 0;
    for (int64_t time = kEpochMs; time < kEpochMs + 600'000; time += 5'000) {
        const std::vector<GpuSample> s = sample(t.get(), time);
        if (s[0].utilization_gpu_pct != s[1].utilization_gpu_pct)
            ++differing;
    }
    EXPECT_GE(differing, 100);
}

TEST(FakeTelemetry, PowerRisesWithUtilization) {
    TelemetryPtr t = open_fake("1x81920");
    const std::vector<GpuSample> s = series(t.get(), 0, kEpochMs, 10 * 60'000, 3'000);
    for (const GpuSample &a : s) {
        for (const GpuSample &b : s) {
            if (*a.utilization_gpu_pct < *b.utilization_gpu_pct) {
                EXPECT_LE(*a.power_w, *b.power_w);
            }
        }
    }
}

TEST(FakeTelemetry, TemperatureFollowsPowerWithALag) {
    TelemetryPtr t = open_fake("1x24576");
    const std::vector<GpuSample> s = series(t.get(), 0, kEpochMs, 20 * 60'000, 1'000);
    // Correlate temperature at time i with power at time i - lag; the best lag is the thermal delay.
    constexpr int kMaxLagS = 60;
    int best_lag = -1;
    double best = -2;
    for (int lag = 0; lag <= kMaxLagS; ++lag) {
        std::vector<double> temperature, power;
        for (size_t i = kMaxLagS; i < s.size(); ++i) {
            temperature.push_back(*s[i].temperature_c);
            power.push_back(*s[i - static_cast<size_t>(lag)].power_w);
        }
        const double c = correlation(temperature, power);
        if (c > best) {
            best = c;
            best_lag = lag;
        }
    }
    EXPECT_GE(best_lag, 5) << "temperature should lag power";
    EXPECT_LE(best_lag, 30);
    EXPECT_GT(best, 0.8) << "temperature should follow power";
}

TEST(FakeTelemetry, ClocksIdleWithoutWorkAndBoostUnderLoad) {
    TelemetryPtr t = open_fake("1x24576");
    const GpuInfo &gpu = telemetry_inventory(t.get())[0];
    int idle_seen = 0, busy_seen = 0;
    for (const GpuSample &s : series(t.get(), 0, kEpochMs, 30 * 60'000, 2'000)) {
        if (*s.utilization_gpu_pct == 0) {
            ++idle_seen;
            EXPECT_LT(*s.clock_sm_mhz, *gpu.clock_sm_max_mhz / 3);
            EXPECT_LT(*s.clock_mem_mhz, *gpu.clock_mem_max_mhz / 3);
        } else if (*s.utilization_gpu_pct >= 50) {
            ++busy_seen;
            EXPECT_GT(*s.clock_sm_mhz, *gpu.clock_sm_max_mhz * 8 / 10);
            EXPECT_EQ(*s.clock_mem_mhz, *gpu.clock_mem_max_mhz);
        }
    }
    EXPECT_GT(idle_seen, 0);
    EXPECT_GT(busy_seen, 0);
}

}  // namespace
}  // namespace nd
