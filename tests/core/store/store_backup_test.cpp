// JobStore::open keeps a copy of an older NemoDesk database before migrating it: the copy is a complete,
// openable database with the old rows (WAL content included), a later migration never overwrites an
// earlier copy, and the notice names both files. Fresh files, current files and readers make no copy.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include "StoreTestUtil.h"
#include "core/store/StoreSchema.h"

namespace nd {
namespace {

using test::openStore;
using test::RawDb;
using test::storeJob;

// The versions as shipped plus a test-only version 4, so that a file at the current schema is "old".
const StoreMigration kWithV4[] = {
    storeSchema::migrations()[0],
    storeSchema::migrations()[1],
    storeSchema::migrations()[2],
    {4, "ALTER TABLE jobs ADD COLUMN comment TEXT NOT NULL DEFAULT '';"},
};
// A version 4 that fails: the copy was made first and is still there, and the message names it.
const StoreMigration kWithBrokenV4[] = {
    storeSchema::migrations()[0],
    storeSchema::migrations()[1],
    storeSchema::migrations()[2],
    {4, "CREATE TABLE broken (;"},
};

class StoreBackupTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    QString path() const { return m_dir.filePath(QStringLiteral("nemodesk.db")); }
    QStringList backups() const {
        return QDir(m_dir.path())
            .entryList({QStringLiteral("nemodesk.db.v*-backup*")}, QDir::Files, QDir::Name);
    }
    // A schema-3 file with jobs 1 and 2, the second committed while a reader keeps the WAL from being
    // checkpointed: a copy of the main file alone would miss it.
    void writeSchema3WithWalContent(std::unique_ptr<JobStore> *keepOpen) {
        *keepOpen = openStore(path());
        ASSERT_TRUE(*keepOpen);
        StoreBatch first;
        first.inserts = {storeJob(1)};
        ASSERT_TRUE((*keepOpen)->commit(first));
        StoreBatch second;
        second.inserts = {storeJob(2, JobState::completed)};
        ASSERT_TRUE((*keepOpen)->commit(second));
        ASSERT_TRUE(QFile::exists(path() + QStringLiteral("-wal")));
    }
    QTemporaryDir m_dir;
};

TEST_F(StoreBackupTest, AnOlderFileIsCopiedBeforeItMigrates) {
    std::unique_ptr<JobStore> writer;
    writeSchema3WithWalContent(&writer);

    StoreOpenReport report;
    Result<std::unique_ptr<JobStore>> store =
        JobStore::open(path(), JobStore::Mode::readWrite, kWithV4, &report);
    ASSERT_TRUE(store) << store.error().toStdString();
    EXPECT_EQ((*store)->version(), 4);
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::none);
    const QString backup = path() + QStringLiteral(".v3-backup");
    ASSERT_EQ(backups(), QStringList{QStringLiteral("nemodesk.db.v3-backup")});
    ASSERT_EQ(report.notices.size(), 1);
    EXPECT_EQ(
        report.notices[0],
        QStringLiteral("migrated %1 from schema 3 to 4; the old file is kept as %2").arg(path(), backup));
    store = Error{};  // closes it
    writer.reset();

    // The copy is the old database, complete: schema 3, both jobs, no column of schema 4.
    {
        RawDb raw(backup);
        EXPECT_EQ(raw.integer("PRAGMA user_version"), 3);
        EXPECT_EQ(raw.integer("PRAGMA application_id"), storeSchema::applicationId);
        EXPECT_EQ(raw.integer("SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'comment'"), 0);
    }
    const std::unique_ptr<JobStore> old = openStore(backup, JobStore::Mode::readOnly);
    ASSERT_TRUE(old);
    EXPECT_EQ(old->version(), 3);
    test::expectSameJob(**old->find(1), storeJob(1));
    test::expectSameJob(**old->find(2), storeJob(2, JobState::completed));
}

TEST_F(StoreBackupTest, ALaterMigrationNeverOverwritesAnEarlierCopy) {
    {
        std::unique_ptr<JobStore> writer;
        writeSchema3WithWalContent(&writer);
    }
    ASSERT_TRUE(JobStore::open(path(), JobStore::Mode::readWrite, kWithV4));
    const QString first = path() + QStringLiteral(".v3-backup");
    const auto bytes = [](const QString &file) {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
    };
    const QByteArray firstBytes = bytes(first);
    ASSERT_FALSE(firstBytes.isEmpty());

    // The user puts the old file back (as after going back to the older NemoDesk) and migrates again,
    // twice within the same second: each copy gets a name of its own.
    QStringList notices;
    for (int round = 0; round < 2; ++round) {
        for (const char *suffix : {"", "-wal", "-shm"})
            QFile::remove(path() + QLatin1String(suffix));
        ASSERT_TRUE(QFile::copy(first, path()));
        StoreOpenReport report;
        Result<std::unique_ptr<JobStore>> store =
            JobStore::open(path(), JobStore::Mode::readWrite, kWithV4, &report);
        ASSERT_TRUE(store) << store.error().toStdString();
        ASSERT_EQ(report.notices.size(), 1);
        notices.append(report.notices[0]);
    }

    const QStringList all = backups();
    ASSERT_EQ(all.size(), 3) << all.join(u' ').toStdString();
    EXPECT_EQ(all[0], QStringLiteral("nemodesk.db.v3-backup"));
    EXPECT_EQ(bytes(first), firstBytes) << "the first copy is untouched";
    for (int i = 1; i < 3; ++i) {
        EXPECT_TRUE(all[i].startsWith(QStringLiteral("nemodesk.db.v3-backup-"))) << all[i].toStdString();
        const QString copy = m_dir.filePath(all[i]);
        EXPECT_TRUE(notices.join(u'\n').contains(copy)) << notices.join(u'\n').toStdString();
        const std::unique_ptr<JobStore> old = openStore(copy, JobStore::Mode::readOnly);
        ASSERT_TRUE(old);
        EXPECT_EQ(old->version(), 3);
        EXPECT_TRUE((*old->find(2)).has_value());
    }
}

TEST_F(StoreBackupTest, AFailedMigrationKeepsItsCopyAndSaysWhere) {
    {
        std::unique_ptr<JobStore> writer;
        writeSchema3WithWalContent(&writer);
    }
    StoreOpenReport report;
    const Result<std::unique_ptr<JobStore>> store =
        JobStore::open(path(), JobStore::Mode::readWrite, kWithBrokenV4, &report);
    ASSERT_FALSE(store);
    EXPECT_TRUE(
        store.error().contains(QStringLiteral("a copy from before is kept as %1.v3-backup").arg(path())))
        << store.error().toStdString();
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::other) << "a bad migration is not a bad file";
    EXPECT_TRUE(report.notices.isEmpty());
    const std::unique_ptr<JobStore> old =
        openStore(path() + QStringLiteral(".v3-backup"), JobStore::Mode::readOnly);
    ASSERT_TRUE(old);
    EXPECT_TRUE((*old->find(2)).has_value());
}

TEST_F(StoreBackupTest, FreshAndCurrentFilesAndReadersMakeNoCopy) {
    StoreOpenReport report;
    ASSERT_TRUE(JobStore::open(path(), JobStore::Mode::readWrite, &report));
    EXPECT_TRUE(report.notices.isEmpty());
    ASSERT_TRUE(JobStore::open(path(), JobStore::Mode::readWrite, &report));
    EXPECT_TRUE(report.notices.isEmpty());
    ASSERT_TRUE(JobStore::open(path(), JobStore::Mode::readOnly, &report));
    EXPECT_TRUE(backups().isEmpty()) << backups().join(u' ').toStdString();
}

TEST_F(StoreBackupTest, UnusableFilesAreToldApartFromOtherFailures) {
    StoreOpenReport report;
    QFile garbage(path());
    ASSERT_TRUE(garbage.open(QIODevice::WriteOnly));
    garbage.write(QByteArray(8192, 'x'));
    garbage.close();
    EXPECT_FALSE(JobStore::open(path(), JobStore::Mode::readWrite, &report));
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::unusableFile);

    const QString foreign = m_dir.filePath(QStringLiteral("photos.db"));
    {
        RawDb raw(foreign);
        raw.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY)");
    }
    EXPECT_FALSE(JobStore::open(foreign, JobStore::Mode::readWrite, &report));
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::unusableFile);

    const QString newer = m_dir.filePath(QStringLiteral("newer.db"));
    ASSERT_TRUE(openStore(newer));
    {
        RawDb raw(newer);
        raw.exec("PRAGMA user_version = 9");
    }
    EXPECT_FALSE(JobStore::open(newer, JobStore::Mode::readWrite, &report));
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::unusableFile);

    // A folder that cannot be created is not the file's fault.
    QFile blocker(m_dir.filePath(QStringLiteral("plain-file")));
    ASSERT_TRUE(blocker.open(QIODevice::WriteOnly));
    blocker.close();
    EXPECT_FALSE(JobStore::open(m_dir.filePath(QStringLiteral("plain-file/sub/jobs.db")),
                                JobStore::Mode::readWrite, &report));
    EXPECT_EQ(report.failure, StoreOpenReport::Failure::other);
}

}  // namespace
}  // namespace nd
