// DesktopNotifier: org.freedesktop.Notifications.Notify (Desktop Notifications Specification 1.2).
#include "ui/tray/DesktopNotifier.h"

#include <QDBusConnection>
#include <QDBusConnectionInterface>
#include <QDBusMessage>
#include <QDBusPendingCallWatcher>
#include <QDBusPendingReply>
#include <QDBusServiceWatcher>
#include <QVariantMap>

using namespace Qt::StringLiterals;

namespace nd {

namespace {

const QString service = u"org.freedesktop.Notifications"_s;
const QString path = u"/org/freedesktop/Notifications"_s;

// The specification's urgency levels: 0 low, 1 normal, 2 critical.
uchar urgencyOf(JobNotification::Severity severity) {
    return severity == JobNotification::Severity::critical ? 2 : 1;
}

}  // namespace

DesktopNotifier::DesktopNotifier(QObject *parent) : QObject(parent) {
    QDBusConnection bus = QDBusConnection::sessionBus();
    if (!bus.isConnected())
        return;  // no session bus (a bare X session, CI): nothing to notify through
    auto *watcher = new QDBusServiceWatcher(service, bus, QDBusServiceWatcher::WatchForOwnerChange, this);
    connect(watcher, &QDBusServiceWatcher::serviceOwnerChanged, this,
            [this](const QString &, const QString &, const QString &newOwner) {
                setAvailable(!newOwner.isEmpty());
            });
    QDBusMessage ask = QDBusMessage::createMethodCall(u"org.freedesktop.DBus"_s, u"/org/freedesktop/DBus"_s,
                                                      u"org.freedesktop.DBus"_s, u"NameHasOwner"_s);
    ask << service;
    auto *pending = new QDBusPendingCallWatcher(bus.asyncCall(ask), this);
    connect(pending, &QDBusPendingCallWatcher::finished, this, [this](QDBusPendingCallWatcher *call) {
        const QDBusPendingReply<bool> reply = *call;
        if (!reply.isError())
            setAvailable(reply.value());
        call->deleteLater();
    });
}

void DesktopNotifier::setAvailable(bool available) {
    if (available == m_available)
        return;
    m_available = available;
    Q_EMIT availabilityChanged(available);
}

bool DesktopNotifier::notify(const JobNotification &notification) {
    if (!m_available)
        return false;
    QDBusMessage call = QDBusMessage::createMethodCall(service, path, service, u"Notify"_s);
    const QVariantMap hints{
        {u"urgency"_s, QVariant::fromValue(urgencyOf(notification.severity))},
        // Lets the desktop group it with the application and show its name and icon.
        {u"desktop-entry"_s, u"org.nemodesk.NemoDesk"_s},
    };
    call << u"NemoDesk"_s << uint(0) << u"org.nemodesk.NemoDesk"_s << notification.title << notification.text
         << QStringList() << hints << int(-1);  // -1: the server's default timeout
    return QDBusConnection::sessionBus().send(call);
}

}  // namespace nd
