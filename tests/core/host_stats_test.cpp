// Host telemetry parsers over sample /proc text, and the probe over a fake /proc folder.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "core/telemetry/HostStats.h"

namespace nd {
namespace {

const QByteArray kStat1 =
    "cpu  100 0 50 800 50 0 0 0 0 0\n"
    "cpu0 50 0 25 400 25 0 0 0 0 0\n"
    "cpu1 50 0 25 400 25 0 0 0 0 0\n"
    "intr 12345\nctxt 999\nbtime 1700000000\nprocesses 42\n";
const QByteArray kStat2 =  // +150 busy (user 100, system 50), +50 idle, +0 iowait: 75 % busy
    "cpu  200 0 100 850 50 0 0 0 10 0\n"
    "cpu0 100 0 50 425 25 0 0 0 5 0\n"
    "cpu1 100 0 50 425 25 0 0 0 5 0\n";

TEST(HostStats, ParsesProcStat) {
    const std::optional<CpuTimes> t = parseProcStat(kStat1);
    ASSERT_TRUE(t);
    EXPECT_EQ(t->total, 1000u);
    EXPECT_EQ(t->idle, 850u);
    EXPECT_EQ(t->cpuCount, 2);
}

TEST(HostStats, CpuPercentFromDeltas) {
    const CpuTimes a = *parseProcStat(kStat1);
    const CpuTimes b = *parseProcStat(kStat2);
    EXPECT_DOUBLE_EQ(cpuPercentBetween(a, b), 75.0);
    EXPECT_DOUBLE_EQ(cpuPercentBetween(a, a), 0.0);  // no time passed
    EXPECT_DOUBLE_EQ(cpuPercentBetween(b, a), 0.0);  // counters went backwards (not a negative share)
}

TEST(HostStats, RejectsMalformedStat) {
    EXPECT_FALSE(parseProcStat("intr 1\n"));
    EXPECT_FALSE(parseProcStat("cpu 1 2\n"));
    EXPECT_FALSE(parseProcStat("cpu a b c d e\n"));
}

TEST(HostStats, ParsesMeminfo) {
    const std::optional<MemInfo> m = parseMeminfo(
        "MemTotal:       32768000 kB\nMemFree:         1000000 kB\nMemAvailable:   20480000 kB\n"
        "Buffers:          100000 kB\nCached:          5000000 kB\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->total_kib, 32768000);
    EXPECT_EQ(m->available_kib, 20480000);
}

TEST(HostStats, EstimatesAvailableOnOldKernels) {
    const std::optional<MemInfo> m =
        parseMeminfo("MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 50 kB\nCached: 250 kB\n");
    ASSERT_TRUE(m);
    EXPECT_EQ(m->available_kib, 400);
    EXPECT_FALSE(parseMeminfo("MemFree: 100 kB\n"));
}

TEST(HostStats, ParsesLoadavg) {
    EXPECT_DOUBLE_EQ(*parseLoadavg("0.70 0.55 0.40 2/812 12345\n"), 0.70);
    EXPECT_FALSE(parseLoadavg(""));
    EXPECT_FALSE(parseLoadavg("abc"));
}

TEST(HostStats, ProbeReadsAProcFolder) {
    QTemporaryDir dir;
    const auto put = [&dir](const char *name, const QByteArray &text) {
        QFile f(dir.filePath(QString::fromLatin1(name)));
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(text);
    };
    put("stat", kStat1);
    put("meminfo", "MemTotal: 2097152 kB\nMemAvailable: 1048576 kB\n");
    put("loadavg", "1.25 1.00 0.75 1/100 42\n");
    HostProbe probe(QFile::encodeName(dir.path()));
    probe.prime();
    put("stat", kStat2);
    const HostSample s = probe.sample(1234);
    EXPECT_EQ(s.time_ms, 1234);
    EXPECT_DOUBLE_EQ(s.cpu_pct, 75.0);
    EXPECT_EQ(s.cpu_count, 2);
    EXPECT_EQ(s.memory_total_mib, 2048);
    EXPECT_EQ(s.memory_available_mib, 1024);
    EXPECT_EQ(s.memory_used_mib, 1024);
    EXPECT_DOUBLE_EQ(s.load_avg_1m, 1.25);
}

TEST(HostStats, ProbeReadsThisMachine) {
    HostProbe probe;
    probe.prime();
    const HostSample s = probe.sample(1);
    EXPECT_GT(s.cpu_count, 0);
    EXPECT_GT(s.memory_total_mib, 0);
    EXPECT_GE(s.memory_used_mib, 0);
    EXPECT_LE(s.memory_used_mib, s.memory_total_mib);
    EXPECT_GE(s.cpu_pct, 0.0);
    EXPECT_LE(s.cpu_pct, 100.0);
}

}  // namespace
}  // namespace nd
