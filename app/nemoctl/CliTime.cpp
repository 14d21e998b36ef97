// CliTime: relative ("now+5min") and absolute (ISO 8601, time of day) points in time.
#include "CliTime.h"

#include <QDateTime>
#include <QRegularExpression>

namespace nd::cli {

namespace {

// Seconds per unit, by the unit's spellings (Slurm's and the usual abbreviations).
qint64 unitSeconds(const QString &unit) {
    static const struct {
        const char *names[5];
        qint64 seconds;
    } units[] = {
        {{"", "s", "sec", "second", "seconds"}, 1},
        {{"m", "min", "mins", "minute", "minutes"}, 60},
        {{"h", "hour", "hours", "hr", "hrs"}, 3600},
        {{"d", "day", "days", nullptr, nullptr}, 86400},
        {{"w", "week", "weeks", nullptr, nullptr}, 7 * 86400},
    };
    for (const auto &u : units)
        for (const char *name : u.names)
            if (name && unit == QLatin1StringView(name))
                return u.seconds;
    return 0;
}

QString formsHelp() {
    return QStringLiteral(
        "use now, now+N[unit] or now-N[unit] (units: s, min, hours, days, weeks; e.g. now+5min, now-1day), "
        "an ISO date and time (2026-11-26T10:00) or a time of day (10:00)");
}

}  // namespace

Result<qint64> parseTimePoint(const QString &text, qint64 nowMs, PastTimeOfDay pastTimeOfDay) {
    const QString t = text.trimmed().toLower();
    static const QRegularExpression relative(QStringLiteral("^now(?:([+-])(\\d+)\\s*([a-z]*))?$"));
    const QRegularExpressionMatch rel = relative.match(t);
    if (rel.hasMatch()) {
        if (rel.capturedView(1).isEmpty())
            return nowMs;
        const qint64 seconds = unitSeconds(rel.captured(3));
        bool ok = false;
        const qint64 count = rel.captured(2).toLongLong(&ok);
        if (seconds == 0 || !ok || count > 100LL * 365 * 86400)
            return Error{QStringLiteral("'%1' is not a time: %2").arg(text, formsHelp())};
        const qint64 deltaMs = count * seconds * 1000;
        return rel.capturedView(1) == u"+" ? nowMs + deltaMs : nowMs - deltaMs;
    }

    static const QRegularExpression timeOfDay(QStringLiteral("^(\\d{1,2}):(\\d{2})(?::(\\d{2}))?$"));
    const QRegularExpressionMatch tod = timeOfDay.match(t);
    if (tod.hasMatch()) {
        const QTime time(tod.captured(1).toInt(), tod.captured(2).toInt(), tod.captured(3).toInt());
        if (!time.isValid())
            return Error{QStringLiteral("'%1' is not a time of day").arg(text)};
        const QDateTime now = QDateTime::fromMSecsSinceEpoch(nowMs);
        QDateTime at(now.date(), time);
        if (at < now && pastTimeOfDay == PastTimeOfDay::tomorrow)
            at = at.addDays(1);
        return at.toMSecsSinceEpoch();
    }

    QString iso = t.toUpper();
    iso.replace(u' ', u'T');
    for (const QString &format : {QStringLiteral("yyyy-MM-ddTHH:mm:ss"), QStringLiteral("yyyy-MM-ddTHH:mm"),
                                  QStringLiteral("yyyy-MM-dd")}) {
        const QDateTime at = QDateTime::fromString(iso, format);
        if (at.isValid())
            return at.toMSecsSinceEpoch();
    }
    return Error{QStringLiteral("'%1' is not a time: %2").arg(text, formsHelp())};
}

bool isJobIdArgument(const QString &text) {
    static const QRegularExpression id(QStringLiteral("^[1-9]\\d{0,17}(_\\d{1,9})?$"));
    return id.match(text).hasMatch();
}

}  // namespace nd::cli
