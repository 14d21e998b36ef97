#pragma once
// BatchWriter: the rows of one StoreBatch, written inside the transaction JobStore::commit() opened. It
// stops at the first failure, whose message names the job or event; commit() then rolls back.
#include <QString>

#include "core/common/Result.h"
#include "core/store/JobStore.h"

struct sqlite3;
struct sqlite3_stmt;

namespace nd {

class BatchWriter {
public:
    struct Statements {
        sqlite3_stmt *insertJob;
        sqlite3_stmt *updateJob;
        sqlite3_stmt *deleteJobTags;
        sqlite3_stmt *insertJobTag;
        sqlite3_stmt *insertEvent;
    };
    BatchWriter(sqlite3 *db, const QString &path, Statements statements)
        : m_db(db), m_path(path), m_statements(statements) {}

    // Inserts, then updates, then events.
    VoidResult write(const StoreBatch &batch);

private:
    VoidResult insert(const Job &job);
    VoidResult update(const Job &job);
    VoidResult insert(const JobEventRecord &event);
    VoidResult replaceTags(const Job &job);
    VoidResult duplicateOr(const VoidResult &failed, const QString &duplicate, const QString &what) const;

    sqlite3 *m_db;
    const QString &m_path;
    Statements m_statements;
};

}  // namespace nd
