// GPU table model: inventory rows, live cells from telemetry frames (see GpuTableModel.h).
#include "ui/models/GpuTableModel.h"

#include <QFont>
#include <QGuiApplication>
#include <QPalette>

#include <algorithm>

#include "ui/common/Formatting.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

// Two inventories describe the same devices when every row keeps its identity; then the view keeps
// its selection and scroll position instead of being reset.
bool sameDevices(const QList<GpuDevice> &a, const QList<GpuDevice> &b) {
    if (a.size() != b.size()) {
        return false;
    }
    for (qsizetype i = 0; i < a.size(); ++i) {
        const GpuDevice &x = a.at(i);
        const GpuDevice &y = b.at(i);
        if (x.index != y.index || x.uuid != y.uuid || x.name != y.name ||
            x.memoryTotalMib != y.memoryTotalMib || x.synthetic != y.synthetic) {
            return false;
        }
    }
    return true;
}

UsagePoint usageOf(const GpuReading &r, qint64 fallbackTotalMib) {
    const qint64 total = r.memoryTotalMib > 0 ? r.memoryTotalMib : fallbackTotalMib;
    return {r.timeMs, r.utilizationGpuPct, fmt::memoryPercent(r.memoryUsedMib, total)};
}

}  // namespace

GpuTableModel::GpuTableModel(QObject *parent) : QAbstractTableModel(parent) {}

int GpuTableModel::rowCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : static_cast<int>(m_gpus.size());
}

int GpuTableModel::columnCount(const QModelIndex &parent) const {
    return parent.isValid() ? 0 : Columns::count;
}

QVariant GpuTableModel::data(const QModelIndex &index, int role) const {
    if (!checkIndex(index, CheckIndexOption::IndexIsValid | CheckIndexOption::ParentIsInvalid)) {
        return {};
    }
    const GpuDevice &gpu = m_gpus.at(index.row());
    const int column = index.column();
    switch (role) {
        case Qt::DisplayRole:
            return displayData(gpu, column);
        case ValueRole:
            return valueData(gpu, column);
        case SyntheticRole:
            return gpu.synthetic;
        case Qt::ToolTipRole:
            return toolTip(gpu);
        case Qt::TextAlignmentRole:
            if (column == Columns::name) {
                return QVariant::fromValue(Qt::AlignLeft | Qt::AlignVCenter);
            }
            return QVariant::fromValue(Qt::AlignRight | Qt::AlignVCenter);
        case Qt::ForegroundRole:
            if (m_freshness == Freshness::stale) {
                return QGuiApplication::palette().brush(QPalette::Disabled, QPalette::Text);
            }
            return {};
        case Qt::FontRole:
            if (m_freshness == Freshness::stale) {
                QFont font;
                font.setItalic(true);
                return font;
            }
            return {};
        default:
            return {};
    }
}

QVariant GpuTableModel::displayData(const GpuDevice &gpu, int column) const {
    if (column == Columns::index) {
        return QString::number(gpu.index);
    }
    if (column == Columns::name) {
        return fmt::gpuDisplayName(gpu);
    }
    if (!gpu.latest) {
        return fmt::missing();
    }
    const GpuReading &r = *gpu.latest;
    switch (column) {
        case Columns::utilization:
            return fmt::percent(r.utilizationGpuPct);
        case Columns::memory:
            return fmt::memoryUsage(r.memoryUsedMib,
                                    r.memoryTotalMib > 0 ? r.memoryTotalMib : gpu.memoryTotalMib);
        case Columns::temperature:
            return fmt::temperature(r.temperatureC);
        case Columns::power:
            return fmt::power(r.powerW, gpu.powerLimitW);
        case Columns::smClock:
            return fmt::clock(r.clockSmMhz);
        case Columns::processes:
            return QString::number(r.processCount);
        default:
            return {};
    }
}

QVariant GpuTableModel::valueData(const GpuDevice &gpu, int column) const {
    if (column == Columns::index) {
        return gpu.index;
    }
    if (column == Columns::name) {
        return gpu.name;
    }
    if (!gpu.latest) {
        return {};
    }
    const GpuReading &r = *gpu.latest;
    auto orEmpty = [](const auto &value) -> QVariant { return value ? QVariant(*value) : QVariant(); };
    switch (column) {
        case Columns::utilization:
            return orEmpty(r.utilizationGpuPct);
        case Columns::memory:
            return r.memoryUsedMib;
        case Columns::temperature:
            return orEmpty(r.temperatureC);
        case Columns::power:
            return orEmpty(r.powerW);
        case Columns::smClock:
            return orEmpty(r.clockSmMhz);
        case Columns::processes:
            return r.processCount;
        default:
            return {};
    }
}

QString GpuTableModel::toolTip(const GpuDevice &gpu) const {
    QStringList lines;
    lines << u"GPU %1: %2"_s.arg(gpu.index).arg(gpu.name);
    if (!gpu.uuid.isEmpty()) {
        lines << u"UUID: %1"_s.arg(gpu.uuid);
    }
    if (!gpu.pciBusId.isEmpty()) {
        lines << u"PCI bus: %1"_s.arg(gpu.pciBusId);
    }
    if (!gpu.computeCapability.isEmpty()) {
        lines << u"Compute capability: %1"_s.arg(gpu.computeCapability);
    }
    if (!m_driverVersion.isEmpty()) {
        lines << u"Driver: %1"_s.arg(m_driverVersion);
    }
    if (gpu.latest) {
        lines << u"Last reading: %1"_s.arg(fmt::clockTime(gpu.latest->timeMs));
    }
    if (m_freshness == Freshness::stale) {
        lines << u"Stale: the connection to the daemon is down; these are the last values received."_s;
    }
    if (gpu.synthetic) {
        lines << fmt::syntheticExplanation();
    }
    return lines.join(u'\n');
}

QVariant GpuTableModel::headerData(int section, Qt::Orientation orientation, int role) const {
    if (orientation != Qt::Horizontal || section < 0 || section >= Columns::count) {
        return {};
    }
    static const QString titles[Columns::count] = {u"#"_s,     u"Name"_s,  u"Utilisation"_s, u"Memory"_s,
                                                   u"Temp."_s, u"Power"_s, u"SM clock"_s,    u"Processes"_s};
    static const QString tips[Columns::count] = {
        u"GPU index as the driver numbers it (CUDA_VISIBLE_DEVICES uses the same)"_s,
        u"Device name"_s,
        u"Share of the last sample period in which a kernel was running"_s,
        u"Device memory in use / total"_s,
        u"Core temperature"_s,
        u"Power draw / enforced power limit"_s,
        u"Current streaming-multiprocessor clock"_s,
        u"Processes holding memory on the GPU"_s};
    switch (role) {
        case Qt::DisplayRole:
            return titles[section];
        case Qt::ToolTipRole:
            return tips[section];
        case Qt::TextAlignmentRole:
            return QVariant::fromValue(section == Columns::name ? (Qt::AlignLeft | Qt::AlignVCenter)
                                                                : (Qt::AlignRight | Qt::AlignVCenter));
        default:
            return {};
    }
}

void GpuTableModel::setInventory(const GpuInventory &inventory) {
    const bool reset = !m_hasInventory || !sameDevices(m_gpus, inventory.gpus);
    if (reset) {
        beginResetModel();
    }
    // Keep the newer reading when the inventory's sample is older than one already shown.
    QList<GpuDevice> gpus = inventory.gpus;
    if (!reset) {
        for (qsizetype i = 0; i < gpus.size(); ++i) {
            const auto &old = m_gpus.at(i).latest;
            if (old && (!gpus[i].latest || gpus[i].latest->timeMs < old->timeMs)) {
                gpus[i].latest = old;
            }
        }
    }
    m_hasInventory = true;
    m_source = inventory.source;
    m_message = inventory.message;
    m_driverVersion = inventory.driverVersion;
    m_gpus = gpus;
    if (reset) {
        m_histories.assign(static_cast<size_t>(m_gpus.size()), UsageHistory());
    }
    for (qsizetype i = 0; i < m_gpus.size(); ++i) {
        if (m_gpus.at(i).latest) {
            recordHistory(static_cast<int>(i), *m_gpus.at(i).latest);
            m_lastUpdateMs = std::max(m_lastUpdateMs, m_gpus.at(i).latest->timeMs);
        }
    }
    if (inventory.host) {
        recordHost(*inventory.host);
    }
    if (reset) {
        endResetModel();
    } else {
        emitRowsChanged(0, rowCount() - 1);
    }
    Q_EMIT inventoryChanged();
}

GpuTableModel::FrameFit GpuTableModel::applyFrame(const TelemetryFrame &frame) {
    if (!m_hasInventory) {
        return FrameFit::inventoryMismatch;
    }
    FrameFit fit = frame.source == m_source ? FrameFit::applied : FrameFit::inventoryMismatch;
    std::vector<bool> seen(static_cast<size_t>(m_gpus.size()), false);
    std::vector<bool> changed(static_cast<size_t>(m_gpus.size()), false);
    for (const GpuReading &reading : frame.gpus) {
        const auto it = std::find_if(m_gpus.begin(), m_gpus.end(),
                                     [&](const GpuDevice &g) { return g.index == reading.index; });
        if (it == m_gpus.end()) {
            fit = FrameFit::inventoryMismatch;
            continue;
        }
        const int row = static_cast<int>(it - m_gpus.begin());
        GpuDevice before = *it;
        it->latest = reading;
        for (int c = 0; c < Columns::count && !changed[static_cast<size_t>(row)]; ++c) {
            changed[static_cast<size_t>(row)] = displayData(before, c) != displayData(*it, c);
        }
        seen[static_cast<size_t>(row)] = true;
        recordHistory(row, reading);
    }
    if (std::find(seen.begin(), seen.end(), false) != seen.end()) {
        fit = FrameFit::inventoryMismatch;
    }
    if (frame.host) {
        recordHost(*frame.host);
    }
    m_lastUpdateMs = std::max(m_lastUpdateMs, frame.timeMs);

    if (m_freshness == Freshness::stale) {
        setFreshness(Freshness::live);  // repaints every row anyway
    } else {
        // One dataChanged per run of adjacent changed rows.
        int row = 0;
        const int rows = rowCount();
        while (row < rows) {
            if (!changed[static_cast<size_t>(row)]) {
                ++row;
                continue;
            }
            int last = row;
            while (last + 1 < rows && changed[static_cast<size_t>(last + 1)]) {
                ++last;
            }
            emitRowsChanged(row, last);
            row = last + 1;
        }
    }
    Q_EMIT frameApplied(frame.timeMs);
    return fit;
}

void GpuTableModel::setFreshness(Freshness freshness) {
    if (freshness == m_freshness) {
        return;
    }
    m_freshness = freshness;
    emitRowsChanged(0, rowCount() - 1);
    Q_EMIT freshnessChanged(freshness);
}

void GpuTableModel::recordHistory(int row, const GpuReading &reading) {
    m_histories[static_cast<size_t>(row)].append(usageOf(reading, m_gpus.at(row).memoryTotalMib));
}

void GpuTableModel::recordHost(const HostReading &host) {
    m_host = host;
    m_hostHistory.append(
        {host.timeMs, host.cpuPct, fmt::memoryPercent(host.memoryUsedMib, host.memoryTotalMib)});
}

void GpuTableModel::emitRowsChanged(int firstRow, int lastRow) {
    if (firstRow > lastRow) {
        return;
    }
    Q_EMIT dataChanged(index(firstRow, 0), index(lastRow, Columns::count - 1));
}

}  // namespace nd
