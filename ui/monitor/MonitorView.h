#pragma once
// The Monitor tab: a window selector (5 min, 1 h, 24 h, 7 days) over charts of GPU utilisation, memory,
// power and temperature (one line per GPU), host CPU and memory, queue depth, tokens/s of model jobs and
// jobs finished per hour, with job starts and ends marked. Every window is loaded from the daemon's
// downsampled history (GET /api/telemetry/history) and refreshed every step; the 5-minute window also
// appends each live telemetry frame (GpuTableModel) and job event as it comes. Nothing blocks: requests
// are asynchronous, and answers for a window no longer shown are dropped. Every series is capped at the
// window's point budget, so memory does not grow with time.
#include <QList>
#include <QPointer>
#include <QTimer>
#include <QWidget>

#include "core/client/Endpoint.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/monitor/ChartPanel.h"
#include "ui/monitor/MonitorData.h"

class QComboBox;
class QLabel;

namespace nd {

class ApiClient;
class GpuTableModel;

class MonitorView : public QWidget {
    Q_OBJECT
public:
    // Points per series at most, in every window.
    static constexpr int pointBudget = 1000;

    MonitorView(ConnectionController *connection, GpuTableModel *gpus, QWidget *parent = nullptr);

    // For every panel's PNG/CSV export (tests write to a temporary folder).
    void setSaveChooser(const ChartPanel::SaveChooser &chooser);
    void setWindow(const QString &id);  // "5m", "1h", "24h", "7d"
    QString windowId() const;

    QComboBox *windowBox() const { return m_windowBox; }
    ChartPanel *panel(MonitorChartId id) const;
    const MonitorChart &chart(MonitorChartId id) const;
    const QList<MonitorMarker> &markers() const { return m_markers; }
    qint64 stepMs() const { return m_stepMs; }
    int loadedCount() const { return m_loaded; }  // answers applied (tests wait on it)
    QString statusText() const;

public Q_SLOTS:
    void reload();

protected:
    void showEvent(QShowEvent *event) override;

private:
    enum class Fetch { startOver = 1, refresh };
    void fetch(Fetch how);
    void onConnectionState(ConnectionController::State state);
    void onAnswer(const QJsonObject &json, quint64 generation);
    void onFrame(qint64 timeMs);
    void onDaemonEvent(const QString &type, const QJsonObject &payload);
    void appendLive(MonitorChartId id, const QString &name, const QColor &color, qint64 timeMs, double value);
    void redraw();
    bool isLiveWindow() const;
    qint64 spanMs() const;
    static bool isLiveChart(MonitorChartId id);

    ConnectionController *m_connection;
    GpuTableModel *m_gpus;
    QPointer<ApiClient> m_api;
    QComboBox *m_windowBox;
    QLabel *m_status;
    QList<ChartPanel *> m_panels;  // parallel to monitorChartIds()
    QList<MonitorChart> m_charts;  // likewise
    QList<MonitorMarker> m_markers;
    QTimer m_refresh;
    quint64 m_generation = 0;
    bool m_seeded = false;  // the current window has had its first answer
    bool m_stale = false;   // data changed while hidden: drawn when shown
    qint64 m_fromMs = 0;
    qint64 m_toMs = 0;
    qint64 m_stepMs = 0;
    int m_loaded = 0;
};

}  // namespace nd
