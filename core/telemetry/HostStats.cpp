// HostStats: parsing /proc text. Unknown or missing fields leave zeros rather than failing the sample:
// the GPU readings around them are still worth sending.
#include "core/telemetry/HostStats.h"

#include <QFile>
#include <QList>
#include <QThread>

#include <algorithm>

namespace nd {

namespace {

QList<QByteArray> fields(const QByteArray &line) {
    return line.simplified().split(' ');
}

}  // namespace

std::optional<CpuTimes> parseProcStat(const QByteArray &text) {
    std::optional<CpuTimes> result;
    int cpuLines = 0;
    for (const QByteArray &line : text.split('\n')) {
        if (!line.startsWith("cpu"))
            continue;
        const QList<QByteArray> f = fields(line);
        if (f.first() != "cpu") {
            if (f.first().size() > 3)
                ++cpuLines;  // "cpu0", "cpu1", …
            continue;
        }
        // cpu user nice system idle iowait irq softirq steal guest guest_nice
        if (f.size() < 5)
            return std::nullopt;
        CpuTimes times;
        for (qsizetype i = 1; i < f.size() && i <= 8; ++i) {  // guest* are already counted in user/nice
            bool ok = false;
            const quint64 v = f[i].toULongLong(&ok);
            if (!ok)
                return std::nullopt;
            times.total += v;
            if (i == 4 || i == 5)
                times.idle += v;
        }
        result = times;
    }
    if (result)
        result->cpuCount = cpuLines;
    return result;
}

std::optional<MemInfo> parseMeminfo(const QByteArray &text) {
    MemInfo info;
    bool haveTotal = false;
    bool haveAvailable = false;
    qint64 freeKib = 0;
    qint64 buffersKib = 0;
    qint64 cachedKib = 0;
    for (const QByteArray &line : text.split('\n')) {
        const QList<QByteArray> f = fields(line);
        if (f.size() < 2)
            continue;
        bool ok = false;
        const qint64 value = f[1].toLongLong(&ok);
        if (!ok)
            continue;
        if (f[0] == "MemTotal:") {
            info.total_kib = value;
            haveTotal = true;
        } else if (f[0] == "MemAvailable:") {
            info.available_kib = value;
            haveAvailable = true;
        } else if (f[0] == "MemFree:") {
            freeKib = value;
        } else if (f[0] == "Buffers:") {
            buffersKib = value;
        } else if (f[0] == "Cached:") {
            cachedKib = value;
        }
    }
    if (!haveTotal)
        return std::nullopt;
    // Kernels before 3.14 have no MemAvailable; free + buffers + cache is the usual estimate.
    if (!haveAvailable)
        info.available_kib = std::min(info.total_kib, freeKib + buffersKib + cachedKib);
    return info;
}

std::optional<double> parseLoadavg(const QByteArray &text) {
    const QList<QByteArray> f = fields(text);
    if (f.isEmpty())
        return std::nullopt;
    bool ok = false;
    const double load = f.first().toDouble(&ok);
    if (!ok)
        return std::nullopt;
    return load;
}

double cpuPercentBetween(const CpuTimes &before, const CpuTimes &after) {
    if (after.total <= before.total || after.idle < before.idle)
        return 0;
    const double total = static_cast<double>(after.total - before.total);
    const double idle = static_cast<double>(after.idle - before.idle);
    return std::clamp(100.0 * (total - idle) / total, 0.0, 100.0);
}

QByteArray HostProbe::readProcFile(const char *name) const {
    QFile f(QFile::decodeName(m_procRoot + '/' + name));
    // /proc files report size 0: read until the end instead of by size.
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll();
}

void HostProbe::prime() {
    m_previous = parseProcStat(readProcFile("stat"));
}

HostSample HostProbe::sample(qint64 time_ms) {
    HostSample s;
    s.time_ms = time_ms;
    const std::optional<CpuTimes> cpu = parseProcStat(readProcFile("stat"));
    if (cpu) {
        if (m_previous)
            s.cpu_pct = cpuPercentBetween(*m_previous, *cpu);
        s.cpu_count = cpu->cpuCount;
        m_previous = cpu;
    }
    if (s.cpu_count <= 0)
        s.cpu_count = QThread::idealThreadCount();
    if (const std::optional<MemInfo> mem = parseMeminfo(readProcFile("meminfo"))) {
        s.memory_total_mib = mem->total_kib / 1024;
        s.memory_available_mib = mem->available_kib / 1024;
        s.memory_used_mib = s.memory_total_mib - s.memory_available_mib;
    }
    if (const std::optional<double> load = parseLoadavg(readProcFile("loadavg")))
        s.load_avg_1m = *load;
    return s;
}

}  // namespace nd
