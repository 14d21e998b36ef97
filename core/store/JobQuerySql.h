#pragma once
// JobQuerySql: a JobQuery as SQL. The text depends only on which filters are set (their values are
// bound by name), so the store caches one prepared statement per shape of query.
#include <QByteArray>

#include "core/common/Result.h"
#include "core/store/JobStore.h"

struct sqlite3_stmt;

namespace nd::jobQuerySql {

constexpr int maxLimit = 10000;

// What SQL cannot check: the page size and that no bound is negative. Errors name the field.
VoidResult validate(const JobQuery &query);

// One page in the query's order, with limit + 1 rows so the caller sees whether another page follows.
QByteArray pageSql(const JobQuery &query);
// The number of matching jobs, ignoring afterId and limit.
QByteArray countSql(const JobQuery &query);
// The WHERE clause countSql() filters with (empty when nothing is filtered), for other aggregates over
// exactly the jobs a list pages through; bind() fills its parameters.
QByteArray filterClause(const JobQuery &query);

// Binds the query's values to the named parameters the statement has; SQLITE_OK or the first error.
int bind(sqlite3_stmt *statement, const JobQuery &query);

// Turns a user's name pattern (* and ?) into SQL GLOB syntax, where '[' would open a character class.
QString globPattern(const QString &name);
bool isPattern(const QString &name);

}  // namespace nd::jobQuerySql
