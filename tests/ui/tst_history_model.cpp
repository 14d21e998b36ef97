// Unit: the History's data side without a daemon. HistoryTableModel fed pages by a scripted source, under
// QAbstractItemModelTester: lazy paging, a reset dropping a late page, jobs ending on top (only when they
// match), raw sort values; the filter's query and client-side match; CSV quoting and the paged export; and
// HistoryView: filters reach the source, totals line, Enter emits jobActivated, Export CSV… with an
// injected file chooser.
#include <QAbstractItemModelTester>
#include <QComboBox>
#include <QFile>
#include <QLineEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>

#include <deque>

#include "ui/history/HistoryCsv.h"
#include "ui/history/HistoryFormat.h"
#include "ui/history/HistorySource.h"
#include "ui/history/HistoryTableModel.h"
#include "ui/history/HistoryView.h"

using namespace Qt::StringLiterals;
using nd::HistoryFilter;
using nd::HistoryRow;
using nd::HistoryTableModel;

namespace {

HistoryRow makeRow(qint64 id, const QString &state = u"completed"_s, const QString &name = {}) {
    HistoryRow row;
    row.id = id;
    row.displayId = QString::number(id);
    row.name = name.isEmpty() ? u"job%1"_s.arg(id) : name;
    row.state = state;
    row.exitCode = state == u"completed"_s ? 0 : 1;
    row.submitMs = 1'764'143'000'000 + id * 1000;
    row.startMs = row.submitMs + 100;
    row.endMs = row.startMs + 5000;
    row.wallMs = 5000;
    row.gpus = {0};
    row.gpuSeconds = 3600;
    row.gpuEnergyJ = 7200;
    row.peakRssKib = 2048;
    if (id % 2 == 0)
        row.tokens = 100;
    return row;
}

// Serves its rows as GET /api/history would: filtered, newest first, keyset pages. Answers later (from
// the event loop) like the daemon, or only on flush() when `deferred`.
class FakeSource : public nd::HistorySource {
public:
    std::vector<HistoryRow> rows;  // any order
    bool ready = true;
    bool deferred = false;
    QString failWith;  // non-empty: every page after the first fails with this
    int pagesServed = 0;
    std::vector<qint64> afters;
    HistoryFilter lastFilter;
    std::deque<std::function<void()>> pending;

    bool isReady() const override { return ready; }
    void fetchPage(const HistoryFilter &filter, qint64 afterId, int limit, QObject *context,
                   PageCallback done) override {
        lastFilter = filter;
        afters.push_back(afterId);
        std::vector<HistoryRow> matching;
        for (const HistoryRow &row : rows) {
            if (filter.matches(row) && (afterId == 0 || row.id < afterId))
                matching.push_back(row);
        }
        std::sort(matching.begin(), matching.end(), [](auto &a, auto &b) { return a.id > b.id; });
        nd::HistoryPage page;
        page.total = qint64(matching.size());
        for (size_t i = 0; i < matching.size() && i < size_t(limit); ++i)
            page.rows.push_back(matching[i]);
        if (matching.size() > size_t(limit))
            page.nextAfter = page.rows.back().id;
        const bool fail = !failWith.isEmpty() && pagesServed > 0;
        ++pagesServed;
        answer(context, [=, error = failWith] {
            if (fail)
                done(nd::Error{error});
            else
                done(page);
        });
    }
    void fetchSums(const HistoryFilter &filter, QObject *context, SumsCallback done) override {
        nd::HistorySums sums;
        for (const HistoryRow &row : rows) {
            if (filter.matches(row)) {
                ++sums.jobs;
                sums.gpuSeconds += row.gpuSeconds;
                sums.gpuEnergyJ += row.gpuEnergyJ;
                sums.tokens += row.tokens.value_or(0);
            }
        }
        answer(context, [=] { done(sums); });
    }
    void flush() {
        while (!pending.empty()) {
            auto next = std::move(pending.front());
            pending.pop_front();
            next();
        }
    }
    void end(const HistoryRow &row) {
        rows.push_back(row);
        Q_EMIT jobEnded(row);
    }

private:
    void answer(QObject *context, std::function<void()> reply) {
        QPointer<QObject> guard(context);
        auto guarded = [guard, reply = std::move(reply)] {
            if (guard)
                reply();
        };
        if (deferred)
            pending.push_back(std::move(guarded));
        else
            QTimer::singleShot(0, context, std::move(guarded));
    }
};

std::unique_ptr<FakeSource> sourceWith(int completed, int failed = 0) {
    auto source = std::make_unique<FakeSource>();
    for (int i = 1; i <= completed + failed; ++i)
        source->rows.push_back(makeRow(i, i <= completed ? u"completed"_s : u"failed"_s));
    return source;
}

}  // namespace

class TestHistoryModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QLocale::setDefault(QLocale(QLocale::English, QLocale::UnitedStates)); }
    void pagesLazily();
    void pagesUnderTheTester();
    void resetDropsALatePage();
    void endedJobsGoOnTopWhenTheyMatch();
    void aLateJobIsListedOnce();
    void cellsAndSortValues();
    void filterQueryAndMatch();
    void csvQuoting();
    void exportWritesEveryMatchingJob();
    void exportFailureLeavesNoFile();
    void viewFiltersTotalsAndActivation();
    void viewExportsThroughTheChooser();
};

// Without the tester, which itself asks for more whenever rows arrive (as a scrolling view would).
void TestHistoryModel::pagesLazily() {
    auto source = sourceWith(25);
    HistoryTableModel model(source.get());
    model.setPageSize(10);
    model.reload();
    QVERIFY(model.isLoading());
    QVERIFY(!model.canFetchMore({}));  // one page at a time
    QTRY_COMPARE(model.rowCount(), 10);
    QCOMPARE(model.total(), 25);
    QCOMPARE(model.row(0).id, 25);  // newest first
    QVERIFY(model.canFetchMore({}));
    model.fetchMore({});
    QTRY_COMPARE(model.rowCount(), 20);
    model.fetchMore({});
    QTRY_COMPARE(model.rowCount(), 25);
    QCOMPARE(model.row(24).id, 1);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(source->afters, (std::vector<qint64>{0, 16, 6}));
}

void TestHistoryModel::pagesUnderTheTester() {
    auto source = sourceWith(25);
    HistoryTableModel model(source.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(10);
    model.reload();
    QTRY_COMPARE(model.rowCount(), 25);
    QVERIFY(!model.canFetchMore({}));
    QCOMPARE(source->afters, (std::vector<qint64>{0, 16, 6}));  // each page asked for once
    for (int i = 0; i < 25; ++i)
        QCOMPARE(model.row(i).id, 25 - i);
}

void TestHistoryModel::resetDropsALatePage() {
    auto source = sourceWith(5, 5);
    source->deferred = true;
    HistoryTableModel model(source.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reload();  // all finished: 10 rows, held back
    HistoryFilter failed;
    failed.state = u"failed"_s;
    model.setFilter(failed);
    source->flush();  // the first answer arrives after the reset: dropped
    QCOMPARE(model.rowCount(), 5);
    for (int i = 0; i < model.rowCount(); ++i)
        QCOMPARE(model.row(i).state, u"failed"_s);
}

void TestHistoryModel::endedJobsGoOnTopWhenTheyMatch() {
    auto source = sourceWith(12);
    HistoryTableModel model(source.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setPageSize(5);
    HistoryFilter filter;
    filter.name = u"job*"_s;
    model.setFilter(filter);
    QTRY_VERIFY(model.rowCount() == 12 && !model.isLoading());

    model.addEnded(makeRow(40, u"cancelled"_s));
    QCOMPARE(model.rowCount(), 13);
    QCOMPARE(model.row(0).id, 40);
    QCOMPARE(model.total(), 13);
    model.addEnded(makeRow(41, u"completed"_s, u"other"_s));  // the name does not match
    model.addEnded(makeRow(42, u"running"_s));                // not finished
    QCOMPARE(model.rowCount(), 13);

    // A listed job that changes (ended again) is updated in place.
    HistoryRow again = makeRow(40, u"cancelled"_s);
    again.message = u"cancelled by the user"_s;
    model.addEnded(again);
    QCOMPARE(model.rowCount(), 13);
    QCOMPARE(model.row(0).message, u"cancelled by the user"_s);
}

// An older job that ends late (requeued, say) goes on top and then comes again in a later page: listed once.
void TestHistoryModel::aLateJobIsListedOnce() {
    auto source = sourceWith(12);
    HistoryTableModel model(source.get());
    model.setPageSize(5);
    model.reload();
    QTRY_COMPARE(model.rowCount(), 5);
    HistoryRow late = makeRow(3, u"failed"_s);
    source->rows[2] = late;
    model.addEnded(late);
    QCOMPARE(model.row(0).id, 3);
    while (model.canFetchMore({}) || model.isLoading()) {
        model.fetchMore({});
        QTest::qWait(1);
    }
    QCOMPARE(model.rowCount(), 12);
    int threes = 0;
    for (int i = 0; i < model.rowCount(); ++i)
        threes += model.row(i).id == 3 ? 1 : 0;
    QCOMPARE(threes, 1);
}

void TestHistoryModel::cellsAndSortValues() {
    auto source = std::make_unique<FakeSource>();
    HistoryRow row = makeRow(8, u"failed"_s);
    row.signal = 9;
    row.tags = {u"a"_s, u"b"_s};
    row.wallMs = 90061000;  // 1 day, 1 h, 1 min, 1 s
    source->rows = {row};
    HistoryTableModel model(source.get());
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.reload();
    QTRY_COMPARE(model.rowCount(), 1);
    const auto cell = [&](int column, int role = Qt::DisplayRole) {
        return model.index(0, column).data(role);
    };
    QCOMPARE(cell(HistoryTableModel::state).toString(), u"failed"_s);
    QVERIFY(cell(HistoryTableModel::state, Qt::DecorationRole).value<QColor>().isValid());
    QCOMPARE(cell(HistoryTableModel::exit).toString(), u"signal 9"_s);
    QCOMPARE(cell(HistoryTableModel::elapsed).toString(), u"1-1:01:01"_s);
    QCOMPARE(cell(HistoryTableModel::elapsed, HistoryTableModel::SortRole).toLongLong(), 90061000);
    QCOMPARE(cell(HistoryTableModel::gpuHours).toString(), u"1.00"_s);
    QCOMPARE(cell(HistoryTableModel::energy).toString(), u"2.0 Wh"_s);
    QCOMPARE(cell(HistoryTableModel::peakRss).toString(), u"2.0 MiB"_s);
    QCOMPARE(cell(HistoryTableModel::tags).toString(), u"a, b"_s);
    QCOMPARE(cell(HistoryTableModel::tokens).toString(), u"100"_s);
    QCOMPARE(cell(HistoryTableModel::id, HistoryTableModel::JobIdRole).toLongLong(), 8);
    QCOMPARE(model.headerData(HistoryTableModel::gpuHours, Qt::Horizontal).toString(), u"GPU-hours"_s);
}

void TestHistoryModel::filterQueryAndMatch() {
    HistoryFilter filter;
    filter.state = u"failed"_s;
    filter.sinceMs = 1000;
    filter.name = u"a+b&c*"_s;
    filter.tag = u"x y"_s;
    const QString query = filter.query(50, 10).toString(QUrl::FullyEncoded);
    QCOMPARE(query, u"state=failed&since=1000&name=a%2Bb%26c%2A&tag=x%20y&after=50&limit=10"_s);

    HistoryRow row = makeRow(1, u"failed"_s, u"a+b&c-1"_s);
    row.endMs = 2000;
    row.tags = {u"x y"_s};
    QVERIFY(filter.matches(row));
    row.endMs = 999;
    QVERIFY(!filter.matches(row));
    HistoryFilter brackets;
    brackets.name = u"run[1]?"_s;  // '[' is literal, as in the daemon's glob
    QVERIFY(brackets.matches(makeRow(2, u"completed"_s, u"run[1]a"_s)));
    QVERIFY(!brackets.matches(makeRow(3, u"completed"_s, u"run1a"_s)));
}

void TestHistoryModel::csvQuoting() {
    namespace csv = nd::historyCsv;
    QCOMPARE(csv::field(u"plain"_s), u"plain"_s);
    QCOMPARE(csv::field(u"a,b"_s), u"\"a,b\""_s);
    QCOMPARE(csv::field(u"say \"hi\""_s), u"\"say \"\"hi\"\"\""_s);
    QCOMPARE(csv::field(u"two\nlines"_s), u"\"two\nlines\""_s);
    QCOMPARE(csv::field(u"cr\r"_s), u"\"cr\r\""_s);
    QCOMPARE(csv::field(u" padded"_s), u"\" padded\""_s);
    QCOMPARE(csv::field(QString()), QString());
    QCOMPARE(csv::line({u"a"_s, u"b,c"_s, QString()}), u"a,\"b,c\",\r\n"_s);
    QVERIFY(csv::header().startsWith(u"id,name,state,exit_code,signal,"_s));

    HistoryRow row = makeRow(4, u"completed"_s, u"train, \"big\""_s);
    row.tags = {u"t1"_s, u"t2"_s};
    const QString line = csv::row(row);
    QVERIFY2(line.startsWith(u"4,\"train, \"\"big\"\"\",completed,0,,2025-"_s), qPrintable(line));
    QVERIFY2(line.contains(u",5.000,0,1.0000,7200.0,2048,0.000,t1;t2,100,\r\n"_s), qPrintable(line));
}

void TestHistoryModel::exportWritesEveryMatchingJob() {
    QTemporaryDir dir;
    auto source = sourceWith(23, 4);
    HistoryFilter completed;
    completed.state = u"completed"_s;
    const QString path = dir.filePath(u"out.csv"_s);
    nd::HistoryCsvExport exporter(source.get(), completed, path);
    exporter.setPageSize(10);
    QSignalSpy finished(&exporter, &nd::HistoryCsvExport::finished);
    exporter.start();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY2(finished.at(0).at(0).toBool(), qPrintable(finished.at(0).at(1).toString()));
    QCOMPARE(source->pagesServed, 3);
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(file.readAll()).split(u"\r\n"_s, Qt::SkipEmptyParts);
    QCOMPARE(lines.size(), 1 + 23);
    QVERIFY(lines.at(1).startsWith(u"23,job23,completed,"_s));
    QVERIFY(lines.last().startsWith(u"1,job1,completed,"_s));
}

void TestHistoryModel::exportFailureLeavesNoFile() {
    QTemporaryDir dir;
    auto source = sourceWith(30);
    source->failWith = u"daemon not reachable"_s;
    const QString path = dir.filePath(u"out.csv"_s);
    nd::HistoryCsvExport exporter(source.get(), {}, path);
    exporter.setPageSize(10);
    QSignalSpy finished(&exporter, &nd::HistoryCsvExport::finished);
    exporter.start();
    QTRY_COMPARE(finished.size(), 1);
    QVERIFY(!finished.at(0).at(0).toBool());
    QCOMPARE(finished.at(0).at(1).toString(),
             u"exporting the history stopped after 10 jobs: daemon not reachable"_s);
    QVERIFY(!QFile::exists(path));
}

void TestHistoryModel::viewFiltersTotalsAndActivation() {
    auto source = sourceWith(6, 3);
    source->rows[0].tags = {u"sweep"_s};
    nd::HistoryView view(source.get());
    QAbstractItemModelTester tester(view.model(), QAbstractItemModelTester::FailureReportingMode::QtTest);
    view.show();
    QTRY_COMPARE(view.model()->rowCount(), 9);
    QTRY_COMPARE(view.totalsText(), u"9 jobs · 9.0 GPU-hours · 0.0 kWh · 400 tokens"_s);
    QCOMPARE(view.statusText(), u"Showing 9 of 9"_s);

    view.stateBox()->setCurrentIndex(view.stateBox()->findData(u"failed"_s));
    QCOMPARE(source->lastFilter.state, u"failed"_s);
    QTRY_COMPARE(view.model()->rowCount(), 3);
    QTRY_COMPARE(view.totalsText(), u"3 jobs · 3.0 GPU-hours · 0.0 kWh · 100 tokens"_s);

    view.stateBox()->setCurrentIndex(0);
    view.tagEdit()->setText(u"sweep"_s);  // applied once typing pauses
    QTRY_COMPARE(source->lastFilter.tag, u"sweep"_s);
    QTRY_COMPARE(view.model()->rowCount(), 1);
    view.tagEdit()->clear();
    view.nameEdit()->setText(u"job?"_s);
    QTest::keyClick(view.nameEdit(), Qt::Key_Return);  // or at once with Enter
    QCOMPARE(source->lastFilter.name, u"job?"_s);
    QTRY_COMPARE(view.model()->rowCount(), 9);

    view.setClock([] { return 1'764'143'000'000 + 100 * 1000; });
    view.rangeBox()->setCurrentIndex(view.rangeBox()->findData(int(nd::HistoryView::Range::lastHour)));
    QCOMPARE(source->lastFilter.sinceMs, 1'764'143'000'000 + 100 * 1000 - 3600 * 1000);

    // A job that ends while the page is open: on top, and the totals follow.
    source->end(makeRow(50, u"completed"_s, u"job5"_s));
    QCOMPARE(view.model()->row(0).id, 50);
    QTRY_COMPARE(view.totalsText(), u"10 jobs · 10.0 GPU-hours · 0.0 kWh · 500 tokens"_s);

    // Enter on a row: jobActivated with its id.
    QSignalSpy activated(&view, &nd::HistoryView::jobActivated);
    view.table()->setFocus();
    view.table()->setCurrentIndex(view.table()->model()->index(0, 1));
    QTest::keyClick(view.table(), Qt::Key_Return);
    QCOMPARE(activated.size(), 1);
    QCOMPARE(activated.at(0).at(0).toLongLong(), 50);

    // Every control has an accessible name.
    for (QWidget *w : view.findChildren<QWidget *>()) {
        if ((qobject_cast<QComboBox *>(w) || qobject_cast<QLineEdit *>(w) || qobject_cast<QPushButton *>(w) ||
             qobject_cast<QTableView *>(w)) &&
            w->parentWidget() == &view)
            QVERIFY2(!w->accessibleName().isEmpty(), w->metaObject()->className());
    }
}

void TestHistoryModel::viewExportsThroughTheChooser() {
    QTemporaryDir dir;
    auto source = sourceWith(12);
    nd::HistoryView view(source.get());
    view.model()->setPageSize(5);  // the view loads 5; the export writes all 12
    QTRY_VERIFY(view.model()->rowCount() > 0);
    int asked = 0;
    view.setFileChooser([&](QWidget *) {
        ++asked;
        return asked == 1 ? QString() : dir.filePath(u"h.csv"_s);  // the first time the user cancels
    });
    view.exportButton()->click();
    QCOMPARE(asked, 1);
    QVERIFY(!view.isExporting());
    view.exportButton()->click();
    QVERIFY(view.isExporting());
    QVERIFY(!view.exportButton()->isEnabled());
    QTRY_VERIFY(!view.isExporting());
    QVERIFY(view.exportButton()->isEnabled());
    QCOMPARE(view.statusText(), u"Exported 12 jobs to %1"_s.arg(dir.filePath(u"h.csv"_s)));
    QFile file(dir.filePath(u"h.csv"_s));
    QVERIFY(file.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(file.readAll()).count(u"\r\n"_s), 13);
}

QTEST_MAIN(TestHistoryModel)
#include "tst_history_model.moc"
