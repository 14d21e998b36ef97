// PlaygroundView driven offscreen against a scripted server: models listed, a message typed and sent with
// Ctrl+Enter, the answer streamed with its reasoning folded, numbers shown, autosaved and reopened; Stop;
// Regenerate; Edit-and-resend; side by side sending to both models at once.
#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QListView>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <QTabWidget>

#include "FakeChatServer.h"
#include "ui/MainWindow.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/models/GpuTableModel.h"
#include "ui/playground/ChatPane.h"
#include "ui/playground/ConversationListModel.h"
#include "ui/playground/MessageWidget.h"
#include "ui/playground/PlaygroundView.h"

using namespace Qt::StringLiterals;
using nd::ChatPane;
using nd::PlaygroundView;

class TestPlaygroundView : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void sendStreamsAndSaves();
    void stopThenRegenerate();
    void editAndResend();
    void sideBySideSendsToBoth();
    void everyControlHasAnAccessibleName();
    void mainWindowHasPlaygroundTab();

private:
    // A view connected to `server` with its model list loaded.
    static void connect(PlaygroundView *view, nd::test::FakeChatServer *server) {
        view->setConfirmDeletes(false);
        view->resize(1100, 700);
        view->show();
        view->setEndpoint(server->endpoint());
        QTRY_COMPARE_WITH_TIMEOUT(view->pane(0)->models(), server->models, 10000);
    }
    static void type(PlaygroundView *view, const QString &text) {
        view->input()->setFocus();
        QTest::keyClicks(view->input(), text);
    }
};

void TestPlaygroundView::sendStreamsAndSaves() {
    QTemporaryDir dir;
    nd::test::FakeChatServer server;
    PlaygroundView view(nd::ConversationStore(dir.path()));
    connect(&view, &server);
    ChatPane *pane = view.pane(0);
    QCOMPARE(pane->currentModel(), u"nemotron-nano-9b"_s);
    pane->modelBox()->setCurrentIndex(1);

    nd::test::ChatScript script =
        nd::test::streamedAnswer({u"Think "_s, u"first."_s}, {u"Hello"_s, u" there"_s});
    script.pauseMs = 15;
    server.queue(script);
    QSignalSpy saved(&view, &PlaygroundView::conversationSaved);
    type(&view, u"Hi model"_s);
    QTest::keyClick(view.input(), Qt::Key_Return, Qt::ControlModifier);
    QVERIFY(view.input()->toPlainText().isEmpty());
    QVERIFY(view.stopButton()->isEnabled());
    QVERIFY(!view.sendButton()->isEnabled());
    QCOMPARE(pane->messageWidgets().size(), 2);

    nd::MessageWidget *answer = pane->messageWidgets().last();
    // Text shows while it streams, before the answer is over.
    QTRY_VERIFY_WITH_TIMEOUT(answer->reasoningText().contains(u"Think"_s) && pane->isBusy(), 10000);
    QTRY_COMPARE_WITH_TIMEOUT(saved.size(), 1, 10000);
    QCOMPARE(answer->contentText(), u"Hello there"_s);
    QCOMPARE(answer->reasoningText(), u"Think first."_s);
    QVERIFY(answer->isReasoningVisible());
    QVERIFY(!answer->isReasoningExpanded());  // folded by default
    answer->reasoningToggle()->click();
    QVERIFY(answer->isReasoningExpanded());
    QVERIFY2(answer->statsText().contains(u"first token"_s) && answer->statsText().contains(u"9 tokens"_s),
             qPrintable(answer->statsText()));
    QCOMPARE(server.chatBodies.first().value(u"model"_s).toString(), u"llama-3.2-1b"_s);
    QCOMPARE(server.chatBodies.first()
                 .value(u"messages"_s)
                 .toArray()
                 .last()
                 .toObject()
                 .value(u"content"_s)
                 .toString(),
             u"Hi model"_s);
    QVERIFY(view.sendButton()->isEnabled());

    // Autosaved: listed, and reopened into a fresh view with its reasoning and numbers.
    QCOMPARE(view.listModel()->rowCount(), 1);
    const QString id = view.currentConversationId();
    QCOMPARE(view.listModel()->idAt(0), id);
    PlaygroundView other(nd::ConversationStore(dir.path()));
    QVERIFY(other.openConversation(id));
    QCOMPARE(other.pane(0)->messageWidgets().size(), 2);
    QCOMPARE(other.pane(0)->messageWidgets().last()->reasoningText(), u"Think first."_s);
    QCOMPARE(other.pane(0)->currentModel(), u"llama-3.2-1b"_s);
    QVERIFY(other.pane(0)->messageWidgets().last()->statsText().contains(u"9 tokens"_s));
    QVERIFY(other.deleteConversation(id));
    QCOMPARE(other.listModel()->rowCount(), 0);
}

void TestPlaygroundView::stopThenRegenerate() {
    QTemporaryDir dir;
    nd::test::FakeChatServer server;
    PlaygroundView view(nd::ConversationStore(dir.path()));
    connect(&view, &server);
    ChatPane *pane = view.pane(0);
    nd::test::ChatScript slow = nd::test::streamedAnswer({}, QStringList(300, u"word "_s), false);
    slow.pauseMs = 10;
    server.queue(slow);
    type(&view, u"Tell me a long story"_s);
    view.sendButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(pane->messageWidgets().last()->contentText().contains(u"word"_s), 10000);
    view.stopButton()->click();
    QVERIFY(!pane->isBusy());
    QVERIFY(pane->messageWidgets().last()->statsText().contains(u"stopped"_s));
    QTRY_COMPARE_WITH_TIMEOUT(server.clientClosedEarly, 1, 10000);

    QVERIFY(pane->regenerateButton()->isEnabled());
    server.queue(nd::test::streamedAnswer({}, {u"Once"_s, u" upon"_s}));
    pane->regenerateButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isBusy(), 10000);
    QCOMPARE(pane->messageWidgets().size(), 2);
    QCOMPARE(pane->messageWidgets().last()->contentText(), u"Once upon"_s);
    QCOMPARE(server.chatBodies.size(), 2);
    // The regenerated request asks the same question again, without the stopped answer.
    const QJsonArray messages = server.chatBodies.last().value(u"messages"_s).toArray();
    QCOMPARE(messages.size(), 1);
    QCOMPARE(messages.first().toObject().value(u"content"_s).toString(), u"Tell me a long story"_s);
}

void TestPlaygroundView::editAndResend() {
    QTemporaryDir dir;
    nd::test::FakeChatServer server;
    PlaygroundView view(nd::ConversationStore(dir.path()));
    connect(&view, &server);
    ChatPane *pane = view.pane(0);
    view.systemPromptBox()->setPlainText(u"Be brief."_s);
    for (const QString &question : {u"First question"_s, u"Second question"_s}) {
        server.queue(nd::test::streamedAnswer({}, {u"Answer to "_s, question}));
        type(&view, question);
        view.sendButton()->click();
        QTRY_VERIFY_WITH_TIMEOUT(!pane->isBusy(), 10000);
    }
    QCOMPARE(pane->messageWidgets().size(), 4);
    pane->messageWidgets()[0]->editButton()->click();
    QCOMPARE(view.input()->toPlainText(), u"First question"_s);
    view.input()->setPlainText(u"First question, edited"_s);
    server.queue(nd::test::streamedAnswer({}, {u"New answer"_s}));
    view.sendButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!pane->isBusy(), 10000);
    QCOMPARE(pane->messageWidgets().size(), 2);
    QCOMPARE(pane->messageWidgets()[0]->contentText(), u"First question, edited"_s);
    QCOMPARE(pane->messageWidgets()[1]->contentText(), u"New answer"_s);
    const QJsonArray messages = server.chatBodies.last().value(u"messages"_s).toArray();
    QCOMPARE(messages.size(), 2);  // system + the edited question
    QCOMPARE(messages[0].toObject().value(u"content"_s).toString(), u"Be brief."_s);
}

void TestPlaygroundView::sideBySideSendsToBoth() {
    QTemporaryDir dir;
    nd::test::FakeChatServer server;
    PlaygroundView view(nd::ConversationStore(dir.path()));
    connect(&view, &server);
    view.setSideBySide(true);
    ChatPane *left = view.pane(0);
    ChatPane *right = view.pane(1);
    QVERIFY(right->isVisible());
    QTRY_COMPARE_WITH_TIMEOUT(right->models(), server.models, 10000);
    QCOMPARE(right->currentModel(), u"llama-3.2-1b"_s);  // the second pane picks the second model
    right->temperatureBox()->setValue(1.2);
    right->reasoningBox()->setChecked(false);

    nd::test::ChatScript a = nd::test::streamedAnswer({}, QStringList(40, u"a"_s));
    nd::test::ChatScript b = nd::test::streamedAnswer({}, QStringList(40, u"b"_s));
    a.pauseMs = b.pauseMs = 3;
    server.queue(a);
    server.queue(b);
    type(&view, u"Compare"_s);
    view.sendButton()->click();
    QVERIFY(left->isBusy());
    QVERIFY(right->isBusy());  // both at once
    QTRY_VERIFY_WITH_TIMEOUT(!left->isBusy() && !right->isBusy(), 20000);
    QCOMPARE(server.chatBodies.size(), 2);
    QStringList models;
    for (const QJsonObject &body : std::as_const(server.chatBodies))
        models << body.value(u"model"_s).toString();
    models.sort();
    QCOMPARE(models, QStringList({u"llama-3.2-1b"_s, u"nemotron-nano-9b"_s}));
    for (const QJsonObject &body : std::as_const(server.chatBodies)) {
        if (body.value(u"model"_s).toString() == u"llama-3.2-1b"_s) {
            QCOMPARE(body.value(u"temperature"_s).toDouble(), 1.2);
            QCOMPARE(body.value(u"reasoning"_s).toBool(true), false);
        }
    }
    for (ChatPane *pane : {left, right}) {
        QCOMPARE(pane->messageWidgets().size(), 2);
        QCOMPARE(pane->messageWidgets().last()->contentText().size(), 40);
        QVERIFY(pane->messageWidgets().last()->statsText().contains(u"tok/s"_s));
    }
}

void TestPlaygroundView::everyControlHasAnAccessibleName() {
    QTemporaryDir dir;
    PlaygroundView view(nd::ConversationStore(dir.path()));
    view.setSideBySide(true);
    const auto widgets = view.findChildren<QWidget *>();
    for (QWidget *widget : widgets) {
        if (widget->window() != &view || widget->focusPolicy() == Qt::NoFocus || !widget->isEnabled())
            continue;
        if (qobject_cast<QAbstractButton *>(widget) || qobject_cast<QComboBox *>(widget) ||
            qobject_cast<QAbstractSpinBox *>(widget) || qobject_cast<QPlainTextEdit *>(widget) ||
            qobject_cast<QListView *>(widget)) {
            QVERIFY2(!widget->accessibleName().isEmpty(), widget->metaObject()->className());
        }
    }
}

void TestPlaygroundView::mainWindowHasPlaygroundTab() {
    QTemporaryDir home;
    nd::GpuTableModel model;
    nd::ConnectionController controller(nd::Paths::underHome(home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    const int last = window.tabs()->count() - 1;
    QCOMPARE(window.tabs()->widget(last), window.playground());
    QCOMPARE(window.tabs()->tabText(last), u"&Playground"_s);
    QCOMPARE(window.tabs()->currentIndex(), 0);  // the GPU overview stays the first page
}

QTEST_MAIN(TestPlaygroundView)
#include "tst_playground_view.moc"
