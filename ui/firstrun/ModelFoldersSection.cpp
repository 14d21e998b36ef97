// The welcome dialog's model folders: list, add, follow the scan (see ModelFoldersSection.h).
#include "ui/firstrun/ModelFoldersSection.h"

#include <QDir>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QPushButton>
#include <QTimer>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"
#include "ui/common/Colors.h"
#include "ui/common/Labels.h"
#include "ui/firstrun/FirstRunText.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

struct FolderCount {
    int models = 0;
    int unreadable = 0;  // listed with an "error": not a GGUF file the reader understands
};

FolderCount countIn(const QJsonObject &library, const QString &folder) {
    FolderCount count;
    const QJsonArray models = library.value(u"models"_s).toArray();
    for (const auto &value : models) {
        const QJsonObject model = value.toObject();
        if (model.value(u"folder"_s).toString() != folder) {
            continue;
        }
        ++count.models;
        if (!model.value(u"error"_s).toString().isEmpty()) {
            ++count.unreadable;
        }
    }
    return count;
}

QString defaultChooser(QWidget *parent) {
    return QFileDialog::getExistingDirectory(parent, ModelFoldersSection::tr("Add a models folder"),
                                             QDir::homePath());
}

}  // namespace

ModelFoldersSection::ModelFoldersSection(ConnectionController *connection, QWidget *parent)
    : QWidget(parent)
    , m_connection(connection)
    , m_chooser(defaultChooser)
    , m_folders(readableText(u"modelFolders"_s, tr("Model folders"), this))
    , m_add(new QPushButton(tr("&Add a models folder…"), this))
    , m_result(readableText(u"addFolderResult"_s, tr("Result of adding a folder"), this)) {
    m_add->setObjectName(u"addModelFolder"_s);
    m_add->setAccessibleName(tr("Add a models folder"));
    m_add->setToolTip(tr("Choose a folder with GGUF models; the daemon lists them and watches the folder"));
    m_add->setAutoDefault(false);

    m_result->hide();

    auto *buttonRow = new QHBoxLayout;
    buttonRow->addWidget(m_add);
    buttonRow->addStretch(1);
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_folders);
    layout->addLayout(buttonRow);
    layout->addWidget(m_result);

    connect(m_add, &QPushButton::clicked, this, &ModelFoldersSection::chooseAndAdd);
    connect(m_connection, &ConnectionController::stateChanged, this,
            [this](ConnectionController::State state) { onConnectionState(state); });
    onConnectionState(m_connection->state());
}

ModelFoldersSection::~ModelFoldersSection() = default;

void ModelFoldersSection::setScanPolling(int intervalMs, int maxWaitMs) {
    m_pollIntervalMs = intervalMs;
    m_maxScanWaitMs = maxWaitMs;
}

QString ModelFoldersSection::foldersText() const {
    return m_folders->text();
}

QString ModelFoldersSection::resultText() const {
    return m_result->isHidden() ? QString() : m_result->text();
}

void ModelFoldersSection::onConnectionState(ConnectionController::State state) {
    using State = ConnectionController::State;
    if (state == State::connected) {
        // A new daemon (another address or token): a new client, and its folders.
        if (ApiClient *api = ApiClient::forEndpoint(m_api, m_connection->endpoint(), this); api != m_api) {
            ++m_generation;
            m_api = api;
            if (m_busy) {
                setBusy(false);
                showResult(Outcome::problem,
                           tr("The daemon restarted before it answered: see whether the folder is "
                              "listed, else add it again."));
            }
        }
        refreshFolders();
    } else if (state == State::unreachable || state == State::idle) {
        // A daemon that comes back may be another one: its folders are fetched again then.
        ++m_generation;
        if (m_api) {
            m_api->deleteLater();
            m_api = nullptr;
        }
        if (m_busy) {
            setBusy(false);
            showResult(Outcome::problem, tr("The daemon went away before it answered: check the folder "
                                            "list once it is back."));
        }
        m_folders->setText(tr("Model folders can be added once the daemon is connected."));
    } else if (!m_api) {
        m_folders->setText(tr("Connecting to the daemon…"));
    }
    updateEnabled();
}

void ModelFoldersSection::refreshFolders() {
    if (!m_api) {
        return;
    }
    const quint64 generation = m_generation;
    m_api->getJson(u"/api/models"_s, this, [this, generation](const Result<QJsonDocument> &reply) {
        if (generation != m_generation) {
            return;
        }
        if (!reply.ok()) {
            m_folders->setText(
                tr("Could not read the model folders: %1.").arg(FirstRunText::daemonMessage(reply.error())));
            return;
        }
        showLibrary(reply.value().object());
    });
}

void ModelFoldersSection::chooseAndAdd() {
    const QString path = m_chooser ? m_chooser(this) : QString();
    if (path.isEmpty()) {
        return;  // cancelled
    }
    addFolder(path);
}

void ModelFoldersSection::addFolder(const QString &path) {
    if (!m_api || m_busy) {
        return;
    }
    const QString folder = QDir::cleanPath(path);
    const QString shown = FirstRunText::displayPath(folder);
    setBusy(true);
    showResult(Outcome::progress, tr("Adding %1…").arg(shown));
    const quint64 generation = m_generation;
    m_api->postJson(
        u"/api/models/folders"_s, QJsonDocument(QJsonObject{{u"path"_s, folder}}), this,
        [this, generation, folder, shown](const Result<QJsonDocument> &reply) {
            if (generation != m_generation) {
                return;
            }
            if (!reply.ok()) {
                setBusy(false);
                showResult(
                    Outcome::problem,
                    tr("Could not add %1: %2.").arg(shown, FirstRunText::daemonMessage(reply.error())));
                return;
            }
            showLibrary(reply.value().object());
            // The daemon answers at once and scans in the background: the count comes after the scan.
            showResult(Outcome::progress, tr("Added %1: looking for models…").arg(shown));
            waitForScan(folder, 0);
        },
        15000);
}

void ModelFoldersSection::waitForScan(const QString &folder, qint64 waitedMs) {
    if (!m_api) {
        return;
    }
    const quint64 generation = m_generation;
    const QString shown = FirstRunText::displayPath(folder);
    m_api->getJson(u"/api/models"_s, this, [=, this](const Result<QJsonDocument> &reply) {
        if (generation != m_generation) {
            return;
        }
        if (!reply.ok()) {
            setBusy(false);
            showResult(Outcome::problem, tr("Added %1, but could not read the model list: %2.")
                                             .arg(shown, FirstRunText::daemonMessage(reply.error())));
            return;
        }
        const QJsonObject library = reply.value().object();
        showLibrary(library);
        if (library.value(u"scanning"_s).toBool()) {
            if (waitedMs >= m_maxScanWaitMs) {
                setBusy(false);
                showResult(Outcome::success,
                           tr("Added %1: still scanning (a large folder takes a while). Its "
                              "models appear in the Playground when the scan ends.")
                               .arg(shown));
                return;
            }
            QTimer::singleShot(m_pollIntervalMs, this, [=, this] {
                if (generation == m_generation) {
                    waitForScan(folder, waitedMs + m_pollIntervalMs);
                }
            });
            return;
        }
        setBusy(false);
        const FolderCount count = countIn(library, folder);
        if (count.models == 0) {
            showResult(Outcome::success,
                       tr("Added %1: no models found yet. Put .gguf files there: the folder "
                          "is watched, so they appear without a restart.")
                           .arg(shown));
        } else if (count.unreadable > 0) {
            showResult(
                Outcome::success,
                tr("Added %1: %2 found, %3 of them cannot be read (nemoctl models says why).")
                    .arg(shown, FirstRunText::modelCount(count.models), QString::number(count.unreadable)));
        } else {
            showResult(Outcome::success,
                       tr("Added %1: %2 found.").arg(shown, FirstRunText::modelCount(count.models)));
        }
    });
}

void ModelFoldersSection::showLibrary(const QJsonObject &library) {
    const QJsonArray folders = library.value(u"folders"_s).toArray();
    if (folders.isEmpty()) {
        m_folders->setText(tr("No model folder yet: add the folder that holds your .gguf files."));
        return;
    }
    const bool scanning = library.value(u"scanning"_s).toBool();
    QStringList lines;
    lines << tr("Model folders:");
    for (const auto &value : folders) {
        const QJsonObject folder = value.toObject();
        const QString path = folder.value(u"path"_s).toString();
        QString line =
            tr("• %1: %2")
                .arg(FirstRunText::displayPath(path),
                     scanning ? tr("scanning…") : FirstRunText::modelCount(countIn(library, path).models));
        if (folder.value(u"source"_s).toString() == u"settings"_s) {
            line += tr(" (from settings.json)");
        }
        if (!folder.value(u"exists"_s).toBool(true)) {
            line += tr(" (missing)");
        }
        lines << line;
    }
    m_folders->setText(lines.join(u'\n'));
}

void ModelFoldersSection::showResult(Outcome outcome, const QString &text) {
    m_result->setStyleSheet(outcome == Outcome::problem ? u"color: %1;"_s.arg(colors::problem().name())
                                                        : QString());
    m_result->setText(text);
    m_result->show();
}

void ModelFoldersSection::setBusy(bool busy) {
    m_busy = busy;
    updateEnabled();
}

void ModelFoldersSection::updateEnabled() {
    const bool connected = m_api && m_connection->state() == ConnectionController::State::connected;
    m_add->setEnabled(connected && !m_busy);
    m_add->setToolTip(connected ? tr("Choose a folder with GGUF models; the daemon lists them and watches "
                                     "the folder")
                                : tr("Available once the daemon is connected"));
}

}  // namespace nd
