// Integration: the Monitor against the real daemon. `nemoctl daemon` starts in a temporary NEMODESK_HOME
// with two synthetic GPUs and a 100 ms telemetry interval; the view loads the 5-minute window from
// GET /api/telemetry/history (queue depth comes only from there), grows its GPU lines from the live
// stream, marks a job's start and end, and switches to 1 h and 7 days, each answered at its own step from the
// daemon's telemetry.db. The daemon is stopped at the end, also when a check fails.
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/monitor/ChartTableModel.h"
#include "ui/monitor/MonitorView.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::MonitorChartId;
using nd::MonitorView;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

qsizetype pointsIn(const nd::MonitorChart &chart) {
    qsizetype n = 0;
    for (const nd::MonitorSeries &s : chart.series)
        n += s.points.size();
    return n;
}

bool hasMarker(const QList<nd::MonitorMarker> &markers, qint64 jobId, bool start) {
    return std::any_of(markers.begin(), markers.end(),
                       [&](const nd::MonitorMarker &m) { return m.jobId == jobId && m.start == start; });
}
}  // namespace

class TestMonitorDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { nd::test::stopDaemon(m_home.path(), nemoctl); }
    void showsHistoryAndSwitchesWindows();

private:
    QTemporaryDir m_home;
};

void TestMonitorDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    QVERIFY(nd::test::writeSettings(m_home.path(),
                                    R"({"daemon": {"port": 0}, "telemetry": {"interval_ms": 100}})"));
    nd::test::useHome(m_home.path(), "2x24576");
}

void TestMonitorDaemon::showsHistoryAndSwitchesWindows() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    MonitorView view(&controller, &gpus);
    view.resize(1000, 800);
    view.show();
    QCOMPARE(view.windowId(), u"5m"_s);
    QVERIFY(!view.windowBox()->accessibleName().isEmpty());

    QVERIFY(nd::test::startDaemon(controller));
    QTRY_VERIFY_WITH_TIMEOUT(view.loadedCount() >= 1, 15000);
    QCOMPARE(view.stepMs(), 10000);
    // Queue depth is drawn only from the daemon's history: its points prove the route answered with data
    // (the first answer may come before the first flush; the view refreshes every 10 s).
    QTRY_VERIFY_WITH_TIMEOUT(pointsIn(view.chart(MonitorChartId::queueDepth)) > 0, 30000);
    // The live stream adds GPU points: two GPUs, growing.
    QTRY_COMPARE_WITH_TIMEOUT(view.chart(MonitorChartId::gpuMemory).series.size(), 2, 15000);
    const qsizetype before = pointsIn(view.chart(MonitorChartId::gpuMemory));
    QTRY_VERIFY_WITH_TIMEOUT(pointsIn(view.chart(MonitorChartId::gpuMemory)) > before + 2, 15000);
    QVERIFY(view.panel(MonitorChartId::gpuMemory)->tableModel()->rowCount() > 0);

    // A job that starts and ends: both marked live, from the event stream.
    nd::ApiClient api(controller.endpoint());
    qint64 jobId = 0;
    api.postJson(u"/api/jobs"_s,
                 QJsonDocument(QJsonObject{{u"name"_s, u"marked"_s}, {u"argv"_s, QJsonArray{u"true"_s}}}),
                 this, [&jobId](const nd::Result<QJsonDocument> &answer) {
                     jobId = answer ? answer->object().value(u"job_id"_s).toInteger() : -1;
                 });
    QTRY_VERIFY_WITH_TIMEOUT(jobId != 0, 15000);
    QVERIFY(jobId > 0);
    QTRY_VERIFY_WITH_TIMEOUT(
        hasMarker(view.markers(), jobId, true) && hasMarker(view.markers(), jobId, false), 30000);

    // 1 hour: fetched again, 10 s buckets, both GPUs from telemetry.db.
    const int loaded = view.loadedCount();
    view.setWindow(u"1h"_s);
    QTRY_VERIFY_WITH_TIMEOUT(view.loadedCount() > loaded, 15000);
    QCOMPARE(view.windowId(), u"1h"_s);
    QCOMPARE(view.stepMs(), 10000);
    QCOMPARE(view.chart(MonitorChartId::gpuUtilization).series.size(), 2);
    QVERIFY(pointsIn(view.chart(MonitorChartId::hostCpu)) > 0);
    // The markers and the finished job now come from telemetry.db.
    QVERIFY(hasMarker(view.markers(), jobId, true));
    QVERIFY(hasMarker(view.markers(), jobId, false));
    const nd::MonitorChart finished = view.chart(MonitorChartId::jobsPerHour);
    QVERIFY(!finished.series.isEmpty());
    QVERIFY(std::any_of(finished.series[0].points.begin(), finished.series[0].points.end(),
                        [](const QPointF &p) { return p.y() >= 360.0; }));  // 1 in a 10 s bucket

    // 7 days: the 1-minute tier re-bucketed to stay within 1000 points.
    const int loaded1h = view.loadedCount();
    view.windowBox()->setCurrentIndex(view.windowBox()->findData(u"7d"_s));
    QTRY_VERIFY_WITH_TIMEOUT(view.loadedCount() > loaded1h, 15000);
    QCOMPARE(view.stepMs(), 660000);
    QVERIFY(pointsIn(view.chart(MonitorChartId::gpuMemory)) > 0);
    QVERIFY(view.chart(MonitorChartId::gpuMemory).series[0].points.size() <= MonitorView::pointBudget);
    QVERIFY2(view.statusText().contains(u"11 min"_s), qPrintable(view.statusText()));

    // The history is in its own file next to the job database.
    QVERIFY(QFile::exists(QDir(nd::Paths::underHome(m_home.path()).dataDir()).filePath(u"telemetry.db"_s)));
}

QTEST_MAIN(TestMonitorDaemon)
#include "tst_monitor_daemon.moc"
