#pragma once
// Finding GGUF models in folders: a pure function over the file system (no Qt objects, no state), run by
// the ModelLibrary on its scan thread and by tests directly.
//
// Each folder is walked recursively up to `maxDepth` levels below it; symbolic links are followed, but a
// folder already visited (by its canonical path) is skipped, so a link loop ends. A split model
// ("name-00001-of-00003.gguf") is one model, found through its first shard; its other shards are not
// listed. Within a folder, files are taken in name order, so a scan of the same tree gives the same list.
#include <QString>
#include <QStringList>

#include <vector>

namespace nd {

struct ModelFile {
    QString name;          // file name without ".gguf" (and without "-00001-of-0000N" for a split model)
    QString path;          // absolute; the first shard for a split model
    QString folder;        // the configured folder it was found under
    qint64 sizeBytes = 0;  // every shard together
    qint64 mtimeMs = 0;    // the newest shard's modification time
    int shards = 1;        // shard files found (a split model with missing shards fails to open)
};

struct ModelScanResult {
    std::vector<ModelFile> files;  // folder order, then path order within each folder
    QStringList directories;       // every folder walked (canonical), for the file-system watcher
};

constexpr int defaultModelScanDepth = 4;

ModelScanResult scanModelFolders(const QStringList &folders, int maxDepth = defaultModelScanDepth);

// "name-00001-of-00003.gguf" → {"name", 1, 3}; nullopt-like (shardNo 0) for a file that is not a shard.
struct ShardName {
    QString base;
    int shardNo = 0;
    int shardCount = 0;
};
ShardName parseShardName(const QString &fileName);
// The library's name of a model file (any path): its file name without ".gguf" and a shard suffix.
QString modelNameOf(const QString &path);

}  // namespace nd
