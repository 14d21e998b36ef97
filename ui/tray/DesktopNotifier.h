#pragma once
// Desktop notifications through the freedesktop notification service on the session bus
// (org.freedesktop.Notifications: what GNOME, KDE, XFCE and most others run). The tray icon carries
// notifications where there is a tray; a desktop without one (GNOME by default) still gets them here.
// Nothing here waits on the bus: whether the service is there is asked asynchronously and then followed
// with a service watcher, and a notification is sent without waiting for the reply, so a slow or missing
// service never stalls the GUI thread.
#include <QObject>

#include "ui/tray/TrayText.h"

namespace nd {

class DesktopNotifier : public QObject {
    Q_OBJECT
public:
    explicit DesktopNotifier(QObject *parent = nullptr);

    // Whether the session bus has a notification service (as last heard).
    bool available() const { return m_available; }
    // Shows `notification` (a failure is urgent, the rest normal); false when there is no service.
    bool notify(const JobNotification &notification);

Q_SIGNALS:
    void availabilityChanged(bool available);

private:
    void setAvailable(bool available);

    bool m_available = false;
};

}  // namespace nd
