#pragma once
// Table of the GPUs the daemon reports: one row per GPU of the inventory (GET /api/gpus), its cells
// refreshed from `telemetry` events. Rows change only when the inventory does (a model reset); a frame
// emits dataChanged for the rows whose shown values changed. Also keeps, for the status panel, the
// inventory's source and message, the latest host reading, and a 5-minute usage history per GPU and for
// the host. Lives on the GUI thread; fed only by ConnectionController.
#include <QAbstractTableModel>
#include <QList>
#include <QString>

#include <optional>
#include <vector>

#include "core/client/TelemetryFrame.h"
#include "ui/models/UsageHistory.h"

namespace nd {

class GpuTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    // Column numbers (Qt columns count from 0).
    struct Columns {
        static constexpr int index = 0;
        static constexpr int name = 1;
        static constexpr int utilization = 2;
        static constexpr int memory = 3;
        static constexpr int temperature = 4;
        static constexpr int power = 5;
        static constexpr int smClock = 6;
        static constexpr int processes = 7;
        static constexpr int count = 8;
    };

    enum Role {
        // The cell's number (percent, MiB used, °C, W, MHz, count) for sorting; invalid when not reported.
        ValueRole = Qt::UserRole + 1,
        // true for a GPU the daemon made up (NEMODESK_FAKE_GPUS).
        SyntheticRole,
    };

    // Whether the shown values are current. Stale while the event stream is down: the values stay
    // visible but greyed, so the user sees that they are old instead of trusting frozen numbers.
    enum class Freshness { live = 1, stale };
    Q_ENUM(Freshness)

    enum class FrameFit { applied = 1, inventoryMismatch };

    explicit GpuTableModel(QObject *parent = nullptr);

    int rowCount(const QModelIndex &parent = {}) const override;
    int columnCount(const QModelIndex &parent = {}) const override;
    QVariant data(const QModelIndex &index, int role = Qt::DisplayRole) const override;
    QVariant headerData(int section, Qt::Orientation orientation, int role = Qt::DisplayRole) const override;

    // Takes a new inventory. Resets the model only when the set of GPUs changed (another count, index,
    // UUID, name or size); otherwise updates the rows in place.
    void setInventory(const GpuInventory &inventory);
    // Applies one telemetry event. Returns inventoryMismatch when the frame names GPUs the inventory
    // does not have (or lacks some it has, or comes from another source): the caller should fetch the
    // inventory again. The readings that do match are applied either way.
    FrameFit applyFrame(const TelemetryFrame &frame);
    void setFreshness(Freshness freshness);

    bool hasInventory() const { return m_hasInventory; }
    QString source() const { return m_source; }
    QString sourceMessage() const { return m_message; }
    QString driverVersion() const { return m_driverVersion; }
    Freshness freshness() const { return m_freshness; }
    qint64 lastUpdateMs() const { return m_lastUpdateMs; }

    const QList<GpuDevice> &gpus() const { return m_gpus; }
    const GpuDevice &gpu(int row) const { return m_gpus.at(row); }
    const UsageHistory &history(int row) const { return m_histories.at(static_cast<size_t>(row)); }
    const std::optional<HostReading> &host() const { return m_host; }
    const UsageHistory &hostHistory() const { return m_hostHistory; }

Q_SIGNALS:
    // After every setInventory (source or message may have changed even without a reset).
    void inventoryChanged();
    // After every applied frame, with the frame's time: the chart and cards redraw from here.
    void frameApplied(qint64 timeMs);
    void freshnessChanged(nd::GpuTableModel::Freshness freshness);

private:
    QVariant displayData(const GpuDevice &gpu, int column) const;
    QVariant valueData(const GpuDevice &gpu, int column) const;
    QString toolTip(const GpuDevice &gpu) const;
    void recordHistory(int row, const GpuReading &reading);
    void recordHost(const HostReading &host);
    void emitRowsChanged(int firstRow, int lastRow);

    bool m_hasInventory = false;
    QString m_source;
    QString m_message;
    QString m_driverVersion;
    QList<GpuDevice> m_gpus;
    std::vector<UsageHistory> m_histories;  // parallel to m_gpus
    std::optional<HostReading> m_host;
    UsageHistory m_hostHistory;
    Freshness m_freshness = Freshness::live;
    qint64 m_lastUpdateMs = 0;
};

}  // namespace nd
