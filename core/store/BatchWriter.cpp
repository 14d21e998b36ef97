// BatchWriter: one batch's INSERTs and UPDATEs (see the header).
#include "core/store/BatchWriter.h"

#include <sqlite3.h>

#include "core/store/Sqlite.h"
#include "core/store/StoreRows.h"

namespace nd {

using sqlite::runBound;
using sqlite::StatementUse;

VoidResult BatchWriter::write(const StoreBatch &batch) {
    for (const Job &job : batch.inserts) {
        if (VoidResult done = insert(job); !done)
            return done;
    }
    for (const Job &job : batch.updates) {
        if (VoidResult done = update(job); !done)
            return done;
    }
    for (const JobEventRecord &event : batch.events) {
        if (VoidResult done = insert(event); !done)
            return done;
    }
    return success();
}

VoidResult BatchWriter::insert(const Job &job) {
    const QString what = QStringLiteral("saving new job %1").arg(job.id);
    {
        const StatementUse use(m_statements.insertJob);
        if (VoidResult done = runBound(m_db, m_path, use, storeRows::bindJob(use.get(), job), what); !done)
            return duplicateOr(done, QStringLiteral("there is already a job %1").arg(job.id), what);
    }
    return replaceTags(job);
}

VoidResult BatchWriter::update(const Job &job) {
    const QString what = QStringLiteral("updating job %1").arg(job.id);
    {
        const StatementUse use(m_statements.updateJob);
        if (VoidResult done = runBound(m_db, m_path, use, storeRows::bindJob(use.get(), job), what); !done)
            return done;
    }
    if (sqlite3_changes(m_db) == 0)
        return Error{QStringLiteral("%1: %2 failed: there is no job %3").arg(m_path, what).arg(job.id)};
    return replaceTags(job);
}

VoidResult BatchWriter::insert(const JobEventRecord &event) {
    const StatementUse use(m_statements.insertEvent);
    const int bound = sqlite::Binder(use.get())
                          .integer(1, event.seq)
                          .integer(2, event.timeMs)
                          .integer(3, event.jobId)
                          .text(4, event.type)
                          .blob(5, event.payload)
                          .result();
    const QString what =
        QStringLiteral("saving event %1 (%2 of job %3)").arg(event.seq).arg(event.type).arg(event.jobId);
    if (VoidResult done = runBound(m_db, m_path, use, bound, what); !done)
        return duplicateOr(done, QStringLiteral("there is already an event %1").arg(event.seq), what);
    return success();
}

// Tags are rewritten with the row: an update may change them.
VoidResult BatchWriter::replaceTags(const Job &job) {
    {
        const StatementUse use(m_statements.deleteJobTags);
        const int bound = sqlite::Binder(use.get()).integer(1, job.id).result();
        if (VoidResult done = runBound(m_db, m_path, use, bound,
                                       QStringLiteral("replacing the tags of job %1").arg(job.id));
            !done)
            return done;
    }
    for (const QString &tag : job.spec.tags) {
        const StatementUse use(m_statements.insertJobTag);
        const int bound = sqlite::Binder(use.get()).text(1, tag).integer(2, job.id).result();
        const QString what = QStringLiteral("saving tag \"%1\" of job %2").arg(tag).arg(job.id);
        if (VoidResult done = runBound(m_db, m_path, use, bound, what); !done)
            return done;
    }
    return success();
}

// A primary key that exists already is the caller's mistake; say so in its words.
VoidResult BatchWriter::duplicateOr(const VoidResult &failed, const QString &duplicate,
                                    const QString &what) const {
    if (sqlite3_extended_errcode(m_db) == SQLITE_CONSTRAINT_PRIMARYKEY)
        return Error{QStringLiteral("%1: %2 failed: %3").arg(m_path, what, duplicate)};
    return failed;
}

}  // namespace nd
