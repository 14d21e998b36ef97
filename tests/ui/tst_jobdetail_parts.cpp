// The Job detail's parts without a daemon: the log pane (chunked append, the cap and its note, search
// forwards and backwards with wrap-around, line wrap), the state timeline from an events answer merged
// with live `job` events, and the charts' window and GPU/marker filtering.
#include <QCheckBox>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTest>
#include <QTextBlock>

#include "ui/jobdetail/JobCharts.h"
#include "ui/jobdetail/JobLogPane.h"
#include "ui/jobdetail/JobTimeline.h"

using namespace Qt::StringLiterals;

class TestJobDetailParts : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void logAppendsInChunksWithoutLosingALine();
    void logKeepsTheTailUnderTheCapAndSaysSo();
    void searchFindsNextAndPreviousAndWraps();
    void wrapToggleSetsTheWrapMode();
    void timelineFromEventsAndLiveEvents();
    void chartWindowAndFilters();
};

namespace {
QByteArray numberedLines(int from, int to) {
    QByteArray out;
    for (int i = from; i < to; ++i)
        out += "line " + QByteArray::number(i) + " of the log\n";
    return out;
}
}  // namespace

void TestJobDetailParts::logAppendsInChunksWithoutLosingALine() {
    nd::JobLogPane pane;
    pane.setChunkBytes(1000);
    QSignalSpy caughtUp(&pane, &nd::JobLogPane::caughtUp);
    const QByteArray bytes = numberedLines(0, 5000);  // ~100 KiB: about a hundred chunks
    pane.appendBytes(bytes);
    // Nothing is appended synchronously: the GUI thread gets back to its event loop between chunks.
    QVERIFY(pane.queuedBytes() > 0);
    QVERIFY(pane.plainText().isEmpty());
    QVERIFY(caughtUp.wait(10000));
    QCOMPARE(pane.queuedBytes(), 0);
    QCOMPARE(pane.plainText(), QString::fromUtf8(bytes));
    QCOMPARE(pane.hiddenAmount(), 0);
    QVERIFY(!pane.loadAllButton()->isVisibleTo(&pane));

    // A multi-byte character split across two chunks still decodes.
    nd::JobLogPane split;
    split.setChunkBytes(1);
    QSignalSpy splitDone(&split, &nd::JobLogPane::caughtUp);
    split.appendBytes(u"énergie ✓\n"_s.toUtf8());
    QVERIFY(splitDone.wait(5000));
    QCOMPARE(split.plainText(), u"énergie ✓\n"_s);
}

void TestJobDetailParts::logKeepsTheTailUnderTheCapAndSaysSo() {
    nd::JobLogPane pane;
    pane.setCapChars(10000);
    pane.setChunkBytes(4096);
    QSignalSpy caughtUp(&pane, &nd::JobLogPane::caughtUp);
    pane.appendBytes(numberedLines(0, 20000));
    QVERIFY(caughtUp.wait(20000));
    const QString text = pane.plainText();
    QVERIFY2(text.size() <= 12500 + 100, qPrintable(QString::number(text.size())));  // cap + a quarter
    QVERIFY(text.endsWith(u"line 19999 of the log\n"_s));
    QVERIFY(text.startsWith(u"line "_s));  // trimmed at a line boundary
    QVERIFY(pane.hiddenAmount() > 0);
    QVERIFY(pane.noteLabel()->text().contains(u"not shown"_s));
    QVERIFY(pane.loadAllButton()->isVisibleTo(&pane));
    QVERIFY(!pane.loadAllButton()->accessibleName().isEmpty());
}

void TestJobDetailParts::searchFindsNextAndPreviousAndWraps() {
    nd::JobLogPane pane;
    QSignalSpy caughtUp(&pane, &nd::JobLogPane::caughtUp);
    pane.appendBytes("alpha\nneedle one\nbeta\nneedle two\ngamma\n");
    QVERIFY(caughtUp.wait(5000));
    QTextCursor start = pane.textView()->textCursor();
    start.movePosition(QTextCursor::Start);
    pane.textView()->setTextCursor(start);
    pane.searchBox()->setText(u"needle"_s);
    const auto line = [&pane] { return pane.textView()->textCursor().block().text(); };
    QVERIFY(pane.findNext());
    QCOMPARE(line(), u"needle one"_s);
    pane.nextButton()->click();
    QCOMPARE(line(), u"needle two"_s);
    QVERIFY(pane.findNext());  // wraps around to the first
    QCOMPARE(line(), u"needle one"_s);
    pane.previousButton()->click();  // backwards, wrapping to the last
    QCOMPARE(line(), u"needle two"_s);
    pane.searchBox()->setText(u"absent"_s);
    QVERIFY(!pane.findNext());
}

void TestJobDetailParts::wrapToggleSetsTheWrapMode() {
    nd::JobLogPane pane;
    QCOMPARE(pane.textView()->lineWrapMode(), QPlainTextEdit::NoWrap);
    pane.wrapBox()->setChecked(true);
    QCOMPARE(pane.textView()->lineWrapMode(), QPlainTextEdit::WidgetWidth);
    for (QWidget *w : pane.findChildren<QWidget *>())
        if (w->focusPolicy() != Qt::NoFocus && !w->isWindow() && qobject_cast<QLabel *>(w) == nullptr &&
            w->parent() == &pane)
            QVERIFY2(!w->accessibleName().isEmpty(), w->metaObject()->className());
}

void TestJobDetailParts::timelineFromEventsAndLiveEvents() {
    nd::JobTimeline timeline;
    const QJsonArray events{
        QJsonObject{
            {u"seq"_s, 5}, {u"type"_s, u"submitted"_s}, {u"time_ms"_s, 1000}, {u"state"_s, u"pending"_s}},
        QJsonObject{
            {u"seq"_s, 9}, {u"type"_s, u"started"_s}, {u"time_ms"_s, 2000}, {u"state"_s, u"running"_s}}};
    timeline.setEvents(events);
    QCOMPARE(timeline.entries().size(), 2);
    QCOMPARE(timeline.entries().at(0).text, u"Submitted"_s);
    QCOMPARE(timeline.lastState(), u"running"_s);

    // The same event from the stream is not added twice; another job's is ignored; the end is added.
    const QJsonObject started{{u"seq"_s, 9},
                              {u"type"_s, u"started"_s},
                              {u"job"_s, QJsonObject{{u"id"_s, 7}, {u"state"_s, u"running"_s}}}};
    QVERIFY(!timeline.addLiveEvent(7, started, 5000));
    const QJsonObject other{{u"seq"_s, 10},
                            {u"type"_s, u"ended"_s},
                            {u"job"_s, QJsonObject{{u"id"_s, 8}, {u"state"_s, u"failed"_s}}}};
    QVERIFY(!timeline.addLiveEvent(7, other, 5000));
    const QJsonObject ended{
        {u"seq"_s, 12},
        {u"type"_s, u"ended"_s},
        {u"job"_s, QJsonObject{{u"id"_s, 7}, {u"state"_s, u"completed"_s}, {u"end_time_ms"_s, 4000}}}};
    QVERIFY(timeline.addLiveEvent(7, ended, 5000));
    QCOMPARE(timeline.entries().size(), 3);
    QCOMPARE(timeline.entries().at(2).timeMs, 4000);
    QCOMPARE(timeline.entries().at(2).text, u"Ended: completed"_s);
    QCOMPARE(timeline.lastState(), u"completed"_s);

    // A live event that arrived before the list loaded keeps its place by seq.
    nd::JobTimeline early;
    QVERIFY(early.addLiveEvent(7, ended, 5000));
    early.setEvents(events);  // a reload replaces everything with the stored list
    QCOMPARE(early.entries().size(), 2);
}

void TestJobDetailParts::chartWindowAndFilters() {
    nd::Job job;
    job.id = 3;
    job.submitTimeMs = 1'000'000;
    job.startTimeMs = 1'010'000;
    job.endTimeMs = 1'030'000;
    const nd::JobChartWindow window = nd::jobChartWindow(job, 2'000'000);
    QCOMPARE(window.fromMs, 1'010'000 - 60'000);
    QCOMPARE(window.toMs, 1'030'000 + 60'000);
    job.endTimeMs = 0;  // running: up to now
    QCOMPARE(nd::jobChartWindow(job, 1'050'000).toMs, 1'050'000);

    nd::MonitorChart chart = nd::emptyMonitorChart(nd::MonitorChartId::gpuUtilization);
    for (int i = 0; i < 3; ++i)
        chart.series.append(nd::MonitorSeries{u"GPU %1"_s.arg(i), Qt::red, {QPointF(1, i)}});
    const nd::MonitorChart one = nd::chartForGpus(chart, {1});
    QCOMPARE(one.series.size(), 1);
    QCOMPARE(one.series.at(0).name, u"GPU 1"_s);
    QCOMPARE(nd::chartForGpus(chart, {}).series.size(), 3);

    const QList<nd::MonitorMarker> markers{{100, 3, true}, {150, 4, true}, {200, 3, false}};
    const QList<nd::MonitorMarker> mine = nd::markersOfJob(markers, 3);
    QCOMPARE(mine.size(), 2);
    QVERIFY(!mine.at(1).start);
}

QTEST_MAIN(TestJobDetailParts)
#include "tst_jobdetail_parts.moc"
