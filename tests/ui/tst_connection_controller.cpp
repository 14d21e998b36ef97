// Integration: ConnectionController against the real daemon. Starts `nemoctl daemon` through
// DaemonConnector in a temporary NEMODESK_HOME with two synthetic GPUs, waits for live rows, stops the
// daemon and checks that the GUI state turns to reconnecting and then unreachable (data stale), and
// that Retry starts a daemon again. Every daemon started here is stopped, also when a check fails.
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

#include <csignal>

#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::GpuTableModel;

namespace {

const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

bool allRowsLive(const GpuTableModel &model, int rows) {
    if (model.rowCount() != rows) {
        return false;
    }
    for (int row = 0; row < rows; ++row) {
        const auto &latest = model.gpu(row).latest;
        if (!latest || !latest->utilizationGpuPct || model.history(row).size() < 2) {
            return false;  // two samples: the stream delivers, not only the inventory
        }
    }
    return true;
}

}  // namespace

class TestConnectionController : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanup() { stopDaemon(); }
    void cleanupTestCase() { stopDaemon(); }
    void connectsFollowsAndNoticesTheDaemonStopping();

private:
    void stopDaemon();
    qint64 runtimePid() const;

    QTemporaryDir m_home;
};

void TestConnectionController::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    // The daemon is a child started by DaemonConnector: it inherits these.
    qputenv("NEMODESK_HOME", m_home.path().toLocal8Bit());
    qputenv("NEMODESK_FAKE_GPUS", "2x24576");
}

qint64 TestConnectionController::runtimePid() const {
    QFile file(nd::Paths::underHome(m_home.path()).runtimeFile());
    if (!file.open(QIODevice::ReadOnly)) {
        return 0;
    }
    return QJsonDocument::fromJson(file.readAll()).object().value(u"pid"_s).toInteger();
}

void TestConnectionController::stopDaemon() {
    const qint64 pid = runtimePid();
    QProcess stop;
    stop.start(nemoctl, {u"stop"_s});
    stop.waitForFinished(10000);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) == 0) {
        // `nemoctl stop` did not get it down in time: end it ourselves.
        ::kill(static_cast<pid_t>(pid), SIGTERM);
        QTRY_VERIFY_WITH_TIMEOUT(::kill(static_cast<pid_t>(pid), 0) != 0, 10000);
    }
}

void TestConnectionController::connectsFollowsAndNoticesTheDaemonStopping() {
    GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &model);
    controller.setStartTimeoutMs(30000);
    controller.setReconnectGraceMs(1500);
    QSignalSpy states(&controller, &ConnectionController::stateChanged);

    controller.start();
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::connected, 45000);
    QVERIFY(controller.apiUrl().toString().startsWith(u"http://127.0.0.1:"_s));
    QCOMPARE(controller.daemonVersion(), QStringLiteral(NEMODESK_VERSION));
    const qint64 firstPid = controller.daemonPid();
    QVERIFY(firstPid > 0);
    // A daemon had to be started: the controller said so on the way.
    bool sawStarting = false;
    for (const auto &args : std::as_const(states)) {
        sawStarting |=
            args.at(0).value<ConnectionController::State>() == ConnectionController::State::startingDaemon;
    }
    QVERIFY(sawStarting);

    QTRY_VERIFY_WITH_TIMEOUT(allRowsLive(model, 2), 30000);
    QCOMPARE(model.source(), u"fake"_s);
    QVERIFY(model.gpu(0).synthetic);
    QCOMPARE(model.gpu(1).memoryTotalMib, 24576);
    QCOMPARE(model.freshness(), GpuTableModel::Freshness::live);
    QVERIFY(model.host().has_value());

    // The daemon goes away: first "reconnecting" with the data stale, then "unreachable".
    QProcess stop;
    stop.start(nemoctl, {u"stop"_s});
    QVERIFY(stop.waitForFinished(15000));
    QTRY_VERIFY_WITH_TIMEOUT(controller.state() == ConnectionController::State::reconnecting ||
                                 controller.state() == ConnectionController::State::unreachable,
                             20000);
    QCOMPARE(model.freshness(), GpuTableModel::Freshness::stale);
    QCOMPARE(model.rowCount(), 2);  // the last values stay, greyed
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::unreachable, 30000);
    QVERIFY(controller.detail().contains(controller.apiUrl().toString()));

    // Retry starts a new daemon and the data comes back to life.
    controller.retry();
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::connected, 45000);
    QVERIFY(controller.daemonPid() != firstPid);
    QTRY_COMPARE_WITH_TIMEOUT(model.freshness(), GpuTableModel::Freshness::live, 20000);
    QCOMPARE(model.rowCount(), 2);
}

QTEST_MAIN(TestConnectionController)
#include "tst_connection_controller.moc"
