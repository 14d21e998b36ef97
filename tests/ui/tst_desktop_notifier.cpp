// Desktop notifications without a tray: a private session bus (dbus-daemon) with a notification service
// of the test's own; DesktopNotifier finds the service, follows it going away and coming back, and the
// TrayController (no tray on the offscreen platform) sends a job's end through it with the right summary,
// body and urgency.
#include <QDBusConnection>
#include <QJsonObject>
#include <QProcess>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QTest>
#include <QVariantMap>

#include "core/jobs/Job.h"
#include "ui/tray/DesktopNotifier.h"
#include "ui/tray/TrayController.h"

using namespace Qt::StringLiterals;

// What a notification server receives.
class FakeNotifications : public QObject {
    Q_OBJECT
    Q_CLASSINFO("D-Bus Interface", "org.freedesktop.Notifications")
public:
    struct Call {
        QString app, icon, summary, body;
        QVariantMap hints;
    };
    QList<Call> calls;

public Q_SLOTS:
    uint Notify(const QString &app, uint, const QString &icon, const QString &summary, const QString &body,
                const QStringList &, const QVariantMap &hints, int) {
        calls.append({app, icon, summary, body, hints});
        return uint(calls.size());
    }
};

class TestDesktopNotifier : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void findsTheServiceAndSends();
    void trayWithoutTrayUsesIt();

private:
    bool registerService();
    QProcess m_bus;
    QString m_address;
    FakeNotifications m_server;
};

void TestDesktopNotifier::initTestCase() {
    const QString daemon = QStandardPaths::findExecutable(u"dbus-daemon"_s);
    if (daemon.isEmpty())
        QSKIP("dbus-daemon is not installed (apt-get install dbus)");
    m_bus.start(daemon, {u"--session"_s, u"--nofork"_s, u"--print-address=1"_s});
    QVERIFY(m_bus.waitForStarted(5000));
    QTRY_VERIFY_WITH_TIMEOUT(m_bus.canReadLine(), 5000);
    m_address = QString::fromUtf8(m_bus.readLine()).trimmed();
    QVERIFY2(!m_address.isEmpty(), "dbus-daemon printed no address");
    // Read when the session bus is first used, which is after this.
    qputenv("DBUS_SESSION_BUS_ADDRESS", m_address.toUtf8());
    QVERIFY(QDBusConnection::sessionBus().isConnected());
}

void TestDesktopNotifier::cleanupTestCase() {
    if (m_bus.state() != QProcess::NotRunning) {
        m_bus.terminate();
        m_bus.waitForFinished(5000);
    }
}

bool TestDesktopNotifier::registerService() {
    QDBusConnection server = QDBusConnection::connectToBus(m_address, u"notification-server"_s);
    const QString path = u"/org/freedesktop/Notifications"_s;
    if (!server.isConnected())
        return false;
    if (!server.objectRegisteredAt(path) &&
        !server.registerObject(path, &m_server, QDBusConnection::ExportAllSlots))
        return false;
    return server.registerService(u"org.freedesktop.Notifications"_s);
}

void TestDesktopNotifier::findsTheServiceAndSends() {
    nd::DesktopNotifier notifier;
    QTest::qWait(200);
    QVERIFY(!notifier.available());  // nobody serves notifications yet
    QVERIFY(!notifier.notify({u"Job failed"_s, u"x"_s, nd::JobNotification::Severity::critical}));

    QVERIFY(registerService());
    QTRY_VERIFY_WITH_TIMEOUT(notifier.available(), 5000);  // the watcher saw it arrive
    QVERIFY(notifier.notify({u"Job failed"_s, u"train (12) failed with exit code 3 after 5 s"_s,
                             nd::JobNotification::Severity::critical}));
    QTRY_COMPARE_WITH_TIMEOUT(m_server.calls.size(), 1, 5000);
    const FakeNotifications::Call call = m_server.calls.front();
    QCOMPARE(call.app, u"NemoDesk"_s);
    QCOMPARE(call.icon, u"org.nemodesk.NemoDesk"_s);
    QCOMPARE(call.summary, u"Job failed"_s);
    QCOMPARE(call.body, u"train (12) failed with exit code 3 after 5 s"_s);
    QCOMPARE(call.hints.value(u"urgency"_s).toInt(), 2);
    QCOMPARE(call.hints.value(u"desktop-entry"_s).toString(), u"org.nemodesk.NemoDesk"_s);

    // A notifier made now asks the bus and finds it too.
    nd::DesktopNotifier later;
    QTRY_VERIFY_WITH_TIMEOUT(later.available(), 5000);

    QDBusConnection::connectToBus(m_address, u"notification-server"_s)
        .unregisterService(u"org.freedesktop.Notifications"_s);
    QTRY_VERIFY_WITH_TIMEOUT(!notifier.available(), 5000);  // and saw it go
    QVERIFY(registerService());
    QTRY_VERIFY_WITH_TIMEOUT(notifier.available(), 5000);
}

void TestDesktopNotifier::trayWithoutTrayUsesIt() {
    QTemporaryDir dir;
    QSettings gui(dir.filePath(u"gui.ini"_s), QSettings::IniFormat);
    nd::TrayController tray(nullptr, &gui);
    QVERIFY(!tray.hasIcon());  // offscreen: no tray
    QTest::qWait(300);         // the notifier's first answer from the bus
    const qsizetype before = m_server.calls.size();

    nd::Job job;
    job.id = 7;
    job.spec.name = u"eval"_s;
    job.state = nd::JobState::completed;
    job.submitTimeMs = 1000;
    job.startTimeMs = 2000;
    job.endTimeMs = 4000;
    job.exitCode = 0;
    tray.onDaemonEvent(u"job"_s,
                       QJsonObject{{u"seq"_s, 3}, {u"type"_s, u"ended"_s}, {u"job"_s, nd::jobToJson(job)}});
    QTRY_COMPARE_WITH_TIMEOUT(m_server.calls.size(), before + 1, 5000);
    QCOMPARE(m_server.calls.last().body, u"eval (7) completed in 2 s"_s);
    QCOMPARE(m_server.calls.last().hints.value(u"urgency"_s).toInt(), 1);
}

QTEST_MAIN(TestDesktopNotifier)
#include "tst_desktop_notifier.moc"
