// Sqlite: ownership, binding and error messages over the sqlite3 C API (see the header).
#include "core/store/Sqlite.h"

#include <sqlite3.h>

#include <cerrno>

namespace nd::sqlite {

namespace {

// What a person can do about an error, for the ones that have a remedy outside the program.
QString remedy(int primaryCode) {
    switch (primaryCode) {
        case SQLITE_FULL:
            return QStringLiteral(" (the disk is full: free some space, then retry)");
        case SQLITE_READONLY:
        case SQLITE_PERM:
            return QStringLiteral(" (check that the file and its folder are writable by this user)");
        case SQLITE_CANTOPEN:
            return QStringLiteral(
                " (check that the folder exists and that this user may create files in it)");
        case SQLITE_BUSY:
        case SQLITE_LOCKED:
            return QStringLiteral(" (another process keeps the database locked)");
        case SQLITE_CORRUPT:
            return QStringLiteral(" (the file is damaged: move it aside or restore it from a backup)");
        case SQLITE_NOTADB:
            return QStringLiteral(" (it is not a NemoDesk database)");
        default:
            return {};
    }
}

// An I/O error carries the operating system's reason; a full disk, quota or file size limit has a remedy.
QString systemReason(sqlite3 *db, int code) {
    if ((code & 0xff) != SQLITE_IOERR)
        return {};
    const int systemErrno = sqlite3_system_errno(db);
    if (systemErrno == 0)
        return {};
    QString reason = QStringLiteral(": %1").arg(qt_error_string(systemErrno));  // strerror, thread-safe
    if (systemErrno == ENOSPC || systemErrno == EDQUOT || systemErrno == EFBIG)
        reason += QStringLiteral(" (no room for the file: free some disk space, then retry)");
    return reason;
}

}  // namespace

void DatabaseCloser::operator()(sqlite3 *db) const {
    sqlite3_close_v2(db);
}

void StatementFinalizer::operator()(sqlite3_stmt *statement) const {
    sqlite3_finalize(statement);
}

QString errorMessage(sqlite3 *db, const QString &path, const QString &what) {
    if (db == nullptr)  // sqlite3_open_v2 could not even allocate a handle
        return QStringLiteral("%1: %2 failed: out of memory").arg(path, what);
    const int code = sqlite3_extended_errcode(db);
    return QStringLiteral("%1: %2 failed: %3%4%5")
        .arg(path, what, QString::fromUtf8(sqlite3_errmsg(db)), systemReason(db, code), remedy(code & 0xff));
}

QString errorMessage(int code, const QString &path, const QString &what) {
    return QStringLiteral("%1: %2 failed: %3%4")
        .arg(path, what, QString::fromUtf8(sqlite3_errstr(code)), remedy(code & 0xff));
}

Result<Statement> prepare(sqlite3 *db, const QString &path, const char *sql) {
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return Error{errorMessage(db, path, QStringLiteral("preparing \"%1\"").arg(QString::fromUtf8(sql)))};
    }
    return Statement(raw);
}

VoidResult execute(sqlite3 *db, const QString &path, const char *sql, const QString &what) {
    if (sqlite3_exec(db, sql, nullptr, nullptr, nullptr) != SQLITE_OK)
        return Error{errorMessage(db, path, what)};
    return success();
}

namespace {

// Runs `sql` once and hands its first row to `read`; a statement without rows is an error.
template <typename T, typename Read>
Result<T> queryOne(sqlite3 *db, const QString &path, const char *sql, const QString &what, Read read) {
    sqlite3_stmt *raw = nullptr;
    if (sqlite3_prepare_v2(db, sql, -1, &raw, nullptr) != SQLITE_OK) {
        sqlite3_finalize(raw);
        return Error{errorMessage(db, path, what)};
    }
    const Statement statement(raw);
    const int stepped = sqlite3_step(raw);
    if (stepped == SQLITE_ROW)
        return T(read(raw));
    if (stepped == SQLITE_DONE)
        return Error{QStringLiteral("%1: %2 failed: no result").arg(path, what)};
    return Error{errorMessage(db, path, what)};
}

}  // namespace

Result<qint64> queryInteger(sqlite3 *db, const QString &path, const char *sql, const QString &what) {
    return queryOne<qint64>(db, path, sql, what,
                            [](sqlite3_stmt *row) { return sqlite3_column_int64(row, 0); });
}

Result<QString> queryText(sqlite3 *db, const QString &path, const char *sql, const QString &what) {
    return queryOne<QString>(db, path, sql, what, [](sqlite3_stmt *row) { return columnText(row, 0); });
}

StatementUse::~StatementUse() {
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
}

VoidResult runOnce(sqlite3 *db, const QString &path, sqlite3_stmt *statement, const QString &what) {
    const StatementUse use(statement);
    if (sqlite3_step(statement) != SQLITE_DONE)
        return Error{errorMessage(db, path, what)};
    return success();
}

VoidResult runBound(sqlite3 *db, const QString &path, const StatementUse &use, int bound,
                    const QString &what) {
    if (bound != SQLITE_OK)
        return Error{errorMessage(bound, path, what)};
    if (sqlite3_step(use.get()) != SQLITE_DONE)
        return Error{errorMessage(db, path, what)};
    return success();
}

Binder &Binder::keep(int result) {
    if (m_result == SQLITE_OK)
        m_result = result;
    return *this;
}

Binder &Binder::integer(int index, qint64 value) {
    return keep(sqlite3_bind_int64(m_statement, index, value));
}

Binder &Binder::real(int index, double value) {
    return keep(sqlite3_bind_double(m_statement, index, value));
}

Binder &Binder::text(int index, const QString &value) {
    return utf8Text(index, value.toUtf8());
}

Binder &Binder::utf8Text(int index, const QByteArray &value) {
    return keep(sqlite3_bind_text64(m_statement, index, value.constData(),
                                    static_cast<sqlite3_uint64>(value.size()), SQLITE_TRANSIENT,
                                    SQLITE_UTF8));
}

Binder &Binder::blob(int index, const QByteArray &value) {
    // A zero-length blob must still be a blob, not NULL: constData() of an empty QByteArray is "".
    return keep(sqlite3_bind_blob64(m_statement, index, value.constData(),
                                    static_cast<sqlite3_uint64>(value.size()), SQLITE_TRANSIENT));
}

Binder &Binder::null(int index) {
    return keep(sqlite3_bind_null(m_statement, index));
}

QString columnText(sqlite3_stmt *statement, int column) {
    const auto *text = reinterpret_cast<const char *>(sqlite3_column_text(statement, column));
    return QString::fromUtf8(text, sqlite3_column_bytes(statement, column));
}

QByteArray columnBlob(sqlite3_stmt *statement, int column) {
    const auto *data = static_cast<const char *>(sqlite3_column_blob(statement, column));
    return QByteArray(data, sqlite3_column_bytes(statement, column));
}

bool columnIsNull(sqlite3_stmt *statement, int column) {
    return sqlite3_column_type(statement, column) == SQLITE_NULL;
}

}  // namespace nd::sqlite
