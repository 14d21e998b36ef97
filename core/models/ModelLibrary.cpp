// ModelLibrary: folders, the background scan, names and the fact cache (see the header).
#include "core/models/ModelLibrary.h"

#include <QDir>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QJsonDocument>
#include <QLoggingCategory>
#include <QSaveFile>

#include "core/models/ModelFacts.h"

namespace nd {

namespace {
Q_LOGGING_CATEGORY(lcModels, "nemodesk.models")
}  // namespace

QJsonObject ModelEntry::toJson() const {
    QJsonObject o = facts;
    o.insert(QStringLiteral("name"), file.name);
    o.insert(QStringLiteral("path"), file.path);
    o.insert(QStringLiteral("folder"), file.folder);
    o.insert(QStringLiteral("size_bytes"), static_cast<double>(file.sizeBytes));
    o.insert(QStringLiteral("mtime_ms"), static_cast<double>(file.mtimeMs));
    o.insert(QStringLiteral("shards"), file.shards);
    if (!error.isEmpty())
        o.insert(QStringLiteral("error"), error);
    if (!shadowedBy.isEmpty())
        o.insert(QStringLiteral("shadowed_by"), shadowedBy);
    return o;
}

ModelLibrary::ModelLibrary(Options options, QObject *parent)
    : QObject(parent), m_options(std::move(options)), m_watcher(new QFileSystemWatcher(this)) {
    m_debounce.setSingleShot(true);
    m_debounce.setInterval(m_options.debounceMs);
    connect(&m_debounce, &QTimer::timeout, this, &ModelLibrary::rescan);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, this, [this] { m_debounce.start(); });
}

ModelLibrary::~ModelLibrary() {
    if (m_thread.joinable())
        m_thread.join();
}

VoidResult ModelLibrary::start() {
    if (!m_options.foldersFile.isEmpty() && QFileInfo::exists(m_options.foldersFile)) {
        QFile f(m_options.foldersFile);
        if (!f.open(QIODevice::ReadOnly))
            return Error{QStringLiteral("cannot read %1: %2").arg(m_options.foldersFile, f.errorString())};
        const QJsonDocument doc = QJsonDocument::fromJson(f.readAll());
        if (!doc.isObject() || !doc.object().value(QStringLiteral("folders")).isArray())
            return Error{QStringLiteral("%1 is not a model folder list ({\"folders\": [...]}): fix or delete "
                                        "it, then add the folders again with 'nemoctl models add'")
                             .arg(m_options.foldersFile)};
        for (const QJsonValue &v : doc.object().value(QStringLiteral("folders")).toArray())
            if (v.isString() && QDir::isAbsolutePath(v.toString()))
                m_added.append(QDir::cleanPath(v.toString()));
    }
    rescan();
    return success();
}

QStringList ModelLibrary::folders() const {
    QStringList all;
    for (const QString &f : m_options.settingsFolders + m_added)
        if (!all.contains(f))
            all.append(f);
    return all;
}

QJsonArray ModelLibrary::foldersJson() const {
    QJsonArray out;
    for (const QString &f : folders())
        out.append(QJsonObject{
            {QStringLiteral("path"), f},
            {QStringLiteral("source"),
             m_options.settingsFolders.contains(f) ? QStringLiteral("settings") : QStringLiteral("added")},
            {QStringLiteral("exists"), QFileInfo(f).isDir()}});
    return out;
}

VoidResult ModelLibrary::addFolder(const QString &path) {
    if (path.isEmpty() || !QDir::isAbsolutePath(path))
        return Error{
            QStringLiteral("'%1' is not an absolute path: give the folder as /path/to/models").arg(path)};
    const QString clean = QDir::cleanPath(path);
    const QFileInfo info(clean);
    if (!info.exists())
        return Error{QStringLiteral("%1 does not exist").arg(clean)};
    if (!info.isDir())
        return Error{QStringLiteral("%1 is a file, not a folder: add the folder that holds it").arg(clean)};
    if (folders().contains(clean))
        return Error{QStringLiteral("%1 is already a model folder").arg(clean)};
    m_added.append(clean);
    if (VoidResult saved = saveFolders(); !saved) {
        m_added.removeLast();
        return saved;
    }
    qCInfo(lcModels, "model folder added: %s", qUtf8Printable(clean));
    Q_EMIT changed();
    rescan();
    return success();
}

VoidResult ModelLibrary::removeFolder(const QString &path) {
    const QString clean = QDir::cleanPath(path);
    if (m_options.settingsFolders.contains(clean) && !m_added.contains(clean))
        return Error{QStringLiteral("%1 comes from settings.json (models.folders): remove it there and "
                                    "restart the daemon")
                         .arg(clean)};
    if (!m_added.contains(clean))
        return Error{QStringLiteral("%1 is not a model folder").arg(clean)};
    m_added.removeAll(clean);
    if (VoidResult saved = saveFolders(); !saved) {
        m_added.append(clean);
        return saved;
    }
    qCInfo(lcModels, "model folder removed: %s", qUtf8Printable(clean));
    Q_EMIT changed();
    rescan();
    return success();
}

VoidResult ModelLibrary::saveFolders() const {
    if (m_options.foldersFile.isEmpty())
        return success();
    QDir().mkpath(QFileInfo(m_options.foldersFile).absolutePath());
    QSaveFile f(m_options.foldersFile);
    const QByteArray bytes =
        QJsonDocument(QJsonObject{{QStringLiteral("folders"), QJsonArray::fromStringList(m_added)}})
            .toJson(QJsonDocument::Indented);
    if (!f.open(QIODevice::WriteOnly) || f.write(bytes) != bytes.size() || !f.commit())
        return Error{QStringLiteral("cannot write %1: %2").arg(m_options.foldersFile, f.errorString())};
    return success();
}

void ModelLibrary::rescan() {
    if (m_scanning) {
        m_scanAgain = true;  // the folders may have changed under the running scan
        return;
    }
    if (m_thread.joinable())
        m_thread.join();  // the previous scan has delivered its result: it has ended
    m_scanning = true;
    m_scanAgain = false;
    m_thread = std::thread([this, folders = folders(), depth = m_options.maxDepth, cache = m_cache] {
        ScanOutput output = runScan(folders, depth, cache);
        QMetaObject::invokeMethod(
            this, [this, output = std::move(output)] { onScanDone(output); }, Qt::QueuedConnection);
    });
}

ModelLibrary::ScanOutput ModelLibrary::runScan(const QStringList &folders, int maxDepth, Cache cache) {
    ScanOutput out;
    out.scan = scanModelFolders(folders, maxDepth);
    for (const ModelFile &f : out.scan.files) {
        const auto hit = cache.constFind(f.path);
        if (hit != cache.constEnd() && hit->sizeBytes == f.sizeBytes && hit->mtimeMs == f.mtimeMs) {
            out.cache.insert(f.path, *hit);
            continue;
        }
        const ModelFactsRead read = readModelFacts(f.path);
        out.cache.insert(f.path, Cached{f.sizeBytes, f.mtimeMs, read.facts, read.error});
    }
    return out;  // files no longer there drop out of the cache
}

void ModelLibrary::onScanDone(const ScanOutput &output) {
    m_scanning = false;
    m_cache = output.cache;
    std::vector<ModelEntry> models;
    QHash<QString, QString> owner;  // name → path of the model that has it
    for (const ModelFile &f : output.scan.files) {
        ModelEntry e;
        e.file = f;
        const Cached &c = m_cache[f.path];
        e.facts = c.facts;
        e.error = c.error;
        if (const auto it = owner.constFind(f.name); it != owner.constEnd())
            e.shadowedBy = *it;
        else
            owner.insert(f.name, f.path);
        models.push_back(std::move(e));
    }
    const auto same = [](const std::vector<ModelEntry> &a, const std::vector<ModelEntry> &b) {
        if (a.size() != b.size())
            return false;
        for (size_t i = 0; i < a.size(); ++i)
            if (a[i].toJson() != b[i].toJson())
                return false;
        return true;
    };
    const bool differs = !same(models, m_models);
    m_models = std::move(models);
    watch(output.scan.directories);
    if (differs)
        Q_EMIT changed();
    Q_EMIT scanFinished();
    if (m_scanAgain)
        rescan();
}

void ModelLibrary::watch(const QStringList &directories) {
    const QStringList watched = m_watcher->directories();
    QStringList gone;
    for (const QString &d : watched)
        if (!directories.contains(d))
            gone.append(d);
    if (!gone.isEmpty())
        m_watcher->removePaths(gone);
    QStringList added;
    for (const QString &d : directories)
        if (!watched.contains(d))
            added.append(d);
    if (!added.isEmpty())
        m_watcher->addPaths(added);  // paths it cannot watch (inotify limit) only lose live updates
}

std::optional<ModelEntry> ModelLibrary::find(const QString &nameOrPath) const {
    if (QDir::isAbsolutePath(nameOrPath)) {
        const QString clean = QDir::cleanPath(nameOrPath);
        for (const ModelEntry &e : m_models)
            if (e.file.path == clean)
                return e;
        const QFileInfo info(clean);
        if (!info.isFile() || !info.fileName().endsWith(QLatin1String(".gguf"), Qt::CaseInsensitive))
            return std::nullopt;
        ModelEntry e;
        e.file.path = clean;
        const ShardName shard = parseShardName(info.fileName());
        e.file.name = shard.shardNo > 0 ? shard.base : info.fileName().chopped(5);
        e.file.sizeBytes = info.size();
        e.file.mtimeMs = info.lastModified().toMSecsSinceEpoch();
        const ModelFactsRead read = readModelFacts(clean);
        e.facts = read.facts;
        e.error = read.error;
        return e;
    }
    for (const ModelEntry &e : m_models)
        if (e.file.name == nameOrPath && e.shadowedBy.isEmpty())
            return e;
    return std::nullopt;
}

QJsonObject ModelLibrary::toJson() const {
    QJsonArray models;
    for (const ModelEntry &e : m_models)
        models.append(e.toJson());
    return QJsonObject{{QStringLiteral("folders"), foldersJson()},
                       {QStringLiteral("models"), models},
                       {QStringLiteral("scanning"), m_scanning}};
}

}  // namespace nd
