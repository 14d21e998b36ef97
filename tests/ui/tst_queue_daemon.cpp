// Integration: the Queue view against the real daemon (one synthetic GPU of 8 GiB). Three jobs are
// submitted through the API: one running on the GPU, one waiting for it, one held. The view shows each with
// its state and reason; Hold (Ctrl+H), Release (Ctrl+R), Change priority… (asker injected), Cancel (Del) and
// Resubmit run through the view's actions and the daemon's state changes, and the rows follow from the
// event stream alone. An action the daemon refuses shows its reason in the message line. Every job is
// cancelled at the end, also when a check fails (jobs outlive the daemon), then the daemon is stopped.
#include <QAction>
#include <QComboBox>
#include <QFile>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/queue/QueueFilterProxy.h"
#include "ui/queue/QueueTableModel.h"
#include "ui/queue/QueueView.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::JobAction;
using nd::QueueTableModel;
using nd::QueueView;
using Col = nd::QueueTableModel::Columns;

namespace {

const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

// The text of `column` in the row of job `id`, or "" when the view has no such row.
QString cellOf(const QueueView &view, qint64 id, int column) {
    const int row = view.model()->rowOfJob(id);
    return row < 0 ? QString() : view.model()->index(row, column).data().toString();
}

// Selects exactly the rows of `ids` in the view's table.
void select(QueueView &view, const QList<qint64> &ids) {
    QItemSelectionModel *selection = view.table()->selectionModel();
    selection->clearSelection();
    for (const qint64 id : ids) {
        const QModelIndex source = view.model()->index(view.model()->rowOfJob(id), 0);
        const QModelIndex shown = view.proxy()->mapFromSource(source);
        selection->select(shown, QItemSelectionModel::Select | QItemSelectionModel::Rows);
    }
    view.table()->setFocus();
}

}  // namespace

class TestQueueDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void showsJobsAndDrivesTheirActions();

private:
    // GET (empty body) or POST `path` and wait for the answer; nothing on error (the test then fails).
    static std::optional<QJsonObject> call(nd::ApiClient &api, const QString &path,
                                           const QJsonObject &body = {}) {
        return nd::test::callObject(api, body.isEmpty() ? u"GET"_s : u"POST"_s, path, body);
    }
    QTemporaryDir m_home;
};

void TestQueueDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    nd::test::useHome(m_home.path(), "1x8192");
}

void TestQueueDaemon::cleanupTestCase() {
    // Jobs outlive the daemon: cancel every one still queued, then stop the daemon.
    nd::test::cancelQueuedJobs(nemoctl);
    nd::test::stopDaemon(m_home.path(), nemoctl);
}

void TestQueueDaemon::showsJobsAndDrivesTheirActions() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    QueueView view(&controller);
    view.setMachineRefreshDelayMs(50);
    view.resize(1200, 600);
    view.show();
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    QVERIFY(nd::test::startDaemon(controller));
    QTRY_VERIFY_WITH_TIMEOUT(!view.isLoading(), 10000);
    QCOMPARE(view.model()->rowCount(), 0);

    nd::ApiClient api(controller.endpoint());
    const QString workdir = m_home.path();
    auto submit = [&](const QString &name, bool hold) -> qint64 {
        const std::optional<QJsonObject> answer = call(api, u"/api/jobs"_s,
                                                       {{u"name"_s, name},
                                                        {u"argv"_s, QJsonArray{u"sleep"_s, u"300"_s}},
                                                        {u"gpus"_s, 1},
                                                        {u"workdir"_s, workdir},
                                                        {u"hold"_s, hold}});
        return answer ? answer->value(u"job_id"_s).toInteger() : 0;
    };
    const qint64 runs = submit(u"runs-now"_s, false);
    QVERIFY(runs > 0);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, runs, Col::state), u"running"_s, 15000);
    const qint64 waits = submit(u"needs-the-gpu"_s, false);
    const qint64 held = submit(u"held-one"_s, true);
    QVERIFY(waits > 0 && held > 0);

    // States and reasons, from the events alone.
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 3, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, runs, Col::reason), u"running on GPU 0"_s, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::state), u"pending"_s, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::reason),
                              u"waiting for resources: needs 1 GPU, 0 free"_s, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, held, Col::state), u"held"_s, 10000);
    QCOMPARE(cellOf(view, held, Col::reason), u"held: release it to run"_s);
    QTRY_COMPARE_WITH_TIMEOUT(view.countsText(), u"1 running · 1 pending · 1 held"_s, 10000);
    const auto stateOnDaemon = [&](qint64 id) {
        const std::optional<QJsonObject> job = call(api, u"/api/jobs/%1"_s.arg(id));
        return job ? job->value(u"held"_s).toBool() ? u"held"_s : job->value(u"state"_s).toString()
                   : QString();
    };

    // Hold with Ctrl+H, release with Ctrl+R: the daemon changes, the row follows.
    select(view, {waits});
    QVERIFY(view.action(JobAction::hold)->isEnabled());
    QTest::keyClick(view.table(), Qt::Key_H, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::state), u"held"_s, 10000);
    QCOMPARE(stateOnDaemon(waits), u"held"_s);
    QTRY_COMPARE_WITH_TIMEOUT(view.messageText(), u"Held job %1."_s.arg(waits), 5000);
    select(view, {waits});
    QTest::keyClick(view.table(), Qt::Key_R, Qt::ControlModifier);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::state), u"pending"_s, 10000);
    QCOMPARE(stateOnDaemon(waits), u"pending"_s);

    // Change priority…: the asker answers 7; PATCH, then the `updated` event.
    std::optional<qint64> askedWith;
    view.setPriorityAsker([&askedWith](QWidget *, qint64 current) -> std::optional<qint64> {
        askedWith = current;
        return 7;
    });
    select(view, {waits});
    view.action(JobAction::setPriority)->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::priority), u"7"_s, 10000);
    QCOMPARE(askedWith, std::optional<qint64>(0));
    QCOMPARE(
        call(api, u"/api/jobs/%1"_s.arg(waits))->value(u"spec"_s).toObject().value(u"priority"_s).toInt(), 7);

    // The daemon's refusal, in the message line: a running job cannot be held.
    select(view, {runs});
    view.action(JobAction::hold)->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(view.messageText().startsWith(u"Could not hold job %1: "_s.arg(runs)), 10000);
    QVERIFY2(view.messageText().contains(u"only pending jobs can be held"_s), qPrintable(view.messageText()));
    QCOMPARE(cellOf(view, runs, Col::state), u"running"_s);

    // Del cancels the running job; its row leaves and the waiting job gets the GPU.
    select(view, {runs});
    QTest::keyClick(view.table(), Qt::Key_Delete);
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowOfJob(runs), -1, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::state), u"running"_s, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, waits, Col::reason), u"running on GPU 0"_s, 10000);

    // Resubmit: the spec comes back as a new job, which waits for the GPU.
    select(view, {waits});
    view.action(JobAction::resubmit)->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 3, 10000);
    qint64 again = 0;
    for (int row = 0; row < view.model()->rowCount(); ++row) {
        const qint64 id = view.model()->jobAt(row).id;
        if (id != waits && id != held)
            again = id;
    }
    QVERIFY(again > held);
    QCOMPARE(cellOf(view, again, Col::name), u"needs-the-gpu"_s);
    QTRY_COMPARE_WITH_TIMEOUT(cellOf(view, again, Col::state), u"pending"_s, 10000);

    // The filter and the state combo narrow the table.
    view.filterEdit()->setText(u"held-*"_s);
    QCOMPARE(view.proxy()->rowCount(), 1);
    view.filterEdit()->clear();
    view.stateCombo()->setCurrentIndex(2);  // Running
    QCOMPARE(view.proxy()->rowCount(), 1);
    view.stateCombo()->setCurrentIndex(0);

    // Everything selected, cancelled: the queue empties.
    view.table()->setFocus();
    view.table()->selectAll();
    QTest::keyClick(view.table(), Qt::Key_Delete);
    QTRY_COMPARE_WITH_TIMEOUT(view.model()->rowCount(), 0, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(view.messageText(), u"Cancelled 3 jobs."_s, 5000);
    QCOMPARE(view.countsText(), u"0 running · 0 pending"_s);
}

QTEST_MAIN(TestQueueDaemon)
#include "tst_queue_daemon.moc"
