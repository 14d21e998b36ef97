// End to end, as a user does it: a real daemon in a temporary home (one synthetic GPU), the real main
// window; File → Submit job opens the Submit dialog, a command is typed into it and submitted; the job
// appears in the Queue, runs (state running, on GPU 0), leaves the Queue when it ends, and shows up in the
// History as completed, with its output in the daemon's log. Then Enter on it in the History opens its
// detail window, whose "Submit again with changes" fills a new dialog with that job's spec.
#include <QAbstractItemModel>
#include <QDialogButtonBox>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QProcess>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include "core/paths/Paths.h"
#include "ui/MainWindow.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/history/HistoryTableModel.h"
#include "ui/history/HistoryView.h"
#include "ui/jobdetail/JobDetailView.h"
#include "ui/models/GpuTableModel.h"
#include "ui/queue/QueueTableModel.h"
#include "ui/queue/QueueView.h"
#include "ui/submit/SubmitDialog.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;

namespace {

const QString nemoctl = QStringLiteral(NEMOCTL_PATH);

// The row of `jobId` in a model whose rows carry it under `role`, or -1.
int rowOf(const QAbstractItemModel *model, int role, qint64 jobId) {
    for (int row = 0; row < model->rowCount(); ++row)
        if (model->index(row, 0).data(role).toLongLong() == jobId)
            return row;
    return -1;
}

QString cell(const QAbstractItemModel *model, int row, int column) {
    return row < 0 ? QString() : model->index(row, column).data().toString();
}

}  // namespace

class TestDeskEndToEnd : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void submitRunFinishInQueueAndHistory();

private:
    QTemporaryDir m_home;
    nd::GpuTableModel m_gpus;
    std::unique_ptr<ConnectionController> m_controller;
    std::unique_ptr<nd::MainWindow> m_window;
};

void TestDeskEndToEnd::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    nd::test::useHome(m_home.path(), "1x24576");
    m_controller =
        std::make_unique<ConnectionController>(nd::Paths::underHome(m_home.path()), nemoctl, &m_gpus);
    m_window = std::make_unique<nd::MainWindow>(&m_gpus, m_controller.get());
    m_window->show();
    QVERIFY(nd::test::startDaemon(*m_controller));  // starts the daemon, as the application does
}

void TestDeskEndToEnd::cleanupTestCase() {
    m_window.reset();
    m_controller.reset();
    nd::test::stopDaemon(m_home.path(), nemoctl);
}

void TestDeskEndToEnd::submitRunFinishInQueueAndHistory() {
    QVERIFY(m_window->showPage(u"queue"_s));
    m_window->showSubmit();
    auto *dialog = m_window->findChild<nd::SubmitDialog *>();
    QVERIFY(dialog);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->isVisible(), 5000);

    // Type it as a user would: a command on one GPU, a name.
    dialog->setKind(nd::SubmitDialog::Kind::command);
    auto *command = dialog->findChild<QLineEdit *>(u"command"_s);
    auto *name = dialog->findChild<QLineEdit *>(u"name"_s);
    QVERIFY(command && name);
    QTest::keyClicks(command, u"bash -c \"sleep 2; echo end-to-end-ok\""_s);
    QTest::keyClicks(name, u"e2e"_s);
    dialog->findChild<QSpinBox *>(u"gpus"_s)->setValue(1);
    QTRY_VERIFY_WITH_TIMEOUT(dialog->previewText().startsWith(u"Would start now"_s), 10000);

    QSignalSpy submitted(dialog, &nd::SubmitDialog::submitted);
    dialog->findChild<QDialogButtonBox *>()->button(QDialogButtonBox::Ok)->click();
    QTRY_COMPARE_WITH_TIMEOUT(submitted.count(), 1, 10000);
    const qint64 id = submitted.front().front().value<QList<qint64>>().front();
    QCOMPARE(m_window->tabs()->currentWidget(), m_window->queue());

    // The Queue shows it running on GPU 0, then not at all once it has ended.
    const QAbstractItemModel *queue = m_window->queue()->model();
    const int queueId = nd::QueueTableModel::JobIdRole;
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(queue, queueId, id) >= 0, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(cell(queue, rowOf(queue, queueId, id), nd::QueueTableModel::Columns::state),
                              u"running"_s, 15000);
    QCOMPARE(cell(queue, rowOf(queue, queueId, id), nd::QueueTableModel::Columns::name), u"e2e"_s);
    QVERIFY2(cell(queue, rowOf(queue, queueId, id), nd::QueueTableModel::Columns::gpus).contains(u"0"_s),
             qPrintable(cell(queue, rowOf(queue, queueId, id), nd::QueueTableModel::Columns::gpus)));
    QTRY_COMPARE_WITH_TIMEOUT(rowOf(queue, queueId, id), -1, 20000);

    // The History has it, completed.
    QVERIFY(m_window->showPage(u"history"_s));
    const QAbstractItemModel *history = m_window->history()->model();
    const int historyId = nd::HistoryTableModel::JobIdRole;
    QTRY_VERIFY_WITH_TIMEOUT(rowOf(history, historyId, id) >= 0, 10000);
    QCOMPARE(cell(history, rowOf(history, historyId, id), nd::HistoryTableModel::state), u"completed"_s);
    QCOMPARE(cell(history, rowOf(history, historyId, id), nd::HistoryTableModel::name), u"e2e"_s);

    // Its output went where the queue puts it.
    QProcess logs;
    logs.start(nemoctl, {u"logs"_s, QString::number(id)});
    QVERIFY(logs.waitForFinished(10000));
    QCOMPARE(logs.readAllStandardOutput().trimmed(), QByteArray("end-to-end-ok"));

    // Enter on it opens its detail; "Submit again with changes" there fills a new dialog with its spec.
    dialog = nullptr;
    QTRY_VERIFY_WITH_TIMEOUT(m_window->findChildren<nd::SubmitDialog *>().isEmpty(),
                             5000);  // the first closed
    QTableView *table = m_window->history()->findChild<QTableView *>();
    QVERIFY(table);
    table->setFocus();
    table->setCurrentIndex(table->model()->index(rowOf(table->model(), historyId, id), 0));
    QTest::keyClick(table, Qt::Key_Return);
    QTRY_VERIFY_WITH_TIMEOUT(m_window->findChild<nd::JobDetailView *>() != nullptr, 5000);
    auto *detail = m_window->findChild<nd::JobDetailView *>();
    QTRY_VERIFY_WITH_TIMEOUT(detail->submitAgainButton()->isEnabled(), 10000);  // once the job is loaded
    detail->submitAgainButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(m_window->findChild<nd::SubmitDialog *>() != nullptr, 10000);
    auto *again = m_window->findChild<nd::SubmitDialog *>();
    QCOMPARE(again->windowTitle(), u"Submit again with changes"_s);
    QCOMPARE(again->spec().value(u"name"_s).toString(), u"e2e"_s);
    QCOMPARE(again->spec().value(u"gpus"_s).toInt(), 1);
    again->reject();
    detail->close();
}

QTEST_MAIN(TestDeskEndToEnd)
#include "tst_desk_end_to_end.moc"
