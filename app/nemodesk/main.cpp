// nemodesk: the NemoDesk GUI. Composition root: reads the paths, finds nemoctl, builds the GPU model, the
// connection controller and the main window, and starts connecting (which starts the daemon when none
// runs). No logic lives here.
#include <QApplication>
#include <QDir>
#include <QFileInfo>
#include <QSettings>
#include <QStandardPaths>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/paths/Paths.h"
#include "ui/MainWindow.h"
#include "ui/common/AppIcon.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/firstrun/WelcomeDialog.h"
#include "ui/models/GpuTableModel.h"
#include "ui/tray/TrayController.h"

using namespace Qt::StringLiterals;

namespace {

// The nemoctl shipped next to this executable (build tree and installs keep them together); otherwise
// the first one on PATH. Empty when there is none: the GUI then connects only to a running daemon.
QString findNemoctl() {
    const QString sibling = QDir(QCoreApplication::applicationDirPath()).filePath(u"nemoctl"_s);
    const QFileInfo info(sibling);
    if (info.isFile() && info.isExecutable()) {
        return info.absoluteFilePath();
    }
    return QStandardPaths::findExecutable(u"nemoctl"_s);
}

}  // namespace

int main(int argc, char *argv[]) {
    // Answered before QApplication exists, so that it works without a display.
    QString page;
    qint64 job = 0;
    bool submit = false;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--page") == 0 && i + 1 < argc) {
            page = QString::fromLocal8Bit(argv[++i]);
            continue;
        }
        if (std::strcmp(argv[i], "--job") == 0 && i + 1 < argc) {
            char *end = nullptr;
            job = std::strtoll(argv[++i], &end, 10);
            if (job <= 0 || *end != '\0') {
                std::fprintf(stderr, "nemodesk: --job takes a job id (a positive number), not '%s'\n",
                             argv[i]);
                return 2;
            }
            continue;
        }
        if (std::strcmp(argv[i], "--submit") == 0) {
            submit = true;
            continue;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("nemodesk %s\n", NEMODESK_VERSION);
            return 0;
        }
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::printf(
                "Usage: nemodesk [--page NAME] [--job ID] [--submit] [--version]\n"
                "The NemoDesk desktop: GPUs, the job queue and its history, charts, models and the\n"
                "Playground. Starts the daemon (nemoctl daemon) when none is running. On the first start\n"
                "a welcome screen says which GPUs were found and offers to add a models folder\n"
                "(Help > Welcome shows it again).\n\n"
                "Options:\n"
                "  --page NAME                open on that page: gpus, queue, history, monitor, models,\n"
                "                             playground\n"
                "  --job ID                   also open that job's detail window\n"
                "  --submit                   also open the Submit dialog once the daemon answers\n"
                "  --version                  print the version\n\n"
                "Environment:\n"
                "  NEMODESK_HOME=<dir>        keep settings, data and runtime files under <dir>\n"
                "  NEMODESK_FAKE_GPUS=2x24576 a daemon started from here shows synthetic GPUs\n");
            return 0;
        }
    }

    QApplication app(argc, argv);
    QApplication::setApplicationName(u"nemodesk"_s);
    QApplication::setApplicationDisplayName(u"NemoDesk"_s);
    QApplication::setOrganizationName(u"NemoDesk"_s);
    QApplication::setOrganizationDomain(u"nemodesk.org"_s);
    QApplication::setApplicationVersion(QString::fromLatin1(NEMODESK_VERSION));
    QApplication::setDesktopFileName(u"org.nemodesk.NemoDesk"_s);  // the .desktop file installer/ installs
    QApplication::setWindowIcon(nd::appIcon());

    nd::GpuTableModel model;
    const nd::Paths paths = nd::Paths::fromEnvironment();
    // The GUI's own state lives with the daemon's settings, so NEMODESK_HOME relocates it too.
    QSettings settings(QDir(paths.configDir()).filePath(u"gui.ini"_s), QSettings::IniFormat);
    nd::ConnectionController controller(paths, findNemoctl(), &model);
    nd::MainWindow window(&model, &controller);
    window.setGuiSettings(&settings);  // the layout of the last session
    if (!page.isEmpty() && !window.showPage(page)) {
        std::fprintf(stderr, "nemodesk: there is no page '%s'; the pages are: %s\n", qPrintable(page),
                     qPrintable(nd::MainWindow::pageNames().join(u", "_s)));
        return 2;
    }
    // Counts in the tray and a notification when a job ends (where the desktop has a tray).
    nd::TrayController tray(&controller, &settings);
    QObject::connect(&tray, &nd::TrayController::showWindowRequested, &window, [&window] {
        window.showNormal();
        window.raise();
        window.activateWindow();
    });
    QObject::connect(&tray, &nd::TrayController::quitRequested, &app, &QApplication::quit);
    window.show();
    if (job > 0)
        window.showJobDetail(job);  // it loads the job once the daemon answers
    if (submit) {
        // The dialog needs the daemon (GPUs, queue, preview): opened at the first connection.
        auto once = std::make_shared<QMetaObject::Connection>();
        *once = QObject::connect(&controller, &nd::ConnectionController::stateChanged, &window,
                                 [&window, once](nd::ConnectionController::State state, const QString &) {
                                     if (state != nd::ConnectionController::State::connected)
                                         return;
                                     QObject::disconnect(*once);
                                     window.showSubmit();
                                 });
    }
    controller.start();
    // First run: one screen on what was found and what each view is for. Marked at once, so a crash or a
    // kill while it is open does not bring it back on every start.
    if (nd::WelcomeDialog::shouldShow(settings)) {
        nd::WelcomeDialog::markShown(settings);
        window.showWelcome();
    }
    return QApplication::exec();
}
