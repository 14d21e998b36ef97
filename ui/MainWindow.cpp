// Main window layout and wiring (see MainWindow.h).
#include "ui/MainWindow.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QHeaderView>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>

#include <algorithm>

#include "core/client/ApiClient.h"
#include "ui/common/Colors.h"
#include "ui/common/Formatting.h"
#include "ui/firstrun/WelcomeDialog.h"
#include "ui/history/HistoryView.h"
#include "ui/jobdetail/JobDetailView.h"
#include "ui/library/ModelsView.h"
#include "ui/models/GpuTableModel.h"
#include "ui/monitor/MonitorView.h"
#include "ui/playground/ChatPane.h"
#include "ui/playground/PlaygroundView.h"
#include "ui/queue/QueueView.h"
#include "ui/settings/SettingsDialog.h"
#include "ui/settings/WindowState.h"
#include "ui/submit/SubmitDialog.h"
#include "ui/submit/SubmitTemplates.h"
#include "ui/widgets/ConnectionBanner.h"
#include "ui/widgets/ConnectionIndicator.h"
#include "ui/widgets/GpuStatusPanel.h"
#include "ui/widgets/StartupProblemDialog.h"

using namespace Qt::StringLiterals;

namespace nd {

MainWindow::MainWindow(GpuTableModel *model, ConnectionController *controller, QWidget *parent)
    : QMainWindow(parent)
    , m_model(model)
    , m_controller(controller)
    , m_banner(new ConnectionBanner(this))
    , m_panel(new GpuStatusPanel(model, this))
    , m_table(new QTableView(this))
    , m_splitter(new QSplitter(Qt::Vertical, this))
    , m_tabs(new QTabWidget(this))
    , m_queue(new QueueView(controller, this))
    , m_history(new HistoryView(controller, this))
    , m_monitor(new MonitorView(controller, model, this))
    , m_models(new ModelsView(controller, model, this))
    , m_playground(
          new PlaygroundView(ConversationStore(ConversationStore::defaultDir(controller->paths())), this))
    , m_indicator(new ConnectionIndicator(this))
    , m_summary(new QLabel(this)) {
    setWindowTitle(u"NemoDesk"_s);
    resize(1200, 780);

    m_table->setObjectName(u"gpuTable"_s);
    m_table->setAccessibleName(tr("GPU readings"));
    m_table->setModel(m_model);
    m_table->setAlternatingRowColors(true);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setWordWrap(false);
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setSectionResizeMode(GpuTableModel::Columns::name, QHeaderView::Stretch);
    m_table->horizontalHeader()->setHighlightSections(false);
    m_table->setMinimumHeight(90);

    m_splitter->addWidget(m_panel);
    m_splitter->addWidget(m_table);
    m_splitter->setStretchFactor(0, 4);
    m_splitter->setStretchFactor(1, 1);
    m_splitter->setChildrenCollapsible(false);
    m_splitter->setSizes({560, 150});

    auto *central = new QWidget(this);
    auto *layout = new QVBoxLayout(central);
    layout->setContentsMargins(16, 12, 16, 8);
    layout->setSpacing(10);
    layout->addWidget(m_banner);
    m_tabs->setObjectName(u"mainTabs"_s);
    m_tabs->setAccessibleName(tr("Pages"));
    // The pages; showPage() finds them by "<name>Page".
    m_splitter->setObjectName(u"gpusPage"_s);
    m_queue->setObjectName(u"queuePage"_s);
    m_history->setObjectName(u"historyPage"_s);
    m_monitor->setObjectName(u"monitorPage"_s);
    m_models->setObjectName(u"modelsPage"_s);
    m_playground->setObjectName(u"playgroundPage"_s);
    m_tabs->addTab(m_splitter, tr("&GPUs"));
    m_tabs->addTab(m_queue, tr("&Queue"));
    m_tabs->addTab(m_history, tr("&History"));
    m_tabs->addTab(m_monitor, tr("&Monitor"));
    m_tabs->addTab(m_models, tr("Mo&dels"));
    m_tabs->addTab(m_playground, tr("&Playground"));
    layout->addWidget(m_tabs, 1);
    setCentralWidget(central);

    statusBar()->addWidget(m_indicator);
    statusBar()->addPermanentWidget(m_summary);
    m_summary->setContentsMargins(6, 0, 6, 0);
    createMenus();

    connect(m_banner, &ConnectionBanner::retryRequested, m_controller, &ConnectionController::retry);
    connect(m_queue, &QueueView::jobActivated, this, &MainWindow::showJobDetail);
    connect(m_history, &HistoryView::jobActivated, this, &MainWindow::showJobDetail);
    connect(m_models, &ModelsView::chatRequested, this, &MainWindow::chatWith);
    connect(m_controller, &ConnectionController::stateChanged, this, &MainWindow::onConnectionState);
    connect(m_controller, &ConnectionController::startupProblem, this, &MainWindow::askToStartFresh);
    connect(m_controller, &ConnectionController::daemonNotices, this, &MainWindow::showDaemonNotices);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateSummary);
    connect(m_model, &QAbstractItemModel::modelReset, this, &MainWindow::updateTableVisibility);
    connect(m_model, &QAbstractItemModel::dataChanged, this, &MainWindow::updateSummary);
    connect(m_model, &GpuTableModel::inventoryChanged, this, &MainWindow::updateTableVisibility);
    connect(m_model, &GpuTableModel::freshnessChanged, this, &MainWindow::updateSummary);

    onConnectionState(m_controller->state(), m_controller->detail());
    updateSummary();
    updateTableVisibility();
}

QStringList MainWindow::pageNames() {
    return {u"gpus"_s, u"queue"_s, u"history"_s, u"monitor"_s, u"models"_s, u"playground"_s};
}

void MainWindow::setGuiSettings(QSettings *gui) {
    m_gui = gui;
    if (m_gui)
        WindowState::restore(*m_gui, this);
}

void MainWindow::closeEvent(QCloseEvent *event) {
    if (m_gui)
        WindowState::save(*m_gui, this);
    QMainWindow::closeEvent(event);
}

void MainWindow::showSubmit(const QJsonObject &spec) {
    if (m_controller->state() != ConnectionController::State::connected) {
        statusBar()->showMessage(tr("Not connected to the daemon: jobs can be submitted once it answers."),
                                 5000);
        return;
    }
    // One client per dialog, so it talks to the daemon that is current when it opens.
    auto *api = new ApiClient(m_controller->endpoint());
    auto *dialog = new SubmitDialog(api, SubmitTemplates::dirIn(m_controller->paths().configDir()), this);
    api->setParent(dialog);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    if (!spec.isEmpty()) {
        dialog->setWindowTitle(tr("Submit again with changes"));
        dialog->setFromSpec(spec);
    }
    connect(dialog, &SubmitDialog::submitted, this, [this](const QList<qint64> &ids) {
        QStringList names;
        for (qint64 id : ids.mid(0, 5))
            names << QString::number(id);
        statusBar()->showMessage(ids.size() == 1
                                     ? tr("Submitted job %1").arg(names.value(0))
                                     : tr("Submitted %1 jobs (%2%3)")
                                           .arg(ids.size())
                                           .arg(names.join(u", "_s), ids.size() > 5 ? u", …"_s : QString()),
                                 8000);
        showPage(u"queue"_s);
    });
    dialog->open();
}

void MainWindow::showJobDetail(qint64 jobId) {
    auto *detail = new JobDetailView(m_controller, m_model, jobId, this);
    detail->setWindowFlag(Qt::Window);  // a window of its own: several can be open beside the desk
    detail->setAttribute(Qt::WA_DeleteOnClose);
    connect(detail, &JobDetailView::submitAgainRequested, this,
            [this](const QJsonObject &spec) { showSubmit(spec); });
    detail->resize(1000, 760);
    detail->show();
}

void MainWindow::chatWith(const QString &model) {
    m_playground->newConversation();
    m_playground->pane(0)->setCurrentModel(model);
    showPage(u"playground"_s);
}

void MainWindow::showSettings() {
    auto *dialog = new SettingsDialog(m_controller, m_gui, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &SettingsDialog::showModelsRequested, this, [this] { showPage(u"models"_s); });
    dialog->open();
}

bool MainWindow::showPage(const QString &name) {
    QWidget *page = m_tabs->findChild<QWidget *>(name.toLower() + u"Page"_s);
    const int index = page ? m_tabs->indexOf(page) : -1;
    if (index < 0)
        return false;
    m_tabs->setCurrentIndex(index);
    return true;
}

void MainWindow::askToStartFresh(const StartupProblem &problem) {
    // The daemon refused a settings file or database it cannot use and moved nothing: the user decides.
    auto *dialog = new StartupProblemDialog(problem, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &QDialog::accepted, m_controller, &ConnectionController::startFresh);
    connect(dialog, &QDialog::rejected, qApp, &QCoreApplication::quit, Qt::QueuedConnection);
    dialog->open();
}

void MainWindow::showDaemonNotices(const QStringList &notices) {
    auto *box = new QMessageBox(QMessageBox::Information, tr("NemoDesk"),
                                tr("The daemon noted this when it started:"), QMessageBox::Ok, this);
    box->setObjectName(u"daemonNotices"_s);
    box->setInformativeText(notices.join(u"\n\n"_s));
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::showWelcome() {
    auto *dialog = new WelcomeDialog(m_model, m_controller, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    dialog->open();  // window-modal, returns at once; it fills in as the daemon answers
}

void MainWindow::createMenus() {
    QMenu *file = menuBar()->addMenu(tr("&File"));
    QAction *submit = file->addAction(tr("&Submit job…"));
    submit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_N));
    submit->setStatusTip(tr("Queue a command, a script, batch inference, a benchmark or a model server"));
    connect(submit, &QAction::triggered, this, [this] { showSubmit(); });
    QAction *settings = file->addAction(tr("S&ettings…"));
    settings->setShortcut(QKeySequence::Preferences);
    settings->setMenuRole(QAction::PreferencesRole);
    connect(settings, &QAction::triggered, this, &MainWindow::showSettings);
    file->addSeparator();
    QAction *quit = file->addAction(tr("&Quit"));
    quit->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Q));
    quit->setMenuRole(QAction::QuitRole);
    quit->setStatusTip(tr("Close NemoDesk (the daemon and its jobs keep running)"));
    connect(quit, &QAction::triggered, this, &QWidget::close);

    // Ctrl+1 … Ctrl+6: the pages in tab order.
    QMenu *view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        QAction *page = view->addAction(m_tabs->tabText(i));
        page->setShortcut(QKeySequence(Qt::CTRL | Qt::Key(Qt::Key_1 + i)));
        connect(page, &QAction::triggered, this, [this, i] { m_tabs->setCurrentIndex(i); });
    }

    QMenu *help = menuBar()->addMenu(tr("&Help"));
    QAction *welcome = help->addAction(tr("&Welcome…"));
    welcome->setStatusTip(tr("GPUs found, a models folder, and what each view is for"));
    connect(welcome, &QAction::triggered, this, &MainWindow::showWelcome);
    QAction *about = help->addAction(tr("&About NemoDesk"));
    about->setMenuRole(QAction::AboutRole);
    connect(about, &QAction::triggered, this, &MainWindow::showAbout);
    QAction *aboutQt = help->addAction(tr("About &Qt"));
    aboutQt->setMenuRole(QAction::AboutQtRole);
    connect(aboutQt, &QAction::triggered, this, [this] { QMessageBox::aboutQt(this); });
}

void MainWindow::onConnectionState(ConnectionController::State state, const QString &rawDetail) {
    using State = ConnectionController::State;
    const QString detail = fmt::sentence(rawDetail);
    const QString url = m_controller->apiUrl().toString();
    switch (state) {
        case State::idle:
            m_indicator->setStatus(colors::host(), tr("Not connected"), detail);
            m_banner->hide();
            break;
        case State::connecting:
            m_indicator->setStatus(colors::pending(), tr("Connecting…"), detail);
            break;
        case State::startingDaemon:
            m_indicator->setStatus(colors::pending(), tr("Starting the daemon…"), detail);
            break;
        case State::loading:
            m_indicator->setStatus(colors::pending(), tr("Loading from %1…").arg(url), detail);
            break;
        case State::connected:
            m_playground->setEndpoint(m_controller->endpoint());
            m_indicator->setStatus(
                colors::ok(), tr("Connected to %1").arg(url),
                tr("Daemon %1, pid %2").arg(m_controller->daemonVersion()).arg(m_controller->daemonPid()));
            m_banner->hide();
            break;
        case State::reconnecting:
            m_indicator->setStatus(colors::pending(), tr("Reconnecting to %1…").arg(url), detail);
            m_banner->showMessage(ConnectionBanner::Severity::warning,
                                  tr("Connection to the daemon lost: reconnecting…"), detail);
            break;
        case State::unreachable:
            m_indicator->setStatus(colors::problem(), tr("Daemon unreachable"), detail);
            m_banner->showMessage(ConnectionBanner::Severity::error, tr("Cannot reach the NemoDesk daemon"),
                                  detail);
            break;
    }
}

void MainWindow::updateSummary() {
    QStringList parts;
    for (const GpuDevice &gpu : m_model->gpus()) {
        parts << fmt::gpuSummary(gpu);
    }
    if (parts.isEmpty() && m_model->hasInventory()) {
        parts << tr("No GPU: CPU only");
    }
    m_summary->setText(parts.join(u"    "_s));
    m_summary->setEnabled(m_model->freshness() == GpuTableModel::Freshness::live);
    m_summary->setToolTip(m_model->freshness() == GpuTableModel::Freshness::live
                              ? tr("Latest reading of each GPU")
                              : tr("Stale: the last values received before the connection dropped"));
}

void MainWindow::updateTableVisibility() {
    // With no GPU the panel explains why; an empty table under it would only add noise.
    const bool show = !m_model->hasInventory() || m_model->rowCount() > 0;
    m_table->setVisible(show);
    if (!show || m_model->rowCount() == 0) {
        return;
    }
    // Give the table the height of its rows (up to eight) and the chart the rest; the splitter still
    // lets the user choose otherwise.
    const int rows = std::min(m_model->rowCount(), 8);
    const int wanted = m_table->horizontalHeader()->sizeHint().height() +
                       rows * m_table->verticalHeader()->defaultSectionSize() + 2 * m_table->frameWidth() + 4;
    const QList<int> sizes = m_splitter->sizes();
    int total = 0;
    for (int size : sizes) {
        total += size;
    }
    if (total <= wanted) {
        total = 710;  // not laid out yet: the default window's share
    }
    m_splitter->setSizes({total - wanted, wanted});
}

QString MainWindow::gpuSummaryText() const {
    return m_summary->text();
}

void MainWindow::showAbout() {
    const QString daemonVersion =
        m_controller->daemonVersion().isEmpty() ? tr("not connected") : m_controller->daemonVersion();
    const QString url =
        m_controller->apiUrl().isEmpty() ? tr("not connected") : m_controller->apiUrl().toString();
    QMessageBox::about(
        this, tr("About NemoDesk"),
        tr("<h3>NemoDesk %1</h3>"
           "<p>A desk for AI work on your own NVIDIA GPUs: a personal job queue, Nemotron inference on CUDA "
           "and live GPU monitoring.</p>"
           "<table>"
           "<tr><td>Daemon version:&nbsp;</td><td>%2</td></tr>"
           "<tr><td>API:&nbsp;</td><td>%3</td></tr>"
           "<tr><td>Telemetry:&nbsp;</td><td>%4</td></tr>"
           "<tr><td>Qt:&nbsp;</td><td>%5</td></tr>"
           "</table>")
            .arg(QApplication::applicationVersion().toHtmlEscaped(), daemonVersion.toHtmlEscaped(),
                 url.toHtmlEscaped(),
                 (m_model->source().isEmpty() ? tr("unknown") : m_model->source()).toHtmlEscaped(),
                 QString::fromLatin1(qVersion())));
}

}  // namespace nd
