// JobStore::open: a fresh file gets the current schema; an older file migrates (each step in one
// transaction); a newer, foreign or garbage file is refused with a message naming it; a read-only folder
// or file is an error, not a crash.
#include <gtest/gtest.h>

#include <QDir>
#include <QFile>
#include <QTemporaryDir>

#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include "StoreTestUtil.h"
#include "core/store/StoreSchema.h"

namespace nd {
namespace {

using test::openStore;
using test::RawDb;
using test::storeJob;

// The versions as shipped, plus a version 4 that only exists in this test.
const StoreMigration kWithV4[] = {
    storeSchema::migrations()[0],
    storeSchema::migrations()[1],
    storeSchema::migrations()[2],
    {4,
     "ALTER TABLE jobs ADD COLUMN comment TEXT NOT NULL DEFAULT '';\n"
     "CREATE INDEX jobs_comment ON jobs (comment) WHERE comment != '';"},
};
// A version 4 whose second statement fails: its first must not survive either.
const StoreMigration kWithBrokenV4[] = {
    storeSchema::migrations()[0],
    storeSchema::migrations()[1],
    storeSchema::migrations()[2],
    {4, "CREATE TABLE half_done (x INTEGER);\nCREATE TABLE broken (;"},
};

QString openError(const QString &path, JobStore::Mode mode = JobStore::Mode::readWrite) {
    const Result<std::unique_ptr<JobStore>> store = JobStore::open(path, mode);
    EXPECT_FALSE(store) << "opening " << path.toStdString() << " should have failed";
    return store ? QString() : store.error();
}

// Runs `attempt` as a user who may not write what root created, and returns what it returned. As root
// (containers, CI) that takes a child process that gives up root; otherwise the test's own user will do.
QString asUnprivilegedUser(const std::function<QString()> &attempt) {
    if (geteuid() != 0)
        return attempt();
    int fds[2];
    if (pipe(fds) != 0)
        return QStringLiteral("pipe failed");
    const pid_t child = fork();
    if (child == 0) {
        close(fds[0]);
        const QByteArray result = (setgid(65534) == 0 && setuid(65534) == 0)
                                      ? attempt().toUtf8()
                                      : QByteArray("could not drop root");
        const ssize_t written = write(fds[1], result.constData(), static_cast<size_t>(result.size()));
        _exit(written == result.size() ? 0 : 1);
    }
    close(fds[1]);
    QByteArray result;
    char buffer[4096];
    ssize_t got = 0;
    while ((got = read(fds[0], buffer, sizeof buffer)) > 0)
        result.append(buffer, got);
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    return QString::fromUtf8(result);
}

class StoreMigrationTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    QString path(const char *name = "jobs.db") const { return m_dir.filePath(QString::fromUtf8(name)); }
    QTemporaryDir m_dir;
};

TEST_F(StoreMigrationTest, AFreshFileGetsTheCurrentSchema) {
    const QString nested = m_dir.filePath(QStringLiteral("data/nemodesk/jobs.db"));
    {
        const std::unique_ptr<JobStore> store = openStore(nested);
        ASSERT_TRUE(store);
        EXPECT_EQ(store->version(), 3);
    }
    RawDb raw(nested);
    EXPECT_EQ(raw.integer("PRAGMA user_version"), 3);
    EXPECT_EQ(raw.integer("PRAGMA application_id"), storeSchema::applicationId);
    EXPECT_EQ(raw.text("PRAGMA journal_mode"), QStringLiteral("wal"));
    EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN "
                          "('jobs', 'job_tags', 'events', 'benchmarks')"),
              4);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND name IN "
                          "('jobs_active', 'jobs_array', 'jobs_end', 'jobs_name', 'job_tags_job')"),
              5);
}

TEST_F(StoreMigrationTest, AnEmptyFileIsInitialised) {
    QFile empty(path());
    ASSERT_TRUE(empty.open(QIODevice::WriteOnly));
    empty.close();
    const std::unique_ptr<JobStore> store = openStore(path());
    ASSERT_TRUE(store);
    EXPECT_EQ(store->version(), 3);
}

TEST_F(StoreMigrationTest, AnOlderFileMigratesAndKeepsItsJobs) {
    {
        const std::unique_ptr<JobStore> store = openStore(path());
        ASSERT_TRUE(store);
        StoreBatch batch;
        batch.inserts = {storeJob(1), storeJob(2, JobState::completed)};
        ASSERT_TRUE(store->commit(batch));
    }
    {
        Result<std::unique_ptr<JobStore>> store = JobStore::open(path(), JobStore::Mode::readWrite, kWithV4);
        ASSERT_TRUE(store) << store.error().toStdString();
        EXPECT_EQ((*store)->version(), 4);
        test::expectSameJob(**(*store)->find(1), storeJob(1));
        test::expectSameJob(**(*store)->find(2), storeJob(2, JobState::completed));
        StoreBatch batch;
        batch.inserts = {storeJob(3)};
        EXPECT_TRUE((*store)->commit(batch)) << "the statements work on the migrated table";
    }
    RawDb raw(path());
    EXPECT_EQ(raw.integer("PRAGMA user_version"), 4);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM pragma_table_info('jobs') WHERE name = 'comment'"), 1);
    EXPECT_EQ(raw.integer("SELECT count(*) FROM jobs WHERE comment = ''"), 3);

    // This build reads up to schema 3: the migrated file is now too new for it.
    const QString error = openError(path());
    EXPECT_TRUE(error.contains(path())) << error.toStdString();
    EXPECT_TRUE(
        error.contains(QStringLiteral("was written by a newer NemoDesk (schema 4); this one reads up to 3")))
        << error.toStdString();
}

TEST_F(StoreMigrationTest, AFreshFileRunsEveryMigrationInOrder) {
    Result<std::unique_ptr<JobStore>> store = JobStore::open(path(), JobStore::Mode::readWrite, kWithV4);
    ASSERT_TRUE(store) << store.error().toStdString();
    EXPECT_EQ((*store)->version(), 4);
}

TEST_F(StoreMigrationTest, AFailedMigrationLeavesTheFileAtItsVersion) {
    {
        const std::unique_ptr<JobStore> store = openStore(path());
        ASSERT_TRUE(store);
        StoreBatch batch;
        batch.inserts = {storeJob(1)};
        ASSERT_TRUE(store->commit(batch));
    }
    const Result<std::unique_ptr<JobStore>> store =
        JobStore::open(path(), JobStore::Mode::readWrite, kWithBrokenV4);
    ASSERT_FALSE(store);
    EXPECT_TRUE(store.error().contains(path())) << store.error().toStdString();
    EXPECT_TRUE(store.error().contains(QStringLiteral("migrating from schema 3 to 4")))
        << store.error().toStdString();
    EXPECT_TRUE(store.error().contains(QStringLiteral("stays at schema 3"))) << store.error().toStdString();
    {
        RawDb raw(path());
        EXPECT_EQ(raw.integer("PRAGMA user_version"), 3);
        EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
    }
    const std::unique_ptr<JobStore> again = openStore(path());
    ASSERT_TRUE(again);
    EXPECT_TRUE((*again->find(1)).has_value());
}

TEST_F(StoreMigrationTest, ANewerFileIsRefusedByWriterAndReader) {
    ASSERT_TRUE(openStore(path()));
    {
        RawDb raw(path());
        raw.exec("PRAGMA user_version = 7");
    }
    for (const JobStore::Mode mode : {JobStore::Mode::readWrite, JobStore::Mode::readOnly}) {
        const QString error = openError(path(), mode);
        EXPECT_TRUE(error.contains(path())) << error.toStdString();
        EXPECT_TRUE(error.contains(QStringLiteral("newer NemoDesk (schema 7); this one reads up to 3")))
            << error.toStdString();
    }
    RawDb raw(path());
    EXPECT_EQ(raw.integer("PRAGMA user_version"), 7) << "refusing does not touch the file";
}

TEST_F(StoreMigrationTest, AnotherProgramsSqliteFileIsRefusedAndLeftAlone) {
    {
        RawDb raw(path());
        raw.exec("CREATE TABLE photos (id INTEGER PRIMARY KEY, file TEXT)");
    }
    QString error = openError(path());
    EXPECT_TRUE(error.contains(path() + QStringLiteral(" is not a NemoDesk database")))
        << error.toStdString();
    {
        RawDb raw(path());
        EXPECT_EQ(raw.text("PRAGMA journal_mode"), QStringLiteral("delete")) << "not switched to WAL";
        EXPECT_EQ(raw.integer("SELECT count(*) FROM sqlite_master"), 1);
    }

    const QString other = path("other.db");
    {
        RawDb raw(other);
        raw.exec("PRAGMA application_id = 1234; PRAGMA user_version = 1");
    }
    error = openError(other);
    EXPECT_TRUE(error.contains(QStringLiteral("is not a NemoDesk database"))) << error.toStdString();
    EXPECT_TRUE(error.contains(QStringLiteral("1234"))) << error.toStdString();
}

TEST_F(StoreMigrationTest, AFileThatIsNotSqliteAtAllIsRefused) {
    QByteArray garbage;
    for (int i = 0; i < 8192; ++i)
        garbage.append(static_cast<char>((i * 37) % 251));
    QFile file(path());
    ASSERT_TRUE(file.open(QIODevice::WriteOnly));
    file.write(QByteArray("This is my diary.\n") + garbage);
    file.close();

    for (const JobStore::Mode mode : {JobStore::Mode::readWrite, JobStore::Mode::readOnly}) {
        const QString error = openError(path(), mode);
        EXPECT_TRUE(
            error.contains(path() + QStringLiteral(" is not a NemoDesk database: it is not an SQLite file")))
            << error.toStdString();
    }
    ASSERT_TRUE(file.open(QIODevice::ReadOnly));
    EXPECT_EQ(file.readAll(), QByteArray("This is my diary.\n") + garbage) << "the file is left as it was";
}

TEST_F(StoreMigrationTest, AReaderNeedsAFileTheDaemonMadeAndMigrated) {
    QString error = openError(path(), JobStore::Mode::readOnly);
    EXPECT_TRUE(error.contains(path() + QStringLiteral(" does not exist"))) << error.toStdString();
    EXPECT_FALSE(QFile::exists(path())) << "a reader creates nothing";

    QFile empty(path());
    ASSERT_TRUE(empty.open(QIODevice::WriteOnly));
    empty.close();
    error = openError(path(), JobStore::Mode::readOnly);
    EXPECT_TRUE(error.contains(QStringLiteral("is empty"))) << error.toStdString();

    // A file at schema 2 opened by a reader that knows schema 3: only the daemon migrates.
    ASSERT_TRUE(openStore(path()));
    const Result<std::unique_ptr<JobStore>> reader =
        JobStore::open(path(), JobStore::Mode::readOnly, kWithV4);
    ASSERT_FALSE(reader);
    EXPECT_TRUE(reader.error().contains(QStringLiteral("has schema 3; the daemon upgrades it to schema 4")))
        << reader.error().toStdString();
}

TEST_F(StoreMigrationTest, AReadOnlyFolderIsAnError) {
    const QString folder = m_dir.filePath(QStringLiteral("locked"));
    ASSERT_TRUE(QDir().mkpath(folder));
    ASSERT_EQ(chmod(m_dir.path().toLocal8Bit().constData(), 0755), 0);
    ASSERT_EQ(chmod(folder.toLocal8Bit().constData(), 0555), 0);

    const QString inFolder =
        asUnprivilegedUser([&] { return openError(folder + QStringLiteral("/jobs.db")); });
    EXPECT_TRUE(inFolder.contains(folder + QStringLiteral("/jobs.db"))) << inFolder.toStdString();
    EXPECT_TRUE(inFolder.contains(QStringLiteral("unable to open database file"))) << inFolder.toStdString();

    const QString below =
        asUnprivilegedUser([&] { return openError(folder + QStringLiteral("/sub/jobs.db")); });
    EXPECT_TRUE(below.contains(QStringLiteral("cannot create the folder ") + folder + QStringLiteral("/sub")))
        << below.toStdString();
}

TEST_F(StoreMigrationTest, AReadOnlyFileIsAnErrorForTheWriterButReadable) {
    {
        const std::unique_ptr<JobStore> store = openStore(path());
        ASSERT_TRUE(store);
        StoreBatch batch;
        batch.inserts = {storeJob(1)};
        ASSERT_TRUE(store->commit(batch));
    }
    ASSERT_EQ(chmod(m_dir.path().toLocal8Bit().constData(), 0777), 0);  // readers may add -wal/-shm files
    ASSERT_EQ(chmod(path().toLocal8Bit().constData(), 0444), 0);

    const QString error = asUnprivilegedUser([&] { return openError(path()); });
    EXPECT_TRUE(error.contains(path() + QStringLiteral(" is read-only"))) << error.toStdString();
    const QString read = asUnprivilegedUser([&] {
        Result<std::unique_ptr<JobStore>> reader = JobStore::open(path(), JobStore::Mode::readOnly);
        if (!reader)
            return reader.error();
        const Result<qint64> maxId = (*reader)->maxJobId();
        return maxId ? QString::number(*maxId) : maxId.error();
    });
    EXPECT_EQ(read, QStringLiteral("1"));
}

}  // namespace
}  // namespace nd
