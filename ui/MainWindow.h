#pragma once
// The main window: lays out and wires, nothing more. A connection banner (with Retry) over the pages,
// a status bar with the connection state and a per-GPU summary, and the menus. The pages: the GPU overview
// (status panel above, table below), Queue, History, Monitor (charts over time), Models (the library) and
// the Playground (chat with the daemon's models). Every page feeds itself from the controller (its state
// and events) and the GPU model; dialogs (Submit, Settings, Welcome, a start-up problem) open from here.
#include <QJsonObject>
#include <QMainWindow>

#include "ui/controllers/ConnectionController.h"

class QLabel;
class QSettings;
class QSplitter;
class QTabWidget;
class QTableView;

namespace nd {

class ConnectionBanner;
class ConnectionIndicator;
class GpuStatusPanel;
class GpuTableModel;
class HistoryView;
class ModelsView;
class MonitorView;
class PlaygroundView;
class QueueView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(GpuTableModel *model, ConnectionController *controller, QWidget *parent = nullptr);

    // For tests.
    const ConnectionBanner *banner() const { return m_banner; }
    const ConnectionIndicator *indicator() const { return m_indicator; }
    const GpuStatusPanel *statusPanel() const { return m_panel; }
    PlaygroundView *playground() const { return m_playground; }
    QueueView *queue() const { return m_queue; }
    HistoryView *history() const { return m_history; }
    MonitorView *monitor() const { return m_monitor; }
    ModelsView *models() const { return m_models; }
    QTabWidget *tabs() const { return m_tabs; }
    QString gpuSummaryText() const;

    // The pages by the names `nemodesk --page NAME` takes; showPage() is false for a name that is none.
    static QStringList pageNames();
    bool showPage(const QString &name);

    // The GUI's own settings (gui.ini): the window's layout is restored from it now and saved to it on
    // close; the Settings dialog keeps its desktop switches there. Without it nothing is remembered.
    void setGuiSettings(QSettings *gui);

public Q_SLOTS:
    // The first-run screen (GPUs found, a models folder, what each view is for); Help → Welcome.
    void showWelcome();
    // File → Submit job…: an empty form, or one filled from `spec` ("submit again with changes").
    void showSubmit(const QJsonObject &spec = {});
    void showSettings();
    // One job's detail window (from a double-click in the Queue or the History).
    void showJobDetail(qint64 jobId);

protected:
    void closeEvent(QCloseEvent *event) override;

private:
    void onConnectionState(ConnectionController::State state, const QString &detail);
    void updateSummary();
    void updateTableVisibility();
    void showAbout();
    void askToStartFresh(const StartupProblem &problem);
    void showDaemonNotices(const QStringList &notices);
    void createMenus();
    void chatWith(const QString &model);

    GpuTableModel *m_model;
    ConnectionController *m_controller;
    ConnectionBanner *m_banner;
    GpuStatusPanel *m_panel;
    QTableView *m_table;
    QSplitter *m_splitter;
    QTabWidget *m_tabs;
    QueueView *m_queue;
    HistoryView *m_history;
    MonitorView *m_monitor;
    ModelsView *m_models;
    PlaygroundView *m_playground;
    QSettings *m_gui = nullptr;
    ConnectionIndicator *m_indicator;
    QLabel *m_summary;
};

}  // namespace nd
