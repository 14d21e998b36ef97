#pragma once
// The models part of the welcome dialog: the model folders the daemon already has (GET /api/models) and
// "Add a models folder…", which asks for a folder (the chooser is injectable for tests), adds it to the
// daemon's library (POST /api/models/folders) and, once the daemon's background scan is over, says how
// many models it found there, or the daemon's reason for refusing the folder. Follows the connection:
// usable while the controller is connected, with its own ApiClient for the daemon it connected to.
// Everything is asynchronous on the GUI thread; the scan is followed by polling GET /api/models.
#include <QPointer>
#include <QWidget>

#include <functional>

#include "ui/controllers/ConnectionController.h"

class QJsonObject;
class QLabel;
class QPushButton;

namespace nd {

class ApiClient;

class ModelFoldersSection : public QWidget {
    Q_OBJECT
public:
    // Returns the chosen folder's absolute path, or "" when the user cancelled.
    using FolderChooser = std::function<QString(QWidget *parent)>;

    explicit ModelFoldersSection(ConnectionController *connection, QWidget *parent = nullptr);
    ~ModelFoldersSection() override;

    void setFolderChooser(FolderChooser chooser) { m_chooser = std::move(chooser); }
    // How often the daemon's scan is checked after a folder was added, and for how long at most.
    void setScanPolling(int intervalMs, int maxWaitMs);

    // For tests.
    QPushButton *addButton() const { return m_add; }
    QString foldersText() const;
    QString resultText() const;
    bool isBusy() const { return m_busy; }

public Q_SLOTS:
    // Asks for a folder with the chooser and adds it.
    void chooseAndAdd();
    // Adds `path` to the daemon's library and reports the outcome inline.
    void addFolder(const QString &path);

private:
    enum class Outcome { progress = 1, success, problem };

    void onConnectionState(ConnectionController::State state);
    void refreshFolders();
    void waitForScan(const QString &folder, qint64 waitedMs);
    void showLibrary(const QJsonObject &library);
    void showResult(Outcome outcome, const QString &text);
    void setBusy(bool busy);
    void updateEnabled();

    ConnectionController *m_connection;
    QPointer<ApiClient> m_api;  // for the daemon of the current connection; null while not connected
    FolderChooser m_chooser;
    QLabel *m_folders;
    QPushButton *m_add;
    QLabel *m_result;
    int m_pollIntervalMs = 300;
    int m_maxScanWaitMs = 120000;
    bool m_busy = false;
    // Incremented with every new ApiClient: answers meant for an earlier daemon are dropped.
    quint64 m_generation = 0;
};

}  // namespace nd
