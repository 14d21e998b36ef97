// The Models tab (see ModelsView.h).
#include "ui/library/ModelsView.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QItemSelectionModel>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSortFilterProxyModel>
#include <QSplitter>
#include <QTableView>
#include <QTimer>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"
#include "ui/common/Colors.h"
#include "ui/common/Labels.h"
#include "ui/firstrun/FirstRunText.h"
#include "ui/library/LibraryRequests.h"
#include "ui/library/ModelDetails.h"
#include "ui/library/ModelLibraryModel.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

// Removing a folder waits for the daemon to drop its models from the list.
constexpr int kFolderTimeoutMs = 15000;

constexpr int kFolderPathRole = Qt::UserRole + 1;
constexpr int kFolderSourceRole = Qt::UserRole + 2;

QString defaultFolderChooser(QWidget *parent) {
    return QFileDialog::getExistingDirectory(parent, ModelsView::tr("Add a models folder"), QDir::homePath());
}

QString defaultInputChooser(QWidget *parent) {
    return QFileDialog::getOpenFileName(parent, ModelsView::tr("Prompts for the batch (JSONL)"),
                                        QDir::homePath(),
                                        ModelsView::tr("JSON Lines (*.jsonl);;All files (*)"));
}

QString defaultOutputChooser(QWidget *parent, const QString &suggested) {
    return QFileDialog::getSaveFileName(parent, ModelsView::tr("Write the answers to"), suggested,
                                        ModelsView::tr("JSON Lines (*.jsonl);;All files (*)"));
}

QPushButton *button(const QString &text, const QString &objectName, const QString &accessibleName,
                    const QString &toolTip, QWidget *parent) {
    auto *b = new QPushButton(text, parent);
    b->setObjectName(objectName);
    b->setAccessibleName(accessibleName);
    b->setToolTip(toolTip);
    b->setAutoDefault(false);
    return b;
}

// A result line: readable text, hidden until there is something to say.
QLabel *resultLabel(const QString &objectName, const QString &accessibleName, QWidget *parent) {
    QLabel *label = readableText(objectName, accessibleName, parent);
    label->hide();
    return label;
}

}  // namespace

ModelsView::ModelsView(ConnectionController *connection, GpuTableModel *gpus, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_gpus(gpus)
    , m_model(new ModelLibraryModel(this))
    , m_proxy(new QSortFilterProxyModel(this))
    , m_folderChooser(defaultFolderChooser)
    , m_inputChooser(defaultInputChooser)
    , m_outputChooser(defaultOutputChooser)
    , m_folders(new QListWidget(this))
    , m_addFolder(button(tr("&Add…"), u"addModelFolder"_s, tr("Add a models folder"),
                         tr("Choose a folder with GGUF models; the files stay where they are"), this))
    , m_removeFolder(button(tr("&Remove"), u"removeModelFolder"_s, tr("Remove the selected models folder"),
                            tr("Stop listing the selected folder's models (the files are not touched)"),
                            this))
    , m_rescan(button(tr("Re&scan"), u"rescanModelFolders"_s, tr("Rescan the models folders"),
                      tr("Look for new, changed and removed files now"), this))
    , m_scanLabel(new QLabel(tr("Scanning the folders…"), this))
    , m_scanBar(new QProgressBar(this))
    , m_folderResult(resultLabel(u"folderResult"_s, tr("Result of the folder action"), this))
    , m_filter(new QLineEdit(this))
    , m_table(new QTableView(this))
    , m_details(new QPlainTextEdit(this))
    , m_benchmark(button(tr("&Benchmark"), u"benchmarkModel"_s, tr("Benchmark the selected model"),
                         tr("Queue a job that measures prompt and decode speed"), this))
    , m_batch(button(tr("Ba&tch…"), u"batchModel"_s, tr("Run a batch of prompts through the selected model"),
                     tr("Choose a JSONL file of prompts and where the answers go; runs as a job"), this))
    , m_chat(button(tr("&Chat"), u"chatModel"_s, tr("Chat with the selected model"),
                    tr("Open the Playground with this model"), this))
    , m_actionResult(resultLabel(u"actionResult"_s, tr("Result of the model action"), this))
    , m_scanPoll(new QTimer(this)) {
    m_folders->setObjectName(u"modelFolders"_s);
    m_folders->setAccessibleName(tr("Model folders"));
    m_folders->setMaximumHeight(110);
    m_scanLabel->setObjectName(u"scanning"_s);
    m_scanLabel->setAccessibleName(tr("Scan state"));
    m_scanBar->setRange(0, 0);  // busy: a scan has no known length
    m_scanBar->setMaximumWidth(120);
    m_scanBar->setAccessibleName(tr("Scanning the model folders"));
    m_scanBar->setTextVisible(false);
    m_scanLabel->hide();
    m_scanBar->hide();

    m_proxy->setSourceModel(m_model);
    m_proxy->setSortRole(ModelLibraryModel::SortRole);
    m_proxy->setFilterCaseSensitivity(Qt::CaseInsensitive);
    m_proxy->setFilterKeyColumn(-1);
    m_filter->setObjectName(u"modelFilter"_s);
    m_filter->setAccessibleName(tr("Filter models"));
    m_filter->setPlaceholderText(tr("Filter by name, architecture, type…"));
    m_filter->setClearButtonEnabled(true);
    m_table->setObjectName(u"modelTable"_s);
    m_table->setAccessibleName(tr("Models"));
    m_table->setModel(m_proxy);
    m_table->setSortingEnabled(true);
    m_table->sortByColumn(ModelLibraryModel::Columns::name, Qt::AscendingOrder);
    m_table->setSelectionBehavior(QAbstractItemView::SelectRows);
    m_table->setSelectionMode(QAbstractItemView::SingleSelection);
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setTabKeyNavigation(false);  // Tab leaves the table for the details and actions
    m_table->verticalHeader()->hide();
    m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    m_table->horizontalHeader()->setStretchLastSection(true);
    m_details->setObjectName(u"modelDetails"_s);
    m_details->setAccessibleName(tr("Model details"));
    m_details->setReadOnly(true);
    m_details->setTabChangesFocus(true);
    m_details->setPlaceholderText(tr("Select a model to see its facts."));

    auto *folderButtons = new QVBoxLayout;
    folderButtons->addWidget(m_addFolder);
    folderButtons->addWidget(m_removeFolder);
    folderButtons->addWidget(m_rescan);
    folderButtons->addStretch(1);
    auto *folderRow = new QHBoxLayout;
    folderRow->addWidget(m_folders, 1);
    folderRow->addLayout(folderButtons);
    auto *scanRow = new QHBoxLayout;
    scanRow->addWidget(m_scanLabel);
    scanRow->addWidget(m_scanBar);
    scanRow->addStretch(1);
    auto *foldersTitle = new QLabel(tr("Model &folders"), this);
    foldersTitle->setBuddy(m_folders);
    auto *filterLabel = new QLabel(tr("F&ilter:"), this);
    filterLabel->setBuddy(m_filter);
    auto *filterRow = new QHBoxLayout;
    filterRow->addWidget(filterLabel);
    filterRow->addWidget(m_filter, 1);

    auto *actions = new QHBoxLayout;
    actions->addWidget(m_benchmark);
    actions->addWidget(m_batch);
    actions->addWidget(m_chat);
    actions->addStretch(1);
    auto *detailsPane = new QWidget(this);
    auto *detailsLayout = new QVBoxLayout(detailsPane);
    detailsLayout->setContentsMargins(0, 0, 0, 0);
    detailsLayout->addWidget(m_details, 1);
    detailsLayout->addLayout(actions);
    detailsLayout->addWidget(m_actionResult);
    auto *splitter = new QSplitter(Qt::Horizontal, this);
    splitter->setObjectName(u"modelsSplitter"_s);
    splitter->addWidget(m_table);
    splitter->addWidget(detailsPane);
    splitter->setStretchFactor(0, 3);
    splitter->setStretchFactor(1, 2);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(foldersTitle);
    layout->addLayout(folderRow);
    layout->addLayout(scanRow);
    layout->addWidget(m_folderResult);
    layout->addLayout(filterRow);
    layout->addWidget(splitter, 1);
    const QList<QWidget *> tabOrder{m_folders, m_addFolder, m_removeFolder, m_rescan, m_filter,
                                    m_table,   m_details,   m_benchmark,    m_batch,  m_chat};
    for (qsizetype i = 1; i < tabOrder.size(); ++i) {
        setTabOrder(tabOrder.at(i - 1), tabOrder.at(i));
    }

    m_scanPoll->setInterval(1000);
    connect(m_scanPoll, &QTimer::timeout, this, &ModelsView::loadModels);
    connect(m_addFolder, &QPushButton::clicked, this, &ModelsView::chooseAndAddFolder);
    connect(m_removeFolder, &QPushButton::clicked, this, &ModelsView::removeSelectedFolder);
    connect(m_rescan, &QPushButton::clicked, this, &ModelsView::rescan);
    connect(m_benchmark, &QPushButton::clicked, this, &ModelsView::benchmarkSelected);
    connect(m_batch, &QPushButton::clicked, this, &ModelsView::batchSelected);
    connect(m_chat, &QPushButton::clicked, this, &ModelsView::chatSelected);
    connect(m_folders, &QListWidget::currentRowChanged, this, &ModelsView::updateEnabled);
    connect(m_filter, &QLineEdit::textChanged, m_proxy, &QSortFilterProxyModel::setFilterFixedString);
    connect(m_table->selectionModel(), &QItemSelectionModel::selectionChanged, this, [this] {
        updateDetails();
        updateEnabled();
    });
    // The selected row's facts may change under it (a reload merges in place) or it may go away.
    connect(m_model, &QAbstractItemModel::dataChanged, this, &ModelsView::updateDetails);
    connect(m_model, &QAbstractItemModel::rowsRemoved, this, [this] {
        updateDetails();
        updateEnabled();
    });
    connect(m_gpus, &GpuTableModel::inventoryChanged, this, &ModelsView::updateGpus);
    connect(m_connection, &ConnectionController::stateChanged, this,
            [this](ConnectionController::State state) { onConnectionState(state); });
    connect(m_connection, &ConnectionController::daemonEvent, this, &ModelsView::onDaemonEvent);
    updateGpus();
    onConnectionState(m_connection->state());
}

ModelsView::~ModelsView() = default;

void ModelsView::setBatchChoosers(InputChooser input, OutputChooser output) {
    m_inputChooser = std::move(input);
    m_outputChooser = std::move(output);
}

void ModelsView::setScanPollMs(int ms) {
    m_scanPoll->setInterval(ms);
}

QString ModelsView::detailsText() const {
    return m_details->toPlainText();
}

QString ModelsView::folderResultText() const {
    return m_folderResult->isHidden() ? QString() : m_folderResult->text();
}

QString ModelsView::actionResultText() const {
    return m_actionResult->isHidden() ? QString() : m_actionResult->text();
}

QString ModelsView::selectedPath() const {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    return rows.isEmpty() ? QString() : rows.first().data(ModelLibraryModel::PathRole).toString();
}

bool ModelsView::selectModel(const QString &path) {
    const int row = m_model->rowOfPath(path);
    if (row < 0) {
        return false;
    }
    const QModelIndex index = m_proxy->mapFromSource(m_model->index(row, 0));
    if (!index.isValid()) {
        return false;  // filtered out
    }
    m_table->selectionModel()->setCurrentIndex(
        index, QItemSelectionModel::ClearAndSelect | QItemSelectionModel::Rows);
    return true;
}

void ModelsView::onConnectionState(ConnectionController::State state) {
    using State = ConnectionController::State;
    if (state == State::connected) {
        // A new daemon (another address or token): a new client, and answers of the old one dropped.
        if (ApiClient *api = ApiClient::forEndpoint(m_api, m_connection->endpoint(), this); api != m_api) {
            ++m_generation;
            m_api = api;
            m_modelsInFlight = false;
            m_folderBusy = false;
        }
        reload();  // also after a reconnect: events may have been missed
    } else if (state == State::unreachable || state == State::idle) {
        ++m_generation;
        if (m_api) {
            m_api->deleteLater();
            m_api = nullptr;
        }
        m_modelsInFlight = false;
        m_folderBusy = false;
        setScanning(false);
    }
    if (!m_api) {
        // The last list stays in the table (greyed out actions say it cannot be acted on); the folder
        // list says why it is empty.
        m_folders->clear();
        auto *item = new QListWidgetItem(state == State::unreachable || state == State::idle
                                             ? tr("Model folders show once the daemon is connected.")
                                             : tr("Connecting to the daemon…"),
                                         m_folders);
        item->setFlags(Qt::NoItemFlags);
    }
    updateEnabled();
}

void ModelsView::onDaemonEvent(const QString &type, const QJsonObject &event) {
    if (type == u"models.changed"_s) {
        setScanning(event.value(u"scanning"_s).toBool());
        loadModels();
    } else if (type == u"benchmarks.added"_s) {
        loadBenchmarks();
    } else if (type == u"resync"_s) {
        reload();
    }
}

void ModelsView::reload() {
    loadModels();
    loadBenchmarks();
}

void ModelsView::loadModels() {
    if (!m_api) {
        return;
    }
    if (m_modelsInFlight) {
        m_modelsAgain = true;  // the answer in flight may predate the change: ask once more after it
        return;
    }
    m_modelsInFlight = true;
    const quint64 generation = m_generation;
    m_api->getJson(u"/api/models"_s, this, [this, generation](const Result<QJsonDocument> &reply) {
        if (generation != m_generation) {
            return;
        }
        m_modelsInFlight = false;
        if (!reply.ok()) {
            showOutcome(
                m_folderResult, Outcome::problem,
                tr("Could not read the model list: %1.").arg(FirstRunText::daemonMessage(reply.error())));
        } else {
            showLibrary(reply.value().object());
        }
        if (m_modelsAgain) {
            m_modelsAgain = false;
            loadModels();
        }
    });
}

void ModelsView::loadBenchmarks() {
    if (!m_api) {
        return;
    }
    const quint64 generation = m_generation;
    m_api->getJson(u"/api/benchmarks?limit=1000"_s, this,
                   [this, generation](const Result<QJsonDocument> &reply) {
                       if (generation != m_generation) {
                           return;
                       }
                       // Without results the column stays "—"; the daemon's reason is not worth a banner
                       // here.
                       if (reply.ok()) {
                           m_model->setBenchmarks(reply.value().object().value(u"benchmarks"_s).toArray());
                           updateDetails();
                       }
                   });
}

void ModelsView::showLibrary(const QJsonObject &library) {
    const QString current =
        m_folders->currentItem() ? m_folders->currentItem()->data(kFolderPathRole).toString() : QString();
    m_folders->clear();
    for (const auto &value : library.value(u"folders"_s).toArray()) {
        const QJsonObject folder = value.toObject();
        const QString path = folder.value(u"path"_s).toString();
        const QString source = folder.value(u"source"_s).toString();
        QString text = path;
        if (source == u"settings"_s) {
            text += tr(" (from settings.json)");
        }
        if (!folder.value(u"exists"_s).toBool(true)) {
            text += tr(" (missing)");
        }
        auto *item = new QListWidgetItem(text, m_folders);
        item->setData(kFolderPathRole, path);
        item->setData(kFolderSourceRole, source);
        if (source == u"settings"_s) {
            item->setToolTip(tr("Listed in settings.json: remove it there"));
        }
        if (path == current) {
            m_folders->setCurrentItem(item);
        }
    }
    if (m_folders->count() == 0) {
        auto *item = new QListWidgetItem(
            tr("No model folder yet: Add… the folder that holds your .gguf files."), m_folders);
        item->setFlags(Qt::NoItemFlags);
    }
    m_model->setModels(library.value(u"models"_s).toArray());
    setScanning(library.value(u"scanning"_s).toBool());
    updateEnabled();
}

void ModelsView::setScanning(bool scanning) {
    m_scanning = scanning;
    m_scanLabel->setVisible(scanning);
    m_scanBar->setVisible(scanning);
    if (scanning && m_api) {
        m_scanPoll->start();
    } else {
        m_scanPoll->stop();
    }
}

void ModelsView::chooseAndAddFolder() {
    const QString path = m_folderChooser ? m_folderChooser(this) : QString();
    if (!path.isEmpty()) {
        addFolder(path);
    }
}

void ModelsView::addFolder(const QString &path) {
    if (!m_api || m_folderBusy) {
        return;
    }
    changeFolder(FolderChange::add, QDir::cleanPath(path));
}

void ModelsView::removeSelectedFolder() {
    QListWidgetItem *item = m_folders->currentItem();
    if (!m_api || m_folderBusy || !item || item->data(kFolderPathRole).toString().isEmpty()) {
        return;
    }
    changeFolder(FolderChange::remove, item->data(kFolderPathRole).toString());
}

void ModelsView::changeFolder(FolderChange change, const QString &folder) {
    const bool adding = change == FolderChange::add;
    m_folderBusy = true;
    updateEnabled();
    showOutcome(m_folderResult, Outcome::progress,
                adding ? tr("Adding %1…").arg(folder) : tr("Removing %1…").arg(folder));
    const quint64 generation = m_generation;
    auto done = [this, generation, folder, adding](const Result<QJsonDocument> &reply) {
        if (generation != m_generation) {
            return;
        }
        m_folderBusy = false;
        if (!reply.ok()) {
            const QString why = FirstRunText::daemonMessage(reply.error());
            showOutcome(m_folderResult, Outcome::problem,
                        adding ? tr("Could not add %1: %2.").arg(folder, why)
                               : tr("Could not remove %1: %2.").arg(folder, why));
        } else {
            showOutcome(m_folderResult, Outcome::success,
                        adding ? tr("Added %1: its models appear as the scan finds them.").arg(folder)
                               : tr("Removed %1 from the library; its files are untouched.").arg(folder));
            showLibrary(reply.value().object());
        }
        updateEnabled();
    };
    // POST adds, DELETE removes; either answers GET /api/models's object, or the daemon's reason.
    const QString path = u"/api/models/folders"_s;
    const QJsonDocument body(QJsonObject{{u"path"_s, folder}});
    if (adding)
        m_api->postJson(path, body, this, done, kFolderTimeoutMs);
    else
        m_api->deleteJson(path, body, this, done, kFolderTimeoutMs);
}

void ModelsView::rescan() {
    if (!m_api) {
        return;
    }
    const quint64 generation = m_generation;
    m_api->postJson(
        u"/api/models/rescan"_s, QJsonDocument(QJsonObject{}), this,
        [this, generation](const Result<QJsonDocument> &reply) {
            if (generation != m_generation) {
                return;
            }
            if (!reply.ok()) {
                showOutcome(
                    m_folderResult, Outcome::problem,
                    tr("Could not start a scan: %1.").arg(FirstRunText::daemonMessage(reply.error())));
                return;
            }
            setScanning(true);
            loadModels();
        });
}

std::optional<ModelsView::SelectedModel> ModelsView::selectedModel() const {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        return std::nullopt;
    }
    const QJsonObject facts = rows.first().data(ModelLibraryModel::FactsRole).toJsonObject();
    const auto estimate =
        static_cast<qint64>(facts.value(u"memory"_s).toObject().value(u"total_bytes"_s).toDouble());
    // One GPU when the whole estimate fits one; otherwise the worker runs on the CPU (no GPU asked for).
    const bool fitsGpu = modelFit(estimate, m_model->gpus()).kind == ModelFit::Kind::fits;
    return SelectedModel{facts.value(u"name"_s).toString(),
                         rows.first().data(ModelLibraryModel::ModelRefRole).toString(), fitsGpu};
}

void ModelsView::benchmarkSelected() {
    if (const std::optional<SelectedModel> model = selectedModel()) {
        submitJob(benchmarkJobSpec(model->ref, model->fitsGpu ? GpuRequest::one : GpuRequest::none),
                  tr("Benchmark of %1").arg(model->name));
    }
}

void ModelsView::batchSelected() {
    const std::optional<SelectedModel> model = selectedModel();
    if (!model || !m_inputChooser || !m_outputChooser) {
        return;
    }
    const QString input = m_inputChooser(this);
    if (input.isEmpty()) {
        return;
    }
    const QFileInfo info(input);
    const QString suggested = info.dir().filePath(info.completeBaseName() + u".answers.jsonl"_s);
    const QString output = m_outputChooser(this, suggested);
    if (output.isEmpty()) {
        return;
    }
    submitJob(batchJobSpec(model->ref, info.absoluteFilePath(), QFileInfo(output).absoluteFilePath(),
                           model->fitsGpu ? GpuRequest::one : GpuRequest::none),
              tr("Batch with %1").arg(model->name));
}

void ModelsView::chatSelected() {
    if (const std::optional<SelectedModel> model = selectedModel()) {
        Q_EMIT chatRequested(model->name);
    }
}

void ModelsView::submitJob(const QJsonObject &spec, const QString &what) {
    if (!m_api) {
        return;
    }
    showOutcome(m_actionResult, Outcome::progress, tr("%1: submitting…").arg(what));
    const quint64 generation = m_generation;
    m_api->postJson(
        u"/api/jobs"_s, QJsonDocument(spec), this,
        [this, generation, what](const Result<QJsonDocument> &reply) {
            if (generation != m_generation) {
                return;
            }
            if (!reply.ok()) {
                showOutcome(
                    m_actionResult, Outcome::problem,
                    tr("%1 was not queued: %2.").arg(what, FirstRunText::daemonMessage(reply.error())));
                return;
            }
            m_lastJobId = static_cast<qint64>(reply.value().object().value(u"job_id"_s).toDouble());
            showOutcome(m_actionResult, Outcome::success,
                        tr("%1 queued as job %2: follow it in the Queue.").arg(what).arg(m_lastJobId));
        });
}

void ModelsView::updateGpus() {
    QList<GpuCapacity> capacities;
    for (const GpuDevice &gpu : m_gpus->gpus()) {
        capacities.append({gpu.index, gpu.memoryTotalMib});
    }
    m_model->setGpus(capacities);
    updateDetails();
}

void ModelsView::updateDetails() {
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    if (rows.isEmpty()) {
        m_details->clear();
        return;
    }
    const int row = m_proxy->mapToSource(rows.first()).row();
    const QString text = modelDetailsText(m_model->facts(row), m_model->gpus(), m_model->benchmark(row));
    if (text != m_details->toPlainText()) {
        m_details->setPlainText(text);
    }
}

void ModelsView::updateEnabled() {
    const bool connected = m_api && m_connection->state() == ConnectionController::State::connected;
    m_addFolder->setEnabled(connected && !m_folderBusy);
    m_rescan->setEnabled(connected);
    QListWidgetItem *folder = m_folders->currentItem();
    m_removeFolder->setEnabled(connected && !m_folderBusy && folder &&
                               folder->data(kFolderSourceRole).toString() == u"added"_s);
    const QModelIndexList rows = m_table->selectionModel()->selectedRows();
    const auto status =
        rows.isEmpty() ? ModelLibraryModel::Status::unreadable
                       : rows.first().data(ModelLibraryModel::StatusRole).value<ModelLibraryModel::Status>();
    // A file NemoDesk cannot read or run has nothing to benchmark; chat goes by name, so not a shadowed one.
    const bool runnable =
        status == ModelLibraryModel::Status::ok || status == ModelLibraryModel::Status::shadowed;
    m_benchmark->setEnabled(connected && runnable);
    m_batch->setEnabled(connected && runnable);
    m_chat->setEnabled(status == ModelLibraryModel::Status::ok);
}

void ModelsView::showOutcome(QLabel *label, Outcome outcome, const QString &text) {
    label->setStyleSheet(outcome == Outcome::problem ? u"color: %1;"_s.arg(colors::problem().name())
                                                     : QString());
    label->setText(text);
    label->show();
}

}  // namespace nd
