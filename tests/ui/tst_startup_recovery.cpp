// Integration: the GUI's side of starting fresh against the real daemon. A broken settings.json makes the
// daemon that ConnectionController starts exit: the controller turns unreachable and emits
// startupProblem() with what the daemon recorded; startFresh() starts `nemoctl daemon --start-fresh`, which
// keeps the file under the announced name, and the controller connects. Every daemon is stopped.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include "core/client/DaemonConnector.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"

#include "UiDaemon.h"

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
    void cleanup() { QVERIFY(nd::test::stopDaemon(m_home.path(), nemoctl, 10000)); }
    void connectorAsksForConsentAndStartsFresh();
    void controllerAsksForConsentAndStartsFresh();

private:
    nd::Paths paths() const { return nd::Paths::underHome(m_home.path()); }

    QTemporaryDir m_home;
};

void TestStartupRecovery::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    nd::test::useHome(m_home.path(), "1x24576");
}

void TestStartupRecovery::init() {
    QString error;
    QVERIFY2(paths().ensureExists(&error), qPrintable(error));
    QFile settings(paths().settingsFile());
    QVERIFY(settings.open(QIODevice::WriteOnly));
    settings.write(brokenSettings);
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
