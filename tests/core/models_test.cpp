// The model library: generated GGUF files in several folders, nested folders, split models (listed once),
// a corrupt file listed with its error, name collisions (the first folder keeps the name), rescans after a
// file is added or removed, folders that do not exist, the folders file, and the routes over HTTP
// requests (models, folders, benchmarks).
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QSignalSpy>
#include <QTemporaryDir>

#include "TestUtil.h"
#include "core/daemon/ModelRoutes.h"
#include "core/models/ModelLibrary.h"
#include "core/models/ModelScan.h"
#include "core/settings/Settings.h"
#include "gpu/model/model_gen.h"

namespace nd {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

class Models : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }

    QString folder(const char *name) {
        const QString path = m_dir.filePath(s(name));
        EXPECT_TRUE(QDir().mkpath(path));
        return path;
    }
    // A tiny model at `path` (folders created); with shards > 0, split into shards of that many tensors.
    static void model(const QString &path, int tensorsPerShard = 0) {
        QDir().mkpath(QFileInfo(path).absolutePath());
        ModelGenSpec spec;
        spec.n_layer = 2;
        GgufWriteOptions options;
        options.max_tensors_per_shard = tensorsPerShard;
        const Status st = model_gen_write(spec, path.toStdString(), options);
        ASSERT_TRUE(st.ok()) << st.describe();
    }
    static void garbage(const QString &path) {
        QFile f(path);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write("GGUF but not really: this file is broken");
    }
    static bool scanned(ModelLibrary &library) {
        QSignalSpy spy(&library, &ModelLibrary::scanFinished);
        return test::waitUntil([&] { return spy.count() > 0; });
    }
    static const ModelEntry *entry(const ModelLibrary &library, const QString &name) {
        for (const ModelEntry &e : library.models())
            if (e.file.name == name)
                return &e;
        return nullptr;
    }

    QTemporaryDir m_dir;
};

TEST_F(Models, ShardNamesAreRecognised) {
    const ShardName shard = parseShardName(s("big-model-00001-of-00003.gguf"));
    EXPECT_EQ(shard.base, s("big-model"));
    EXPECT_EQ(shard.shardNo, 1);
    EXPECT_EQ(shard.shardCount, 3);
    EXPECT_EQ(parseShardName(s("model.gguf")).shardNo, 0);
    EXPECT_EQ(parseShardName(s("x-00004-of-00003.gguf")).shardNo, 0);
}

TEST_F(Models, ScanFindsNestedAndSplitModelsOnceAndSkipsLinkLoops) {
    const QString a = folder("a");
    model(a + s("/top.gguf"));
    model(a + s("/x/y/deep.gguf"));
    model(a + s("/x/y/z/w/v/too-deep.gguf"));  // 5 levels below the folder
    model(a + s("/split/big.gguf"), 4);
    ASSERT_TRUE(QFile::link(a, a + s("/x/loop")));  // a link back to the folder itself
    const ModelScanResult r = scanModelFolders({a, m_dir.filePath(s("missing"))});
    QStringList names;
    for (const ModelFile &f : r.files)
        names << f.name;
    EXPECT_EQ(names, (QStringList{s("big"), s("top"), s("deep")})) << names.join(u',').toStdString();
    const ModelFile &big = r.files.front();
    EXPECT_GT(big.shards, 1);
    EXPECT_TRUE(big.path.endsWith(s("-00001-of-0000") + QString::number(big.shards) + s(".gguf")))
        << big.path.toStdString();
    qint64 sum = 0;
    for (const QFileInfo &f : QDir(a + s("/split")).entryInfoList(QDir::Files))
        sum += f.size();
    EXPECT_EQ(big.sizeBytes, sum) << "every shard counts";
}

TEST_F(Models, LibraryListsFactsErrorsAndCollisions) {
    const QString a = folder("a");
    const QString b = folder("b");
    model(a + s("/same.gguf"));
    model(b + s("/same.gguf"));
    model(b + s("/only-b.gguf"));
    garbage(b + s("/broken.gguf"));
    ModelLibrary library({{a, b, m_dir.filePath(s("not-there"))}, {}}, nullptr);
    ASSERT_TRUE(library.start());
    EXPECT_TRUE(library.scanning());
    ASSERT_TRUE(scanned(library));
    ASSERT_EQ(library.models().size(), 4u);

    const ModelEntry &first = library.models()[0];
    EXPECT_EQ(first.file.path, a + s("/same.gguf"));
    EXPECT_TRUE(first.shadowedBy.isEmpty());
    EXPECT_EQ(first.facts.value(s("architecture")).toString(), s("llama"));
    EXPECT_GT(first.facts.value(s("n_params")).toDouble(), 0);
    EXPECT_FALSE(first.facts.value(s("type_mix")).toString().isEmpty());
    EXPECT_TRUE(first.facts.contains(s("layer_pattern")));
    EXPECT_TRUE(first.facts.contains(s("context_length")));
    EXPECT_GT(first.facts.value(s("memory")).toObject().value(s("total_bytes")).toDouble(), 0);

    const ModelEntry *broken = entry(library, s("broken"));
    ASSERT_TRUE(broken);
    EXPECT_FALSE(broken->error.isEmpty());
    EXPECT_TRUE(broken->toJson().contains(s("error")));

    const ModelEntry *shadowed = nullptr;
    for (const ModelEntry &e : library.models())
        if (e.file.path == b + s("/same.gguf"))
            shadowed = &e;
    ASSERT_TRUE(shadowed);
    EXPECT_EQ(shadowed->shadowedBy, a + s("/same.gguf"));
    EXPECT_EQ(library.find(s("same"))->file.path, a + s("/same.gguf"));
    EXPECT_EQ(library.find(b + s("/same.gguf"))->file.path, b + s("/same.gguf")) << "by path";
    EXPECT_FALSE(library.find(s("nope")));

    const QJsonArray folders = library.foldersJson();
    ASSERT_EQ(folders.size(), 3);
    EXPECT_FALSE(folders[2].toObject().value(s("exists")).toBool());
    EXPECT_EQ(folders[0].toObject().value(s("source")).toString(), s("settings"));
}

TEST_F(Models, RescanSeesAddedAndRemovedFilesAndReusesFacts) {
    const QString a = folder("a");
    model(a + s("/one.gguf"));
    ModelLibrary library({{a}, {}}, nullptr);
    QSignalSpy changed(&library, &ModelLibrary::changed);
    ASSERT_TRUE(library.start());
    ASSERT_TRUE(scanned(library));
    ASSERT_EQ(library.models().size(), 1u);
    model(a + s("/sub/two.gguf"));
    library.rescan();
    ASSERT_TRUE(scanned(library));
    EXPECT_EQ(library.models().size(), 2u);
    ASSERT_TRUE(QFile::remove(a + s("/one.gguf")));
    library.rescan();
    ASSERT_TRUE(scanned(library));
    ASSERT_EQ(library.models().size(), 1u);
    EXPECT_EQ(library.models()[0].file.name, s("two"));
    EXPECT_GE(changed.count(), 3);
    const qsizetype before = changed.count();
    library.rescan();
    ASSERT_TRUE(scanned(library));
    EXPECT_EQ(changed.count(), before) << "nothing changed: no signal";
}

TEST_F(Models, TheWatcherRescansWhenAFileAppears) {
    const QString a = folder("a");
    ModelLibrary library({{a}, {}, defaultModelScanDepth, 50}, nullptr);
    ASSERT_TRUE(library.start());
    ASSERT_TRUE(scanned(library));
    EXPECT_TRUE(library.models().empty());
    model(a + s("/new.gguf"));
    EXPECT_TRUE(test::waitUntil([&] { return library.models().size() == 1; }));
}

TEST_F(Models, AddedFoldersAreCheckedAndKept) {
    const QString a = folder("a");
    const QString file = m_dir.filePath(s("folders.json"));
    garbage(m_dir.filePath(s("plain-file")));
    {
        ModelLibrary library({{}, file}, nullptr);
        ASSERT_TRUE(library.start());
        EXPECT_TRUE(library.addFolder(s("relative/dir")).error().contains(s("not an absolute path")));
        EXPECT_TRUE(library.addFolder(m_dir.filePath(s("missing"))).error().contains(s("does not exist")));
        EXPECT_TRUE(library.addFolder(m_dir.filePath(s("plain-file"))).error().contains(s("is a file")));
        ASSERT_TRUE(library.addFolder(a));
        EXPECT_TRUE(library.addFolder(a).error().contains(s("already")));
        EXPECT_TRUE(
            library.removeFolder(m_dir.filePath(s("other"))).error().contains(s("not a model folder")));
        scanned(library);
    }
    ModelLibrary again({{m_dir.filePath(s("from-settings"))}, file}, nullptr);
    ASSERT_TRUE(again.start());
    EXPECT_EQ(again.folders(), (QStringList{m_dir.filePath(s("from-settings")), a}));
    EXPECT_TRUE(again.removeFolder(m_dir.filePath(s("from-settings"))).error().contains(s("settings.json")));
    ASSERT_TRUE(again.removeFolder(a));
    EXPECT_EQ(again.folders(), QStringList{m_dir.filePath(s("from-settings"))});
    scanned(again);
}

HttpRequest request(const QByteArray &method, const QByteArray &path, const QByteArray &body = {},
                    const QByteArray &query = {}) {
    HttpRequest r;
    r.method = method;
    r.path = path;
    r.target = query.isEmpty() ? path : path + '?' + query;
    r.query = query;
    r.body = body;
    return r;
}

QJsonObject bodyOf(const HttpResponse &response) {
    return QJsonDocument::fromJson(response.body).object();
}

TEST_F(Models, RoutesListFoldersAndBenchmarks) {
    const QString a = folder("a");
    model(a + s("/tiny.gguf"));
    ModelRoutes routes({{}, {}, m_dir.filePath(s("data/nemodesk.db"))}, nullptr);
    Router router;
    routes.registerOn(router);
    ASSERT_TRUE(scanned(*routes.library()));

    EXPECT_EQ(router.route(request("POST", "/api/models/folders", R"({"path": "rel"})")).status, 400);
    const HttpResponse missing =
        router.route(request("POST", "/api/models/folders", R"({"path": "/no/such/folder"})"));
    EXPECT_EQ(missing.status, 400);
    EXPECT_TRUE(missing.body.contains("does not exist")) << missing.body.toStdString();
    const QByteArray add = QJsonDocument(QJsonObject{{s("path"), a}}).toJson();
    EXPECT_EQ(router.route(request("POST", "/api/models/folders", add)).status, 200);
    ASSERT_TRUE(scanned(*routes.library()));
    const QJsonObject listed = bodyOf(router.route(request("GET", "/api/models")));
    EXPECT_FALSE(listed.value(s("scanning")).toBool());
    ASSERT_EQ(listed.value(s("models")).toArray().size(), 1);
    EXPECT_EQ(listed.value(s("models")).toArray()[0].toObject().value(s("name")).toString(), s("tiny"));
    EXPECT_EQ(router.route(request("GET", "/api/models/tiny")).status, 200);
    EXPECT_EQ(router.route(request("GET", "/api/models/other")).status, 404);
    EXPECT_EQ(router.route(request("POST", "/api/models/rescan")).status, 202);
    ASSERT_TRUE(scanned(*routes.library()));
    EXPECT_EQ(router.route(request("DELETE", "/api/models/folders", {}, "path=" + a.toUtf8())).status, 200);

    EXPECT_EQ(router.route(request("POST", "/api/benchmarks", R"({"decode_tps": 3})")).status, 400);
    EXPECT_EQ(
        router.route(request("POST", "/api/benchmarks", R"({"model": "tiny", "decode_tps": "fast"})")).status,
        400);
    const HttpResponse stored = router.route(
        request("POST", "/api/benchmarks", R"({"model": "tiny", "decode_tps": 12.5, "device": "cpu"})"));
    EXPECT_EQ(stored.status, 201) << stored.body.toStdString();
    const QJsonObject benchmarks =
        bodyOf(router.route(request("GET", "/api/benchmarks", {}, "model=tiny&limit=5")));
    ASSERT_EQ(benchmarks.value(s("benchmarks")).toArray().size(), 1);
    EXPECT_EQ(benchmarks.value(s("benchmarks")).toArray()[0].toObject().value(s("decode_tps")).toDouble(),
              12.5);
    EXPECT_EQ(router.route(request("GET", "/api/benchmarks", {}, "limit=0")).status, 400);
}

}  // namespace
}  // namespace nd

namespace nd {
namespace {

TEST(ModelSettings, FoldersAreAbsolutePaths) {
    const Result<Settings> ok =
        Settings::parse(R"({"models": {"folders": ["/data/gguf", "/mnt/x/"]}})", QStringLiteral("s.json"));
    ASSERT_TRUE(ok) << ok.error().toStdString();
    EXPECT_EQ(ok->modelFolders, (QStringList{QStringLiteral("/data/gguf"), QStringLiteral("/mnt/x")}));
    const Result<Settings> relative =
        Settings::parse(R"({"models": {"folders": ["gguf"]}})", QStringLiteral("s.json"));
    ASSERT_FALSE(relative);
    EXPECT_TRUE(relative.error().contains(QStringLiteral("models.folders must hold absolute folder paths")));
    EXPECT_FALSE(Settings::parse(R"({"models": {"folders": "/x"}})", QStringLiteral("s.json")));
}

}  // namespace
}  // namespace nd
