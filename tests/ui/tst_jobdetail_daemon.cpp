// Integration: the Job detail against the real daemon (one synthetic GPU of 8 GiB, telemetry every 100 ms).
// A job prints 60 numbered lines on the GPU, sleeps briefly and completes while the view is open: the view
// shows its spec, its timeline reaches "completed" (GET /api/jobs/{id}/events, then live events), the
// followed log holds every line and search finds one, the accounting is filled and the GPU charts have
// points and the job's start/end markers. GET /api/jobs/{id}/events is also checked directly (and 404 for
// an unknown job). Every job is cancelled and the daemon stopped at the end, also when a check fails.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/jobdetail/JobDetailView.h"
#include "ui/jobdetail/JobLogPane.h"
#include "ui/models/GpuTableModel.h"
#include "ui/monitor/ChartPanel.h"
#include "ui/monitor/ChartTableModel.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

QString cell(const QTableWidget *table, int row, int column) {
    const QTableWidgetItem *item = table->item(row, column);
    return item ? item->text() : QString();
}

// The value of the row whose first column is `label` ("" when there is none).
QString valueOf(const QTableWidget *table, const QString &label) {
    for (int r = 0; r < table->rowCount(); ++r)
        if (cell(table, r, 0) == label)
            return cell(table, r, 1);
    return QString();
}
}  // namespace

class TestJobDetailDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void followsAJobToItsEnd();

private:
    QTemporaryDir m_home;
};

void TestJobDetailDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    QVERIFY(nd::test::writeSettings(m_home.path(),
                                    R"({"daemon": {"port": 0}, "telemetry": {"interval_ms": 100}})"));
    nd::test::useHome(m_home.path(), "1x8192");
}

void TestJobDetailDaemon::cleanupTestCase() {
    nd::test::cancelQueuedJobs(nemoctl);
    nd::test::stopDaemon(m_home.path(), nemoctl);
}

void TestJobDetailDaemon::followsAJobToItsEnd() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    QVERIFY(nd::test::startDaemon(controller));

    nd::ApiClient api(controller.endpoint());
    const QString script = u"for i in $(seq 1 60); do echo \"output line $i\"; done; sleep 2"_s;
    const auto submitted = nd::test::callSync(api, u"POST"_s, u"/api/jobs"_s,
                                              {{u"name"_s, u"detail-job"_s},
                                               {u"argv"_s, QJsonArray{u"bash"_s, u"-c"_s, script}},
                                               {u"gpus"_s, 1},
                                               {u"workdir"_s, m_home.path()}});
    QVERIFY(submitted.ok());
    const qint64 id = submitted.value().object().value(u"job_id"_s).toInteger();
    QVERIFY(id > 0);

    nd::JobDetailView view(&controller, &gpus, id);
    view.resize(1100, 800);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));

    // The spec, readable and raw.
    QTRY_COMPARE_WITH_TIMEOUT(view.job().id, id, 10000);
    QCOMPARE(valueOf(view.specTable(), u"Name"_s), u"detail-job"_s);
    QVERIFY(view.rawSpecView()->toPlainText().contains(u"\"detail-job\""_s));

    // The timeline reaches "completed" (stored events, then the stream's).
    QTRY_VERIFY_WITH_TIMEOUT(view.timeline().lastState() == u"completed"_s, 30000);
    const QTableWidget *timeline = view.timelineTable();
    QVERIFY(timeline->rowCount() >= 3);
    QCOMPARE(cell(timeline, 0, 1), u"Submitted"_s);
    QCOMPARE(cell(timeline, timeline->rowCount() - 1, 1), u"Ended: completed"_s);
    QVERIFY(view.stateLabel()->accessibleName().contains(u"completed"_s));

    // The followed log has every line, then the `end`.
    nd::JobLogPane *log = view.logPane();
    QTRY_VERIFY_WITH_TIMEOUT(log->followEnded() && log->queuedBytes() == 0, 20000);
    const QString text = log->plainText();
    for (int i = 1; i <= 60; ++i)
        QVERIFY2(text.contains(u"output line %1\n"_s.arg(i)), qPrintable(u"line %1 missing"_s.arg(i)));
    log->searchBox()->setText(u"output line 37"_s);
    QVERIFY(log->findNext());
    QCOMPARE(log->textView()->textCursor().selectedText(), u"output line 37"_s);

    // The accounting.
    QTRY_VERIFY_WITH_TIMEOUT(valueOf(view.accountingTable(), u"Wall time"_s) != u"—"_s, 10000);
    QVERIFY(view.accountingTable()->rowCount() >= 7);
    QVERIFY(!valueOf(view.accountingTable(), u"GPU-seconds"_s).isEmpty());

    // The GPU charts over the job's lifetime, its start and end marked.
    QTRY_VERIFY_WITH_TIMEOUT(view.utilizationChart()->markerLineCount() >= 2, 20000);
    QVERIFY(view.utilizationChart()->tableModel()->rowCount() > 0);
    QVERIFY(view.memoryChart()->tableModel()->rowCount() > 0);

    // The events route directly, and its 404.
    const auto events = nd::test::callSync(api, u"GET"_s, u"/api/jobs/%1/events"_s.arg(id));
    QVERIFY(events.ok());
    const QJsonArray list = events.value().object().value(u"events"_s).toArray();
    QVERIFY(list.size() >= 3);
    QCOMPARE(list.first().toObject().value(u"type"_s).toString(), u"submitted"_s);
    QCOMPARE(list.last().toObject().value(u"state"_s).toString(), u"completed"_s);
    const auto unknown = nd::test::callSync(api, u"GET"_s, u"/api/jobs/999999/events"_s);
    QVERIFY(!unknown.ok());
    QVERIFY2(unknown.error().contains(u"404"_s), qPrintable(unknown.error()));
}

QTEST_MAIN(TestJobDetailDaemon)
#include "tst_jobdetail_daemon.moc"
