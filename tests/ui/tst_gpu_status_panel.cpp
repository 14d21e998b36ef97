// GpuStatusPanel: one card per GPU (plus the host) with the numbers on its bars, the synthetic badge,
// the live chart's series, the "no GPU" explanation in place of cards, and stale greying.
#include <QTest>

#include "TestData.h"
#include "ui/models/GpuTableModel.h"
#include "ui/widgets/GpuStatusPanel.h"
#include "ui/widgets/Sparkline.h"
#include "ui/widgets/UsageCard.h"
#include "ui/widgets/UsageChart.h"

using namespace Qt::StringLiterals;
using nd::GpuTableModel;

class TestGpuStatusPanel : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void waitsForInventory();
    void cardsForTwoGpus();
    void framesUpdateCardsAndChart();
    void explanationForNoGpu();
    void staleDisablesCards();
    void inventoryChangeRebuildsCards();
};

void TestGpuStatusPanel::waitsForInventory() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    QCOMPARE(panel.gpuCardCount(), 0);
    QVERIFY(!panel.isExplanationShown());
    QVERIFY(panel.freshnessText().isEmpty());
}

void TestGpuStatusPanel::cardsForTwoGpus() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    panel.resize(1100, 600);
    model.setInventory(nd::test::fakeInventory(2));
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));

    QCOMPARE(panel.gpuCardCount(), 2);
    QVERIFY(!panel.isExplanationShown());
    for (int row = 0; row < 2; ++row) {
        const nd::UsageCard *card = panel.gpuCard(row);
        QVERIFY(card->isVisible());
        QCOMPARE(card->title(), u"NemoDesk Synthetic 24G"_s);
        QCOMPARE(card->badge(), u"SYNTHETIC"_s);
        QCOMPARE(card->primaryText(), u"37 %"_s);
        QCOMPARE(card->secondaryText(), u"12.0 / 24.0 GiB"_s);
        QVERIFY(card->details().contains(u"41 °C"_s));
        QVERIFY(card->details().contains(u"118 / 300 W"_s));
    }
    QCOMPARE(panel.hostCard()->title(), u"Host"_s);
    QCOMPARE(panel.hostCard()->primaryText(), u"13 %"_s);  // 12.5 rounds half away from zero
    QCOMPARE(panel.hostCard()->secondaryText(), u"32.0 / 125.0 GiB"_s);
    // Two series per GPU (utilisation, memory) and two for the host (CPU, RAM).
    QCOMPARE(panel.chart()->seriesCount(), 6);
    QVERIFY(panel.freshnessText().contains(u"Live"_s));

    const QImage image = panel.grab().toImage();
    QVERIFY(!image.isNull());
    QCOMPARE(image.size(), panel.size() * panel.devicePixelRatioF());
}

void TestGpuStatusPanel::framesUpdateCardsAndChart() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(2, t0));
    for (int s = 1; s <= 5; ++s) {
        const qint64 t = t0 + s * 1000;
        model.applyFrame(nd::test::frame(
            t, {nd::test::reading(0, t, 10.0 * s, 2048), nd::test::reading(1, t, 99, 24000)}));
    }
    QCOMPARE(panel.gpuCard(0)->primaryText(), u"50 %"_s);
    QCOMPARE(panel.gpuCard(0)->secondaryText(), u"2.0 / 24.0 GiB"_s);
    QCOMPARE(panel.gpuCard(1)->primaryText(), u"99 %"_s);
    QCOMPARE(panel.gpuCard(1)->secondaryText(), u"23.4 / 24.0 GiB"_s);
    QCOMPARE(panel.chart()->pointCount(u"GPU0 util %"_s), 6);
    QCOMPARE(panel.chart()->pointCount(u"GPU1 memory %"_s), 6);
    QCOMPARE(panel.chart()->pointCount(u"CPU %"_s), 6);
    QCOMPARE(panel.chart()->pointCount(u"RAM %"_s), 6);
    QCOMPARE(panel.gpuCard(0)->sparkline()->pointCount(), 6);
}

void TestGpuStatusPanel::explanationForNoGpu() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    model.setInventory(nd::test::fakeInventory(2));
    model.setInventory(nd::test::noGpuInventory(u"NVML not found: libnvidia-ml.so.1 cannot be opened."_s));

    QCOMPARE(panel.gpuCardCount(), 0);
    QVERIFY(panel.isExplanationShown());
    const QString text = panel.explanationText();
    QVERIFY2(text.contains(u"No NVIDIA GPU found</b>: NVML not found: libnvidia-ml.so.1 cannot be opened. "
                           "Jobs and models will run on the CPU."_s),
             qPrintable(text));
    // The host is still shown, in its card and on the chart.
    QCOMPARE(panel.hostCard()->primaryText(), u"13 %"_s);
    QCOMPARE(panel.chart()->seriesCount(), 2);

    // GPUs appearing later replace the explanation.
    model.setInventory(nd::test::fakeInventory(1));
    QVERIFY(!panel.isExplanationShown());
    QCOMPARE(panel.gpuCardCount(), 1);
}

void TestGpuStatusPanel::staleDisablesCards() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    const qint64 t0 = 1'764'143'000'000;
    model.setInventory(nd::test::fakeInventory(2, t0));
    model.setFreshness(GpuTableModel::Freshness::stale);
    QVERIFY(!panel.gpuCard(0)->isEnabled());
    QVERIFY(!panel.gpuCard(1)->isEnabled());
    QVERIFY(!panel.hostCard()->isEnabled());
    QVERIFY(panel.freshnessText().contains(u"Stale"_s));
    QCOMPARE(panel.gpuCard(0)->primaryText(), u"37 %"_s);  // still readable, just greyed

    model.applyFrame(nd::test::frame(
        t0 + 1000, {nd::test::reading(0, t0 + 1000, 5, 1024), nd::test::reading(1, t0 + 1000, 5, 1024)}));
    QVERIFY(panel.gpuCard(0)->isEnabled());
    QVERIFY(panel.freshnessText().contains(u"Live"_s));
}

void TestGpuStatusPanel::inventoryChangeRebuildsCards() {
    GpuTableModel model;
    nd::GpuStatusPanel panel(&model);
    model.setInventory(nd::test::fakeInventory(2));
    const nd::UsageCard *first = panel.gpuCard(0);
    model.setInventory(nd::test::fakeInventory(2));  // same GPUs: cards kept
    QCOMPARE(panel.gpuCard(0), first);
    model.setInventory(nd::test::fakeInventory(5));
    QCOMPARE(panel.gpuCardCount(), 5);
    QCOMPARE(panel.chart()->seriesCount(), 12);
}

QTEST_MAIN(TestGpuStatusPanel)
#include "tst_gpu_status_panel.moc"
