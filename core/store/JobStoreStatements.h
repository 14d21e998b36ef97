#pragma once
// JobStore::Statements: every named statement of StoreSchema prepared once per connection, and the
// statements of query() prepared on first use, one per shape of query. Private to core/store.
#include <string>
#include <unordered_map>

#include "core/store/JobStore.h"
#include "core/store/Sqlite.h"

namespace nd {

struct JobStore::Statements {
    sqlite::Statement beginImmediate;
    sqlite::Statement beginRead;
    sqlite::Statement commit;
    sqlite::Statement rollback;
    sqlite::Statement insertJob;
    sqlite::Statement updateJob;
    sqlite::Statement deleteJobTags;
    sqlite::Statement insertJobTag;
    sqlite::Statement insertEvent;
    sqlite::Statement selectJob;
    sqlite::Statement selectActiveJobs;
    sqlite::Statement selectStateIndex;
    sqlite::Statement selectMaxJobId;
    sqlite::Statement selectMaxEventSeq;
    sqlite::Statement selectMinEventSeq;
    sqlite::Statement selectEventsAfter;
    sqlite::Statement pruneEvents;
    // query()'s statements by their SQL. Few shapes occur (one per combination of filters in use).
    std::unordered_map<std::string, sqlite::Statement> queries;

    static Result<std::unique_ptr<Statements>> prepareAll(sqlite3 *db, const QString &path);
    // The cached statement for `sql`, prepared when first asked for.
    Result<sqlite3_stmt *> query(sqlite3 *db, const QString &path, const QByteArray &sql);
};

}  // namespace nd
