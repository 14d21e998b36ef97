// TelemetryFrame: API JSON to plain structs, checking the fields the views rely on.
#include "core/client/TelemetryFrame.h"

#include <QJsonArray>

#include <algorithm>
#include <cmath>
#include <limits>

namespace nd {

namespace {

constexpr qint64 kMaxGpuIndex = 4095;
constexpr qint64 kMaxCpuCount = 1 << 20;

// Collects the first problem; later reads are skipped once one is found.
class Reader {
public:
    explicit Reader(QString what) : m_what(std::move(what)) {}

    bool ok() const { return m_error.isEmpty(); }
    Error error() const {
        return Error{QStringLiteral("%1 from the daemon is malformed: %2").arg(m_what, m_error)};
    }
    void fail(const QString &path, const QString &problem) {
        if (ok())
            m_error = path + QStringLiteral(": ") + problem;
    }

    double number(const QJsonObject &o, const QString &path, const QString &key) {
        const QJsonValue v = o.value(key);
        if (!v.isDouble()) {
            fail(path + key, QStringLiteral("missing or not a number"));
            return 0;
        }
        if (!std::isfinite(v.toDouble())) {
            fail(path + key, QStringLiteral("not a finite number"));
            return 0;
        }
        return v.toDouble();
    }
    // Whole numbers are range-checked before the cast: a double outside the target type's range is
    // undefined behaviour to convert, and a daemon (or anything on its port) must not be able to cause
    // that in the GUI. 2^53 is where doubles stop representing every integer.
    qint64 integer(const QJsonObject &o, const QString &path, const QString &key, qint64 lo = 0,
                   qint64 hi = kMaxExactInteger) {
        const double d = number(o, path, key);
        return ok() ? checkedInteger(d, path + key, lo, hi) : 0;
    }
    // null or absent -> empty; anything else must be a number.
    std::optional<double> optionalNumber(const QJsonObject &o, const QString &path, const QString &key) {
        const QJsonValue v = o.value(key);
        if (v.isNull() || v.isUndefined())
            return std::nullopt;
        if (!v.isDouble()) {
            fail(path + key, QStringLiteral("not a number"));
            return std::nullopt;
        }
        if (!std::isfinite(v.toDouble())) {
            fail(path + key, QStringLiteral("not a finite number"));
            return std::nullopt;
        }
        return v.toDouble();
    }
    std::optional<int> optionalInt(const QJsonObject &o, const QString &path, const QString &key) {
        const std::optional<double> d = optionalNumber(o, path, key);
        if (!d || !ok())
            return std::nullopt;
        return static_cast<int>(checkedInteger(*d, path + key, 0, std::numeric_limits<int>::max()));
    }
    QString string(const QJsonObject &o, const QString &key) { return o.value(key).toString(); }
    // Calls read(object, "key[i].") for each element of the array `key`, stopping at the first problem.
    template <typename ReadElement>
    void forEachObject(const QJsonObject &o, const QString &key, ReadElement read) {
        const QJsonArray items = array(o, QString(), key);
        for (qsizetype i = 0; i < items.size() && ok(); ++i) {
            const QString path = QStringLiteral("%1[%2].").arg(key).arg(i);
            if (!items[i].isObject()) {
                fail(path.chopped(1), QStringLiteral("not an object"));
                return;
            }
            read(items[i].toObject(), path);
        }
    }
    QJsonArray array(const QJsonObject &o, const QString &path, const QString &key) {
        const QJsonValue v = o.value(key);
        if (!v.isArray())
            fail(path + key, QStringLiteral("missing or not an array"));
        return v.toArray();
    }

private:
    static constexpr qint64 kMaxExactInteger = qint64{1} << 53;

    qint64 checkedInteger(double d, const QString &where, qint64 lo, qint64 hi) {
        if (!std::isfinite(d) || d < static_cast<double>(lo) || d > static_cast<double>(hi)) {
            fail(where, QStringLiteral("%1 is out of range [%2, %3]").arg(d).arg(lo).arg(hi));
            return 0;
        }
        return static_cast<qint64>(d);
    }

    QString m_what;
    QString m_error;
};

GpuReading readGpu(Reader &r, const QJsonObject &o, const QString &path) {
    GpuReading g;
    g.index = static_cast<int>(r.integer(o, path, QStringLiteral("index"), 0, kMaxGpuIndex));
    g.timeMs = r.integer(o, path, QStringLiteral("time_ms"));
    g.memoryTotalMib = r.integer(o, path, QStringLiteral("memory_total_mib"));
    g.memoryUsedMib = r.integer(o, path, QStringLiteral("memory_used_mib"));
    g.utilizationGpuPct = r.optionalNumber(o, path, QStringLiteral("utilization_gpu_pct"));
    g.utilizationMemoryPct = r.optionalNumber(o, path, QStringLiteral("utilization_memory_pct"));
    g.temperatureC = r.optionalNumber(o, path, QStringLiteral("temperature_c"));
    g.powerW = r.optionalNumber(o, path, QStringLiteral("power_w"));
    g.clockSmMhz = r.optionalInt(o, path, QStringLiteral("clock_sm_mhz"));
    g.clockMemMhz = r.optionalInt(o, path, QStringLiteral("clock_mem_mhz"));
    g.fanPct = r.optionalInt(o, path, QStringLiteral("fan_pct"));
    g.processCount = static_cast<int>(o.value(QStringLiteral("processes")).toArray().size());
    g.synthetic = o.value(QStringLiteral("synthetic")).toBool();
    return g;
}

std::optional<HostReading> readHost(Reader &r, const QJsonValue &v) {
    if (!v.isObject())
        return std::nullopt;
    const QJsonObject o = v.toObject();
    const QString path = QStringLiteral("host.");
    HostReading h;
    h.timeMs = r.integer(o, path, QStringLiteral("time_ms"));
    h.cpuPct = r.number(o, path, QStringLiteral("cpu_pct"));
    h.cpuCount = static_cast<int>(r.integer(o, path, QStringLiteral("cpu_count"), 0, kMaxCpuCount));
    h.memoryTotalMib = r.integer(o, path, QStringLiteral("memory_total_mib"));
    h.memoryUsedMib = r.integer(o, path, QStringLiteral("memory_used_mib"));
    h.loadAvg1m = r.number(o, path, QStringLiteral("load_avg_1m"));
    // Older daemons did not send it; both operands are range-checked above, so the difference is safe.
    if (o.contains(QStringLiteral("memory_available_mib")))
        h.memoryAvailableMib = r.integer(o, path, QStringLiteral("memory_available_mib"));
    else
        h.memoryAvailableMib = std::max<qint64>(0, h.memoryTotalMib - h.memoryUsedMib);
    return h;
}

}  // namespace

Result<GpuInventory> parseGpuInventory(const QJsonObject &json) {
    Reader r(QStringLiteral("the GPU inventory"));
    GpuInventory inventory;
    inventory.source = r.string(json, QStringLiteral("source"));
    if (inventory.source.isEmpty())
        r.fail(QStringLiteral("source"), QStringLiteral("missing"));
    inventory.message = r.string(json, QStringLiteral("message"));
    inventory.driverVersion = r.string(json, QStringLiteral("driver_version"));
    r.forEachObject(json, QStringLiteral("gpus"), [&](const QJsonObject &o, const QString &path) {
        GpuDevice d;
        d.index = static_cast<int>(r.integer(o, path, QStringLiteral("index"), 0, kMaxGpuIndex));
        d.name = r.string(o, QStringLiteral("name"));
        d.uuid = r.string(o, QStringLiteral("uuid"));
        d.pciBusId = r.string(o, QStringLiteral("pci_bus_id"));
        d.memoryTotalMib = r.integer(o, path, QStringLiteral("memory_total_mib"));
        d.computeCapability = r.string(o, QStringLiteral("compute_capability"));
        d.powerLimitW = r.optionalNumber(o, path, QStringLiteral("power_limit_w"));
        d.synthetic = o.value(QStringLiteral("synthetic")).toBool();
        const QJsonValue sample = o.value(QStringLiteral("sample"));
        if (sample.isObject())
            d.latest = readGpu(r, sample.toObject(), path + QStringLiteral("sample."));
        inventory.gpus.append(d);
    });
    inventory.host = readHost(r, json.value(QStringLiteral("host")));
    if (!r.ok())
        return r.error();
    return inventory;
}

Result<TelemetryFrame> parseTelemetryFrame(const QJsonObject &json) {
    Reader r(QStringLiteral("a telemetry event"));
    TelemetryFrame frame;
    frame.source = r.string(json, QStringLiteral("source"));
    frame.timeMs = r.integer(json, QString(), QStringLiteral("time_ms"));
    frame.gpuError = r.string(json, QStringLiteral("gpu_error"));
    r.forEachObject(json, QStringLiteral("gpus"), [&](const QJsonObject &o, const QString &path) {
        frame.gpus.append(readGpu(r, o, path));
    });
    frame.host = readHost(r, json.value(QStringLiteral("host")));
    if (!r.ok())
        return r.error();
    return frame;
}

}  // namespace nd
