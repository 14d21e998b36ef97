#pragma once
// The tray icon (only where the desktop has a system tray): the app icon, a tooltip and menu line with the
// queue's counts ("3 running · 12 pending", from GET /api/queue, asked again — coalesced — after `job`
// events that change them), Show NemoDesk, Quit; and a desktop notification when a job ends, unless the
// user turned them off (gui.ini "tray/notify_job_end"). Lives on the GUI thread.
#include <QObject>
#include <QTimer>

#include "ui/tray/DesktopNotifier.h"
#include "ui/tray/TrayText.h"

class QAction;
class QMenu;
class QSettings;
class QSystemTrayIcon;

namespace nd {

class ConnectionController;

class TrayController : public QObject {
    Q_OBJECT
public:
    // `settings`: the GUI's gui.ini (outlives this). The icon appears only when
    // QSystemTrayIcon::isSystemTrayAvailable(); without a tray, notifications go to the desktop's
    // notification service (DesktopNotifier) when the session bus has one, and are emitted as signals.
    TrayController(ConnectionController *connection, QSettings *settings, QObject *parent = nullptr);
    ~TrayController() override;

    static bool notificationsEnabled(const QSettings &settings);
    static void setNotificationsEnabled(QSettings &settings, bool enabled);

    QueueCounts counts() const { return m_counts; }
    bool hasIcon() const { return m_icon != nullptr; }
    // How long after a job event the counts are asked for again (events come in bursts: an array).
    void setCoalesceMs(int ms) { m_refresh.setInterval(ms); }

    // Feeds one `job` event (ConnectionController::daemonEvent does it; public for tests).
    void onDaemonEvent(const QString &type, const QJsonObject &data);

Q_SIGNALS:
    void showWindowRequested();
    void quitRequested();
    void countsChanged(const nd::QueueCounts &counts);
    // Emitted for every job end when notifications are on, whether or not a tray shows it.
    void notified(const nd::JobNotification &notification);

private:
    void fetchCounts();
    void setCounts(const QueueCounts &counts);

    ConnectionController *m_connection;  // outlives this (the composition root owns it)
    QSettings *m_settings;
    QSystemTrayIcon *m_icon = nullptr;
    QMenu *m_menu = nullptr;
    QAction *m_countsAction = nullptr;
    QTimer m_refresh;
    DesktopNotifier m_notifier;
    QueueCounts m_counts;
    bool m_fetching = false;
};

}  // namespace nd
