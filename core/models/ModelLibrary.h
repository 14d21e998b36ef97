#pragma once
// The model library: the GGUF models in the user's model folders, with what each file holds. Lives on
// the daemon's main thread; the scan (a walk of the folders and a header read of each new or changed
// file) runs on a thread of its own and its result comes back as a queued call, so a slow disk never
// blocks the event loop.
//
// Folders come from settings.json (models.folders: read-only here) and from `nemoctl models add`, which
// the library keeps in its own file (Options::foldersFile), never in settings.json. Files stay where they
// are. A folder is watched (QFileSystemWatcher on it and its subfolders) and rescanned 500 ms after the
// last change; rescan() asks for one at once.
//
// Names: a model is called by its file name without ".gguf" (a split model without "-00001-of-0000N").
// When two folders hold the same name, the first in folder order (settings first, then added folders in
// the order added; within a folder, path order) keeps it; the others are still listed, each with
// "shadowed_by": the path of the one that has the name, and are reachable by their absolute path.
//
// Facts are cached by (path, size, mtime): a rescan reads the headers of new and changed files only.
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QString>
#include <QStringList>
#include <QTimer>

#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "core/common/Result.h"
#include "core/models/ModelScan.h"

class QFileSystemWatcher;

namespace nd {

struct ModelEntry {
    ModelFile file;
    QJsonObject facts;   // ModelFacts.h; empty when error is set
    QString error;       // the GGUF reader's message for a file that cannot be read
    QString shadowedBy;  // the path of the model that has this name, when another one does

    // The API's object: {name, path, folder, size_bytes, mtime_ms, shards, …facts, error?, shadowed_by?}.
    QJsonObject toJson() const;
};

class ModelLibrary : public QObject {
    Q_OBJECT
public:
    struct Options {
        QStringList settingsFolders;  // settings.json's models.folders
        QString foldersFile;          // where added folders are kept ("" : in memory only, for tests)
        int maxDepth = defaultModelScanDepth;
        int debounceMs = 500;
    };

    explicit ModelLibrary(Options options, QObject *parent = nullptr);
    ~ModelLibrary() override;  // waits for a scan in progress (it only reads headers)

    // Reads the folders file and starts the first scan. A broken folders file is an error naming it.
    VoidResult start();

    // Adds an absolute path of an existing folder, kept across restarts; starts a scan. Errors: a relative
    // path, a missing folder, a file, a folder already in the list, the folders file cannot be written.
    VoidResult addFolder(const QString &path);
    // Removes an added folder. A folder from settings.json is refused: the message says to edit the file.
    VoidResult removeFolder(const QString &path);

    void rescan();
    bool scanning() const { return m_scanning; }

    // Settings folders first, then added ones; no duplicates.
    QStringList folders() const;
    // [{path, source: "settings"|"added", exists}]
    QJsonArray foldersJson() const;
    const std::vector<ModelEntry> &models() const { return m_models; }
    // By name (the one that has it), or by absolute path of a .gguf file (any listed model; a file outside
    // the folders is read on the spot, synchronously).
    std::optional<ModelEntry> find(const QString &nameOrPath) const;
    // {"folders": foldersJson(), "models": [...], "scanning": bool}
    QJsonObject toJson() const;

Q_SIGNALS:
    // The list of folders or of models changed (after a scan that found a difference).
    void changed();
    // A scan ended (with or without changes): for tests and clients that asked for a rescan.
    void scanFinished();

private:
    struct Cached {
        qint64 sizeBytes = 0;
        qint64 mtimeMs = 0;
        QJsonObject facts;
        QString error;
    };
    using Cache = QHash<QString, Cached>;
    struct ScanOutput {
        ModelScanResult scan;
        Cache cache;
    };
    static ScanOutput runScan(const QStringList &folders, int maxDepth, Cache cache);
    void onScanDone(const ScanOutput &output);
    VoidResult saveFolders() const;
    void watch(const QStringList &directories);

    Options m_options;
    QStringList m_added;
    std::vector<ModelEntry> m_models;
    Cache m_cache;
    QFileSystemWatcher *m_watcher;
    QTimer m_debounce;
    std::thread m_thread;
    bool m_scanning = false;
    bool m_scanAgain = false;  // a change came while scanning: one more scan when it ends
};

}  // namespace nd
