// Unit: the Queue view's pieces without a daemon. QueueTableModel under QAbstractItemModelTester fed
// synthetic Job JSON (load, update, insert, leave, progress, the 1 s tick, a reload) and at the scale the
// desk must keep up with; the reason in plain words for every pending reason; QueueFilterProxy's filter and
// numeric sort.
#include <QAbstractItemModelTester>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTest>

#include "core/client/ApiErrors.h"
#include "core/jobs/Job.h"
#include "ui/queue/JobRequests.h"
#include "ui/queue/QueueFilterProxy.h"
#include "ui/queue/QueueReason.h"
#include "ui/queue/QueueTableModel.h"

using namespace Qt::StringLiterals;
using nd::Job;
using nd::QueueTableModel;
using Col = nd::QueueTableModel::Columns;

namespace {

constexpr qint64 nowMs = 1'764'143'000'000;

// A job as GET /api/jobs or a `job` event carries it.
QJsonObject jobJson(qint64 id, const QString &name, const QString &state, const QString &reason = u"none"_s,
                    QJsonObject spec = {}) {
    spec.insert(u"name"_s, name);
    if (!spec.contains(u"argv"_s))
        spec.insert(u"argv"_s, QJsonArray{u"sleep"_s, u"30"_s});
    return {{u"id"_s, id},
            {u"state"_s, state},
            {u"reason"_s, reason},
            {u"held"_s, reason == u"held"_s},
            {u"spec"_s, spec},
            {u"submit_time_ms"_s, nowMs - 60'000},
            {u"start_time_ms"_s, state == u"running"_s ? nowMs - 65'000 : 0},
            {u"gpus"_s, state == u"running"_s ? QJsonArray{0} : QJsonArray{}}};
}

Job job(const QJsonObject &json) {
    nd::Result<Job> parsed = nd::jobFromJson(json);
    if (!parsed)
        qFatal("bad test job: %s", qPrintable(parsed.error()));
    return parsed.value();
}

QString cell(const QAbstractItemModel &model, int row, int column) {
    return model.index(row, column).data().toString();
}

nd::MachineSnapshot oneOfTwoGpusFree() {
    return nd::machineFromJson(QJsonDocument::fromJson(R"({"cpus": 16, "cpus_allocated": 4, "mem_mib": 65536,
        "mem_allocated_mib": 0, "gpus": [
          {"index": 0, "memory_total_mib": 24576, "memory_free_mib": 1000, "jobs": [7], "whole": true},
          {"index": 1, "memory_total_mib": 24576, "memory_free_mib": 24000, "jobs": [], "whole": false}]})")
                                   .object());
}

}  // namespace

class TestQueueModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void loadsUpdatesInsertsAndRemovesRows();
    void progressAndTickChangeOnlyTheirColumns();
    void reloadReplacesEverything();
    void refreshesPendingReasons();
    void keepsUpWithManyEvents();
    void reasonsInPlainWords_data();
    void reasonsInPlainWords();
    void durations();
    void actionPathsAndErrors();
    void proxyFiltersAndSorts();
};

void TestQueueModel::loadsUpdatesInsertsAndRemovesRows() {
    QueueTableModel model;
    model.setClock([] { return nowMs; });
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetJobs({job(jobJson(1, u"a"_s, u"running"_s)),
                     job(jobJson(2, u"b"_s, u"pending"_s, u"resources"_s)),
                     job(jobJson(3, u"c"_s, u"pending"_s, u"held"_s)),
                     job(jobJson(4, u"done"_s, u"completed"_s))});  // finished: not a queue row
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.counts().running, 1);
    QCOMPARE(model.counts().pending, 1);
    QCOMPARE(model.counts().held, 1);
    QCOMPARE(cell(model, 0, Col::state), u"running"_s);
    QCOMPARE(cell(model, 0, Col::time), u"1:05 / —"_s);
    QCOMPARE(cell(model, 0, Col::reason), u"running on GPU 0"_s);
    QCOMPARE(cell(model, 2, Col::state), u"held"_s);
    QCOMPARE(cell(model, 2, Col::reason), u"held: release it to run"_s);
    QVERIFY(model.index(0, Col::state).data(Qt::DecorationRole).canConvert<QIcon>());

    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);

    // Job 2 starts: its row changes in place.
    model.applyJob(job(jobJson(2, u"b"_s, u"running"_s)));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().row(), 1);
    QCOMPARE(cell(model, 1, Col::state), u"running"_s);
    QCOMPARE(model.counts().running, 2);
    QCOMPARE(model.counts().pending, 0);

    // A new job: one row appended.
    model.applyJob(job(jobJson(9, u"new"_s, u"pending"_s, u"priority"_s)));
    QCOMPARE(inserted.size(), 1);
    QCOMPARE(model.rowOfJob(9), 3);

    // Job 1 ends: its row leaves and the rows after it keep their ids.
    model.applyJob(job(jobJson(1, u"a"_s, u"completed"_s)));
    QCOMPARE(removed.size(), 1);
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.rowOfJob(1), -1);
    for (const qint64 id : {2, 3, 9})
        QCOMPARE(model.jobAt(model.rowOfJob(id)).id, id);
    // An event for a finished job the queue never showed changes nothing.
    model.applyJob(job(jobJson(50, u"old"_s, u"failed"_s)));
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(resets.size(), 0);
    QCOMPARE(model.counts().running, 1);
    QCOMPARE(model.counts().pending, 1);
}

void TestQueueModel::progressAndTickChangeOnlyTheirColumns() {
    QueueTableModel model;
    qint64 now = nowMs;
    model.setClock([&now] { return now; });
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QJsonObject limited{{u"time_limit_s"_s, 3600}};
    model.resetJobs({job(jobJson(1, u"p"_s, u"pending"_s, u"resources"_s)),
                     job(jobJson(2, u"r"_s, u"running"_s, u"none"_s, limited)),
                     job(jobJson(3, u"p2"_s, u"pending"_s, u"resources"_s))});
    QCOMPARE(cell(model, 1, Col::time), u"1:05 / 1:00:00"_s);
    QCOMPARE(cell(model, 0, Col::time), u"— / —"_s);

    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    now += 10'000;
    model.tick();
    QCOMPARE(changed.size(), 1);  // the running row's elapsed cell only
    const QModelIndex from = changed.at(0).at(0).toModelIndex();
    const QModelIndex to = changed.at(0).at(1).toModelIndex();
    QCOMPARE(from.row(), 1);
    QCOMPARE(to.row(), 1);
    QCOMPARE(from.column(), Col::time);
    QCOMPARE(to.column(), Col::time);
    QCOMPARE(cell(model, 1, Col::time), u"1:15 / 1:00:00"_s);

    changed.clear();
    model.applyProgress(2, QJsonObject{{u"kind"_s, u"batch"_s},
                                       {u"phase"_s, u"running"_s},
                                       {u"done"_s, 42},
                                       {u"total"_s, 100},
                                       {u"tokens_per_s"_s, 123.45}});
    QCOMPARE(changed.size(), 1);
    QCOMPARE(changed.at(0).at(0).toModelIndex().column(), Col::progress);
    QCOMPARE(changed.at(0).at(1).toModelIndex().column(), Col::tokensPerS);
    QCOMPARE(cell(model, 1, Col::progress), u"42 % (42 / 100)"_s);
    QCOMPARE(cell(model, 1, Col::tokensPerS), u"123.5"_s);
    QCOMPARE(model.index(1, Col::progress).data(QueueTableModel::SortRole).toDouble(), 0.42);
    // A later `job` event (stored job, no live progress) keeps what the worker reported.
    model.applyJob(job(jobJson(2, u"r"_s, u"running"_s, u"none"_s, limited)));
    QCOMPARE(cell(model, 1, Col::tokensPerS), u"123.5"_s);
    model.applyProgress(77, QJsonObject{{u"phase"_s, u"loading"_s}});  // not in the queue: ignored
}

void TestQueueModel::reloadReplacesEverything() {
    QueueTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetJobs({job(jobJson(1, u"a"_s, u"running"_s)), job(jobJson(2, u"b"_s, u"pending"_s))});
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    model.resetJobs({job(jobJson(5, u"e"_s, u"pending"_s, u"held"_s))});
    QCOMPARE(resets.size(), 1);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.rowOfJob(1), -1);
    QCOMPARE(model.rowOfJob(5), 0);
    QCOMPARE(model.counts().running, 0);
    QCOMPARE(model.counts().held, 1);
    model.resetJobs({});
    QCOMPARE(model.rowCount(), 0);
}

void TestQueueModel::refreshesPendingReasons() {
    QueueTableModel model;
    model.setClock([] { return nowMs; });
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetJobs({job(jobJson(1, u"a"_s, u"running"_s)), job(jobJson(2, u"b"_s, u"pending"_s))});
    QCOMPARE(cell(model, 1, Col::reason), u"waiting to be scheduled"_s);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    QJsonObject later = jobJson(2, u"b"_s, u"pending"_s, u"resources"_s);
    later.insert(u"expected_start_ms"_s, nowMs + 5 * 60'000);
    model.refreshPending(job(later));
    QCOMPARE(changed.size(), 1);
    QCOMPARE(cell(model, 1, Col::reason), u"waiting for resources → expected to start in ~5 min"_s);
    model.refreshPending(job(later));  // nothing new: no signal
    QCOMPARE(changed.size(), 1);
    // A stale answer never moves a row back: job 1 runs, whatever an older pending copy says.
    model.refreshPending(job(jobJson(1, u"a"_s, u"pending"_s, u"resources"_s)));
    QCOMPARE(cell(model, 0, Col::state), u"running"_s);
    QCOMPARE(changed.size(), 1);
}

void TestQueueModel::keepsUpWithManyEvents() {
    // 10,000 queued, then 1,000 state changes (10 s of the desk's target rate) through a sorting proxy.
    QueueTableModel model;
    nd::QueueFilterProxy proxy;
    proxy.setSourceModel(&model);
    proxy.sort(Col::priority, Qt::DescendingOrder);
    QList<Job> jobs;
    for (qint64 id = 1; id <= 10'000; ++id)
        jobs.append(job(jobJson(id, u"j%1"_s.arg(id), u"pending"_s, u"resources"_s,
                                QJsonObject{{u"priority"_s, static_cast<int>(id % 7)}})));
    model.resetJobs(std::move(jobs));
    QElapsedTimer timer;
    timer.start();
    for (qint64 id = 1; id <= 500; ++id) {
        model.applyJob(job(jobJson(id, u"j%1"_s.arg(id), u"running"_s)));
        model.applyJob(job(jobJson(10'000 - id, u"x"_s, u"completed"_s)));
    }
    const qint64 elapsed = timer.elapsed();
    QCOMPARE(model.rowCount(), 9'500);
    QCOMPARE(proxy.rowCount(), 9'500);
    QCOMPARE(model.counts().running, 500);
    QVERIFY2(elapsed < 5000, qPrintable(u"1,000 events took %1 ms"_s.arg(elapsed)));
    qInfo("1,000 events on 10,000 rows (sorted proxy): %lld ms", elapsed);
}

void TestQueueModel::reasonsInPlainWords_data() {
    QTest::addColumn<QString>("state");
    QTest::addColumn<QString>("reason");
    QTest::addColumn<QJsonObject>("spec");
    QTest::addColumn<qint64>("expectedStartMs");
    QTest::addColumn<QString>("words");
    const QJsonObject twoGpus{{u"gpus"_s, 2}, {u"gpu_mem_mib"_s, 20480}};
    QTest::newRow("resources") << u"pending"_s << u"resources"_s << twoGpus << qint64(0)
                               << u"waiting for resources: needs 2 GPUs with 20.0 GiB, 1 free"_s;
    QTest::newRow("resources, estimate")
        << u"pending"_s << u"resources"_s << twoGpus << nowMs + 12 * 60'000
        << u"waiting for resources: needs 2 GPUs with 20.0 GiB, 1 free → expected to start in ~12 min"_s;
    QTest::newRow("resources, shared")
        << u"pending"_s << u"resources"_s << QJsonObject{{u"gpu_mem_mib"_s, 30720}} << qint64(0)
        << u"waiting for resources: needs 30.0 GiB on a shared GPU, at most 23.4 GiB free"_s;
    QTest::newRow("resources, cpus") << u"pending"_s << u"resources"_s << QJsonObject{{u"cpus"_s, 14}}
                                     << qint64(0) << u"waiting for resources: needs 14 CPUs, 12 free"_s;
    QTest::newRow("dependency") << u"pending"_s << u"dependency"_s
                                << QJsonObject{{u"dependency"_s, u"afterok:41"_s}} << qint64(0)
                                << u"waiting for job 41 (afterok)"_s;
    QTest::newRow("dependencies") << u"pending"_s << u"dependency"_s
                                  << QJsonObject{{u"dependency"_s, u"afterok:41,afterany:10_3"_s}}
                                  << qint64(0) << u"waiting for jobs 41 (afterok), 10_3 (afterany)"_s;
    QTest::newRow("never")
        << u"pending"_s << u"dependency_never_satisfied"_s << QJsonObject{{u"dependency"_s, u"afterok:41"_s}}
        << qint64(0)
        << u"can never start: its dependency on job 41 (afterok) can no longer be met (cancel it)"_s;
    QTest::newRow("held") << u"pending"_s << u"held"_s << QJsonObject{} << qint64(0)
                          << u"held: release it to run"_s;
    const qint64 begin = QDateTime::fromMSecsSinceEpoch(nowMs)
                             .date()
                             .startOfDay()
                             .addSecs(23 * 3600 + 5 * 60)
                             .toMSecsSinceEpoch();
    QTest::newRow("begin time") << u"pending"_s << u"begin_time"_s << QJsonObject{{u"begin_time_ms"_s, begin}}
                                << qint64(0) << (begin > nowMs ? u"starts at 23:05"_s : u""_s);
    QTest::newRow("array throttle") << u"pending"_s << u"array_task_limit"_s
                                    << QJsonObject{{u"array"_s, u"0-9%2"_s}} << qint64(0)
                                    << u"array throttle: 2 running (%2)"_s;
    QTest::newRow("priority") << u"pending"_s << u"priority"_s << QJsonObject{} << nowMs + 90 * 60'000
                              << u"waiting behind a higher-priority job that has the resources reserved → "
                                 u"expected to start in ~1 h 30 min"_s;
    QTest::newRow("running") << u"running"_s << u"none"_s << QJsonObject{} << qint64(0)
                             << u"running on GPU 0"_s;
}

void TestQueueModel::reasonsInPlainWords() {
    QFETCH(QString, state);
    QFETCH(QString, reason);
    QFETCH(QJsonObject, spec);
    QFETCH(qint64, expectedStartMs);
    QFETCH(QString, words);
    if (words.isEmpty())
        QSKIP("the begin time is already past at this hour of the test's fixed clock");
    QJsonObject json = jobJson(12, u"train"_s, state, reason, spec);
    json.insert(u"expected_start_ms"_s, expectedStartMs);
    Job parsed = job(json);
    if (reason == u"array_task_limit"_s) {
        parsed.arrayJobId = 10;
        parsed.arrayTaskId = 4;
    }
    const nd::ReasonContext context{oneOfTwoGpusFree(), nowMs, 2};
    QCOMPARE(nd::queueReasonText(parsed, context), words);
}

void TestQueueModel::durations() {
    QCOMPARE(nd::approximateDuration(20'000), u"under a minute"_s);
    QCOMPARE(nd::approximateDuration(12 * 60'000 + 10'000), u"~12 min"_s);
    QCOMPARE(nd::approximateDuration(2 * 3600'000), u"~2 h"_s);
    QCOMPARE(nd::clockDuration(65'000), u"1:05"_s);
    QCOMPARE(nd::clockDuration(3723'000), u"1:02:03"_s);
}

void TestQueueModel::actionPathsAndErrors() {
    Job plain = job(jobJson(12, u"a"_s, u"pending"_s));
    QCOMPARE(nd::jobActionPath(plain, nd::JobAction::hold), u"/api/jobs/12/hold"_s);
    QCOMPARE(nd::jobActionPath(plain, nd::JobAction::setPriority), u"/api/jobs/12"_s);
    Job task = job(jobJson(13, u"a"_s, u"pending"_s, u"none"_s, QJsonObject{{u"array"_s, u"0-3"_s}}));
    task.arrayJobId = 10;
    task.arrayTaskId = 3;
    QCOMPARE(nd::jobActionPath(task, nd::JobAction::cancel), u"/api/jobs/10_3/cancel"_s);
    QVERIFY(!nd::resubmitSpec(task).contains(u"array"_s));
    QCOMPARE(nd::resubmitSpec(task).value(u"name"_s).toString(), u"a"_s);
    QCOMPARE(nd::daemonReason(u"409 conflict: job 12 is completed: only pending jobs can be held"_s),
             u"job 12 is completed: only pending jobs can be held"_s);
    QCOMPARE(nd::daemonReason(u"daemon not reachable at http://127.0.0.1:1: Connection refused"_s),
             u"daemon not reachable at http://127.0.0.1:1: Connection refused"_s);
}

void TestQueueModel::proxyFiltersAndSorts() {
    QueueTableModel model;
    nd::QueueFilterProxy proxy;
    proxy.setSourceModel(&model);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.resetJobs(
        {job(jobJson(1, u"train-a"_s, u"running"_s, u"none"_s, QJsonObject{{u"priority"_s, 9}})),
         job(jobJson(2, u"train-b"_s, u"pending"_s, u"resources"_s, QJsonObject{{u"priority"_s, 10}})),
         job(jobJson(3, u"eval"_s, u"pending"_s, u"held"_s, QJsonObject{{u"priority"_s, 100}})),
         job(jobJson(12, u"Sweep"_s, u"pending"_s, u"priority"_s, QJsonObject{{u"priority"_s, -1}}))});
    QCOMPARE(proxy.rowCount(), 4);

    // Numbers sort as numbers: 100 > 10 > 9 > -1 (as text "9" would come first).
    proxy.sort(Col::priority, Qt::DescendingOrder);
    QStringList order;
    for (int row = 0; row < proxy.rowCount(); ++row)
        order.append(proxy.index(row, Col::name).data().toString());
    QCOMPARE(order, (QStringList{u"eval"_s, u"train-b"_s, u"train-a"_s, u"Sweep"_s}));

    proxy.setPattern(u"train"_s);  // substring
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setPattern(u"TRAIN-*"_s);  // glob, case-insensitive
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setPattern(u"*-b"_s);
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setPattern(u"12"_s);  // ids too
    QCOMPARE(proxy.rowCount(), 1);
    QCOMPARE(proxy.index(0, Col::name).data().toString(), u"Sweep"_s);
    proxy.setPattern(u"1?"_s);  // glob on the id: 12, not 1
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setPattern({});

    proxy.setStateFilter(nd::QueueFilterProxy::StateFilter::pending);
    QCOMPARE(proxy.rowCount(), 2);  // held is its own filter
    proxy.setStateFilter(nd::QueueFilterProxy::StateFilter::held);
    QCOMPARE(proxy.rowCount(), 1);
    proxy.setStateFilter(nd::QueueFilterProxy::StateFilter::running);
    QCOMPARE(proxy.rowCount(), 1);
    // Rows move between filters as their jobs change state.
    model.applyJob(job(jobJson(2, u"train-b"_s, u"running"_s)));
    QCOMPARE(proxy.rowCount(), 2);
    proxy.setStateFilter(nd::QueueFilterProxy::StateFilter::all);
    QCOMPARE(proxy.rowCount(), 4);
}

QTEST_MAIN(TestQueueModel)
#include "tst_queue_model.moc"
