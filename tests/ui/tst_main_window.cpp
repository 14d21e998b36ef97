// MainWindow: title, menus, status-bar summary, and the banner with Retry when no daemon can be reached
// (a temporary home with no daemon and no nemoctl to start one, so nothing outside the test runs).
#include <QAccessible>
#include <QAction>
#include <QApplication>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>

#include "TestData.h"
#include "core/paths/Paths.h"
#include "ui/MainWindow.h"
#include "ui/common/AppIcon.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/firstrun/WelcomeDialog.h"
#include "ui/models/GpuTableModel.h"
#include "ui/settings/SettingsDialog.h"
#include "ui/submit/SubmitDialog.h"
#include "ui/widgets/ConnectionBanner.h"
#include "ui/widgets/ConnectionIndicator.h"
#include "ui/widgets/StartupProblemDialog.h"

using namespace Qt::StringLiterals;
using nd::ConnectionController;

class TestMainWindow : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() { QVERIFY(m_home.isValid()); }
    void titleAndMenus();
    void everyPageByNameAndShortcut();
    void everyControlHasAnAccessibleName();
    void statusBarSummary();
    void unreachableShowsBannerWithRetry();
    void aboutNamesVersions();
    void appIconLoads();

private:
    QTemporaryDir m_home;
};

void TestMainWindow::titleAndMenus() {
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    QCOMPARE(window.windowTitle(), u"NemoDesk"_s);
    QVERIFY(window.width() >= 1000);

    QAction *quit = nullptr;
    QAction *about = nullptr;
    const auto actions = window.findChildren<QAction *>();
    for (QAction *action : actions) {
        if (action->text() == u"&Quit"_s) {
            quit = action;
        } else if (action->text() == u"&About NemoDesk"_s) {
            about = action;
        }
    }
    QVERIFY(quit);
    QVERIFY(about);
    QCOMPARE(quit->shortcut(), QKeySequence(u"Ctrl+Q"_s));
    QCOMPARE(window.menuBar()->actions().size(), 3);  // File, View, Help
    QVERIFY(window.banner()->isHidden());
}

void TestMainWindow::everyPageByNameAndShortcut() {
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    const QStringList names = nd::MainWindow::pageNames();
    QCOMPARE(window.tabs()->count(), names.size());
    for (int i = 0; i < names.size(); ++i) {
        QVERIFY2(window.showPage(names.at(i)), qPrintable(names.at(i)));
        QCOMPARE(window.tabs()->currentIndex(), i);
        QCOMPARE(window.tabs()->currentWidget()->objectName(), names.at(i) + u"Page"_s);
    }
    QVERIFY(!window.showPage(u"nonsense"_s));

    // Ctrl+1 … Ctrl+N switch pages; Submit and Settings have their shortcuts.
    QStringList shortcuts;
    for (QAction *action : window.findChildren<QAction *>())
        if (!action->shortcut().isEmpty())
            shortcuts << action->shortcut().toString();
    for (int i = 1; i <= names.size(); ++i)
        QVERIFY2(shortcuts.contains(u"Ctrl+%1"_s.arg(i)), qPrintable(shortcuts.join(u", "_s)));
    QVERIFY(shortcuts.contains(u"Ctrl+N"_s));
    for (QAction *action : window.findChildren<QAction *>())
        if (action->shortcut() == QKeySequence(u"Ctrl+2"_s))
            action->trigger();
    QCOMPARE(window.tabs()->currentWidget()->objectName(), names.at(1) + u"Page"_s);
}

namespace {

// What a screen reader would announce for `widget`: its accessible name (explicit, from its text, or from
// a label whose buddy it is).
QString announcedName(QWidget *widget) {
    QAccessibleInterface *iface = QAccessible::queryAccessibleInterface(widget);
    return iface ? iface->text(QAccessible::Name).trimmed() : QString();
}

// Every control in `root` that takes keyboard focus, and has no name a screen reader could announce.
QStringList unnamedControls(QWidget *root) {
    QStringList unnamed;
    for (QWidget *widget : root->findChildren<QWidget *>()) {
        if (widget->focusPolicy() == Qt::NoFocus || widget->inherits("QScrollBar") ||
            widget->inherits("QTabBar"))
            continue;
        // Internal parts of composite widgets (a spin box's or combo box's line edit, a view's viewport)
        // are named by the composite.
        const QWidget *parent = widget->parentWidget();
        if (parent &&
            (parent->inherits("QAbstractSpinBox") || parent->inherits("QComboBox") ||
             parent->inherits("QComboBoxPrivateContainer") || parent->inherits("QAbstractScrollArea")))
            continue;
        // A selectable label announces its text; an empty one (not filled in yet) has nothing to say.
        if (const auto *label = qobject_cast<QLabel *>(widget); label && label->text().isEmpty())
            continue;
        if (announcedName(widget).isEmpty())
            unnamed << QStringLiteral("%1 '%2'").arg(QLatin1String(widget->metaObject()->className()),
                                                     widget->objectName());
    }
    return unnamed;
}

}  // namespace

void TestMainWindow::everyControlHasAnAccessibleName() {
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    window.show();
    QStringList unnamed = unnamedControls(&window);
    QVERIFY2(unnamed.isEmpty(), qPrintable(unnamed.join(u", "_s)));

    // The dialogs the window opens.
    nd::SubmitDialog submit(nullptr, m_home.filePath(u"templates"_s));
    nd::SettingsDialog settings(&controller, nullptr);
    nd::WelcomeDialog welcome(&model, &controller);
    nd::StartupProblemDialog problem(nd::StartupProblem{nd::StartupProblem::Kind::settings,
                                                        u"/x/settings.json"_s, u"line 2: unterminated"_s,
                                                        u"/x/settings.json.broken-20261127-120000"_s});
    for (QDialog *dialog : std::initializer_list<QDialog *>{&submit, &settings, &welcome, &problem}) {
        dialog->show();
        unnamed = unnamedControls(dialog);
        QVERIFY2(unnamed.isEmpty(), qPrintable(QLatin1String(dialog->metaObject()->className()) + u": "_s +
                                               unnamed.join(u", "_s)));
    }
}

void TestMainWindow::statusBarSummary() {
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    model.setInventory(nd::test::fakeInventory(2));
    QCOMPARE(window.gpuSummaryText(),
             u"GPU0 37% · 12/24 GiB (synthetic)    GPU1 37% · 12/24 GiB (synthetic)"_s);
    const qint64 t = 1'764'143'005'000;
    model.applyFrame(nd::test::frame(t, {nd::test::reading(0, t, 91, 20480), nd::test::reading(1, t, 0, 0)}));
    QCOMPARE(window.gpuSummaryText(),
             u"GPU0 91% · 20/24 GiB (synthetic)    GPU1 0% · 0/24 GiB (synthetic)"_s);

    model.setInventory(nd::test::noGpuInventory(u"no NVIDIA driver"_s));
    QCOMPARE(window.gpuSummaryText(), u"No GPU: CPU only"_s);
}

void TestMainWindow::unreachableShowsBannerWithRetry() {
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QSignalSpy states(&controller, &ConnectionController::stateChanged);

    controller.start();
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::unreachable, 15000);
    QVERIFY(window.banner()->isVisible());
    QVERIFY(window.banner()->text().contains(u"Cannot reach the NemoDesk daemon"_s));
    QVERIFY2(!controller.detail().isEmpty(), "the reason must be shown");
    QVERIFY(window.banner()->text().contains(controller.detail().mid(1, 30).toHtmlEscaped()));
    QCOMPARE(window.indicator()->text(), u"Daemon unreachable"_s);
    QVERIFY(window.banner()->retryButton()->isEnabled());

    // Retry goes through "connecting" again and, still without a daemon, ends unreachable again.
    const qsizetype before = states.size();
    QTest::mouseClick(window.banner()->retryButton(), Qt::LeftButton);
    QTRY_VERIFY_WITH_TIMEOUT(states.size() > before, 5000);
    QCOMPARE(states.at(before).at(0).value<ConnectionController::State>(),
             ConnectionController::State::connecting);
    QTRY_COMPARE_WITH_TIMEOUT(controller.state(), ConnectionController::State::unreachable, 15000);
    QVERIFY(window.banner()->isVisible());
}

void TestMainWindow::aboutNamesVersions() {
    QCoreApplication::setApplicationVersion(u"0.1.0"_s);
    nd::GpuTableModel model;
    ConnectionController controller(nd::Paths::underHome(m_home.path()), QString(), &model);
    nd::MainWindow window(&model, &controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QAction *about = nullptr;
    const auto actions = window.findChildren<QAction *>();
    for (QAction *action : actions) {
        if (action->text() == u"&About NemoDesk"_s) {
            about = action;
        }
    }
    QVERIFY(about);
    QString shown;
    // The box is modal: read and close it from the event loop it runs.
    QTimer::singleShot(0, this, [&shown] {
        if (auto *box = qobject_cast<QMessageBox *>(QApplication::activeModalWidget())) {
            shown = box->text();
            box->accept();
        }
    });
    about->trigger();
    QVERIFY2(shown.contains(u"NemoDesk 0.1.0"_s), qPrintable(shown));
    QVERIFY(shown.contains(u"Daemon version"_s));
    QVERIFY(shown.contains(u"not connected"_s));
}

void TestMainWindow::appIconLoads() {
    QVERIFY(QFile::exists(u":/icons/nemodesk.svg"_s));  // the resource library is linked in
    const QImage icon = nd::appIcon().pixmap(64, 64).toImage();
    QVERIFY(!icon.isNull());
    // The die's centre is dark and a pin is NVIDIA green, whichever way the icon was made.
    QVERIFY(icon.pixelColor(32, 13).lightness() < 80);
    QCOMPARE(icon.pixelColor(20, 6).green() > 150, true);
}

QTEST_MAIN(TestMainWindow)
#include "tst_main_window.moc"
