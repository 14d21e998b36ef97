// Formatting of telemetry values for display (see Formatting.h).
#include "ui/common/Formatting.h"

#include <QDateTime>

#include <cmath>

using namespace Qt::StringLiterals;

namespace nd::fmt {

QString missing() {
    return u"—"_s;
}

QString gib(qint64 mib) {
    return QString::number(static_cast<double>(mib) / 1024.0, 'f', 1);
}

QString memoryUsage(qint64 usedMib, qint64 totalMib) {
    if (totalMib <= 0) {
        return missing();
    }
    return u"%1 / %2 GiB"_s.arg(gib(usedMib), gib(totalMib));
}

QString percent(std::optional<double> pct) {
    if (!pct) {
        return missing();
    }
    return u"%1 %"_s.arg(std::lround(*pct));
}

QString temperature(std::optional<double> celsius) {
    if (!celsius) {
        return missing();
    }
    return u"%1 °C"_s.arg(std::lround(*celsius));
}

QString power(std::optional<double> watts, std::optional<double> limitWatts) {
    if (!watts) {
        return missing();
    }
    if (!limitWatts || *limitWatts <= 0) {
        return u"%1 W"_s.arg(std::lround(*watts));
    }
    return u"%1 / %2 W"_s.arg(std::lround(*watts)).arg(std::lround(*limitWatts));
}

QString clock(std::optional<int> mhz) {
    if (!mhz) {
        return missing();
    }
    return u"%1 MHz"_s.arg(*mhz);
}

QString clockTime(qint64 timeMs) {
    if (timeMs <= 0) {
        return missing();
    }
    return QDateTime::fromMSecsSinceEpoch(timeMs).toString(u"HH:mm:ss"_s);
}

QString sentence(QString text) {
    if (!text.isEmpty()) {
        text[0] = text.at(0).toUpper();
    }
    return text;
}

std::optional<double> memoryPercent(qint64 usedMib, qint64 totalMib) {
    if (totalMib <= 0) {
        return std::nullopt;
    }
    return 100.0 * static_cast<double>(usedMib) / static_cast<double>(totalMib);
}

QString gpuDisplayName(const GpuDevice &gpu) {
    QString name = gpu.name.isEmpty() ? u"GPU %1"_s.arg(gpu.index) : gpu.name;
    if (gpu.synthetic && !name.contains(u"synthetic"_s, Qt::CaseInsensitive)) {
        name += u" (synthetic)"_s;
    }
    return name;
}

QString syntheticExplanation() {
    return u"Synthetic GPU: the daemon generates these readings (NEMODESK_FAKE_GPUS is set). "
           "They are not measured from real hardware."_s;
}

QString gpuSummary(const GpuDevice &gpu) {
    QString text = u"GPU%1"_s.arg(gpu.index);
    if (gpu.latest) {
        const GpuReading &r = *gpu.latest;
        if (r.utilizationGpuPct) {
            text += u" %1%"_s.arg(std::lround(*r.utilizationGpuPct));
        }
        const qint64 total = r.memoryTotalMib > 0 ? r.memoryTotalMib : gpu.memoryTotalMib;
        if (total > 0) {
            text += u" · %1/%2 GiB"_s.arg(std::lround(static_cast<double>(r.memoryUsedMib) / 1024.0))
                        .arg(std::lround(static_cast<double>(total) / 1024.0));
        }
    } else {
        text += u" · no reading yet"_s;
    }
    if (gpu.synthetic) {
        text += u" (synthetic)"_s;
    }
    return text;
}

QString withoutFinalStop(QString text) {
    text = text.trimmed();
    while (text.endsWith(u'.'))
        text.chop(1);
    return text;
}

}  // namespace nd::fmt
