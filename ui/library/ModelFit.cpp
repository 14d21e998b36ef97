// Model memory estimate against the GPUs (see ModelFit.h).
#include "ui/library/ModelFit.h"

#include <QCoreApplication>

#include <algorithm>

using namespace Qt::StringLiterals;

namespace nd {

namespace {

constexpr qint64 kMib = qint64{1024} * 1024;

QString tr(const char *text) {
    return QCoreApplication::translate("ModelFit", text);
}

// GPU sizes read as the card says: "24 GiB", "79.6 GiB".
QString gpuSize(qint64 mib) {
    const double gib = static_cast<double>(mib) / 1024.0;
    return gib == static_cast<double>(static_cast<qint64>(gib)) ? u"%1 GiB"_s.arg(static_cast<qint64>(gib))
                                                                : u"%1 GiB"_s.arg(gib, 0, 'f', 1);
}

QString gpuName(const GpuCapacity &gpu) {
    return tr("GPU %1 (%2)").arg(QString::number(gpu.index), gpuSize(gpu.memoryTotalMib));
}

}  // namespace

ModelFit modelFit(qint64 estimateBytes, const QList<GpuCapacity> &gpus) {
    ModelFit fit;
    if (estimateBytes <= 0) {
        return fit;
    }
    qint64 largestMib = 0;
    qint64 allMib = 0;
    for (const GpuCapacity &gpu : gpus) {
        largestMib = std::max(largestMib, gpu.memoryTotalMib);
        allMib += std::max<qint64>(gpu.memoryTotalMib, 0);
        if (gpu.memoryTotalMib * kMib >= estimateBytes) {
            fit.fittingGpus.append(gpu.index);
        }
    }
    if (largestMib <= 0) {
        fit.kind = ModelFit::Kind::noGpu;
    } else if (!fit.fittingGpus.isEmpty()) {
        fit.kind = ModelFit::Kind::fits;
    } else if (allMib * kMib >= estimateBytes) {
        fit.kind = ModelFit::Kind::split;
        const qint64 largestBytes = largestMib * kMib;
        fit.gpusWorth = static_cast<int>((estimateBytes + largestBytes - 1) / largestBytes);
    } else {
        fit.kind = ModelFit::Kind::tooLarge;
    }
    return fit;
}

QString modelFitText(const ModelFit &fit, const QList<GpuCapacity> &gpus) {
    switch (fit.kind) {
        case ModelFit::Kind::noEstimate:
            return tr("no estimate");
        case ModelFit::Kind::noGpu:
            return tr("no GPU: runs on the CPU");
        case ModelFit::Kind::fits: {
            QStringList names;
            for (const GpuCapacity &gpu : gpus) {
                if (fit.fittingGpus.contains(gpu.index)) {
                    names << gpuName(gpu);
                }
            }
            return tr("fits %1").arg(names.join(u", "_s));
        }
        case ModelFit::Kind::split:
            return tr("needs %1 GPUs' worth: runs split or on the CPU").arg(fit.gpusWorth);
        case ModelFit::Kind::tooLarge:
            break;
    }
    return tr("larger than all GPUs together: runs on the CPU");
}

QStringList modelFitPerGpu(qint64 estimateBytes, const QList<GpuCapacity> &gpus) {
    QStringList lines;
    if (estimateBytes <= 0) {
        return lines;
    }
    for (const GpuCapacity &gpu : gpus) {
        const qint64 spare = gpu.memoryTotalMib * kMib - estimateBytes;
        lines << (spare >= 0 ? tr("%1: fits, %2 to spare").arg(gpuName(gpu), bytesText(spare))
                             : tr("%1: %2 short").arg(gpuName(gpu), bytesText(-spare)));
    }
    return lines;
}

QString bytesText(qint64 bytes) {
    if (bytes < 1024) {
        return u"%1 B"_s.arg(bytes);
    }
    if (bytes < kMib) {
        return u"%1 KiB"_s.arg(bytes / 1024);
    }
    if (bytes < 1024 * kMib) {
        return u"%1 MiB"_s.arg(bytes / kMib);
    }
    return u"%1 GiB"_s.arg(static_cast<double>(bytes) / static_cast<double>(1024 * kMib), 0, 'f', 1);
}

}  // namespace nd
