// The Monitor's pieces without a daemon: the chart table model (under QAbstractItemModelTester), its CSV,
// an answer of GET /api/telemetry/history turned into charts, the point cap that bounds memory, and a
// ChartPanel toggled to its table and exported to PNG and CSV through an injected chooser.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QImage>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPushButton>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "ui/monitor/ChartPanel.h"
#include "ui/monitor/ChartTableModel.h"
#include "ui/monitor/MonitorCsv.h"
#include "ui/monitor/MonitorData.h"

using namespace Qt::StringLiterals;
using nd::MonitorChart;
using nd::MonitorChartId;

namespace {
constexpr qint64 t0 = 1'700'000'400'000;

MonitorChart twoGpus() {
    MonitorChart chart = nd::emptyMonitorChart(MonitorChartId::gpuUtilization);
    chart.series.append({u"GPU 0"_s, Qt::green, {QPointF(t0, 10), QPointF(t0 + 10000, 20.5)}});
    chart.series.append({u"GPU 1"_s, Qt::blue, {QPointF(t0 + 10000, 30), QPointF(t0 + 20000, 40)}});
    return chart;
}
}  // namespace

class TestMonitorChartModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void tableMergesSeriesByTime();
    void csvHasOneLinePerRow();
    void parsesTheHistoryRoute();
    void rejectsAnAnswerWithoutSeries();
    void appendCappedBoundsPoints();
    void panelTogglesToTableAndExports();
};

void TestMonitorChartModel::tableMergesSeriesByTime() {
    nd::ChartTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), 1);
    model.setChart(twoGpus());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), 3);
    QCOMPARE(model.headerData(0, Qt::Horizontal).toString(), u"Time"_s);
    QCOMPARE(model.headerData(2, Qt::Horizontal).toString(), u"GPU 1 (%)"_s);
    QCOMPARE(model.data(model.index(0, 0), nd::ChartTableModel::ValueRole).toLongLong(), t0);
    QCOMPARE(model.data(model.index(0, 1)).toString(), u"10"_s);
    QVERIFY(!model.data(model.index(0, 2)).isValid());  // GPU 1 has no point then: empty, not 0
    QCOMPARE(model.data(model.index(1, 1)).toString(), u"20.5"_s);
    QCOMPARE(model.data(model.index(1, 2), nd::ChartTableModel::ValueRole).toDouble(), 30.0);
    model.setChart(nd::emptyMonitorChart(MonitorChartId::hostCpu));
    QCOMPARE(model.rowCount(), 0);
}

void TestMonitorChartModel::csvHasOneLinePerRow() {
    nd::ChartTableModel model;
    model.setChart(twoGpus());
    const QList<QByteArray> lines = nd::monitorChartCsv(model).split('\n');
    QCOMPARE(lines.size(), 5);  // header, 3 rows, and the empty rest after the last CRLF
    QCOMPARE(lines[0], "time_ms,time,GPU 0 (%),GPU 1 (%)\r");
    QVERIFY2(lines[1].startsWith(QByteArray::number(t0) + ",20"), lines[1].constData());
    QVERIFY2(lines[1].endsWith(",10,\r"), lines[1].constData());
    QVERIFY2(lines[3].endsWith(",,40\r"), lines[3].constData());
}

void TestMonitorChartModel::parsesTheHistoryRoute() {
    const QByteArray json = R"({"from_ms": 1700000400000, "to_ms": 1700000700001, "step_ms": 10000,
        "series": {"gpu.0.util_pct": [[1700000400000, 40.5, 90, 405]],
                   "gpu.1.util_pct": [[1700000400000, 10, 12, 100]],
                   "gpu.1.mem_used_mib": [[1700000400000, 2048, 2048, 20480]],
                   "host.cpu_pct": [[1700000400000, 7, 9, 70]],
                   "queue.pending": [[1700000400000, 2, 3, 20]],
                   "jobs.finished": [[1700000400000, 0.1, 1, 1]],
                   "some.future_series": [[1700000400000, 1, 1, 1]]},
        "markers": [{"time_ms": 1700000401000, "job_id": 4, "kind": "start"},
                    {"time_ms": 1700000402000, "job_id": 4, "kind": "end"}]})";
    const nd::Result<nd::MonitorHistory> history =
        nd::parseMonitorHistory(QJsonDocument::fromJson(json).object());
    QVERIFY2(history.ok(), qPrintable(history.error()));
    QCOMPARE(history->stepMs, 10000);
    QCOMPARE(history->charts.size(), nd::monitorChartIds().size());
    const auto chart = [&](MonitorChartId id) { return history->charts[nd::monitorChartIds().indexOf(id)]; };
    const MonitorChart util = chart(MonitorChartId::gpuUtilization);
    QCOMPARE(util.series.size(), 2);
    QCOMPARE(util.series[0].name, u"GPU 0"_s);
    QCOMPARE(util.series[0].points[0], QPointF(1700000400000.0, 40.5));
    QCOMPARE(chart(MonitorChartId::gpuMemory).series[0].name, u"GPU 1"_s);
    QCOMPARE(chart(MonitorChartId::hostCpu).series[0].points[0].y(), 7.0);
    QCOMPARE(chart(MonitorChartId::queueDepth).series[0].name, u"Pending"_s);
    // One job finished in a 10 s bucket: 360 per hour.
    QCOMPARE(chart(MonitorChartId::jobsPerHour).series[0].points[0].y(), 360.0);
    QVERIFY(chart(MonitorChartId::gpuPower).series.isEmpty());
    QCOMPARE(history->markers.size(), 2);
    QVERIFY(history->markers[0].start);
    QVERIFY(!history->markers[1].start);
    QCOMPARE(history->markers[1].jobId, 4);
}

void TestMonitorChartModel::rejectsAnAnswerWithoutSeries() {
    QVERIFY(!nd::parseMonitorHistory(QJsonObject{{u"step_ms"_s, 10}}).ok());
    QVERIFY(!nd::parseMonitorHistory(QJsonObject{{u"series"_s, QJsonObject{}}}).ok());
}

void TestMonitorChartModel::appendCappedBoundsPoints() {
    QList<QPointF> points;
    // A day of 1 s samples into a 5-minute window with a budget of 100 points.
    const qint64 span = 5 * 60 * 1000;
    for (qint64 t = 0; t < 24 * 3600 * 1000LL; t += 1000)
        nd::appendCapped(&points, QPointF(static_cast<double>(t), 1), t - span, span / 100, 100);
    QVERIFY2(points.size() <= 100, qPrintable(QString::number(points.size())));
    QVERIFY(points.size() >= 90);
    QVERIFY(points.constFirst().x() >= 24 * 3600 * 1000.0 - span - 1000);
    // Closer than the spacing: dropped.
    const qsizetype before = points.size();
    nd::appendCapped(&points, QPointF(points.constLast().x() + 1, 1), 0, 1000, 100);
    QCOMPARE(points.size(), before);
}

void TestMonitorChartModel::panelTogglesToTableAndExports() {
    QTemporaryDir dir;
    nd::ChartPanel panel(MonitorChartId::gpuUtilization);
    QVERIFY(!panel.tableButton()->accessibleName().isEmpty());
    QVERIFY(!panel.pngButton()->accessibleName().isEmpty());
    QVERIFY(!panel.csvButton()->accessibleName().isEmpty());
    QVERIFY(!panel.tableView()->accessibleName().isEmpty());
    QList<nd::MonitorMarker> markers = {{t0 + 5000, 3, true}, {t0 + 15000, 3, false}, {t0 - 99999, 1, true}};
    panel.setData(twoGpus(), markers, t0, t0 + 30000);
    QCOMPARE(panel.markerLineCount(), 2);  // the third is outside the window
    panel.resize(600, 300);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QVERIFY(!panel.isTableShown());
    // From the keyboard: focus the toggle, press space.
    panel.tableButton()->setFocus();
    QTest::keyClick(panel.tableButton(), Qt::Key_Space);
    QVERIFY(panel.isTableShown());
    QCOMPARE(panel.tableView()->model()->rowCount(), 3);
    QAbstractItemModelTester tester(panel.tableModel(),
                                    QAbstractItemModelTester::FailureReportingMode::QtTest);
    panel.setData(twoGpus(), {}, t0, t0 + 30000);  // a redraw with the same series keeps the lines
    QCOMPARE(panel.markerLineCount(), 0);

    QString chosen;
    QString suggestedSeen;
    panel.setSaveChooser([&](QWidget *, const QString &suggested, const QString &) {
        suggestedSeen = suggested;
        return chosen;
    });
    chosen = dir.filePath(u"util.csv"_s);
    panel.csvButton()->click();
    QVERIFY(suggestedSeen.endsWith(u".csv"_s));
    QFile csv(chosen);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    QVERIFY(csv.readAll().startsWith("time_ms,time,GPU 0 (%)"));
    QVERIFY2(panel.statusText().startsWith(u"Saved "_s), qPrintable(panel.statusText()));
    chosen = dir.filePath(u"util.png"_s);
    panel.tableButton()->click();  // back to the chart: the PNG is what is shown
    QVERIFY(!panel.isTableShown());
    panel.pngButton()->click();
    QImage image(chosen);
    QVERIFY(!image.isNull());
    QVERIFY(image.width() > 100);
    // Cancelled: nothing written, nothing said.
    chosen.clear();
    panel.csvButton()->click();
    QCOMPARE(QDir(dir.path()).entryList(QDir::Files).size(), 2);
    // A folder that does not exist: the reason, not silence.
    chosen = dir.filePath(u"missing/util.csv"_s);
    panel.csvButton()->click();
    QVERIFY2(panel.statusText().startsWith(u"Could not save"_s), qPrintable(panel.statusText()));
}

QTEST_MAIN(TestMonitorChartModel)
#include "tst_monitor_chart_model.moc"
