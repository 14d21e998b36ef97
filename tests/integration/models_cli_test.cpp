// `nemoctl models add/list/remove` against the real daemon: a folder with a generated model and a corrupt
// file is added, listed (after the background scan) with the model's facts and the file's error, and
// removed again; a relative or missing folder is refused with the daemon's message.
// Needs the daemon to register ModelRoutes (Daemon::startModels).
#include <gtest/gtest.h>

#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include "DaemonHarness.h"
#include "gpu/model/model_gen.h"

namespace nd::test {
namespace {

QString s(const char *text) {
    return QString::fromUtf8(text);
}

TEST(ModelsCli, AddListRemoveThroughTheDaemon) {
    DaemonHarness daemon;
    QString why;
    ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
    QTemporaryDir models;
    ASSERT_TRUE(QDir().mkpath(models.filePath(s("nested"))));
    ModelGenSpec spec;
    ASSERT_TRUE(model_gen_write(spec, models.filePath(s("nested/tiny.gguf")).toStdString()).ok());
    QFile bad(models.filePath(s("broken.gguf")));
    ASSERT_TRUE(bad.open(QIODevice::WriteOnly));
    bad.write("this is not a GGUF file");
    bad.close();

    const CommandResult added = daemon.nemoctl({s("models"), s("add"), models.path()});
    ASSERT_EQ(added.exitCode, 0) << added.err.toStdString();

    QJsonObject listed;
    const QDeadlineTimer deadline(20000);
    while (!deadline.hasExpired()) {
        const CommandResult list = daemon.nemoctl({s("models"), s("list"), s("--json")});
        ASSERT_EQ(list.exitCode, 0) << list.err.toStdString();
        listed = QJsonDocument::fromJson(list.out).object();
        if (!listed.value(s("scanning")).toBool() && listed.value(s("models")).toArray().size() == 2)
            break;
        QThread::msleep(100);
    }
    const QJsonArray entries = listed.value(s("models")).toArray();
    ASSERT_EQ(entries.size(), 2) << QJsonDocument(listed).toJson().toStdString();
    // Path order within the folder: broken.gguf before nested/tiny.gguf.
    EXPECT_EQ(entries[0].toObject().value(s("name")).toString(), s("broken"));
    EXPECT_FALSE(entries[0].toObject().value(s("error")).toString().isEmpty());
    EXPECT_EQ(entries[1].toObject().value(s("name")).toString(), s("tiny"));
    EXPECT_EQ(entries[1].toObject().value(s("architecture")).toString(), s("llama"));
    EXPECT_EQ(listed.value(s("folders")).toArray().size(), 1);

    const CommandResult table = daemon.nemoctl({s("models"), s("list")});
    EXPECT_EQ(table.exitCode, 0);
    EXPECT_TRUE(table.out.contains("tiny")) << table.out.toStdString();

    const CommandResult missing = daemon.nemoctl({s("models"), s("add"), models.filePath(s("nope"))});
    EXPECT_EQ(missing.exitCode, 1);
    EXPECT_TRUE(missing.err.contains("does not exist")) << missing.err.toStdString();

    const CommandResult removed = daemon.nemoctl({s("models"), s("remove"), models.path()});
    EXPECT_EQ(removed.exitCode, 0) << removed.err.toStdString();
}

}  // namespace
}  // namespace nd::test
