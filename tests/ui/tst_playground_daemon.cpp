// Integration: the Playground against the real daemon. A generated model in the library; the window's
// ConnectionController starts `nemoctl daemon`; the Playground lists the model from /v1/models, sends a
// message, and the answer streams in from a model server job that the daemon started through the queue
// (visible in `nemoctl queue`). The server job and the daemon are stopped at the end.
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTemporaryDir>
#include <QtTest>

#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/playground/ChatPane.h"
#include "ui/playground/ConversationStore.h"
#include "ui/playground/MessageWidget.h"
#include "ui/playground/PlaygroundView.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ChatPane;
using nd::ConnectionController;
using nd::PlaygroundView;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
const QString genModel = QStringLiteral(GEN_MODEL_PATH);
}  // namespace

class TestPlaygroundDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase();
    void chatsWithAModelServedByAJob();

private:
    QTemporaryDir m_home;
};

void TestPlaygroundDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    const QString models = m_home.filePath(u"models"_s);
    QVERIFY(QDir().mkpath(models));
    QFile chatml(m_home.filePath(u"chatml.jinja"_s));
    QVERIFY(chatml.open(QIODevice::WriteOnly));
    chatml.write(
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}");
    chatml.close();
    const QString error = nd::test::generateModel(genModel, models + u"/tiny.gguf"_s,
                                                  {u"--chat-template"_s, chatml.fileName()});
    QVERIFY2(error.isEmpty(), qPrintable(error));
    const nd::Paths paths = nd::Paths::underHome(m_home.path());
    QVERIFY(QDir().mkpath(paths.configDir()));
    QFile settings(paths.settingsFile());
    QVERIFY(settings.open(QIODevice::WriteOnly));
    settings.write(
        QJsonDocument(QJsonObject{{u"models"_s, QJsonObject{{u"folders"_s, QJsonArray{models}}}}}).toJson());
    settings.close();
    // The server job takes the GPU; the engine runs on the CPU.
    nd::test::useHome(m_home.path(), "1x24576");
}

void TestPlaygroundDaemon::cleanupTestCase() {
    // Jobs outlive the daemon: cancel the model server first, then stop the daemon.
    nd::test::cancelQueuedJobs(nemoctl);
    nd::test::stopDaemon(m_home.path(), nemoctl);
}

void TestPlaygroundDaemon::chatsWithAModelServedByAJob() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    QVERIFY(nd::test::startDaemon(controller));

    QTemporaryDir conversations;
    PlaygroundView view(nd::ConversationStore(conversations.path()));
    view.resize(1100, 700);
    view.show();
    view.setEndpoint(controller.endpoint());
    ChatPane *pane = view.pane(0);
    // The library scans in the background: the model shows once the scan is done.
    QTRY_VERIFY_WITH_TIMEOUT(pane->models().contains(u"tiny"_s) || (pane->refreshModels(), false), 20000);
    pane->setCurrentModel(u"tiny"_s);
    for (QSpinBox *box : pane->findChildren<QSpinBox *>())
        if (box->accessibleName().startsWith(u"Maximum tokens"_s))
            box->setValue(12);

    view.input()->setPlainText(u"Hello from the Playground"_s);
    view.sendButton()->click();
    QCOMPARE(pane->messageWidgets().size(), 2);
    // The first request starts the server job; the answer streams in once it has loaded the model.
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isBusy(), 60000);
    nd::MessageWidget *answer = pane->messageWidgets().last();
    QVERIFY2(!answer->contentText().isEmpty() || !answer->reasoningText().isEmpty(),
             qPrintable(answer->statsText()));
    QVERIFY2(answer->statsText().contains(u"tokens"_s), qPrintable(answer->statsText()));

    // The model server it used is a job of the queue.
    const QJsonArray jobs = QJsonDocument::fromJson(nd::test::runNemoctl(nemoctl, {u"queue"_s, u"--json"_s}))
                                .object()
                                .value(u"jobs"_s)
                                .toArray();
    QCOMPARE(jobs.size(), 1);
    QCOMPARE(jobs.first().toObject().value(u"name"_s).toString(), u"serve tiny"_s);
    QCOMPARE(jobs.first().toObject().value(u"state"_s).toString(), u"running"_s);
}

QTEST_MAIN(TestPlaygroundDaemon)
#include "tst_playground_daemon.moc"
