#pragma once
// The main window: lays out and wires, nothing more. A connection banner (with Retry) over the GPU
// overview (status panel above, table below), a status bar with the connection state and a per-GPU
// summary, File → Quit and Help → About. State and data come from the controller and the model it feeds.
// Two tabs under the banner: the GPU overview and the Playground (chat with the daemon's models), which
// gets the daemon's endpoint whenever the controller connects.
#include <QMainWindow>

#include "ui/controllers/ConnectionController.h"

class QLabel;
class QSplitter;
class QTabWidget;
class QTableView;

namespace nd {

class ConnectionBanner;
class ConnectionIndicator;
class GpuStatusPanel;
class GpuTableModel;
class PlaygroundView;

class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    MainWindow(GpuTableModel *model, ConnectionController *controller, QWidget *parent = nullptr);

    // For tests.
    const ConnectionBanner *banner() const { return m_banner; }
    const ConnectionIndicator *indicator() const { return m_indicator; }
    const GpuStatusPanel *statusPanel() const { return m_panel; }
    PlaygroundView *playground() const { return m_playground; }
    QTabWidget *tabs() const { return m_tabs; }
    QString gpuSummaryText() const;

    // The pages by the names `nemodesk --page NAME` takes; showPage() is false for a name that is none.
    static QStringList pageNames();
    bool showPage(const QString &name);

public Q_SLOTS:
    // The first-run screen (GPUs found, a models folder, what each view is for); Help → Welcome.
    void showWelcome();

private:
    void onConnectionState(ConnectionController::State state, const QString &detail);
    void updateSummary();
    void updateTableVisibility();
    void showAbout();
    void askToStartFresh(const StartupProblem &problem);
    void showDaemonNotices(const QStringList &notices);
    void createMenus();

    GpuTableModel *m_model;
    ConnectionController *m_controller;
    ConnectionBanner *m_banner;
    GpuStatusPanel *m_panel;
    QTableView *m_table;
    QSplitter *m_splitter;
    QTabWidget *m_tabs;
    PlaygroundView *m_playground;
    ConnectionIndicator *m_indicator;
    QLabel *m_summary;
};

}  // namespace nd
