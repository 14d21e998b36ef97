// Unit: the Models table from GET /api/models fixtures (a good model, one the reader cannot read, one
// shadowed by another file of the same name), always under QAbstractItemModelTester: the cells, the raw
// sort values, the merge of a new list that keeps the selection (persistent indexes), the newest benchmark
// per model, and the memory estimate against the GPUs ("fits GPU 0 (24 GiB)", "needs 2 GPUs' worth").
#include <QAbstractItemModelTester>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QSortFilterProxyModel>
#include <QTest>

#include "ui/library/LibraryRequests.h"
#include "ui/library/ModelDetails.h"
#include "ui/library/ModelFit.h"
#include "ui/library/ModelLibraryModel.h"

using namespace Qt::StringLiterals;
using nd::GpuCapacity;
using nd::ModelFit;
using nd::ModelLibraryModel;
using Col = nd::ModelLibraryModel::Columns;

namespace {

constexpr qint64 kGib = 1024LL * 1024 * 1024;

QJsonObject goodModel(const QString &name, const QString &path, qint64 totalBytes) {
    return QJsonObject{
        {u"name"_s, name},
        {u"path"_s, path},
        {u"folder"_s, u"/data/gguf"_s},
        {u"size_bytes"_s, 5920000000.0},
        {u"mtime_ms"_s, 1760000000000.0},
        {u"shards"_s, 1},
        {u"architecture"_s, u"nemotron_h"_s},
        {u"architecture_known"_s, true},
        {u"model_name"_s, u"NVIDIA Nemotron Nano"_s},
        {u"n_params"_s, 8890000000.0},
        {u"params"_s, u"8.9 B"_s},
        {u"weights_bytes"_s, 5910000000.0},
        {u"types"_s,
         QJsonArray{QJsonObject{{u"type"_s, u"Q4_K"_s}, {u"tensors"_s, 300}, {u"bytes"_s, 4800000000.0}},
                    QJsonObject{{u"type"_s, u"F32"_s}, {u"tensors"_s, 20}, {u"bytes"_s, 1000000.0}}}},
        {u"type_mix"_s, u"Q4_K, F32"_s},
        {u"layer_pattern"_s, u"M-M-M*"_s},
        {u"layer_summary"_s, u"52 Mamba-2, 4 attention"_s},
        {u"n_layer"_s, 56},
        {u"context_length"_s, 131072},
        {u"chat_template_family"_s, u"nemotron-nano2"_s},
        {u"memory"_s, QJsonObject{{u"n_ctx"_s, 8192},
                                  {u"weights_bytes"_s, 5910000000.0},
                                  {u"kv_bytes"_s, 100000000.0},
                                  {u"state_bytes"_s, 0},
                                  {u"total_bytes"_s, static_cast<double>(totalBytes)}}}};
}

QJsonObject brokenModel() {
    return QJsonObject{{u"name"_s, u"broken"_s},
                       {u"path"_s, u"/home/me/models/broken.gguf"_s},
                       {u"folder"_s, u"/home/me/models"_s},
                       {u"size_bytes"_s, 12},
                       {u"mtime_ms"_s, 1760000000000.0},
                       {u"shards"_s, 1},
                       {u"error"_s, u"/home/me/models/broken.gguf: not a GGUF file (bad magic)"_s}};
}

QJsonObject shadowedModel() {
    QJsonObject o = goodModel(u"nano"_s, u"/home/me/models/nano.gguf"_s, 6 * kGib);
    o.insert(u"shadowed_by"_s, u"/data/gguf/nano.gguf"_s);
    return o;
}

QJsonArray fixture() {
    return QJsonArray{goodModel(u"nano"_s, u"/data/gguf/nano.gguf"_s, 6 * kGib), brokenModel(),
                      shadowedModel()};
}

QList<GpuCapacity> twoGpus() {
    return {{0, 24576}, {1, 24576}};
}

QString cell(const ModelLibraryModel &m, int row, int column) {
    return m.data(m.index(row, column)).toString();
}

}  // namespace

class TestLibraryModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void fitMaths_data();
    void fitMaths();
    void fitPerGpu();
    void bytes();
    void rowsFromFixture();
    void mergeKeepsRowsAndSelection();
    void sortsByRawNumbers();
    void newestBenchmarkPerModel();
    void gpusChangeTheFitColumn();
    void detailsPane();
    void jobSpecs();
};

void TestLibraryModel::fitMaths_data() {
    QTest::addColumn<qint64>("estimate");
    QTest::addColumn<QList<GpuCapacity>>("gpus");
    QTest::addColumn<int>("kind");
    QTest::addColumn<QString>("text");
    const QList<GpuCapacity> mixed{{0, 24576}, {1, 81559}};
    QTest::newRow("fits both") << 6 * kGib << twoGpus() << int(ModelFit::Kind::fits)
                               << u"fits GPU 0 (24 GiB), GPU 1 (24 GiB)"_s;
    QTest::newRow("exactly full") << 24 * kGib << twoGpus() << int(ModelFit::Kind::fits)
                                  << u"fits GPU 0 (24 GiB), GPU 1 (24 GiB)"_s;
    QTest::newRow("only the large one")
        << 30 * kGib << mixed << int(ModelFit::Kind::fits) << u"fits GPU 1 (79.6 GiB)"_s;
    QTest::newRow("one byte over") << 24 * kGib + 1 << twoGpus() << int(ModelFit::Kind::split)
                                   << u"needs 2 GPUs' worth: runs split or on the CPU"_s;
    QTest::newRow("all of both") << 48 * kGib << twoGpus() << int(ModelFit::Kind::split)
                                 << u"needs 2 GPUs' worth: runs split or on the CPU"_s;
    QTest::newRow("more than all") << 60 * kGib << twoGpus() << int(ModelFit::Kind::tooLarge)
                                   << u"larger than all GPUs together: runs on the CPU"_s;
    QTest::newRow("no GPU") << 6 * kGib << QList<GpuCapacity>{} << int(ModelFit::Kind::noGpu)
                            << u"no GPU: runs on the CPU"_s;
    QTest::newRow("no estimate") << qint64(0) << twoGpus() << int(ModelFit::Kind::noEstimate)
                                 << u"no estimate"_s;
}

void TestLibraryModel::fitMaths() {
    QFETCH(qint64, estimate);
    QFETCH(QList<GpuCapacity>, gpus);
    QFETCH(int, kind);
    QFETCH(QString, text);
    const ModelFit fit = nd::modelFit(estimate, gpus);
    QCOMPARE(int(fit.kind), kind);
    QCOMPARE(nd::modelFitText(fit, gpus), text);
}

void TestLibraryModel::fitPerGpu() {
    const QStringList lines = nd::modelFitPerGpu(30 * kGib, {{0, 24576}, {1, 40960}});
    QCOMPARE(lines,
             (QStringList{u"GPU 0 (24 GiB): 6.0 GiB short"_s, u"GPU 1 (40 GiB): fits, 10.0 GiB to spare"_s}));
    QVERIFY(nd::modelFitPerGpu(0, twoGpus()).isEmpty());
}

void TestLibraryModel::bytes() {
    QCOMPARE(nd::bytesText(12), u"12 B"_s);
    QCOMPARE(nd::bytesText(12 * 1024), u"12 KiB"_s);
    QCOMPARE(nd::bytesText(812LL * 1024 * 1024), u"812 MiB"_s);
    QCOMPARE(nd::bytesText(5920000000), u"5.5 GiB"_s);
}

void TestLibraryModel::rowsFromFixture() {
    ModelLibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setGpus(twoGpus());
    model.setModels(fixture());
    QCOMPARE(model.rowCount(), 3);
    QCOMPARE(model.columnCount(), Col::count);

    QCOMPARE(cell(model, 0, Col::name), u"nano"_s);
    QCOMPARE(cell(model, 0, Col::architecture), u"nemotron_h"_s);
    QCOMPARE(cell(model, 0, Col::params), u"8.9 B"_s);
    QCOMPARE(cell(model, 0, Col::types), u"Q4_K, F32"_s);
    QCOMPARE(cell(model, 0, Col::size), u"5.5 GiB"_s);
    QCOMPARE(cell(model, 0, Col::context), u"131072"_s);
    QCOMPARE(cell(model, 0, Col::memory), u"6.0 GiB at 8192 ctx"_s);
    QCOMPARE(cell(model, 0, Col::fits), u"fits GPU 0 (24 GiB), GPU 1 (24 GiB)"_s);
    QCOMPARE(cell(model, 0, Col::benchmark), u"—"_s);
    QCOMPARE(model.status(0), ModelLibraryModel::Status::ok);
    QCOMPARE(model.data(model.index(0, 0), ModelLibraryModel::ModelRefRole).toString(), u"nano"_s);

    // The file the reader cannot read: shown as such, with the reason in the tooltip.
    QCOMPARE(model.status(1), ModelLibraryModel::Status::unreadable);
    QCOMPARE(cell(model, 1, Col::name), u"broken"_s);
    QCOMPARE(cell(model, 1, Col::architecture), u"cannot be read"_s);
    QCOMPARE(cell(model, 1, Col::size), u"12 B"_s);
    QCOMPARE(cell(model, 1, Col::fits), u"—"_s);
    QVERIFY(model.data(model.index(1, 0), Qt::ToolTipRole).toString().contains(u"not a GGUF file"_s));
    QVERIFY(model.data(model.index(1, 0), Qt::ForegroundRole).isValid());

    // The shadowed file: marked, and reached by its path.
    QCOMPARE(model.status(2), ModelLibraryModel::Status::shadowed);
    QCOMPARE(cell(model, 2, Col::name), u"nano (shadowed)"_s);
    QCOMPARE(model.data(model.index(2, 0), ModelLibraryModel::ModelRefRole).toString(),
             u"/home/me/models/nano.gguf"_s);
    QVERIFY(model.data(model.index(2, 0), Qt::ToolTipRole).toString().contains(u"/data/gguf/nano.gguf"_s));
}

void TestLibraryModel::mergeKeepsRowsAndSelection() {
    ModelLibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setModels(fixture());
    const QPersistentModelIndex selected(model.index(2, Col::name));  // the shadowed file
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy removed(&model, &QAbstractItemModel::rowsRemoved);
    QSignalSpy inserted(&model, &QAbstractItemModel::rowsInserted);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);

    // The same list again: nothing to say.
    model.setModels(fixture());
    QCOMPARE(changed.count(), 0);
    QCOMPARE(removed.count(), 0);
    QCOMPARE(inserted.count(), 0);

    // The broken file goes, the shadowed one changes, a new one comes.
    QJsonObject shadowed = shadowedModel();
    shadowed.insert(u"size_bytes"_s, 7000000000.0);
    model.setModels(QJsonArray{goodModel(u"nano"_s, u"/data/gguf/nano.gguf"_s, 6 * kGib), shadowed,
                               goodModel(u"big"_s, u"/data/gguf/big.gguf"_s, 70 * kGib)});
    QCOMPARE(resets.count(), 0);
    QCOMPARE(removed.count(), 1);
    QCOMPARE(inserted.count(), 1);
    QCOMPARE(changed.count(), 1);
    QCOMPARE(model.rowCount(), 3);
    QVERIFY(selected.isValid());
    QCOMPARE(selected.data(ModelLibraryModel::PathRole).toString(), u"/home/me/models/nano.gguf"_s);
    QCOMPARE(selected.row(), 1);
    QCOMPARE(cell(model, 1, Col::size), u"6.5 GiB"_s);
    QCOMPARE(model.rowOfPath(u"/data/gguf/big.gguf"_s), 2);

    // Everything gone (the folder removed).
    model.setModels({});
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(!selected.isValid());
}

void TestLibraryModel::sortsByRawNumbers() {
    ModelLibraryModel model;
    QSortFilterProxyModel proxy;
    proxy.setSourceModel(&model);
    proxy.setSortRole(ModelLibraryModel::SortRole);
    QAbstractItemModelTester tester(&proxy, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QJsonObject small = goodModel(u"small"_s, u"/m/small.gguf"_s, 900LL * 1024 * 1024);
    small.insert(u"size_bytes"_s, 900.0 * 1024 * 1024);  // "900 MiB" sorts below "5.5 GiB" by bytes
    model.setModels(
        QJsonArray{goodModel(u"nano"_s, u"/data/gguf/nano.gguf"_s, 6 * kGib), small, brokenModel()});
    proxy.sort(Col::size, Qt::AscendingOrder);
    QCOMPARE(proxy.index(0, Col::name).data().toString(), u"broken"_s);
    QCOMPARE(proxy.index(1, Col::name).data().toString(), u"small"_s);
    QCOMPARE(proxy.index(2, Col::name).data().toString(), u"nano"_s);
    QCOMPARE(proxy.index(2, Col::size).data(ModelLibraryModel::SortRole).toLongLong(), 5920000000LL);
    proxy.sort(Col::memory, Qt::DescendingOrder);
    QCOMPARE(proxy.index(0, Col::name).data().toString(), u"nano"_s);
}

void TestLibraryModel::newestBenchmarkPerModel() {
    ModelLibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setModels(fixture());
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    // Newest first, as GET /api/benchmarks answers: the first per model is shown.
    model.setBenchmarks(QJsonArray{
        QJsonObject{{u"id"_s, 2},
                    {u"model"_s, u"nano"_s},
                    {u"model_path"_s, u"/data/gguf/nano.gguf"_s},
                    {u"prompt_tps"_s, 5230.1},
                    {u"decode_tps"_s, 81.44},
                    {u"job_id"_s, 12},
                    {u"time_ms"_s, 2000}},
        QJsonObject{{u"id"_s, 1}, {u"model"_s, u"nano"_s}, {u"prompt_tps"_s, 10.0}, {u"decode_tps"_s, 1.0}}});
    QCOMPARE(changed.count(), 1);
    QCOMPARE(cell(model, 0, Col::benchmark), u"5230 / 81.4 tok/s"_s);
    QCOMPARE(model.data(model.index(0, Col::benchmark), ModelLibraryModel::SortRole).toDouble(), 81.44);
    QCOMPARE(model.benchmark(0)->jobId, 12);
    // The shadowed file of the same name has no results of its own.
    QCOMPARE(cell(model, 2, Col::benchmark), u"—"_s);
    QCOMPARE(cell(model, 1, Col::benchmark), u"—"_s);
}

void TestLibraryModel::gpusChangeTheFitColumn() {
    ModelLibraryModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setModels(QJsonArray{goodModel(u"big"_s, u"/m/big.gguf"_s, 30 * kGib)});
    QCOMPARE(cell(model, 0, Col::fits), u"no GPU: runs on the CPU"_s);
    QSignalSpy changed(&model, &QAbstractItemModel::dataChanged);
    model.setGpus(twoGpus());
    QCOMPARE(changed.count(), 1);
    QCOMPARE(cell(model, 0, Col::fits), u"needs 2 GPUs' worth: runs split or on the CPU"_s);
    model.setGpus(twoGpus());  // the same GPUs: no signal
    QCOMPARE(changed.count(), 1);
}

void TestLibraryModel::detailsPane() {
    const QString good = nd::modelDetailsText(goodModel(u"nano"_s, u"/data/gguf/nano.gguf"_s, 30 * kGib),
                                              {{0, 24576}, {1, 40960}}, nullptr);
    for (const QString &part :
         {u"Path: /data/gguf/nano.gguf"_s, u"Architecture: nemotron_h"_s, u"Parameters: 8.9 B"_s,
          u"Q4_K: 300 tensors, 4.5 GiB"_s, u"Layers: 56"_s, u"52 Mamba-2, 4 attention"_s,
          u"Training context: 131072 tokens"_s, u"Fits GPU 1 (40 GiB)."_s, u"GPU 0 (24 GiB): 6.0 GiB short"_s,
          u"Chat template: nemotron-nano2"_s}) {
        QVERIFY2(good.contains(part), qPrintable(part + u" not in:\n"_s + good));
    }
    const QString broken = nd::modelDetailsText(brokenModel(), twoGpus(), nullptr);
    QVERIFY2(broken.contains(u"cannot be read: /home/me/models/broken.gguf: not a GGUF file"_s),
             qPrintable(broken));
    QVERIFY(!broken.contains(u"Architecture"_s));
    const QString shadowed = nd::modelDetailsText(shadowedModel(), twoGpus(), nullptr);
    QVERIFY2(shadowed.contains(u"Shadowed: /data/gguf/nano.gguf has the name"_s), qPrintable(shadowed));
}

void TestLibraryModel::jobSpecs() {
    const QJsonObject bench = nd::benchmarkJobSpec(u"nano"_s, nd::GpuRequest::one);
    QCOMPARE(bench.value(u"workload"_s).toObject(),
             (QJsonObject{{u"kind"_s, u"benchmark"_s}, {u"model"_s, u"nano"_s}}));
    QCOMPARE(bench.value(u"gpus"_s).toInt(), 1);
    const QJsonObject batch =
        nd::batchJobSpec(u"nano"_s, u"/p/in.jsonl"_s, u"/out/answers.jsonl"_s, nd::GpuRequest::none);
    QCOMPARE(batch.value(u"workload"_s).toObject().value(u"kind"_s).toString(), u"batch"_s);
    QCOMPARE(batch.value(u"workload"_s).toObject().value(u"input"_s).toString(), u"/p/in.jsonl"_s);
    QCOMPARE(batch.value(u"workload"_s).toObject().value(u"output"_s).toString(), u"/out/answers.jsonl"_s);
    QCOMPARE(batch.value(u"workdir"_s).toString(), u"/out"_s);
    QCOMPARE(batch.value(u"gpus"_s).toInt(), 0);
}

QTEST_MAIN(TestLibraryModel)
#include "tst_library_model.moc"
