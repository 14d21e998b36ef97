// JobStore::open: recognising a NemoDesk database, the connection's PRAGMAs, a backup and forward
// migrations, and preparing the statements. Everything a person might meet here (a foreign or newer file,
// a read-only folder, a full disk) is an error that names the file and says what to do.
#include <QDateTime>
#include <QDir>
#include <QFile>
#include <QFileInfo>

#include <sqlite3.h>

#include "core/store/JobStore.h"
#include "core/store/JobStoreStatements.h"
#include "core/store/Sqlite.h"
#include "core/store/StoreSchema.h"

namespace nd {

namespace {

constexpr int kBusyTimeoutMs = 5000;
// The WAL file is truncated back to this after a checkpoint, so one huge batch (a 100,000-task array)
// does not leave a huge file behind.
constexpr const char *kJournalSizeLimit = "PRAGMA journal_size_limit = 16777216";

// What the file's header says about it.
struct FileIdentity {
    qint64 applicationId = 0;
    qint64 userVersion = 0;
    qint64 schemaObjects = 0;  // tables, indexes, … of whatever wrote it
};

Result<FileIdentity> readIdentity(sqlite3 *db, const QString &path) {
    FileIdentity identity;
    const Result<qint64> applicationId =
        sqlite::queryInteger(db, path, "PRAGMA application_id", QStringLiteral("reading the file's header"));
    if (!applicationId) {
        if ((sqlite3_errcode(db) & 0xff) == SQLITE_NOTADB)
            return Error{
                QStringLiteral("%1 is not a NemoDesk database: it is not an SQLite file at all. Move it "
                               "aside or point NemoDesk at another data folder.")
                    .arg(path)};
        return Error{applicationId.error()};
    }
    identity.applicationId = *applicationId;
    const Result<qint64> userVersion =
        sqlite::queryInteger(db, path, "PRAGMA user_version", QStringLiteral("reading the schema version"));
    if (!userVersion)
        return Error{userVersion.error()};
    identity.userVersion = *userVersion;
    const Result<qint64> objects = sqlite::queryInteger(db, path, "SELECT count(*) FROM sqlite_master",
                                                        QStringLiteral("reading the schema"));
    if (!objects)
        return Error{objects.error()};
    identity.schemaObjects = *objects;
    return identity;
}

bool isFresh(const FileIdentity &identity) {
    return identity.applicationId == 0 && identity.userVersion == 0 && identity.schemaObjects == 0;
}

VoidResult checkIdentity(const FileIdentity &identity, const QString &path, int newestVersion) {
    if (isFresh(identity))
        return success();
    if (identity.applicationId != storeSchema::applicationId) {
        return Error{
            QStringLiteral("%1 is not a NemoDesk database: it is an SQLite file of another program "
                           "(application id %2). Move it aside or point NemoDesk at another data folder.")
                .arg(path)
                .arg(identity.applicationId)};
    }
    if (identity.userVersion > newestVersion) {
        return Error{
            QStringLiteral("%1 was written by a newer NemoDesk (schema %2); this one reads up to %3. "
                           "Install the newer NemoDesk again, or move the file aside to start afresh.")
                .arg(path)
                .arg(identity.userVersion)
                .arg(newestVersion)};
    }
    return success();
}

VoidResult configureWriter(sqlite3 *db, const QString &path) {
    if (sqlite3_db_readonly(db, "main") == 1) {
        return Error{QStringLiteral("%1 is read-only: the job queue must be able to write it. Check the "
                                    "permissions of the file and of its folder.")
                         .arg(path)};
    }
    const Result<QString> journalMode =
        sqlite::queryText(db, path, "PRAGMA journal_mode = WAL", QStringLiteral("switching to WAL mode"));
    if (!journalMode)
        return Error{journalMode.error()};
    if (journalMode->compare(QLatin1String("wal"), Qt::CaseInsensitive) != 0) {
        return Error{
            QStringLiteral("%1: the file system does not support SQLite's WAL mode (journal mode stayed "
                           "\"%2\"); put the data folder on a local disk.")
                .arg(path, *journalMode)};
    }
    for (const char *pragma : {"PRAGMA synchronous = FULL", "PRAGMA foreign_keys = ON", kJournalSizeLimit}) {
        if (VoidResult done = sqlite::execute(db, path, pragma, QString::fromUtf8(pragma)); !done)
            return done;
    }
    return success();
}

// Runs one migration, the version bump (and on a fresh file the application id) in one transaction.
VoidResult migrate(sqlite3 *db, const QString &path, const StoreMigration &migration, qint64 fromVersion) {
    const QString what =
        QStringLiteral("migrating from schema %1 to %2").arg(fromVersion).arg(migration.version);
    if (VoidResult begun = sqlite::execute(db, path, "BEGIN IMMEDIATE", what); !begun)
        return begun;
    QByteArray sql = migration.sql;
    if (fromVersion == 0)
        sql += "\n;PRAGMA application_id = " + QByteArray::number(storeSchema::applicationId);
    sql += "\n;PRAGMA user_version = " + QByteArray::number(migration.version) + ";\nCOMMIT;";
    if (VoidResult migrated = sqlite::execute(db, path, sql.constData(), what); !migrated) {
        if (sqlite3_get_autocommit(db) == 0)
            sqlite3_exec(db, "ROLLBACK", nullptr, nullptr, nullptr);
        return Error{
            QStringLiteral("%1 (the file stays at schema %2)").arg(migrated.error()).arg(fromVersion)};
    }
    return success();
}

// Where the copy of a schema-`version` file goes: <path>.v<version>-backup, or, when an earlier migration
// left that name taken, the same with the time and a counter — an earlier backup is never overwritten.
QString freeBackupName(const QString &path, qint64 version) {
    const QString base = QStringLiteral("%1.v%2-backup").arg(path).arg(version);
    if (!QFileInfo::exists(base))
        return base;
    const QString stamped =
        base + QDateTime::currentDateTime().toString(QStringLiteral("'-'yyyyMMdd-HHmmss"));
    QString name = stamped;
    for (int n = 2; QFileInfo::exists(name); ++n)
        name = QStringLiteral("%1-%2").arg(stamped).arg(n);
    return name;
}

// A consistent copy of the whole database, WAL content included (VACUUM INTO reads through the
// connection), written before a migration changes anything. Returns the copy's path.
Result<QString> backUp(sqlite3 *db, const QString &path, qint64 version) {
    const QString backup = freeBackupName(path, version);
    const QString what = QStringLiteral("keeping a copy as %1 before migrating").arg(backup);
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &raw, nullptr) != SQLITE_OK)
        return Error{sqlite::errorMessage(db, path, what)};
    const sqlite::Statement statement(raw);
    const QByteArray target = QFile::encodeName(backup);
    sqlite3_bind_text(raw, 1, target.constData(), static_cast<int>(target.size()), SQLITE_TRANSIENT);
    if (sqlite3_step(raw) != SQLITE_DONE) {
        return Error{QStringLiteral("%1 (nothing was migrated: the file stays at schema %2; free some disk "
                                    "space or make the folder writable)")
                         .arg(sqlite::errorMessage(db, path, what))
                         .arg(version)};
    }
    return backup;
}

// Whether the connection's last error says the file itself is broken (not the folder or the disk).
StoreOpenReport::Failure failureOf(sqlite3 *db) {
    const int code = sqlite3_errcode(db) & 0xff;
    return code == SQLITE_NOTADB || code == SQLITE_CORRUPT ? StoreOpenReport::Failure::unusableFile
                                                           : StoreOpenReport::Failure::other;
}

Result<sqlite::Database> openConnection(const QString &path, JobStore::Mode mode) {
    if (mode == JobStore::Mode::readWrite) {
        const QString folder = QFileInfo(path).absolutePath();
        if (!QDir().mkpath(folder)) {
            return Error{
                QStringLiteral("cannot create the folder %1 for the job database: check that its parent "
                               "exists and is writable by this user")
                    .arg(folder)};
        }
    } else if (!QFileInfo::exists(path)) {
        return Error{
            QStringLiteral("%1 does not exist: the daemon creates the job database when it first starts")
                .arg(path)};
    }
    const int flags =
        SQLITE_OPEN_NOMUTEX | (mode == JobStore::Mode::readWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                                 : SQLITE_OPEN_READONLY);
    sqlite3 *raw = nullptr;
    const int opened = sqlite3_open_v2(QFile::encodeName(path).constData(), &raw, flags, nullptr);
    sqlite::Database db(raw);
    if (opened != SQLITE_OK)
        return Error{sqlite::errorMessage(raw, path, QStringLiteral("opening the job database"))};
    sqlite3_extended_result_codes(raw, 1);
    sqlite3_busy_timeout(raw, kBusyTimeoutMs);
    return db;
}

}  // namespace

Result<std::unique_ptr<JobStore>> JobStore::open(const QString &path, Mode mode, StoreOpenReport *report) {
    return open(path, mode, storeSchema::migrations(), report);
}

Result<std::unique_ptr<JobStore>> JobStore::open(const QString &path, Mode mode,
                                                 std::span<const StoreMigration> migrations,
                                                 StoreOpenReport *report) {
    StoreOpenReport ignored;
    StoreOpenReport &out = report != nullptr ? *report : ignored;
    out = StoreOpenReport{};
    const auto fail = [&out](const QString &message, StoreOpenReport::Failure failure) {
        out.failure = failure;
        return Error{message};
    };
    if (migrations.empty())
        return fail(QStringLiteral("%1: no schema migrations to open it with").arg(path),
                    StoreOpenReport::Failure::other);
    const int newestVersion = migrations.back().version;
    Result<sqlite::Database> db = openConnection(path, mode);
    if (!db)
        return fail(db.error(), StoreOpenReport::Failure::other);
    sqlite3 *raw = db->get();

    Result<FileIdentity> identity = readIdentity(raw, path);
    if (!identity)
        return fail(identity.error(), failureOf(raw));
    if (VoidResult known = checkIdentity(*identity, path, newestVersion); !known)
        return fail(known.error(), StoreOpenReport::Failure::unusableFile);

    qint64 version = identity->userVersion;
    if (mode == Mode::readWrite) {
        if (VoidResult configured = configureWriter(raw, path); !configured)
            return fail(configured.error(), failureOf(raw));
        // An older NemoDesk's file is copied before the first migration touches it: a migration that
        // goes wrong in a way its transaction cannot undo, or a user who goes back to the older
        // version, still has the file as it was. A fresh file has nothing to keep.
        const qint64 oldVersion = version;
        QString backup;
        if (!isFresh(*identity) && version < newestVersion) {
            Result<QString> copied = backUp(raw, path, version);
            if (!copied)
                return fail(copied.error(), failureOf(raw));
            backup = copied.value();
        }
        for (const StoreMigration &migration : migrations) {
            if (migration.version <= version)
                continue;
            if (VoidResult migrated = migrate(raw, path, migration, version); !migrated)
                return fail(backup.isEmpty() ? migrated.error()
                                             : QStringLiteral("%1; a copy from before is kept as %2")
                                                   .arg(migrated.error(), backup),
                            failureOf(raw));
            version = migration.version;
        }
        if (!backup.isEmpty()) {
            out.notices.append(QStringLiteral("migrated %1 from schema %2 to %3; the old file is kept as %4")
                                   .arg(path)
                                   .arg(oldVersion)
                                   .arg(version)
                                   .arg(backup));
        }
    } else if (isFresh(*identity)) {
        return fail(QStringLiteral("%1 is empty: the daemon has not created the job database yet").arg(path),
                    StoreOpenReport::Failure::other);
    } else if (version < newestVersion) {
        return fail(
            QStringLiteral("%1 has schema %2; the daemon upgrades it to schema %3 when it next starts")
                .arg(path)
                .arg(version)
                .arg(newestVersion),
            StoreOpenReport::Failure::other);
    }

    Result<std::unique_ptr<Statements>> statements = Statements::prepareAll(raw, path);
    if (!statements)
        return fail(statements.error(), failureOf(raw));
    std::unique_ptr<JobStore> store(new JobStore(db->release(), path));
    store->m_mode = mode;
    store->m_version = static_cast<int>(version);
    store->m_statements = std::move(statements).value();
    return store;
}

JobStore::JobStore(sqlite3 *db, QString path) : m_db(db), m_path(std::move(path)) {}

JobStore::~JobStore() {
    m_statements.reset();  // finalized before the connection closes
    sqlite3_close_v2(m_db);
}

int JobStore::version() const {
    return m_version;
}

Result<std::unique_ptr<JobStore::Statements>> JobStore::Statements::prepareAll(sqlite3 *db,
                                                                               const QString &path) {
    namespace sql = storeSchema::sql;
    auto statements = std::make_unique<Statements>();
    const std::pair<sqlite::Statement *, const char *> all[] = {
        {&statements->beginImmediate, sql::beginImmediate},
        {&statements->beginRead, sql::beginRead},
        {&statements->commit, sql::commit},
        {&statements->rollback, sql::rollback},
        {&statements->insertJob, sql::insertJob},
        {&statements->updateJob, sql::updateJob},
        {&statements->deleteJobTags, sql::deleteJobTags},
        {&statements->insertJobTag, sql::insertJobTag},
        {&statements->insertEvent, sql::insertEvent},
        {&statements->selectJob, sql::selectJob},
        {&statements->selectActiveJobs, sql::selectActiveJobs},
        {&statements->selectStateIndex, sql::selectStateIndex},
        {&statements->selectMaxJobId, sql::selectMaxJobId},
        {&statements->selectMaxEventSeq, sql::selectMaxEventSeq},
        {&statements->selectMinEventSeq, sql::selectMinEventSeq},
        {&statements->selectEventsAfter, sql::selectEventsAfter},
        {&statements->pruneEvents, sql::pruneEvents},
    };
    for (const auto &[statement, text] : all) {
        Result<sqlite::Statement> prepared = sqlite::prepare(db, path, text);
        if (!prepared)
            return Error{prepared.error()};
        *statement = std::move(prepared).value();
    }
    return statements;
}

Result<sqlite3_stmt *> JobStore::Statements::query(sqlite3 *db, const QString &path, const QByteArray &sql) {
    const std::string key = sql.toStdString();
    if (const auto found = queries.find(key); found != queries.end())
        return found->second.get();
    Result<sqlite::Statement> prepared = sqlite::prepare(db, path, sql.constData());
    if (!prepared)
        return Error{prepared.error()};
    sqlite3_stmt *statement = prepared->get();
    queries.emplace(key, std::move(prepared).value());
    return statement;
}

}  // namespace nd
