// ModelScan: the recursive walk of model folders (see the header).
#include "core/models/ModelScan.h"

#include <QDir>
#include <QFileInfo>
#include <QRegularExpression>
#include <QSet>

namespace nd {

namespace {

bool isGguf(const QFileInfo &file) {
    return file.fileName().endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive);
}

QString withoutSuffix(const QString &fileName) {
    return fileName.chopped(5);  // ".gguf"
}

// The split model whose first shard is `first`: every shard's size, the newest mtime.
void addShards(const QFileInfo &first, const ShardName &shard, ModelFile *model) {
    const QDir dir = first.absoluteDir();
    model->shards = 0;
    model->sizeBytes = 0;
    for (int no = 1; no <= shard.shardCount; ++no) {
        const QFileInfo part(dir.filePath(QStringLiteral("%1-%2-of-%3.gguf")
                                              .arg(shard.base)
                                              .arg(no, 5, 10, QLatin1Char('0'))
                                              .arg(shard.shardCount, 5, 10, QLatin1Char('0'))));
        if (!part.isFile())
            continue;
        ++model->shards;
        model->sizeBytes += part.size();
        model->mtimeMs = std::max(model->mtimeMs, part.lastModified().toMSecsSinceEpoch());
    }
}

void walk(const QString &dirPath, const QString &folder, int depthLeft, QSet<QString> *visited,
          ModelScanResult *out) {
    const QString canonical = QFileInfo(dirPath).canonicalFilePath();
    if (canonical.isEmpty() || visited->contains(canonical))
        return;  // gone, or a link back to a folder already walked
    visited->insert(canonical);
    out->directories.append(canonical);
    const QDir dir(dirPath);
    const QFileInfoList entries =
        dir.entryInfoList(QDir::Files | QDir::Dirs | QDir::NoDotAndDotDot | QDir::Readable, QDir::Name);
    for (const QFileInfo &entry : entries) {
        if (entry.isDir()) {
            if (depthLeft > 0)
                walk(entry.absoluteFilePath(), folder, depthLeft - 1, visited, out);
            continue;
        }
        if (!isGguf(entry))
            continue;
        const ShardName shard = parseShardName(entry.fileName());
        if (shard.shardNo > 1)
            continue;  // listed through its first shard
        ModelFile model;
        model.path = entry.absoluteFilePath();
        model.folder = folder;
        if (shard.shardNo == 1) {
            model.name = shard.base;
            addShards(entry, shard, &model);
        } else {
            model.name = withoutSuffix(entry.fileName());
            model.sizeBytes = entry.size();
            model.mtimeMs = entry.lastModified().toMSecsSinceEpoch();
        }
        out->files.push_back(std::move(model));
    }
}

}  // namespace

ShardName parseShardName(const QString &fileName) {
    static const QRegularExpression re(QStringLiteral("^(.+)-(\\d{5})-of-(\\d{5})\\.gguf$"),
                                       QRegularExpression::CaseInsensitiveOption);
    const QRegularExpressionMatch m = re.match(fileName);
    if (!m.hasMatch())
        return {};
    const int no = m.captured(2).toInt();
    const int count = m.captured(3).toInt();
    if (no < 1 || count < 1 || no > count)
        return {};
    return {m.captured(1), no, count};
}

QString modelNameOf(const QString &path) {
    const QString file = QFileInfo(path).fileName();
    const ShardName shard = parseShardName(file);
    return shard.shardNo > 0 ? shard.base : withoutSuffix(file);
}

ModelScanResult scanModelFolders(const QStringList &folders, int maxDepth) {
    ModelScanResult out;
    QSet<QString> visited;
    for (const QString &folder : folders) {
        if (QFileInfo(folder).isDir())
            walk(folder, folder, maxDepth, &visited, &out);
    }
    return out;
}

}  // namespace nd
