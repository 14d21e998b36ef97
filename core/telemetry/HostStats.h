#pragma once
// The host side of telemetry, read from Linux /proc: CPU use from /proc/stat deltas, memory from
// /proc/meminfo, load from /proc/loadavg. The parsers take the file text so tests feed them samples.
#include <QByteArray>
#include <QtGlobal>

#include <optional>

namespace nd {

struct HostSample {
    qint64 time_ms = 0;
    double cpu_pct = 0;  // all CPUs together, 0..100, over the time since the previous sample
    int cpu_count = 0;
    qint64 memory_total_mib = 0;
    qint64 memory_used_mib = 0;  // total - available: what programs hold and cannot give back
    qint64 memory_available_mib = 0;
    double load_avg_1m = 0;
};

struct CpuTimes {
    quint64 total = 0;  // jiffies in every state (guest time is already part of user time)
    quint64 idle = 0;   // idle + iowait
    int cpuCount = 0;   // "cpuN" lines
};

struct MemInfo {
    qint64 total_kib = 0;
    qint64 available_kib = 0;
};

std::optional<CpuTimes> parseProcStat(const QByteArray &text);
std::optional<MemInfo> parseMeminfo(const QByteArray &text);
std::optional<double> parseLoadavg(const QByteArray &text);
// Busy share between two readings, 0..100; 0 when no time passed or the counters went backwards.
double cpuPercentBetween(const CpuTimes &before, const CpuTimes &after);

// Reads the real /proc files. Remembers the previous CPU reading so each sample covers the interval
// since the one before. Construct it one interval before the first sample() (prime()).
class HostProbe {
public:
    explicit HostProbe(QByteArray procRoot = "/proc") : m_procRoot(std::move(procRoot)) {}
    // Takes the CPU reading the first sample is measured against.
    void prime();
    HostSample sample(qint64 time_ms);

private:
    QByteArray readProcFile(const char *name) const;

    QByteArray m_procRoot;
    std::optional<CpuTimes> m_previous;
};

}  // namespace nd
