#pragma once
// The Models tab: the model folders (Add… / Remove / Rescan, with the daemon's background scan shown),
// the table of models found there (ModelLibraryModel, filterable, sortable by raw numbers), a details pane
// for the selected file, and its actions: Benchmark and Batch… submit model workload jobs (the job id is
// shown inline), Chat asks the window to open the Playground with the model (chatRequested). Follows the
// connection: its own ApiClient for the daemon the controller connected to, everything (re)loaded on
// `connected`, and `models.changed` / `benchmarks.added` events reload what they concern. Everything is
// asynchronous on the GUI thread; the daemon's refusals are shown inline next to what was asked.
#include <QPointer>
#include <QWidget>

#include <functional>
#include <optional>

#include "ui/controllers/ConnectionController.h"

class QJsonObject;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QProgressBar;
class QPushButton;
class QSortFilterProxyModel;
class QTableView;
class QTimer;

namespace nd {

class ApiClient;
class GpuTableModel;
class ModelLibraryModel;

class ModelsView : public QWidget {
    Q_OBJECT
public:
    // Returns an absolute path, or "" when the user cancelled.
    using FolderChooser = std::function<QString(QWidget *parent)>;
    using InputChooser = std::function<QString(QWidget *parent)>;
    // `suggested`: a path next to the input for the answers.
    using OutputChooser = std::function<QString(QWidget *parent, const QString &suggested)>;

    // `gpus` gives the GPUs the memory estimates are measured against; both must outlive the view.
    ModelsView(ConnectionController *connection, GpuTableModel *gpus, QWidget *parent = nullptr);
    ~ModelsView() override;

    void setFolderChooser(FolderChooser chooser) { m_folderChooser = std::move(chooser); }
    void setBatchChoosers(InputChooser input, OutputChooser output);
    // While the daemon scans, GET /api/models is polled this often (the scan's end may change nothing,
    // so no event would say it ended).
    void setScanPollMs(int ms);

    ModelLibraryModel *libraryModel() const { return m_model; }
    // Selects the row of the file at `path` (false when it is not listed).
    bool selectModel(const QString &path);
    QString selectedPath() const;

    // For tests.
    QListWidget *folderList() const { return m_folders; }
    QPushButton *addFolderButton() const { return m_addFolder; }
    QPushButton *removeFolderButton() const { return m_removeFolder; }
    QPushButton *rescanButton() const { return m_rescan; }
    QPushButton *benchmarkButton() const { return m_benchmark; }
    QPushButton *batchButton() const { return m_batch; }
    QPushButton *chatButton() const { return m_chat; }
    QLineEdit *filterEdit() const { return m_filter; }
    QTableView *table() const { return m_table; }
    QString detailsText() const;
    QString folderResultText() const;
    QString actionResultText() const;
    bool isScanning() const { return m_scanning; }
    // The id of the last job the actions submitted (0: none yet).
    qint64 lastJobId() const { return m_lastJobId; }

public Q_SLOTS:
    void chooseAndAddFolder();
    void addFolder(const QString &path);
    void removeSelectedFolder();
    void rescan();
    void benchmarkSelected();
    void batchSelected();
    void chatSelected();
    // GET /api/models and GET /api/benchmarks again.
    void reload();

Q_SIGNALS:
    // Chat with the model named `modelName` in the Playground.
    void chatRequested(const QString &modelName);

private:
    enum class FolderChange { add = 1, remove };
    // POST or DELETE /api/models/folders, with the outcome in the folder result line.
    void changeFolder(FolderChange change, const QString &folder);
    enum class Outcome { progress = 1, success, problem };
    struct SelectedModel {
        QString name;
        QString ref;  // what a workload names: the name, or the path of a shadowed file
        bool fitsGpu = false;
    };

    std::optional<SelectedModel> selectedModel() const;

    void onConnectionState(ConnectionController::State state);
    void onDaemonEvent(const QString &type, const QJsonObject &event);
    void loadModels();
    void loadBenchmarks();
    void showLibrary(const QJsonObject &library);
    void setScanning(bool scanning);
    void submitJob(const QJsonObject &spec, const QString &what);
    void updateGpus();
    void updateDetails();
    void updateEnabled();
    void showOutcome(QLabel *label, Outcome outcome, const QString &text);

    ConnectionController *m_connection;
    GpuTableModel *m_gpus;
    ModelLibraryModel *m_model;
    QSortFilterProxyModel *m_proxy;
    QPointer<ApiClient> m_api;  // for the daemon of the current connection; null while not connected
    FolderChooser m_folderChooser;
    InputChooser m_inputChooser;
    OutputChooser m_outputChooser;

    QListWidget *m_folders;
    QPushButton *m_addFolder;
    QPushButton *m_removeFolder;
    QPushButton *m_rescan;
    QLabel *m_scanLabel;
    QProgressBar *m_scanBar;
    QLabel *m_folderResult;
    QLineEdit *m_filter;
    QTableView *m_table;
    QPlainTextEdit *m_details;
    QPushButton *m_benchmark;
    QPushButton *m_batch;
    QPushButton *m_chat;
    QLabel *m_actionResult;
    QTimer *m_scanPoll;

    bool m_scanning = false;
    bool m_folderBusy = false;
    bool m_modelsInFlight = false;
    bool m_modelsAgain = false;  // an event came while a load was in flight: load once more after it
    qint64 m_lastJobId = 0;
    // Incremented with every new ApiClient: answers meant for an earlier daemon are dropped.
    quint64 m_generation = 0;
};

}  // namespace nd
