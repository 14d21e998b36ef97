// Integration: the Models view against the real daemon. The ConnectionController starts `nemoctl daemon` in
// a temporary NEMODESK_HOME with two synthetic 24 GiB GPUs; Add… (chooser injected) adds a folder holding
// two generated models, and their rows appear with their facts and "fits GPU 0 (24 GiB)". Benchmark and
// Batch… submit jobs whose spec carries the workload (read back with GET /api/jobs/{id}, then cancelled:
// jobs outlive the daemon); Chat emits the model's name; a rescan keeps the selection; removing the folder
// takes the rows away. The daemon is stopped at the end, also when a check fails.
#include <QAbstractButton>
#include <QFile>
#include <QHeaderView>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <optional>

#include "core/client/ApiClient.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/library/ModelLibraryModel.h"
#include "ui/library/ModelsView.h"
#include "ui/models/GpuTableModel.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::ModelLibraryModel;
using nd::ModelsView;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
const QString genModel = QStringLiteral(GEN_MODEL_PATH);
}  // namespace

class TestLibraryDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { nd::test::stopDaemon(m_home.path(), nemoctl); }
    void addBenchmarkChatRemove();

private:
    // Cancels job `id` (unless it has ended already) and waits until it has ended.
    void cancelJob(nd::ApiClient &api, qint64 id);
    QTemporaryDir m_home;
    QString m_models;
};

void TestLibraryDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    m_models = m_home.filePath(u"my models"_s);
    QVERIFY(QDir().mkpath(m_models + u"/nested"_s));
    for (const QString &out : {m_models + u"/tiny-a.gguf"_s, m_models + u"/nested/tiny-b.gguf"_s}) {
        const QString error = nd::test::generateModel(genModel, out);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    nd::test::useHome(m_home.path(), "2x24576");
}

void TestLibraryDaemon::cancelJob(nd::ApiClient &api, qint64 id) {
    // A tiny model's job may already have ended (the daemon then answers 409): what matters is that no job
    // of the test outlives it.
    nd::test::callObject(api, u"POST"_s, u"/api/jobs/%1/cancel"_s.arg(id));
    QTRY_VERIFY_WITH_TIMEOUT(
        [&] {
            const std::optional<QJsonObject> job =
                nd::test::callObject(api, u"GET"_s, u"/api/jobs/%1"_s.arg(id));
            const QString state = job ? job->value(u"state"_s).toString() : QString();
            return state != u"pending"_s && state != u"running"_s && !state.isEmpty();
        }(),
        30000);
}

void TestLibraryDaemon::addBenchmarkChatRemove() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    ModelsView view(&controller, &gpus);
    view.setScanPollMs(100);
    view.resize(1200, 700);
    view.show();
    QVERIFY(!view.addFolderButton()->isEnabled());
    // Every control a person can reach with Tab has a name a screen reader can say; the view's own
    // controls (buttons, filter, lists, details) are all among them.
    int reachable = 0;
    for (QWidget *control : view.findChildren<QWidget *>()) {
        const bool isControl =
            qobject_cast<QAbstractButton *>(control) || qobject_cast<QLineEdit *>(control) ||
            qobject_cast<QPlainTextEdit *>(control) ||
            (qobject_cast<QAbstractItemView *>(control) && !qobject_cast<QHeaderView *>(control));
        if (isControl && (control->focusPolicy() & Qt::TabFocus)) {
            ++reachable;
            QVERIFY2(!control->accessibleName().isEmpty(),
                     qPrintable(QString::fromLatin1(control->metaObject()->className())));
        }
    }
    QCOMPARE(reachable, 10);  // folders, Add, Remove, Rescan, filter, table, details, Benchmark, Batch, Chat

    QVERIFY(nd::test::startDaemon(controller));
    QTRY_VERIFY_WITH_TIMEOUT(view.addFolderButton()->isEnabled(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(gpus.rowCount(), 2, 10000);
    QTRY_VERIFY_WITH_TIMEOUT(view.folderList()->count() == 1 &&
                                 view.folderList()->item(0)->text().startsWith(u"No model folder"_s),
                             10000);

    // A folder that does not exist: the daemon's reason inline.
    QString chosen = m_home.filePath(u"no-such-folder"_s);
    view.setFolderChooser([&chosen](QWidget *) { return chosen; });
    view.addFolderButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(view.folderResultText().startsWith(u"Could not add"_s), 15000);
    QVERIFY2(view.folderResultText().contains(u"does not exist"_s), qPrintable(view.folderResultText()));

    // The folder with two generated models: both rows appear once the scan has found them.
    chosen = m_models;
    view.addFolderButton()->click();
    ModelLibraryModel *model = view.libraryModel();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 2, 40000);
    QTRY_VERIFY_WITH_TIMEOUT(!view.isScanning(), 40000);
    QCOMPARE(view.folderList()->count(), 1);
    QCOMPARE(view.folderList()->item(0)->text(), m_models);
    const QString pathA = m_models + u"/tiny-a.gguf"_s;
    const QString pathB = m_models + u"/nested/tiny-b.gguf"_s;
    const int rowA = model->rowOfPath(pathA);
    QVERIFY(rowA >= 0);
    QVERIFY(model->rowOfPath(pathB) >= 0);
    const auto cell = [&](int column) { return model->data(model->index(rowA, column)).toString(); };
    QCOMPARE(cell(ModelLibraryModel::Columns::name), u"tiny-a"_s);
    QCOMPARE(cell(ModelLibraryModel::Columns::architecture), u"llama"_s);
    QVERIFY2(cell(ModelLibraryModel::Columns::types).contains(u"Q8_0"_s), qPrintable(cell(3)));
    QVERIFY2(cell(ModelLibraryModel::Columns::fits).startsWith(u"fits GPU 0 (24 GiB)"_s),
             qPrintable(cell(7)));
    QVERIFY2(cell(ModelLibraryModel::Columns::memory).contains(u" ctx"_s), qPrintable(cell(6)));

    // The filter.
    view.filterEdit()->setText(u"tiny-b"_s);
    QCOMPARE(view.table()->model()->rowCount(), 1);
    view.filterEdit()->clear();
    QCOMPARE(view.table()->model()->rowCount(), 2);

    // Details and actions follow the selection.
    QVERIFY(!view.benchmarkButton()->isEnabled());
    QVERIFY(view.selectModel(pathA));
    QVERIFY2(view.detailsText().contains(u"Path: "_s + pathA), qPrintable(view.detailsText()));
    QVERIFY(view.benchmarkButton()->isEnabled());
    QVERIFY(view.chatButton()->isEnabled());

    // Chat: the window is asked to open the Playground with the model.
    QSignalSpy chat(&view, &ModelsView::chatRequested);
    view.chatButton()->click();
    QCOMPARE(chat.count(), 1);
    QCOMPARE(chat.first().first().toString(), u"tiny-a"_s);

    // Benchmark: a job whose spec carries the workload; its id inline.
    nd::ApiClient api(controller.endpoint());
    view.benchmarkButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(view.lastJobId() > 0, 15000);
    const qint64 benchJob = view.lastJobId();
    QVERIFY2(view.actionResultText().contains(u"job %1"_s.arg(benchJob)),
             qPrintable(view.actionResultText()));
    const std::optional<QJsonObject> job =
        nd::test::callObject(api, u"GET"_s, u"/api/jobs/%1"_s.arg(benchJob));
    QVERIFY(job.has_value());
    const QJsonObject workload = job->value(u"spec"_s).toObject().value(u"workload"_s).toObject();
    QCOMPARE(workload.value(u"kind"_s).toString(), u"benchmark"_s);
    QCOMPARE(workload.value(u"model"_s).toString(), u"tiny-a"_s);
    cancelJob(api, benchJob);

    // Batch…: prompts and answers chosen, a batch workload job.
    const QString input = m_home.filePath(u"prompts.jsonl"_s);
    QFile prompts(input);
    QVERIFY(prompts.open(QIODevice::WriteOnly));
    prompts.write("{\"prompt\": \"Hi\"}\n");
    prompts.close();
    const QString output = m_home.filePath(u"answers.jsonl"_s);
    QString suggested;
    view.setBatchChoosers([&](QWidget *) { return input; },
                          [&](QWidget *, const QString &s) {
                              suggested = s;
                              return output;
                          });
    view.batchButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(view.lastJobId() > benchJob, 15000);
    QCOMPARE(suggested, m_home.filePath(u"prompts.answers.jsonl"_s));
    const qint64 batchJob = view.lastJobId();
    const std::optional<QJsonObject> batch =
        nd::test::callObject(api, u"GET"_s, u"/api/jobs/%1"_s.arg(batchJob));
    QVERIFY(batch.has_value());
    const QJsonObject batchWorkload = batch->value(u"spec"_s).toObject().value(u"workload"_s).toObject();
    QCOMPARE(batchWorkload.value(u"kind"_s).toString(), u"batch"_s);
    QCOMPARE(batchWorkload.value(u"input"_s).toString(), input);
    cancelJob(api, batchJob);

    // A rescan reloads the list and keeps the selection.
    // (A scan of two files may end before a poll could see it running: no check of the indicator here.)
    view.rescanButton()->click();
    QTest::qWait(300);
    QTRY_VERIFY_WITH_TIMEOUT(!view.isScanning(), 40000);
    QCOMPARE(model->rowCount(), 2);
    QCOMPARE(view.selectedPath(), pathA);

    // Remove the folder: its rows go, the files stay.
    view.folderList()->setCurrentRow(0);
    QVERIFY(view.removeFolderButton()->isEnabled());
    view.removeFolderButton()->click();
    QTRY_COMPARE_WITH_TIMEOUT(model->rowCount(), 0, 15000);
    QVERIFY2(view.folderResultText().startsWith(u"Removed "_s), qPrintable(view.folderResultText()));
    QVERIFY(QFile::exists(pathA));
    QVERIFY(view.detailsText().isEmpty());
    QVERIFY(!view.benchmarkButton()->isEnabled());
}

QTEST_MAIN(TestLibraryDaemon)
#include "tst_library_daemon.moc"
