// TrayController: the tray icon, its counts and the job-end notifications.
#include "ui/tray/TrayController.h"

#include <QAction>
#include <QDateTime>
#include <QMenu>
#include <QSettings>
#include <QSystemTrayIcon>

#include "core/client/ApiClient.h"
#include "ui/common/AppIcon.h"
#include "ui/controllers/ConnectionController.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {
const QString notifyKey = u"tray/notify_job_end"_s;
constexpr qint64 kNotifyWithinMs = 2 * 60 * 1000;
constexpr int defaultCoalesceMs = 400;

QSystemTrayIcon::MessageIcon messageIcon(JobNotification::Severity severity) {
    switch (severity) {
        case JobNotification::Severity::information:
            return QSystemTrayIcon::Information;
        case JobNotification::Severity::warning:
            return QSystemTrayIcon::Warning;
        case JobNotification::Severity::critical:
            return QSystemTrayIcon::Critical;
    }
    return QSystemTrayIcon::Information;
}
}  // namespace

TrayController::TrayController(ConnectionController *connection, QSettings *settings, QObject *parent)
    : QObject(parent), m_connection(connection), m_settings(settings) {
    m_refresh.setSingleShot(true);
    m_refresh.setInterval(defaultCoalesceMs);
    connect(&m_refresh, &QTimer::timeout, this, &TrayController::fetchCounts);

    if (QSystemTrayIcon::isSystemTrayAvailable()) {
        m_menu = new QMenu;  // a menu has no QObject parent here: deleted in the destructor
        m_menu->setAccessibleName(u"NemoDesk tray menu"_s);
        m_countsAction = m_menu->addAction(queueCountsText(m_counts));
        m_countsAction->setEnabled(false);  // a line of status, not a command
        m_menu->addSeparator();
        QAction *show = m_menu->addAction(u"&Show NemoDesk"_s);
        connect(show, &QAction::triggered, this, &TrayController::showWindowRequested);
        QAction *quit = m_menu->addAction(u"&Quit"_s);
        connect(quit, &QAction::triggered, this, &TrayController::quitRequested);

        m_icon = new QSystemTrayIcon(appIcon(), this);
        m_icon->setContextMenu(m_menu);
        m_icon->setToolTip(u"NemoDesk: %1"_s.arg(queueCountsText(m_counts)));
        connect(m_icon, &QSystemTrayIcon::activated, this, [this](QSystemTrayIcon::ActivationReason reason) {
            if (reason == QSystemTrayIcon::Trigger || reason == QSystemTrayIcon::DoubleClick)
                Q_EMIT showWindowRequested();
        });
        m_icon->show();
    }

    if (m_connection) {
        connect(m_connection, &ConnectionController::stateChanged, this,
                [this](ConnectionController::State state, const QString &) {
                    if (state == ConnectionController::State::connected)
                        fetchCounts();
                });
        connect(m_connection, &ConnectionController::daemonEvent, this, &TrayController::onDaemonEvent);
        if (m_connection->state() == ConnectionController::State::connected)
            fetchCounts();
    }
}

TrayController::~TrayController() {
    delete m_icon;
    m_icon = nullptr;
    delete m_menu;
}

bool TrayController::notificationsEnabled(const QSettings &settings) {
    return settings.value(notifyKey, true).toBool();
}

void TrayController::setNotificationsEnabled(QSettings &settings, bool enabled) {
    settings.setValue(notifyKey, enabled);
}

void TrayController::onDaemonEvent(const QString &type, const QJsonObject &data) {
    if (type == u"resync"_s) {
        m_refresh.start();
        return;
    }
    if (type != u"job"_s)
        return;
    const QString jobType = data.value(u"type"_s).toString();
    if (jobEventChangesCounts(jobType))
        m_refresh.start();  // restarted by each event of a burst: one request after it
    if (m_settings && !notificationsEnabled(*m_settings))
        return;
    // After a reconnect the stream replays the events this client missed: news from long ago is no news,
    // and a burst of them would bury the desktop in pop-ups. The Queue and History views still show them.
    const qint64 eventMs = data.value(u"time_ms"_s).toInteger();
    if (eventMs > 0 && QDateTime::currentMSecsSinceEpoch() - eventMs > kNotifyWithinMs)
        return;
    const std::optional<JobNotification> notification = jobEndNotification(jobType, data);
    if (!notification)
        return;
    if (m_icon)
        m_icon->showMessage(notification->title, notification->text, messageIcon(notification->severity));
    else
        m_notifier.notify(*notification);  // no tray: the desktop's notification service, if any
    Q_EMIT notified(*notification);
}

void TrayController::fetchCounts() {
    if (!m_connection || m_connection->state() != ConnectionController::State::connected)
        return;
    if (m_fetching) {
        m_refresh.start();  // one more after the answer in flight: it may predate the latest event
        return;
    }
    m_fetching = true;
    // A client per request: the daemon may have restarted on another port since the last one.
    auto *api = new ApiClient(m_connection->endpoint(), this);
    api->getJson(u"/api/queue"_s, this, [this, api](const Result<QJsonDocument> &reply) {
        m_fetching = false;
        api->deleteLater();
        if (reply.ok())
            setCounts(queueCountsFromJson(reply->object()));
    });
}

void TrayController::setCounts(const QueueCounts &counts) {
    if (counts == m_counts)
        return;
    m_counts = counts;
    if (m_countsAction)
        m_countsAction->setText(queueCountsText(counts));
    if (m_icon)
        m_icon->setToolTip(u"NemoDesk: %1"_s.arg(queueCountsText(counts)));
    Q_EMIT countsChanged(counts);
}

}  // namespace nd
