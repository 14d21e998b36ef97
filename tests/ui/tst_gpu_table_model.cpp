// GpuTableModel: checked by QAbstractItemModelTester throughout; inventory reset, frames updating only the
// rows that changed, inventory changes, the "none" source, staleness and the usage history.
#include <QAbstractItemModelTester>
#include <QSignalSpy>
#include <QTest>

#include "TestData.h"
#include "ui/models/GpuTableModel.h"
#include "ui/models/UsageHistory.h"

using namespace Qt::StringLiterals;
using nd::GpuTableModel;
using Col = nd::GpuTableModel::Columns;

class TestGpuTableModel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void startsEmpty();
    void inventoryResetsModel();
    void framesUpdateOnlyChangedRows();
    void sameInventoryDoesNotReset();
    void inventoryChangeResets();
    void mismatchedFrameAsksForInventory();
    void sourceNone();
    void staleGreysAndLiveFrameRecovers();
    void historyIsBoundedByWindow();
    void historyDropsRepeatsAndRestartsWhenTimeGoesBack();

private:
    static QString cell(const GpuTableModel &m, int row, int column) {
        return m.data(m.index(row, column)).toString();
    }
};

void TestGpuTableModel::startsEmpty() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QCOMPARE(model.rowCount(), 0);
    QCOMPARE(model.columnCount(), Col::count);
    QVERIFY(!model.hasInventory());
    QCOMPARE(model.headerData(Col::utilization, Qt::Horizontal).toString(), u"Utilisation"_s);
    QCOMPARE(model.applyFrame(nd::test::frame(1000, {})), GpuTableModel::FrameFit::inventoryMismatch);
}

void TestGpuTableModel::inventoryResetsModel() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy inventories(&model, &GpuTableModel::inventoryChanged);

    model.setInventory(nd::test::fakeInventory(2));

    QCOMPARE(resets.count(), 1);
    QCOMPARE(inventories.count(), 1);
    QCOMPARE(model.rowCount(), 2);
    QCOMPARE(model.source(), u"fake"_s);
    QCOMPARE(cell(model, 1, Col::index), u"1"_s);
    QCOMPARE(cell(model, 0, Col::name), u"NemoDesk Synthetic 24G"_s);  // already says synthetic: no suffix
    QCOMPARE(cell(model, 0, Col::utilization), u"37 %"_s);
    QCOMPARE(cell(model, 0, Col::memory), u"12.0 / 24.0 GiB"_s);
    QCOMPARE(cell(model, 0, Col::temperature), u"41 °C"_s);
    QCOMPARE(cell(model, 0, Col::power), u"118 / 300 W"_s);
    QCOMPARE(cell(model, 0, Col::smClock), u"1755 MHz"_s);
    QCOMPARE(cell(model, 0, Col::processes), u"2"_s);
    QCOMPARE(model.data(model.index(0, Col::utilization), GpuTableModel::ValueRole).toDouble(), 37.0);
    QVERIFY(model.data(model.index(0, Col::name), GpuTableModel::SyntheticRole).toBool());
    QVERIFY(model.data(model.index(0, Col::name), Qt::ToolTipRole).toString().contains(u"Synthetic GPU"_s));
    QVERIFY(model.data(model.index(0, Col::name), Qt::ToolTipRole).toString().contains(u"GPU-fake-0"_s));
    QVERIFY(!model.data(model.index(0, Col::name), Qt::ForegroundRole).isValid());
    QVERIFY(model.host().has_value());

    // A synthetic GPU whose name does not say so gets the suffix.
    auto inventory = nd::test::fakeInventory(1);
    inventory.gpus[0].name = u"NVIDIA H100"_s;
    model.setInventory(inventory);
    QCOMPARE(cell(model, 0, Col::name), u"NVIDIA H100 (synthetic)"_s);
    // A real one does not.
    inventory.gpus[0].synthetic = false;
    model.setInventory(inventory);
    QCOMPARE(cell(model, 0, Col::name), u"NVIDIA H100"_s);
    QVERIFY(!model.data(model.index(0, Col::name), Qt::ToolTipRole).toString().contains(u"Synthetic"_s));
}

void TestGpuTableModel::framesUpdateOnlyChangedRows() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(3, t0));
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy frames(&model, &GpuTableModel::frameApplied);

    // Only GPU 1 changes.
    auto fit = model.applyFrame(nd::test::frame(
        t0 + 1000, {nd::test::reading(0, t0 + 1000, 37, 12288), nd::test::reading(1, t0 + 1000, 90, 20480),
                    nd::test::reading(2, t0 + 1000, 37, 12288)}));
    QCOMPARE(fit, GpuTableModel::FrameFit::applied);
    QCOMPARE(resets.count(), 0);
    QCOMPARE(frames.count(), 1);
    QCOMPARE(frames.at(0).at(0).toLongLong(), t0 + 1000);
    QCOMPARE(changes.count(), 1);
    const auto topLeft = changes.at(0).at(0).value<QModelIndex>();
    const auto bottomRight = changes.at(0).at(1).value<QModelIndex>();
    QCOMPARE(topLeft.row(), 1);
    QCOMPARE(bottomRight.row(), 1);
    QCOMPARE(topLeft.column(), 0);
    QCOMPARE(bottomRight.column(), Col::count - 1);
    QCOMPARE(cell(model, 1, Col::utilization), u"90 %"_s);
    QCOMPARE(cell(model, 1, Col::memory), u"20.0 / 24.0 GiB"_s);
    QCOMPARE(model.lastUpdateMs(), t0 + 1000);

    // Same values one second later: nothing to repaint, but the history still grows.
    changes.clear();
    model.applyFrame(nd::test::frame(
        t0 + 2000, {nd::test::reading(0, t0 + 2000, 37, 12288), nd::test::reading(1, t0 + 2000, 90, 20480),
                    nd::test::reading(2, t0 + 2000, 37, 12288)}));
    QCOMPARE(changes.count(), 0);
    QCOMPARE(model.history(1).size(), 3);
    QCOMPARE(*model.history(1).newest().computePct, 90.0);
    QVERIFY(qAbs(*model.history(1).newest().memoryPct - 100.0 * 20480 / 24576) < 1e-9);

    // GPUs 0 and 1 change: one signal for the run of adjacent rows; then 0 and 2: two signals.
    model.applyFrame(nd::test::frame(
        t0 + 3000, {nd::test::reading(0, t0 + 3000, 1, 12288), nd::test::reading(1, t0 + 3000, 2, 20480),
                    nd::test::reading(2, t0 + 3000, 37, 12288)}));
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changes.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(changes.at(0).at(1).value<QModelIndex>().row(), 1);
    changes.clear();
    model.applyFrame(nd::test::frame(
        t0 + 4000, {nd::test::reading(0, t0 + 4000, 50, 12288), nd::test::reading(1, t0 + 4000, 2, 20480),
                    nd::test::reading(2, t0 + 4000, 50, 12288)}));
    QCOMPARE(changes.count(), 2);
    QCOMPARE(changes.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(changes.at(1).at(0).value<QModelIndex>().row(), 2);
}

void TestGpuTableModel::sameInventoryDoesNotReset() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(2, t0));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    auto again = nd::test::fakeInventory(2, t0 + 5000);
    again.gpus[1].latest = nd::test::reading(1, t0 + 5000, 64, 4096);
    model.setInventory(again);
    QCOMPARE(resets.count(), 0);
    QVERIFY(changes.count() >= 1);
    QCOMPARE(cell(model, 1, Col::utilization), u"64 %"_s);

    // An inventory whose samples are older than those shown keeps the newer values.
    model.setInventory(nd::test::fakeInventory(2, t0));
    QCOMPARE(resets.count(), 0);
    QCOMPARE(cell(model, 1, Col::utilization), u"64 %"_s);
}

void TestGpuTableModel::inventoryChangeResets() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setInventory(nd::test::fakeInventory(2));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

    model.setInventory(nd::test::fakeInventory(3));
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.rowCount(), 3);

    auto renamed = nd::test::fakeInventory(3);
    renamed.gpus[2].uuid = u"GPU-other"_s;
    model.setInventory(renamed);
    QCOMPARE(resets.count(), 2);
    QCOMPARE(model.gpu(2).uuid, u"GPU-other"_s);

    model.setInventory(nd::test::fakeInventory(1));
    QCOMPARE(resets.count(), 3);
    QCOMPARE(model.rowCount(), 1);
    QCOMPARE(model.history(0).size(), 1);  // a reset starts the history again
}

void TestGpuTableModel::mismatchedFrameAsksForInventory() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(2, t0));

    // An unknown GPU index: the known one is still applied.
    auto fit = model.applyFrame(nd::test::frame(
        t0 + 1000, {nd::test::reading(0, t0 + 1000, 80, 12288), nd::test::reading(7, t0 + 1000, 10, 100),
                    nd::test::reading(1, t0 + 1000, 37, 12288)}));
    QCOMPARE(fit, GpuTableModel::FrameFit::inventoryMismatch);
    QCOMPARE(cell(model, 0, Col::utilization), u"80 %"_s);
    QCOMPARE(model.rowCount(), 2);

    // A GPU missing from the frame.
    fit = model.applyFrame(nd::test::frame(t0 + 2000, {nd::test::reading(0, t0 + 2000, 80, 12288)}));
    QCOMPARE(fit, GpuTableModel::FrameFit::inventoryMismatch);

    // Another source.
    fit = model.applyFrame(nd::test::frame(
        t0 + 3000, {nd::test::reading(0, t0 + 3000, 80, 12288), nd::test::reading(1, t0 + 3000, 80, 12288)},
        u"nvml"_s));
    QCOMPARE(fit, GpuTableModel::FrameFit::inventoryMismatch);
}

void TestGpuTableModel::sourceNone() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    model.setInventory(nd::test::fakeInventory(2));
    QSignalSpy resets(&model, &QAbstractItemModel::modelReset);

    model.setInventory(nd::test::noGpuInventory(u"NVML not found: libnvidia-ml.so.1 cannot be opened"_s));
    QCOMPARE(resets.count(), 1);
    QCOMPARE(model.rowCount(), 0);
    QVERIFY(model.hasInventory());
    QCOMPARE(model.source(), u"none"_s);
    QVERIFY(model.sourceMessage().contains(u"libnvidia-ml"_s));

    // Host-only frames keep the host history going.
    const qint64 t0 = 1'764'143'000'000;
    QCOMPARE(model.applyFrame(nd::test::frame(t0 + 1000, {}, u"none"_s)), GpuTableModel::FrameFit::applied);
    QCOMPARE(model.applyFrame(nd::test::frame(t0 + 2000, {}, u"none"_s)), GpuTableModel::FrameFit::applied);
    QCOMPARE(model.hostHistory().size(), 3);
    QCOMPARE(*model.hostHistory().newest().computePct, 12.5);
    QCOMPARE(model.host()->cpuCount, 16);
}

void TestGpuTableModel::staleGreysAndLiveFrameRecovers() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(2, t0));
    QSignalSpy changes(&model, &QAbstractItemModel::dataChanged);
    QSignalSpy freshness(&model, &GpuTableModel::freshnessChanged);

    model.setFreshness(GpuTableModel::Freshness::stale);
    QCOMPARE(freshness.count(), 1);
    QCOMPARE(changes.count(), 1);
    QCOMPARE(changes.at(0).at(0).value<QModelIndex>().row(), 0);
    QCOMPARE(changes.at(0).at(1).value<QModelIndex>().row(), 1);
    QVERIFY(model.data(model.index(1, Col::utilization), Qt::ForegroundRole).isValid());
    QVERIFY(model.data(model.index(0, Col::name), Qt::ToolTipRole).toString().contains(u"Stale"_s));
    QCOMPARE(cell(model, 0, Col::utilization), u"37 %"_s);  // the values stay readable

    model.setFreshness(GpuTableModel::Freshness::stale);  // no repeat
    QCOMPARE(freshness.count(), 1);

    model.applyFrame(nd::test::frame(
        t0 + 1000, {nd::test::reading(0, t0 + 1000, 37, 12288), nd::test::reading(1, t0 + 1000, 37, 12288)}));
    QCOMPARE(model.freshness(), GpuTableModel::Freshness::live);
    QCOMPARE(freshness.count(), 2);
    QVERIFY(!model.data(model.index(1, Col::utilization), Qt::ForegroundRole).isValid());
}

void TestGpuTableModel::historyIsBoundedByWindow() {
    GpuTableModel model;
    QAbstractItemModelTester tester(&model, QAbstractItemModelTester::FailureReportingMode::QtTest);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(1, t0));
    for (int s = 1; s <= 600; ++s) {  // 10 minutes at 1 Hz
        model.applyFrame(
            nd::test::frame(t0 + s * 1000, {nd::test::reading(0, t0 + s * 1000, s % 100, 1024)}));
    }
    const nd::UsageHistory &h = model.history(0);
    QCOMPARE(h.newest().timeMs, t0 + 600'000);
    QCOMPARE(h.at(0).timeMs, t0 + 300'000);  // exactly the last 5 minutes
    QCOMPARE(h.size(), 301);
    for (int i = 1; i < h.size(); ++i) {
        QVERIFY(h.at(i).timeMs > h.at(i - 1).timeMs);
    }

    // The point count bounds it too, whatever the sampling rate.
    nd::UsageHistory small(60'000, 10);
    for (int i = 0; i < 25; ++i) {
        small.append({i * 10, double(i), std::nullopt});
    }
    QCOMPARE(small.size(), 10);
    QCOMPARE(small.at(0).timeMs, 150);
    QCOMPARE(*small.newest().computePct, 24.0);
}

void TestGpuTableModel::historyDropsRepeatsAndRestartsWhenTimeGoesBack() {
    nd::UsageHistory h;
    h.append({1000, 1.0, 2.0});
    h.append({2000, 3.0, 4.0});
    h.append({2000, 9.0, 9.0});  // resent sample after a reconnect
    QCOMPARE(h.size(), 2);
    QCOMPARE(*h.newest().computePct, 3.0);
    h.append({500, 5.0, 6.0});  // clock went back
    QCOMPARE(h.size(), 1);
    QCOMPARE(h.newest().timeMs, 500);
    h.clear();
    QVERIFY(h.isEmpty());
}

QTEST_MAIN(TestGpuTableModel)
#include "tst_gpu_table_model.moc"
