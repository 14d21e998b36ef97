// StartupProblem: the JSON a client reads, names for kept files that never collide, and moving a file
// aside — a database with its -wal and -shm — without ever overwriting or deleting anything.
#include <gtest/gtest.h>

#include <QDateTime>
#include <QFile>
#include <QTemporaryDir>

#include "core/daemon/StartupProblem.h"

namespace nd {
namespace {

class StartupProblemTest : public ::testing::Test {
protected:
    void SetUp() override { ASSERT_TRUE(m_dir.isValid()); }
    QString path(const char *name) const { return m_dir.filePath(QString::fromUtf8(name)); }
    void write(const QString &file, const QByteArray &bytes) {
        QFile f(file);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(bytes);
    }
    static QByteArray read(const QString &file) {
        QFile f(file);
        return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray("(missing)");
    }
    QTemporaryDir m_dir;
};

TEST_F(StartupProblemTest, RoundTripsThroughItsFile) {
    const StartupProblem written{StartupProblem::Kind::database, path("nemodesk.db"),
                                 QStringLiteral("corrupt"), path("nemodesk.db.broken-20261127-133700")};
    const QString file = path("startup-problem.json");
    ASSERT_TRUE(written.write(file));
    const Result<StartupProblem> read = StartupProblem::read(file);
    ASSERT_TRUE(read) << read.error().toStdString();
    EXPECT_EQ(read->kind, StartupProblem::Kind::database);
    EXPECT_EQ(read->file, written.file);
    EXPECT_EQ(read->message, written.message);
    EXPECT_EQ(read->backup, written.backup);
    EXPECT_EQ(written.toJson().value(QStringLiteral("kind")).toString(), QStringLiteral("database"));

    write(file, R"({"kind":"photos","file":"/x","backup":"/y"})");
    EXPECT_FALSE(StartupProblem::read(file));
    write(file, "not json");
    EXPECT_FALSE(StartupProblem::read(file));
    EXPECT_FALSE(StartupProblem::read(path("missing.json")));
    EXPECT_TRUE(startupProblemFile(Paths::underHome(m_dir.path()))
                    .endsWith(QStringLiteral("/run/startup-problem.json")));
}

TEST_F(StartupProblemTest, BrokenNamesAreStampedAndNeverTaken) {
    const QDateTime when(QDate(2026, 11, 27), QTime(13, 37, 0));
    const QString db = path("nemodesk.db");
    EXPECT_EQ(brokenFileName(db, StartupProblem::Kind::database, when),
              db + QStringLiteral(".broken-20261127-133700"));
    write(db + QStringLiteral(".broken-20261127-133700-wal"), "x");  // only a companion is in the way
    EXPECT_EQ(brokenFileName(db, StartupProblem::Kind::database, when),
              db + QStringLiteral(".broken-20261127-133700-2"));
    EXPECT_EQ(brokenFileName(db, StartupProblem::Kind::settings, when),
              db + QStringLiteral(".broken-20261127-133700"));
    write(db + QStringLiteral(".broken-20261127-133700-2"), "x");
    EXPECT_EQ(brokenFileName(db, StartupProblem::Kind::database, when),
              db + QStringLiteral(".broken-20261127-133700-3"));
}

TEST_F(StartupProblemTest, ADatabaseMovesWithItsWalAndShm) {
    const QString db = path("nemodesk.db");
    write(db, "main");
    write(db + QStringLiteral("-wal"), "wal");
    write(db + QStringLiteral("-shm"), "shm");
    const QString backup = db + QStringLiteral(".broken-1");
    ASSERT_TRUE(moveAside(db, backup, StartupProblem::Kind::database));
    EXPECT_EQ(read(backup), "main");
    EXPECT_EQ(read(backup + QStringLiteral("-wal")), "wal");
    EXPECT_EQ(read(backup + QStringLiteral("-shm")), "shm");
    for (const char *suffix : {"", "-wal", "-shm"})
        EXPECT_FALSE(QFile::exists(db + QLatin1String(suffix))) << suffix;

    // Without companions only the file moves; a settings file never takes any along.
    write(db, "second");
    ASSERT_TRUE(moveAside(db, db + QStringLiteral(".broken-2"), StartupProblem::Kind::database));
    EXPECT_EQ(read(db + QStringLiteral(".broken-2")), "second");
    const QString settings = path("settings.json");
    write(settings, "{");
    write(settings + QStringLiteral("-wal"), "not mine");
    ASSERT_TRUE(moveAside(settings, settings + QStringLiteral(".broken-1"), StartupProblem::Kind::settings));
    EXPECT_EQ(read(settings + QStringLiteral("-wal")), "not mine");
}

TEST_F(StartupProblemTest, NeverOverwritesAndAFailedRenameMovesNothing) {
    const QString db = path("nemodesk.db");
    write(db, "main");
    write(db + QStringLiteral("-wal"), "wal");
    const QString backup = db + QStringLiteral(".broken-1");
    write(backup + QStringLiteral("-wal"), "an earlier copy's wal");
    const VoidResult refused = moveAside(db, backup, StartupProblem::Kind::database);
    ASSERT_FALSE(refused);
    EXPECT_TRUE(refused.error().contains(QStringLiteral("that name is taken")))
        << refused.error().toStdString();
    EXPECT_EQ(read(db), "main");
    EXPECT_EQ(read(db + QStringLiteral("-wal")), "wal");
    EXPECT_EQ(read(backup + QStringLiteral("-wal")), "an earlier copy's wal");
    EXPECT_FALSE(QFile::exists(backup));

    // A rename that fails (the target folder does not exist) is an error, and nothing moved.
    const VoidResult failed =
        moveAside(db, path("no-such-folder/nemodesk.db"), StartupProblem::Kind::database);
    ASSERT_FALSE(failed);
    EXPECT_TRUE(failed.error().contains(QStringLiteral("cannot rename"))) << failed.error().toStdString();
    EXPECT_TRUE(failed.error().contains(QStringLiteral("nothing was moved"))) << failed.error().toStdString();
    EXPECT_EQ(read(db), "main");
    EXPECT_EQ(read(db + QStringLiteral("-wal")), "wal");
}

}  // namespace
}  // namespace nd
