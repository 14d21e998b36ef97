#pragma once
// Thin ownership and error helpers over the sqlite3 C API, for the job store: handles that finalize and
// close themselves, a guard that resets a statement after each use, typed binding that remembers the
// first failure, and one way of turning an SQLite error into a message that names the file.
#include <QByteArray>
#include <QString>

#include <memory>

#include "core/common/Result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nd::sqlite {

struct DatabaseCloser {
    void operator()(sqlite3 *db) const;
};
using Database = std::unique_ptr<sqlite3, DatabaseCloser>;

struct StatementFinalizer {
    void operator()(sqlite3_stmt *statement) const;
};
using Statement = std::unique_ptr<sqlite3_stmt, StatementFinalizer>;

// "<path>: <what> failed: <sqlite's message>", plus what a person can do about it for the errors that
// have a remedy (a full disk, a read-only file, a locked or damaged database).
QString errorMessage(sqlite3 *db, const QString &path, const QString &what);
QString errorMessage(int code, const QString &path, const QString &what);

// Prepared with SQLITE_PREPARE_PERSISTENT: statements live as long as their connection.
Result<Statement> prepare(sqlite3 *db, const QString &path, const char *sql);

// Runs SQL that returns no rows we need (PRAGMAs, DDL); `what` names it in the error.
VoidResult execute(sqlite3 *db, const QString &path, const char *sql, const QString &what);

// The first column of the first row of SQL run once (PRAGMAs, counts); `what` names it in the error.
Result<qint64> queryInteger(sqlite3 *db, const QString &path, const char *sql, const QString &what);
Result<QString> queryText(sqlite3 *db, const QString &path, const char *sql, const QString &what);

// Resets and unbinds a statement when a use of it ends, on every path: a statement left mid-way would
// hold its read snapshot (and block WAL checkpoints) until its next use.
class StatementUse {
public:
    explicit StatementUse(sqlite3_stmt *statement) : m_statement(statement) {}
    ~StatementUse();
    StatementUse(const StatementUse &) = delete;
    StatementUse &operator=(const StatementUse &) = delete;
    sqlite3_stmt *get() const { return m_statement; }

private:
    sqlite3_stmt *m_statement;
};

// Steps a statement that returns no rows; `what` names it in the error.
VoidResult runOnce(sqlite3 *db, const QString &path, sqlite3_stmt *statement, const QString &what);
// Steps the statement in `use`, whose parameters were bound with the result `bound` (SQLITE_OK or the
// first failure, as Binder::result() gives it).
VoidResult runBound(sqlite3 *db, const QString &path, const StatementUse &use, int bound,
                    const QString &what);

// Binds parameters by number and keeps the first error code, so a row's many bindings are checked once.
class Binder {
public:
    explicit Binder(sqlite3_stmt *statement) : m_statement(statement) {}
    Binder &integer(int index, qint64 value);
    Binder &real(int index, double value);
    Binder &text(int index, const QString &value);
    Binder &utf8Text(int index, const QByteArray &value);  // text already in UTF-8
    Binder &blob(int index, const QByteArray &value);
    Binder &null(int index);
    int result() const { return m_result; }  // SQLITE_OK or the first failure

private:
    Binder &keep(int result);
    sqlite3_stmt *m_statement;
    int m_result = 0;
};

QString columnText(sqlite3_stmt *statement, int column);
QByteArray columnBlob(sqlite3_stmt *statement, int column);
bool columnIsNull(sqlite3_stmt *statement, int column);

}  // namespace nd::sqlite
