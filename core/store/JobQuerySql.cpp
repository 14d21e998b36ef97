// JobQuerySql: the WHERE clause of a JobQuery, keyset paging by id, and the bindings (see the header).
#include "core/store/JobQuerySql.h"

#include <QJsonArray>
#include <QJsonDocument>

#include <sqlite3.h>

#include "core/store/Sqlite.h"
#include "core/store/StoreSchema.h"

namespace nd::jobQuerySql {

namespace {

enum class Part { page = 1, count };

bool onlyActiveStates(const QList<JobState> &states) {
    for (const JobState state : states) {
        if (state != JobState::pending && state != JobState::running)
            return false;
    }
    return true;
}

QByteArray whereClause(const JobQuery &query, Part part) {
    QList<QByteArray> terms;
    if (!query.states.isEmpty()) {
        terms.append("state IN (SELECT value FROM json_each(:states))");
        // The jobs_active partial index is usable only when the query repeats its condition.
        if (onlyActiveStates(query.states))
            terms.append("state IN ('pending', 'running')");
    }
    if (!query.ids.isEmpty()) {
        // "array_job_id != 0" is the jobs_array partial index's condition, repeated for the same reason.
        terms.append(
            "(id IN (SELECT value FROM json_each(:ids)) OR "
            "(array_job_id != 0 AND array_job_id IN (SELECT value FROM json_each(:ids))))");
    }
    if (!query.name.isEmpty())
        terms.append(isPattern(query.name) ? "name GLOB :name" : "name = :name");
    if (!query.tag.isEmpty())
        terms.append("id IN (SELECT job_id FROM job_tags WHERE tag = :tag)");
    if (query.submittedAfterMs != 0)
        terms.append("submit_ms >= :submitted_after");
    if (query.submittedBeforeMs != 0)
        terms.append("submit_ms <= :submitted_before");
    if (query.endedAfterMs != 0)
        terms.append("end_ms >= :ended_after");
    if (query.endedBeforeMs != 0)
        terms.append(
            "end_ms <= :ended_before AND end_ms != 0");  // a job that has not ended did not end before
    if (part == Part::page && query.afterId != 0)
        terms.append(query.order == JobQuery::Order::idAscending ? "id > :after_id" : "id < :after_id");
    if (terms.isEmpty())
        return {};
    QByteArray clause = " WHERE ";
    for (qsizetype i = 0; i < terms.size(); ++i) {
        if (i > 0)
            clause += " AND ";
        clause += terms.at(i);
    }
    return clause;
}

}  // namespace

bool isPattern(const QString &name) {
    return name.contains(u'*') || name.contains(u'?');
}

QString globPattern(const QString &name) {
    QString pattern = name;
    return pattern.replace(QStringLiteral("["), QStringLiteral("[[]"));
}

VoidResult validate(const JobQuery &query) {
    if (query.limit < 1 || query.limit > maxLimit)
        return Error{
            QStringLiteral("limit must be between 1 and %1 (got %2)").arg(maxLimit).arg(query.limit)};
    if (query.afterId < 0)
        return Error{QStringLiteral("after_id must not be negative (got %1)").arg(query.afterId)};
    const std::pair<const char *, qint64> bounds[] = {
        {"submitted_after", query.submittedAfterMs},
        {"submitted_before", query.submittedBeforeMs},
        {"ended_after", query.endedAfterMs},
        {"ended_before", query.endedBeforeMs},
    };
    for (const auto &[name, value] : bounds) {
        if (value < 0)
            return Error{
                QStringLiteral("%1 must not be negative (got %2)").arg(QLatin1String(name)).arg(value)};
    }
    return success();
}

QByteArray pageSql(const JobQuery &query) {
    const bool ascending = query.order == JobQuery::Order::idAscending;
    return QByteArray("SELECT ") + storeSchema::sql::jobColumns + " FROM jobs" +
           whereClause(query, Part::page) + (ascending ? " ORDER BY id ASC" : " ORDER BY id DESC") +
           " LIMIT :limit";
}

QByteArray countSql(const JobQuery &query) {
    return QByteArray("SELECT count(*) FROM jobs") + filterClause(query);
}

QByteArray filterClause(const JobQuery &query) {
    return whereClause(query, Part::count);
}

int bind(sqlite3_stmt *statement, const JobQuery &query) {
    QJsonArray states;
    for (const JobState state : query.states)
        states.append(jobStateName(state));
    QJsonArray ids;
    for (const qint64 id : query.ids)
        ids.append(id);
    const QByteArray statesJson = QJsonDocument(states).toJson(QJsonDocument::Compact);
    const QByteArray idsJson = QJsonDocument(ids).toJson(QJsonDocument::Compact);
    const QString name = isPattern(query.name) ? globPattern(query.name) : query.name;

    // Each statement has only the parameters of the filters that are set; index 0 means "not here".
    sqlite::Binder binder(statement);
    const auto at = [statement](const char *parameter) {
        return sqlite3_bind_parameter_index(statement, parameter);
    };
    if (const int index = at(":states"))
        binder.utf8Text(index, statesJson);
    if (const int index = at(":ids"))
        binder.utf8Text(index, idsJson);
    if (const int index = at(":name"))
        binder.text(index, name);
    if (const int index = at(":tag"))
        binder.text(index, query.tag);
    if (const int index = at(":submitted_after"))
        binder.integer(index, query.submittedAfterMs);
    if (const int index = at(":submitted_before"))
        binder.integer(index, query.submittedBeforeMs);
    if (const int index = at(":ended_after"))
        binder.integer(index, query.endedAfterMs);
    if (const int index = at(":ended_before"))
        binder.integer(index, query.endedBeforeMs);
    if (const int index = at(":after_id"))
        binder.integer(index, query.afterId);
    if (const int index = at(":limit"))
        binder.integer(index, qint64{query.limit} + 1);
    return binder.result();
}

}  // namespace nd::jobQuerySql
