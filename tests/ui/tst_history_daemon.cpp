// Integration: the History page against the real daemon. The ConnectionController starts `nemoctl daemon`
// in a temporary NEMODESK_HOME; jobs submitted through POST /api/jobs complete, fail and are cancelled;
// the page lists them, its filters narrow them, its totals match GET /api/history/totals (the route is
// checked too), a job that finishes while the page is open appears on top, and Export CSV… writes every
// matching job. The daemon is stopped at the end, also when a check fails.
#include <QComboBox>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/history/HistoryTableModel.h"
#include "ui/history/HistoryView.h"
#include "ui/models/GpuTableModel.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
}  // namespace

class TestHistoryDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { nd::test::stopDaemon(m_home.path(), nemoctl); }
    void listsFiltersTotalsAndExports();

private:
    // The answer of a request, waiting for it (the test's own requests, not the view's).
    QJsonObject call(nd::ApiClient &api, const QString &method, const QString &path,
                     const QJsonObject &body = {}, QString *error = nullptr);
    qint64 submit(nd::ApiClient &api, const QJsonObject &spec);
    QTemporaryDir m_home;
};

void TestHistoryDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates));
    nd::test::useHome(m_home.path(), "1x24576");
}

QJsonObject TestHistoryDaemon::call(nd::ApiClient &api, const QString &method, const QString &path,
                                    const QJsonObject &body, QString *error) {
    if (!error)
        return nd::test::callObject(api, method, path, body).value_or(QJsonObject());
    const nd::Result<QJsonDocument> answer = nd::test::callSync(api, method, path, body);
    *error = answer ? QString() : answer.error();
    return answer ? answer->object() : QJsonObject();
}

qint64 TestHistoryDaemon::submit(nd::ApiClient &api, const QJsonObject &spec) {
    return call(api, u"POST"_s, u"/api/jobs"_s, spec).value(u"job_id"_s).toInteger();
}

void TestHistoryDaemon::listsFiltersTotalsAndExports() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    QVERIFY(nd::test::startDaemon(controller));
    nd::ApiClient api(controller.endpoint());

    // Three jobs that end three ways.
    const qint64 ok = submit(api, QJsonObject{{u"name"_s, u"ok-a"_s},
                                              {u"argv"_s, QJsonArray{u"true"_s}},
                                              {u"tags"_s, QJsonArray{u"t1"_s}}});
    const qint64 bad = submit(api, QJsonObject{{u"name"_s, u"bad-b"_s}, {u"argv"_s, QJsonArray{u"false"_s}}});
    const qint64 slow =
        submit(api, QJsonObject{{u"name"_s, u"slow,\"c\""_s}, {u"argv"_s, QJsonArray{u"sleep"_s, u"60"_s}}});
    QVERIFY(ok > 0 && bad > 0 && slow > 0);
    call(api, u"POST"_s, u"/api/jobs/%1/cancel"_s.arg(slow));
    QTRY_VERIFY_WITH_TIMEOUT(call(api, u"GET"_s, u"/api/history"_s).value(u"total"_s).toInteger() == 3,
                             30000);

    // The totals route: every finished job, by state; the same filters as the list; bad input is a 400.
    const QJsonObject totals = call(api, u"GET"_s, u"/api/history/totals"_s);
    QCOMPARE(totals.value(u"jobs"_s).toInteger(), 3);
    QCOMPARE(totals.value(u"by_state"_s).toObject(),
             (QJsonObject{{u"cancelled"_s, 1}, {u"completed"_s, 1}, {u"failed"_s, 1}}));
    QCOMPARE(totals.value(u"tokens"_s).toInteger(), 0);
    QCOMPARE(call(api, u"GET"_s, u"/api/history/totals?state=failed"_s).value(u"jobs"_s).toInteger(), 1);
    QCOMPARE(call(api, u"GET"_s, u"/api/history/totals?tag=t1"_s).value(u"jobs"_s).toInteger(), 1);
    QString error;
    call(api, u"GET"_s, u"/api/history/totals?since=yesterday"_s, {}, &error);
    QVERIFY2(error.contains(u"since and until"_s), qPrintable(error));

    // The page lists them, newest first.
    nd::HistoryView view(&controller);
    view.show();
    nd::HistoryTableModel *model = view.model();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 3, 10000);
    QCOMPARE(model->row(0).id, slow);
    QCOMPARE(model->row(0).state, u"cancelled"_s);
    QCOMPARE(model->row(1).state, u"failed"_s);
    QCOMPARE(model->row(1).exitCode, 1);
    QCOMPARE(model->row(2).tags, QStringList{u"t1"_s});
    QTRY_VERIFY_WITH_TIMEOUT(view.totalsText().startsWith(u"3 jobs · "_s), 10000);
    QVERIFY2(view.totalsText().endsWith(u" · 0 tokens"_s), qPrintable(view.totalsText()));

    // Filters narrow the list and the totals.
    view.stateBox()->setCurrentIndex(view.stateBox()->findData(u"failed"_s));
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 1, 10000);
    QCOMPARE(model->row(0).id, bad);
    QTRY_VERIFY_WITH_TIMEOUT(view.totalsText().startsWith(u"1 job · "_s), 10000);
    view.stateBox()->setCurrentIndex(0);
    view.tagEdit()->setText(u"t1"_s);
    QTRY_COMPARE_WITH_TIMEOUT(model->filter().tag, u"t1"_s, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 1 && model->row(0).id == ok, 10000);
    view.tagEdit()->clear();
    view.nameEdit()->setText(u"*-?"_s);  // ok-a and bad-b
    QTRY_COMPARE_WITH_TIMEOUT(model->filter().name, u"*-?"_s, 5000);
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 2 && !model->isLoading(), 10000);
    view.nameEdit()->clear();
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 3 && model->filter().name.isEmpty(), 10000);

    // A job that finishes while the page is open: on top, and in the totals.
    const qint64 late =
        submit(api, QJsonObject{{u"name"_s, u"late-d"_s}, {u"argv"_s, QJsonArray{u"true"_s}}});
    QTRY_VERIFY_WITH_TIMEOUT(model->rowCount() == 4 && model->row(0).id == late, 30000);
    QCOMPARE(model->row(0).state, u"completed"_s);
    QTRY_VERIFY_WITH_TIMEOUT(view.totalsText().startsWith(u"4 jobs · "_s), 10000);

    // Export CSV… writes every matching job with proper quoting.
    const QString csvPath = m_home.filePath(u"history.csv"_s);
    view.setFileChooser([&](QWidget *) { return csvPath; });
    view.exportButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!view.isExporting(), 15000);
    QCOMPARE(view.statusText(), u"Exported 4 jobs to %1"_s.arg(csvPath));
    QFile file(csvPath);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u"\r\n"_s, Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 5);
    QVERIFY(lines.at(0).startsWith(u"id,name,state,exit_code,signal,"_s));
    QVERIFY2(lines.at(1).startsWith(u"%1,late-d,completed,0,"_s.arg(late)), qPrintable(lines.at(1)));
    QVERIFY2(lines.at(2).startsWith(u"%1,\"slow,\"\"c\"\"\",cancelled,"_s.arg(slow)),
             qPrintable(lines.at(2)));
    QVERIFY2(lines.at(3).startsWith(u"%1,bad-b,failed,1,"_s.arg(bad)), qPrintable(lines.at(3)));
    QVERIFY2(lines.at(4).startsWith(u"%1,ok-a,completed,0,"_s.arg(ok)), qPrintable(lines.at(4)));
    QVERIFY2(lines.at(4).contains(u",t1,"_s), qPrintable(lines.at(4)));
}

QTEST_MAIN(TestHistoryDaemon)
#include "tst_history_daemon.moc"
