// HistoryFilter: the query string, and the client-side match that mirrors the daemon's (JobQuerySql).
#include "ui/history/HistoryFilter.h"

#include <QRegularExpression>

namespace nd {

namespace {

bool isFinishedState(const QString &state) {
    static const QStringList finished{QStringLiteral("completed"), QStringLiteral("failed"),
                                      QStringLiteral("cancelled"), QStringLiteral("timeout"),
                                      QStringLiteral("node_fail")};
    return finished.contains(state);
}

// The daemon's glob: * and ? only ('[' is literal there, so it is escaped here too); case-sensitive.
bool globMatches(const QString &pattern, const QString &text) {
    QString regex;
    for (const QChar c : pattern) {
        if (c == u'*')
            regex += QStringLiteral(".*");
        else if (c == u'?')
            regex += u'.';
        else
            regex += QRegularExpression::escape(QString(c));
    }
    return QRegularExpression(QRegularExpression::anchoredPattern(regex),
                              QRegularExpression::DotMatchesEverythingOption)
        .match(text)
        .hasMatch();
}

}  // namespace

QUrlQuery HistoryFilter::query(qint64 afterId, int limit) const {
    QUrlQuery q;
    if (!state.isEmpty())
        q.addQueryItem(QStringLiteral("state"), state);
    if (sinceMs > 0)
        q.addQueryItem(QStringLiteral("since"), QString::number(sinceMs));
    if (untilMs > 0)
        q.addQueryItem(QStringLiteral("until"), QString::number(untilMs));
    // QUrlQuery leaves '+', '&', '=' and '#' alone in values; they must reach the daemon as data.
    const auto encoded = [](const QString &value) {
        return QString::fromLatin1(QUrl::toPercentEncoding(value));
    };
    if (!name.isEmpty())
        q.addQueryItem(QStringLiteral("name"), encoded(name));
    if (!tag.isEmpty())
        q.addQueryItem(QStringLiteral("tag"), encoded(tag));
    if (afterId > 0)
        q.addQueryItem(QStringLiteral("after"), QString::number(afterId));
    if (limit > 0)
        q.addQueryItem(QStringLiteral("limit"), QString::number(limit));
    return q;
}

bool HistoryFilter::matches(const HistoryRow &row) const {
    if (state.isEmpty() ? !isFinishedState(row.state) : row.state != state)
        return false;
    if (sinceMs > 0 && row.endMs < sinceMs)
        return false;
    if (untilMs > 0 && (row.endMs == 0 || row.endMs > untilMs))
        return false;
    if (!name.isEmpty() && !globMatches(name, row.name))
        return false;
    if (!tag.isEmpty() && !row.tags.contains(tag))
        return false;
    return true;
}

}  // namespace nd
