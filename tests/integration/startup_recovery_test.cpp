// A settings file or job database the daemon cannot use never stops NemoDesk silently or loses data:
// the daemon refuses to start, says what it found and what to run, leaves <runtime>/startup-problem.json
// and the file untouched; `nemoctl daemon --start-fresh` renames the file (byte for byte the same) and
// starts with the defaults or a new database; a database of an older schema is copied before it migrates
// and GET /api/health lists the notice.
#include <gtest/gtest.h>

#include <QCryptographicHash>
#include <QDeadlineTimer>
#include <QDir>
#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QThread>

#include <sqlite3.h>

#include <memory>

#include "DaemonHarness.h"
#include "core/daemon/StartupProblem.h"
#include "core/store/StoreSchema.h"

namespace nd::test {
namespace {

QByteArray readAll(const QString &file) {
    QFile f(file);
    return f.open(QIODevice::ReadOnly) ? f.readAll() : QByteArray();
}

QStringList brokenCopies(const QString &file) {
    const QFileInfo info(file);
    return info.dir().entryList({info.fileName() + QStringLiteral(".broken-*")}, QDir::Files, QDir::Name);
}

// `nemoctl daemon --start-fresh` in the harness's home, until its runtime file names it.
class FreshDaemon {
public:
    explicit FreshDaemon(DaemonHarness &harness) : m_harness(harness) {
        m_process.setProcessEnvironment(harness.environment());
        m_process.setProgram(nemoctlPath());
        m_process.setArguments({QStringLiteral("daemon"), QStringLiteral("--start-fresh")});
        m_process.setStandardOutputFile(harness.outputFile(), QIODevice::Append);
        m_process.setStandardErrorFile(harness.outputFile(), QIODevice::Append);
    }
    ~FreshDaemon() {
        if (m_process.state() != QProcess::NotRunning) {
            m_process.terminate();
            if (!m_process.waitForFinished(10000))
                m_process.kill();
            m_process.waitForFinished(5000);
        }
    }
    bool start(QString *why) {
        m_process.start();
        if (!m_process.waitForStarted(10000)) {
            *why = m_process.errorString();
            return false;
        }
        const QDeadlineTimer deadline(30000);
        while (!deadline.hasExpired()) {
            const Result<RuntimeInfo> info = RuntimeInfo::read(m_harness.paths().runtimeFile());
            if (info.ok() && info->pid == m_process.processId())
                return true;
            if (m_process.state() == QProcess::NotRunning)
                break;
            QThread::msleep(20);
        }
        *why = QStringLiteral("the daemon did not come up (exit code %1); its output:\n%2")
                   .arg(m_process.exitCode())
                   .arg(QString::fromUtf8(m_harness.output().right(8000)));
        return false;
    }
    // Through `nemoctl health --json`: the harness's own requests go to the daemon it started.
    QJsonObject health() const {
        const CommandResult r = m_harness.nemoctl({QStringLiteral("health"), QStringLiteral("--json")});
        EXPECT_EQ(r.exitCode, 0) << r.err.toStdString();
        return QJsonDocument::fromJson(r.out).object();
    }

private:
    DaemonHarness &m_harness;
    QProcess m_process;
};

QStringList notices(const QJsonObject &health) {
    QStringList all;
    for (const QJsonValue &notice : health.value(QStringLiteral("notices")).toArray())
        all.append(notice.toString());
    return all;
}

TEST(StartupRecovery, BrokenSettingsStopTheDaemonUntilTheUserStartsFresh) {
    DaemonHarness daemon;
    const QByteArray broken = "{\n  \"daemon\": { \"port\": \"soon\" }\n}\n";
    daemon.writeSettings(broken);
    const QString settings = daemon.paths().settingsFile();
    const QString problemFile = startupProblemFile(daemon.paths());

    const CommandResult refused = daemon.nemoctl({QStringLiteral("daemon")});
    EXPECT_EQ(refused.exitCode, 1);
    EXPECT_TRUE(refused.err.contains(settings.toUtf8())) << refused.err.toStdString();
    EXPECT_TRUE(refused.err.contains("run `nemoctl daemon --start-fresh`")) << refused.err.toStdString();
    EXPECT_EQ(readAll(settings), broken) << "the file is left as it was";
    EXPECT_TRUE(brokenCopies(settings).isEmpty());
    const Result<StartupProblem> problem = StartupProblem::read(problemFile);
    ASSERT_TRUE(problem) << problem.error().toStdString();
    EXPECT_EQ(problem->kind, StartupProblem::Kind::settings);
    EXPECT_EQ(problem->file, settings);
    EXPECT_TRUE(problem->message.contains(QStringLiteral("daemon.port"))) << problem->message.toStdString();
    EXPECT_TRUE(problem->backup.startsWith(settings + QStringLiteral(".broken-")));
    EXPECT_TRUE(refused.err.contains(problem->backup.toUtf8())) << "the message names the same backup";

    FreshDaemon fresh(daemon);
    QString why;
    ASSERT_TRUE(fresh.start(&why)) << why.toStdString();
    EXPECT_FALSE(QFile::exists(settings));
    EXPECT_FALSE(QFile::exists(problemFile)) << "a successful start removes the problem file";
    EXPECT_EQ(readAll(problem->backup), broken) << "kept under the name the user was shown";
    const QJsonObject health = fresh.health();
    EXPECT_EQ(
        health.value(QStringLiteral("telemetry")).toObject().value(QStringLiteral("interval_ms")).toInt(),
        1000)
        << "the defaults";
    const QStringList said = notices(health);
    ASSERT_EQ(said.size(), 1) << said.join(u'\n').toStdString();
    EXPECT_TRUE(said[0].contains(QStringLiteral("it is kept as ") + problem->backup))
        << said[0].toStdString();
}

TEST(StartupRecovery, AGarbageDatabaseIsKeptByteForByteAndANewOneStarts) {
    DaemonHarness daemon;
    QString error;
    ASSERT_TRUE(daemon.paths().ensureExists(&error)) << error.toStdString();
    QDir().mkpath(daemon.paths().dataDir());
    const QString database = daemon.paths().databaseFile();
    QByteArray garbage("These are my notes, not a database.\n");
    for (int i = 0; i < 20000; ++i)
        garbage.append(static_cast<char>((i * 131) % 253));
    {
        QFile f(database);
        ASSERT_TRUE(f.open(QIODevice::WriteOnly));
        f.write(garbage);
    }
    const QString problemFile = startupProblemFile(daemon.paths());

    for (int attempt = 0; attempt < 2; ++attempt) {  // refusing again does not change anything either
        const CommandResult refused = daemon.nemoctl({QStringLiteral("daemon")});
        EXPECT_EQ(refused.exitCode, 1);
        EXPECT_TRUE(refused.err.contains(database.toUtf8() + " is not a NemoDesk database"))
            << refused.err.toStdString();
        EXPECT_TRUE(refused.err.contains("--start-fresh")) << refused.err.toStdString();
    }
    EXPECT_EQ(readAll(database), garbage);
    const Result<StartupProblem> problem = StartupProblem::read(problemFile);
    ASSERT_TRUE(problem) << problem.error().toStdString();
    EXPECT_EQ(problem->kind, StartupProblem::Kind::database);
    EXPECT_EQ(problem->file, database);

    FreshDaemon fresh(daemon);
    QString why;
    ASSERT_TRUE(fresh.start(&why)) << why.toStdString();
    EXPECT_FALSE(QFile::exists(problemFile));
    const QStringList copies = brokenCopies(database);
    ASSERT_EQ(copies.size(), 1) << copies.join(u' ').toStdString();
    EXPECT_EQ(QFileInfo(database).dir().filePath(copies[0]), problem->backup);
    EXPECT_EQ(QCryptographicHash::hash(readAll(problem->backup), QCryptographicHash::Sha256),
              QCryptographicHash::hash(garbage, QCryptographicHash::Sha256))
        << "the renamed file is byte-identical";
    const CommandResult queue = daemon.nemoctl({QStringLiteral("queue")});
    EXPECT_EQ(queue.exitCode, 0) << queue.err.toStdString();
    const QStringList said = notices(fresh.health());
    ASSERT_EQ(said.size(), 1);
    EXPECT_TRUE(said[0].contains(QStringLiteral("a new job database"))) << said[0].toStdString();
}

TEST(StartupRecovery, AnOlderDatabaseIsCopiedBeforeItMigrates) {
    DaemonHarness daemon;
    QString error;
    ASSERT_TRUE(daemon.paths().ensureExists(&error)) << error.toStdString();
    const QString database = daemon.paths().databaseFile();
    {
        // What NemoDesk with schema 2 left behind (its statements are not this build's, so through SQLite
        // itself), with one job event in its log.
        sqlite3 *db = nullptr;
        ASSERT_EQ(sqlite3_open(QFile::encodeName(database).constData(), &db), SQLITE_OK);
        QByteArray sql = "PRAGMA journal_mode = WAL;\nBEGIN;\n";
        sql += storeSchema::migrations()[0].sql;
        sql += ";\n";
        sql += storeSchema::migrations()[1].sql;
        sql += ";\nPRAGMA application_id = " + QByteArray::number(storeSchema::applicationId) +
               ";\nPRAGMA user_version = 2;\n"
               "INSERT INTO events VALUES (1, 1000, 1, 'submitted', '{\"seq\":1}');\nCOMMIT;";
        char *message = nullptr;
        const int done = sqlite3_exec(db, sql.constData(), nullptr, nullptr, &message);
        EXPECT_EQ(done, SQLITE_OK) << (message != nullptr ? message : "");
        sqlite3_free(message);
        sqlite3_close(db);
        ASSERT_EQ(done, SQLITE_OK);
    }

    QString why;
    ASSERT_TRUE(daemon.start(&why)) << why.toStdString();
    const QString backup = database + QStringLiteral(".v2-backup");
    const QStringList said =
        notices(QJsonDocument::fromJson(daemon.get("/api/health", daemon.token()).body).object());
    ASSERT_EQ(said.size(), 1) << said.join(u'\n').toStdString();
    EXPECT_EQ(
        said[0],
        QStringLiteral("migrated %1 from schema 2 to 3; the old file is kept as %2").arg(database, backup));
    const QByteArray log = readAll(daemon.paths().daemonLogFile());
    EXPECT_TRUE(log.contains(said[0].toUtf8())) << log.toStdString();

    sqlite3 *kept = nullptr;
    ASSERT_EQ(sqlite3_open_v2(QFile::encodeName(backup).constData(), &kept, SQLITE_OPEN_READONLY, nullptr),
              SQLITE_OK);
    sqlite3_stmt *statement = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(kept,
                                 "SELECT (SELECT user_version FROM pragma_user_version), "
                                 "(SELECT count(*) FROM events WHERE type = 'submitted')",
                                 -1, &statement, nullptr),
              SQLITE_OK)
        << sqlite3_errmsg(kept);
    ASSERT_EQ(sqlite3_step(statement), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(statement, 0), 2) << "the copy is the old file";
    EXPECT_EQ(sqlite3_column_int(statement, 1), 1) << "with its rows";
    sqlite3_finalize(statement);
    sqlite3_close(kept);
}

}  // namespace
}  // namespace nd::test
