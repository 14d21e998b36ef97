// The Playground's data without widgets: Conversation (cuts for edit and regenerate, the request it
// makes, JSON round trip with reasoning kept apart), ConversationStore (save, list, reopen, rename,
// delete, a corrupt file reported) and ConversationListModel under QAbstractItemModelTester.
#include <QAbstractItemModelTester>
#include <QFile>
#include <QTemporaryDir>
#include <QTest>
#include <QTimeZone>

#include "ui/playground/Conversation.h"
#include "ui/playground/ConversationListModel.h"
#include "ui/playground/ConversationStore.h"

using namespace Qt::StringLiterals;
using nd::Conversation;
using nd::ConversationStore;
using Role = nd::PlaygroundMessage::Role;

namespace {

// Two exchanges, answers with reasoning and numbers.
Conversation twoTurns() {
    Conversation c;
    c.model = u"nemotron-nano-9b"_s;
    c.systemPrompt = u"Be brief."_s;
    c.params.temperature = 0.3;
    c.params.seed = 7;
    c.params.reasoning = false;
    c.addUser(u"What is 2+2?"_s);
    c.beginAssistant(u"nemotron-nano-9b"_s);
    c.appendReasoning(u"Simple "_s);
    c.appendReasoning(u"arithmetic."_s);
    c.appendContent(u"4"_s);
    nd::ChatStats stats;
    stats.finishReason = u"stop"_s;
    stats.ttftMs = 120;
    stats.tokensPerS = 42.5;
    stats.completionTokens = 9;
    stats.promptTokens = 20;
    c.finishAssistant(stats);
    c.addUser(u"And 3+3?"_s);
    c.beginAssistant(u"nemotron-nano-9b"_s);
    c.appendContent(u"6"_s);
    c.finishAssistant(stats);
    return c;
}

}  // namespace

class TestPlaygroundConversation : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void requestLeavesReasoningOut();
    void cutForEdit();
    void cutForRegenerate();
    void failedAnswerIsNotSent();
    void jsonRoundTrip();
    void rejectsUnknownFormat();
    void storeSaveListReopenDelete();
    void storeReportsCorruptFile();
    void storeRejectsPathIds();
    void listModelRenames();
};

void TestPlaygroundConversation::requestLeavesReasoningOut() {
    const Conversation c = twoTurns();
    const nd::ChatRequest request = c.request();
    QCOMPARE(request.model, u"nemotron-nano-9b"_s);
    QCOMPARE(request.params.seed.value_or(-1), 7);
    QCOMPARE(request.messages.size(), 5);
    QCOMPARE(request.messages[0].role, u"system"_s);
    QCOMPARE(request.messages[2].role, u"assistant"_s);
    QCOMPARE(request.messages[2].content, u"4"_s);  // no reasoning in what is sent back
    QCOMPARE(c.messages()[1].reasoning, u"Simple arithmetic."_s);
    QCOMPARE(c.suggestedTitle(), u"What is 2+2?"_s);
}

void TestPlaygroundConversation::cutForEdit() {
    Conversation c = twoTurns();
    QVERIFY(!c.cutForEdit(1));  // an answer is not editable
    QVERIFY(!c.cutForEdit(9));
    QCOMPARE(c.userMessageIndex(1), 2);
    QCOMPARE(c.userTurnOf(2), 1);
    const nd::Result<QString> text = c.cutForEdit(c.userMessageIndex(1));
    QVERIFY(text);
    QCOMPARE(*text, u"And 3+3?"_s);
    QCOMPARE(c.size(), 2);
    QCOMPARE(c.messages().last().content, u"4"_s);
    QVERIFY(c.cutForEdit(0));
    QVERIFY(c.isEmpty());
}

void TestPlaygroundConversation::cutForRegenerate() {
    Conversation c = twoTurns();
    QVERIFY(c.cutForRegenerate());
    QCOMPARE(c.size(), 3);
    QCOMPARE(c.messages().last().role, Role::user);
    QVERIFY(!c.cutForRegenerate());  // ends with a question now
    Conversation empty;
    QVERIFY(!empty.cutForRegenerate());
}

void TestPlaygroundConversation::failedAnswerIsNotSent() {
    Conversation c;
    c.addUser(u"Hi"_s);
    c.beginAssistant(u"m"_s);
    c.appendContent(u"Hal"_s);
    c.failAssistant(u"the answer was cut off"_s);
    c.addUser(u"Hi again"_s);
    const nd::ChatRequest request = c.request();
    QCOMPARE(request.messages.size(), 2);  // no system prompt, no broken answer
    QCOMPARE(request.messages[1].content, u"Hi again"_s);
}

void TestPlaygroundConversation::jsonRoundTrip() {
    Conversation c = twoTurns();
    c.id = u"abc"_s;
    c.title = u"Sums"_s;
    c.created = QDateTime::fromMSecsSinceEpoch(1764000000000, Qt::UTC);
    c.updated = c.created.addSecs(60);
    const nd::Result<Conversation> back = Conversation::fromJson(c.toJson());
    QVERIFY2(back, qPrintable(back.error()));
    QCOMPARE(back->toJson(), c.toJson());
    QCOMPARE(back->title, u"Sums"_s);
    QCOMPARE(back->params.seed.value_or(-1), 7);
    QCOMPARE(back->params.reasoning, false);
    QCOMPARE(back->params.temperature, 0.3);
    QCOMPARE(back->messages()[1].reasoning, u"Simple arithmetic."_s);
    QCOMPARE(back->messages()[1].content, u"4"_s);
    QCOMPARE(back->messages()[1].stats.ttftMs, 120);
    QCOMPARE(back->messages()[1].stats.completionTokens, 9);
    QCOMPARE(back->updated, c.updated);
}

void TestPlaygroundConversation::rejectsUnknownFormat() {
    QJsonObject json = twoTurns().toJson();
    json.insert(u"format"_s, 99);
    const nd::Result<Conversation> back = Conversation::fromJson(json);
    QVERIFY(!back);
    QVERIFY(back.error().contains(u"format 99"_s));
}

void TestPlaygroundConversation::storeSaveListReopenDelete() {
    QTemporaryDir dir;
    ConversationStore store(dir.filePath(u"playground"_s));
    Conversation first = twoTurns();
    QVERIFY(store.save(&first));
    QVERIFY(!first.id.isEmpty());
    QVERIFY(first.created.isValid());
    QTest::qWait(5);  // a later `updated`
    Conversation second;
    second.addUser(u"Another one"_s);
    QVERIFY(store.save(&second));
    QVERIFY(first.id != second.id);

    const ConversationStore::Listing listing = store.list();
    QVERIFY(listing.problems.isEmpty());
    QCOMPARE(listing.conversations.size(), 2);
    QCOMPARE(listing.conversations[0].id, second.id);  // newest first
    QCOMPARE(listing.conversations[1].title, u"What is 2+2?"_s);
    QCOMPARE(listing.conversations[1].messageCount, 4);

    const nd::Result<Conversation> reopened = store.load(first.id);
    QVERIFY2(reopened, qPrintable(reopened.error()));
    QCOMPARE(reopened->toJson(), first.toJson());

    QVERIFY(store.rename(first.id, u"  Arithmetic "_s));
    QCOMPARE(store.load(first.id)->title, u"Arithmetic"_s);

    QVERIFY(store.remove(first.id));
    QCOMPARE(store.list().conversations.size(), 1);
    QVERIFY(!store.load(first.id));
    QVERIFY(store.remove(first.id));  // already gone: fine
}

void TestPlaygroundConversation::storeReportsCorruptFile() {
    QTemporaryDir dir;
    ConversationStore store(dir.path());
    Conversation good = twoTurns();
    QVERIFY(store.save(&good));
    QFile bad(dir.filePath(u"broken.json"_s));
    QVERIFY(bad.open(QIODevice::WriteOnly));
    bad.write("{\"format\": 1, \"messages\": [");
    bad.close();
    QFile wrongRole(dir.filePath(u"odd.json"_s));
    QVERIFY(wrongRole.open(QIODevice::WriteOnly));
    wrongRole.write(R"({"format":1,"messages":[{"role":"tool","content":"x"}]})");
    wrongRole.close();

    const ConversationStore::Listing listing = store.list();
    QCOMPARE(listing.conversations.size(), 1);
    QCOMPARE(listing.problems.size(), 2);
    QVERIFY(listing.problems.join(u'\n').contains(u"broken.json"_s));
    QVERIFY(listing.problems.join(u'\n').contains(u"\"tool\""_s));
    const nd::Result<Conversation> load = store.load(u"broken"_s);
    QVERIFY(!load);
    QVERIFY(load.error().contains(u"invalid JSON"_s));
}

void TestPlaygroundConversation::storeRejectsPathIds() {
    QTemporaryDir dir;
    ConversationStore store(dir.path());
    QVERIFY(!store.load(u"../settings"_s));
    QVERIFY(!store.remove(u"a/b"_s));
}

void TestPlaygroundConversation::listModelRenames() {
    QTemporaryDir dir;
    ConversationStore store(dir.path());
    nd::ConversationListModel model(&store);
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    Conversation a = twoTurns();
    QVERIFY(store.save(&a));
    QTest::qWait(5);
    Conversation b;
    b.addUser(u"Second"_s);
    QVERIFY(store.save(&b));
    model.refresh();
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.idAt(0), b.id);
    QCOMPARE(model.rowOf(a.id), 1);
    QCOMPARE(model.data(model.index(1), Qt::DisplayRole).toString(), u"What is 2+2?"_s);
    QVERIFY(model.data(model.index(1), Qt::ToolTipRole).toString().contains(u"nemotron-nano-9b"_s));
    QVERIFY(model.flags(model.index(0)).testFlag(Qt::ItemIsEditable));
    QVERIFY(model.setData(model.index(1), u"Renamed"_s, Qt::EditRole));
    QCOMPARE(model.data(model.index(1), Qt::DisplayRole).toString(), u"Renamed"_s);
    QCOMPARE(store.load(a.id)->title, u"Renamed"_s);
    QVERIFY(!model.setData(model.index(1), u"   "_s, Qt::EditRole));
    QVERIFY(store.remove(b.id));
    model.refresh();
    QCOMPARE(model.rowCount(), 1);
}

QTEST_GUILESS_MAIN(TestPlaygroundConversation)
#include "tst_playground_conversation.moc"
