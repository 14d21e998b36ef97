#pragma once
// Reading a job listing (GET /api/jobs or /api/history) page by page on one connection, following
// `next_after` until the last page or until enough jobs were read.
#include <QJsonArray>
#include <QJsonObject>
#include <QList>
#include <QSet>
#include <QStringList>

#include "SyncHttp.h"
#include "core/common/Result.h"
#include "core/jobs/Job.h"

namespace nd::cli {

struct JobListing {
    QJsonArray jobs;       // every page's jobs, in the daemon's order
    qint64 total = 0;      // as the first page said
    qint64 nextAfter = 0;  // of the last page read: 0 when it was the last one
    qint64 lastSeq = 0;    // of the first page: following events from it misses nothing

    // The API's answer shape, as if one page had held them all.
    QJsonObject toJson() const;
};

// `route` is "/api/jobs" or "/api/history"; `query` holds "key=value" items, already encoded.
// `maxJobs` <= 0: all of them.
Result<JobListing> fetchJobs(SyncHttp &http, const QString &route, const QStringList &query, qint64 maxJobs);

// A -j/--jobs list: "12,13" selects jobs (an array id: all its tasks); "10_3,10_5" array tasks. The API
// selects tasks by their array, so those are picked out of the answer afterwards.
struct IdFilter {
    QString queryItem;       // "id=12,13"
    QSet<QString> taskRefs;  // "10_3": only these display ids are kept
};
// The error is a usage message: an id that is not one, or jobs and tasks mixed.
Result<IdFilter> parseIdFilter(const QString &list);
// Keeps the jobs (and their JSON) whose display id the filter names; nothing to do when it names none.
void applyTaskFilter(const IdFilter &filter, JobListing *listing, QList<Job> *jobs);

// What `queue` and `history` share: find the daemon, read every page of `route`, parse the jobs and keep
// the tasks the filter names. The error is ready for printErr.
struct ListedJobs {
    JobListing listing;
    QList<Job> jobs;
};
Result<ListedJobs> listJobs(const QString &route, const QStringList &query, qint64 maxJobs,
                            const IdFilter &filter);

}  // namespace nd::cli
