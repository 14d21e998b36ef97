// Integration: the welcome dialog against the real daemon. The dialog opens before the daemon answers
// ("Looking for GPUs…"); the ConnectionController starts `nemoctl daemon` in a temporary NEMODESK_HOME with
// two synthetic GPUs, and the dialog lists them. "Add a models folder…" (chooser injected) adds a folder
// holding two generated models and one broken file: the daemon's scan finds them and the dialog says so;
// a folder that does not exist and a folder added twice show the daemon's reasons. The daemon is stopped
// at the end, also when a check fails.
#include <QFile>
#include <QPushButton>
#include <QTemporaryDir>
#include <QTest>

#include "core/paths/Paths.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/firstrun/FirstRunText.h"
#include "ui/firstrun/WelcomeDialog.h"
#include "ui/models/GpuTableModel.h"

#include "UiDaemon.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;
using nd::FirstRunText;
using nd::WelcomeDialog;

namespace {
const QString nemoctl = QStringLiteral(NEMOCTL_PATH);
const QString genModel = QStringLiteral(GEN_MODEL_PATH);
}  // namespace

class TestWelcomeDaemon : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase();
    void cleanupTestCase() { nd::test::stopDaemon(m_home.path(), nemoctl); }
    void findsGpusAndAddsAModelsFolder();

private:
    QTemporaryDir m_home;
    QString m_models;
};

void TestWelcomeDaemon::initTestCase() {
    QVERIFY(m_home.isValid());
    QVERIFY2(QFile::exists(nemoctl), qPrintable(nemoctl));
    m_models = m_home.filePath(u"my models"_s);
    QVERIFY(QDir().mkpath(m_models + u"/nested"_s));
    for (const QString &out : {m_models + u"/tiny-a.gguf"_s, m_models + u"/nested/tiny-b.gguf"_s}) {
        const QString error = nd::test::generateModel(genModel, out);
        QVERIFY2(error.isEmpty(), qPrintable(error));
    }
    QFile broken(m_models + u"/broken.gguf"_s);
    QVERIFY(broken.open(QIODevice::WriteOnly));
    broken.write("not a GGUF file");
    broken.close();
    nd::test::useHome(m_home.path(), "2x24576");
}

void TestWelcomeDaemon::findsGpusAndAddsAModelsFolder() {
    nd::GpuTableModel gpus;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), nemoctl, &gpus);
    WelcomeDialog dialog(&gpus, &controller);
    dialog.folders()->setScanPolling(100, 30000);
    dialog.show();
    QCOMPARE(dialog.gpuText(), u"Looking for GPUs…"_s);
    QVERIFY(!dialog.folders()->addButton()->isEnabled());

    QVERIFY(nd::test::startDaemon(controller));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.gpuText().startsWith(u"Found 2 GPUs:"_s), 10000);
    QVERIFY2(dialog.gpuText().contains(u"GPU 1: "_s), qPrintable(dialog.gpuText()));
    QVERIFY2(dialog.gpuText().contains(u"synthetic"_s, Qt::CaseInsensitive), qPrintable(dialog.gpuText()));
    QTRY_VERIFY_WITH_TIMEOUT(dialog.folders()->addButton()->isEnabled(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(dialog.folders()->foldersText().startsWith(u"No model folder yet"_s), 10000);

    // A folder that does not exist: the daemon's reason, not a silent nothing.
    QString chosen = m_home.filePath(u"no-such-folder"_s);
    dialog.setFolderChooser([&chosen](QWidget *) { return chosen; });
    dialog.folders()->addButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.folders()->isBusy(), 15000);
    QVERIFY2(dialog.folders()->resultText().startsWith(u"Could not add "_s),
             qPrintable(dialog.folders()->resultText()));
    QVERIFY2(dialog.folders()->resultText().contains(u"does not exist"_s),
             qPrintable(dialog.folders()->resultText()));

    // The real folder: added, scanned, counted (the broken file is listed as unreadable).
    chosen = m_models;
    dialog.folders()->addButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.folders()->isBusy(), 40000);
    const QString shown = FirstRunText::displayPath(m_models);
    QCOMPARE(dialog.folders()->resultText(),
             u"Added %1: 3 models found, 1 of them cannot be read (nemoctl models says why)."_s.arg(shown));
    QVERIFY2(dialog.folders()->foldersText().contains(u"• %1: 3 models"_s.arg(shown)),
             qPrintable(dialog.folders()->foldersText()));

    // The same folder again: the daemon refuses, and the dialog says why.
    dialog.folders()->addButton()->click();
    QTRY_VERIFY_WITH_TIMEOUT(!dialog.folders()->isBusy(), 15000);
    QVERIFY2(dialog.folders()->resultText().contains(u"already a model folder"_s),
             qPrintable(dialog.folders()->resultText()));

    // Re-opening the dialog shows the folder already configured.
    WelcomeDialog again(&gpus, &controller);
    QTRY_VERIFY_WITH_TIMEOUT(again.folders()->foldersText().contains(u"• %1: 3 models"_s.arg(shown)), 10000);
}

QTEST_MAIN(TestWelcomeDaemon)
#include "tst_welcome_daemon.moc"
