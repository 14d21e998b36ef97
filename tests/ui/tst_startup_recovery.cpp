// Integration: the GUI's side of starting fresh against the real daemon. A broken settings.json makes the
// daemon that ConnectionController starts exit: the controller turns unreachable and emits
// startupProblem() with what the daemon recorded; startFresh() starts `nemoctl daemon --start-fresh`, which
// keeps the file under the announced name, and the controller connects. Every daemon is stopped.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include "core/client/DaemonConnector.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::DaemonConnector;
using nd::StartupProblem;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
const QByteArray brokenSettings = "{ \"telemetry\": { \"interval_ms\": 200, } }\n";
}  // namespace

class TestStartupRecovery : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void init();
    void cleanup() { stopDaemon(); }
    void connectorAsksForConsentAndStartsFresh();
    void controllerAsksForConsentAndStartsFresh();

private:
    nd::Paths paths() const { return nd::Paths::underHome(m_home.path()); }
    void stopDaemon();

    QTemporaryDir m_home;
};

void TestStartupRecovery::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    qputenv("NEMODESK_HOME", m_home.path().toLocal8Bit());
    qputenv("NEMODESK_FAKE_GPUS", "1x24576");
}

void TestStartupRecovery::init() {
    QString error;
    QVERIFY2(paths().ensureExists(&error), qPrintable(error));
    QFile settings(paths().settingsFile());
    QVERIFY(settings.open(QIODevice::WriteOnly));
    settings.write(brokenSettings);
}

void TestStartupRecovery::stopDaemon() {
    QFile file(paths().runtimeFile());
    const qint64 pid = file.open(QIODevice::ReadOnly)
                           ? QJsonDocument::fromJson(file.readAll()).object().value(u"pid"_s).toInteger()
                           : 0;
    QProcess stop;
    stop.start(nemoctl, {u"stop"_s});
    stop.waitForFinished(10000);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0) {
        ::kill(static_cast<pid_t>(pid), SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(::kill(static_cast<pid_t>(pid), 0) != 0, 10000);
    }
}

void TestStartupRecovery::connectorAsksForConsentAndStartsFresh() {
    DaemonConnector connector(paths(), nemoctl);
    connector.setStartTimeoutMs(30000);
    QSignalSpy failed(&connector, &DaemonConnector::failed);
    QSignalSpy consent(&connector, &DaemonConnector::needsConsent);
    QSignalSpy connected(&connector, &DaemonConnector::connected);

    connector.connectToDaemon();
    QTRY_COMPARE_WITH_TIMEOUT(consent.size(), 1, 30000);
    QCOMPARE(failed.size(), 1);
    const auto problem = consent.at(0).at(0).value<StartupProblem>();
    QCOMPARE(problem.kind, StartupProblem::Kind::settings);
    QCOMPARE(problem.file, paths().settingsFile());
    QVERIFY(problem.backup.startsWith(paths().settingsFile() + u".broken-"_s));
    QVERIFY(QFile::exists(paths().settingsFile()));  // nothing moved without consent

    connector.startFresh();
    QTRY_COMPARE_WITH_TIMEOUT(connected.size(), 1, 30000);
    QCOMPARE(connector.state(), DaemonConnector::State::connected);
    QVERIFY(!QFile::exists(paths().settingsFile()));
    QFile kept(problem.backup);
    QVERIFY2(kept.open(QIODevice::ReadOnly), qPrintable(problem.backup));
    QCOMPARE(kept.readAll(), brokenSettings);
    QVERIFY(!QFile::exists(nd::startupProblemFile(paths())));
}

void TestStartupRecovery::controllerAsksForConsentAndStartsFresh() {
    nd::GpuTableModel model;
    ConnectionController controller(paths(), nemoctl, &model);
    controller.setStartTimeoutMs(30000);
    QSignalSpy problems(&controller, &ConnectionController::startupProblem);

    controller.start();
    QTRY_COMPARE_WITH_TIMEOUT(problems.size(), 1, 30000);
    QCOMPARE(controller.state(), ConnectionController::State::unreachable);
    const auto problem = problems.at(0).at(0).value<StartupProblem>();
    QCOMPARE(problem.file, paths().settingsFile());

    controller.startFresh();
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::connected, 45000);
    QVERIFY(QFile::exists(problem.backup));
    QVERIFY(!QFile::exists(paths().settingsFile()));
}

QTEST_MAIN(TestStartupRecovery)
#include "tst_startup_recovery.moc"
