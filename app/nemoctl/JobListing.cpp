// JobListing: paging with after=next_after.
#include "JobListing.h"

#include "Cli.h"
#include "CliTime.h"
#include "JobFormat.h"

namespace nd::cli {

namespace {
constexpr qint64 maxPageJobs = 10000;  // the API's upper bound for `limit`
}  // namespace

QJsonObject JobListing::toJson() const {
    return QJsonObject{{QStringLiteral("jobs"), jobs},
                       {QStringLiteral("total"), total},
                       {QStringLiteral("next_after"), nextAfter},
                       {QStringLiteral("last_seq"), lastSeq}};
}

Result<JobListing> fetchJobs(SyncHttp &http, const QString &route, const QStringList &query, qint64 maxJobs) {
    JobListing listing;
    qint64 after = 0;
    bool first = true;
    while (true) {
        const qint64 remaining = maxJobs > 0 ? maxJobs - listing.jobs.size() : maxPageJobs;
        QStringList items = query;
        items.append(QStringLiteral("limit=%1").arg(std::min(remaining, maxPageJobs)));
        if (after > 0)
            items.append(QStringLiteral("after=%1").arg(after));
        const Result<QJsonObject> page = callJson(http, "GET", route + u'?' + items.join(u'&'));
        if (!page.ok())
            return Error{page.error()};
        for (const QJsonValue &job : page->value(QStringLiteral("jobs")).toArray())
            listing.jobs.append(job);
        if (first) {
            listing.total = page->value(QStringLiteral("total")).toInteger();
            listing.lastSeq = page->value(QStringLiteral("last_seq")).toInteger();
            first = false;
        }
        listing.nextAfter = page->value(QStringLiteral("next_after")).toInteger();
        after = listing.nextAfter;
        if (after <= 0 || (maxJobs > 0 && listing.jobs.size() >= maxJobs))
            return listing;
    }
}

Result<IdFilter> parseIdFilter(const QString &list) {
    IdFilter filter;
    QStringList refs;
    for (const QString &item : list.split(u',', Qt::SkipEmptyParts)) {
        const QString ref = item.trimmed();
        if (!isJobIdArgument(ref))
            return Error{QStringLiteral("'%1' is not a job id (12, or 12_3 for an array task)").arg(ref)};
        if (ref.contains(u'_'))
            filter.taskRefs.insert(ref);
        refs.append(ref);
    }
    if (refs.isEmpty())
        return Error{QStringLiteral("no job ids given")};
    if (!filter.taskRefs.isEmpty() && filter.taskRefs.size() != refs.size())
        return Error{QStringLiteral("give either job ids or array tasks (12_3), not both")};
    filter.queryItem = QStringLiteral("id=") + refs.join(u',');
    return filter;
}

void applyTaskFilter(const IdFilter &filter, JobListing *listing, QList<Job> *jobs) {
    if (filter.taskRefs.isEmpty())
        return;
    QJsonArray keptJson;
    QList<Job> kept;
    for (qsizetype i = 0; i < jobs->size(); ++i)
        if (filter.taskRefs.contains(jobs->at(i).displayId())) {
            keptJson.append(listing->jobs.at(i));
            kept.append(jobs->at(i));
        }
    listing->jobs = keptJson;
    listing->total = kept.size();
    *jobs = kept;
}

Result<ListedJobs> listJobs(const QString &route, const QStringList &query, qint64 maxJobs,
                            const IdFilter &filter) {
    const Result<Endpoint> endpoint = locateDaemon(Paths::fromEnvironment());
    if (!endpoint.ok())
        return Error{endpoint.error()};
    SyncHttp http(endpoint.value());
    Result<JobListing> listing = fetchJobs(http, route, query, maxJobs);
    if (!listing.ok())
        return Error{listing.error()};
    Result<QList<Job>> parsed = jobsFromJson(listing->jobs);
    if (!parsed.ok())
        return Error{parsed.error()};
    ListedJobs listed{std::move(listing).value(), std::move(parsed).value()};
    applyTaskFilter(filter, &listed.listing, &listed.jobs);
    return listed;
}

}  // namespace nd::cli
