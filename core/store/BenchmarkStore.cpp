// JobStore's benchmark table (schema 2): results of `nemoctl worker bench`, kept generic (key numbers in
// columns, the whole result as JSON).
#include <QJsonDocument>

#include <sqlite3.h>

#include "core/store/JobStore.h"
#include "core/store/JobStoreStatements.h"
#include "core/store/Sqlite.h"
#include "core/store/StoreSchema.h"

namespace nd {

namespace {

// A number of the result bound to its column, NULL when the key is absent.
void bindNumber(sqlite::Binder &binder, int index, const QJsonObject &result, const char *key, bool integer) {
    const QJsonValue v = result.value(QLatin1String(key));
    if (!v.isDouble())
        binder.null(index);
    else if (integer)
        binder.integer(index, static_cast<qint64>(v.toDouble()));
    else
        binder.real(index, v.toDouble());
}

}  // namespace

Result<qint64> JobStore::addBenchmark(const QJsonObject &result, qint64 timeMs) {
    if (m_mode == Mode::readOnly)
        return Error{QStringLiteral("%1: this connection is read-only").arg(m_path)};
    if (!result.value(QStringLiteral("model")).isString())
        return Error{QStringLiteral("a benchmark result needs \"model\" (a string)")};
    Result<sqlite3_stmt *> statement = m_statements->query(m_db, m_path, storeSchema::sql::insertBenchmark);
    if (!statement)
        return Error{statement.error()};
    const sqlite::StatementUse use(*statement);
    sqlite::Binder binder(*statement);
    binder.integer(1, timeMs);
    bindNumber(binder, 2, result, "job_id", true);
    binder.text(3, result.value(QStringLiteral("model")).toString())
        .text(4, result.value(QStringLiteral("model_path")).toString())
        .text(5, result.value(QStringLiteral("device")).toString());
    bindNumber(binder, 6, result, "prompt_tps", false);
    bindNumber(binder, 7, result, "decode_tps", false);
    bindNumber(binder, 8, result, "peak_memory_bytes", true);
    bindNumber(binder, 9, result, "energy_j_per_token", false);
    binder.utf8Text(10, QJsonDocument(result).toJson(QJsonDocument::Compact));
    if (VoidResult done = sqlite::runBound(m_db, m_path, use, binder.result(),
                                           QStringLiteral("storing a benchmark result"));
        !done)
        return Error{done.error()};
    return static_cast<qint64>(sqlite3_last_insert_rowid(m_db));
}

Result<std::vector<QJsonObject>> JobStore::benchmarks(const QString &model, int limit) const {
    Result<sqlite3_stmt *> statement = m_statements->query(m_db, m_path, storeSchema::sql::selectBenchmarks);
    if (!statement)
        return Error{statement.error()};
    const sqlite::StatementUse use(*statement);
    sqlite::Binder binder(*statement);
    binder.text(1, model).integer(2, limit);
    if (binder.result() != SQLITE_OK)
        return Error{sqlite::errorMessage(m_db, m_path, QStringLiteral("reading benchmark results"))};
    std::vector<QJsonObject> out;
    for (;;) {
        const int stepped = sqlite3_step(*statement);
        if (stepped == SQLITE_DONE)
            return out;
        if (stepped != SQLITE_ROW)
            return Error{sqlite::errorMessage(m_db, m_path, QStringLiteral("reading benchmark results"))};
        QJsonObject o = QJsonDocument::fromJson(sqlite::columnBlob(*statement, 2)).object();
        o.insert(QStringLiteral("id"), static_cast<double>(sqlite3_column_int64(*statement, 0)));
        o.insert(QStringLiteral("time_ms"), static_cast<double>(sqlite3_column_int64(*statement, 1)));
        out.push_back(std::move(o));
    }
}

}  // namespace nd
