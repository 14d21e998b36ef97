// WelcomeDialog without a daemon: the GPU paragraph from the model's data (waiting, no GPU → CPU, two
// synthetic GPUs, data that arrives after the dialog opened, a daemon that cannot be reached), the views'
// lines, the models folder button while not connected, accessible names, and shown-once in QSettings.
#include <QAbstractButton>
#include <QLabel>
#include <QPushButton>
#include <QSettings>
#include <QTemporaryDir>
#include <QTest>

#include "TestData.h"
#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/firstrun/FirstRunText.h"
#include "ui/firstrun/WelcomeDialog.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::FirstRunText;
using nd::WelcomeDialog;

class TestWelcomeDialog : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_home.isValid()); }
    void noGpuSaysCpu();
    void listsTwoSyntheticGpus();
    void updatesWhenDataArrivesLater();
    void unreachableDaemonSaysSo();
    void viewsOneLineEach();
    void folderButtonWaitsForTheDaemon();
    void controlsHaveAccessibleNames();
    void shownOnce();
    void daemonMessageAndPaths();

private:
    ConnectionController *idleController(nd::GpuTableModel *model) {
        // No nemoctl: never starts a daemon. Idle until start(): the dialog is fed through the model only.
        return new ConnectionController(nd::Paths::underHome(m_home.path()), QString(), model, this);
    }
    QTemporaryDir m_home;
};

void TestWelcomeDialog::noGpuSaysCpu() {
    nd::GpuTableModel model;
    model.setInventory(nd::test::noGpuInventory(
        u"no NVIDIA driver found: libnvidia-ml.so.1: cannot open shared object file; NemoDesk will run on "
        "the CPU"_s));
    WelcomeDialog dialog(&model, idleController(&model));
    const QString text = dialog.gpuText();
    QVERIFY2(text.startsWith(u"No NVIDIA GPU or driver found: models and jobs will run on the CPU."_s),
             qPrintable(text));
    QVERIFY2(text.contains(u"libnvidia-ml.so.1"_s), qPrintable(text));  // the daemon's reason is kept
}

void TestWelcomeDialog::listsTwoSyntheticGpus() {
    nd::GpuTableModel model;
    model.setInventory(nd::test::fakeInventory(2));
    WelcomeDialog dialog(&model, idleController(&model));
    const QString text = dialog.gpuText();
    QVERIFY2(text.startsWith(u"Found 2 GPUs:"_s), qPrintable(text));
    QVERIFY2(text.contains(u"GPU 0: NemoDesk Synthetic 24G, 24.0 GiB"_s), qPrintable(text));
    QVERIFY2(text.contains(u"GPU 1: NemoDesk Synthetic 24G, 24.0 GiB"_s), qPrintable(text));
    QVERIFY2(text.contains(u"NEMODESK_FAKE_GPUS"_s), qPrintable(text));  // labelled synthetic
    QVERIFY(!text.contains(u"CPU"_s));
}

void TestWelcomeDialog::updatesWhenDataArrivesLater() {
    nd::GpuTableModel model;
    WelcomeDialog dialog(&model, idleController(&model));
    dialog.show();
    QCOMPARE(dialog.gpuText(), u"Looking for GPUs…"_s);

    nd::GpuInventory inventory = nd::test::fakeInventory(1);
    inventory.gpus[0].name = u"NVIDIA H100 80GB HBM3"_s;
    inventory.gpus[0].synthetic = false;
    inventory.gpus[0].memoryTotalMib = 81559;
    inventory.source = u"nvml"_s;
    inventory.driverVersion = u"550.54.15"_s;
    model.setInventory(inventory);
    QVERIFY2(dialog.gpuText().contains(u"GPU 0: NVIDIA H100 80GB HBM3, 79.6 GiB"_s),
             qPrintable(dialog.gpuText()));
    QVERIFY2(dialog.gpuText().contains(u"550.54.15"_s), qPrintable(dialog.gpuText()));
    QVERIFY(!dialog.gpuText().contains(u"synthetic"_s, Qt::CaseInsensitive));

    // The daemon restarted without GPUs: the paragraph follows.
    model.setInventory(nd::test::noGpuInventory(u"NVML not found"_s));
    QVERIFY2(dialog.gpuText().contains(u"run on the CPU"_s), qPrintable(dialog.gpuText()));
    QVERIFY2(dialog.gpuText().contains(u"NVML not found"_s), qPrintable(dialog.gpuText()));
}

void TestWelcomeDialog::unreachableDaemonSaysSo() {
    nd::GpuTableModel model;
    ConnectionController *controller = idleController(&model);
    WelcomeDialog dialog(&model, controller);
    controller->start();  // no daemon and no nemoctl to start one: unreachable
    QTRY_COMPARE_WITH_TIMEOUT(controller->state(), ConnectionController::State::unreachable, 10000);
    QVERIFY2(dialog.gpuText().startsWith(u"The GPUs are not known yet"_s), qPrintable(dialog.gpuText()));
    QVERIFY2(dialog.folders()->foldersText().contains(u"once the daemon is connected"_s),
             qPrintable(dialog.folders()->foldersText()));
}

void TestWelcomeDialog::viewsOneLineEach() {
    nd::GpuTableModel model;
    WelcomeDialog dialog(&model, idleController(&model));
    const QStringList lines = dialog.viewsText().split(u'\n');
    QCOMPARE(lines.size(), FirstRunText::views().size());
    // One line per page of the window, in tab order, then the command line.
    const QStringList pages{u"GPUs"_s, u"Queue"_s, u"History"_s, u"Monitor"_s, u"Models"_s, u"Playground"_s};
    for (int i = 0; i < pages.size(); ++i)
        QVERIFY2(lines.at(i).startsWith(pages.at(i) + u": "_s), qPrintable(lines.at(i)));
    QVERIFY(lines.at(0).contains(u"temperature"_s));
    QVERIFY(lines.at(5).contains(u"OpenAI-compatible"_s));
    QVERIFY(lines.last().contains(u"nemoctl submit"_s));
}

void TestWelcomeDialog::folderButtonWaitsForTheDaemon() {
    nd::GpuTableModel model;
    WelcomeDialog dialog(&model, idleController(&model));
    int asked = 0;
    dialog.setFolderChooser([&asked](QWidget *) {
        ++asked;
        return u"/tmp"_s;
    });
    QPushButton *add = dialog.folders()->addButton();
    QVERIFY(!add->isEnabled());
    QVERIFY(add->toolTip().contains(u"once the daemon is connected"_s));
    dialog.folders()->chooseAndAdd();  // asks, but there is no daemon to add it to: nothing happens
    QCOMPARE(asked, 1);
    QVERIFY(!dialog.folders()->isBusy());
}

void TestWelcomeDialog::controlsHaveAccessibleNames() {
    nd::GpuTableModel model;
    WelcomeDialog dialog(&model, idleController(&model));
    QVERIFY(!dialog.accessibleName().isEmpty());
    for (QAbstractButton *button : dialog.findChildren<QAbstractButton *>()) {
        QVERIFY2(!button->accessibleName().isEmpty(), qPrintable(button->text()));
        QVERIFY2(!button->objectName().isEmpty(), qPrintable(button->text()));
        QVERIFY(button->focusPolicy() & Qt::TabFocus);
    }
    for (QLabel *label : dialog.findChildren<QLabel *>()) {
        if (!label->objectName().isEmpty()) {  // the paragraphs; headings are plain captions
            QVERIFY2(!label->accessibleName().isEmpty(), qPrintable(label->objectName()));
            QVERIFY(label->textInteractionFlags() & Qt::TextSelectableByKeyboard);
        }
    }
    QVERIFY(dialog.findChild<QPushButton *>(u"welcomeClose"_s)->isDefault());
}

void TestWelcomeDialog::shownOnce() {
    QTemporaryDir dir;
    const QString file = dir.filePath(u"nemodesk.ini"_s);
    {
        QSettings settings(file, QSettings::IniFormat);
        QVERIFY(WelcomeDialog::shouldShow(settings));
        WelcomeDialog::markShown(settings);
        QVERIFY(!WelcomeDialog::shouldShow(settings));
    }
    QSettings reopened(file, QSettings::IniFormat);
    QVERIFY(!WelcomeDialog::shouldShow(reopened));
    QCOMPARE(reopened.value(u"firstRun/welcomeShown"_s).toBool(), true);
}

void TestWelcomeDialog::daemonMessageAndPaths() {
    QCOMPARE(FirstRunText::daemonMessage(u"400 bad_request: /nope does not exist"_s),
             u"/nope does not exist"_s);
    QCOMPARE(FirstRunText::daemonMessage(u"daemon not reachable at http://127.0.0.1:1: refused."_s),
             u"daemon not reachable at http://127.0.0.1:1: refused"_s);
    QCOMPARE(FirstRunText::displayPath(QDir::homePath() + u"/models"_s), u"~/models"_s);
    QCOMPARE(FirstRunText::displayPath(u"/data/gguf"_s), u"/data/gguf"_s);
    QCOMPARE(FirstRunText::modelCount(1), u"1 model"_s);
    QCOMPARE(FirstRunText::modelCount(3), u"3 models"_s);
}

QTEST_MAIN(TestWelcomeDialog)
#include "tst_welcome_dialog.moc"
