// Slurm's little languages (time limits, memory sizes, arrays, dependencies, gres, output patterns),
// parsed the way sbatch reads them, with errors that quote the input and show a valid form.
#include "core/jobs/SlurmSyntax.h"

#include <QSysInfo>

#include <algorithm>
#include <limits>

#include <pwd.h>
#include <unistd.h>

namespace nd {

namespace {

// Digits only (no sign, no spaces), at most `maxDigits` of them so that nothing can overflow.
std::optional<qint64> parseDigits(QStringView text, int maxDigits = 15) {
    if (text.isEmpty() || text.size() > maxDigits)
        return std::nullopt;
    qint64 value = 0;
    for (const QChar c : text) {
        if (c < u'0' || c > u'9')
            return std::nullopt;
        value = value * 10 + (c.unicode() - u'0');
    }
    return value;
}

QString twoDigits(qint64 value) {
    return QStringLiteral("%1").arg(value, 2, 10, QLatin1Char('0'));
}

QString formatClock(qint64 seconds) {
    const qint64 days = seconds / 86400;
    const qint64 hours = seconds / 3600 % 24;
    const qint64 minutes = seconds / 60 % 60;
    const qint64 secs = seconds % 60;
    if (days > 0)
        return QStringLiteral("%1-%2:%3:%4")
            .arg(days)
            .arg(twoDigits(hours), twoDigits(minutes), twoDigits(secs));
    if (hours > 0)
        return QStringLiteral("%1:%2:%3").arg(hours).arg(twoDigits(minutes), twoDigits(secs));
    return QStringLiteral("%1:%2").arg(minutes).arg(twoDigits(secs));
}

// A job id as it appears in a dependency: "12" or "12_3".
struct JobRef {
    qint64 jobId = 0;
    int arrayTaskId = -1;
};

// Job ids travel through JSON as doubles: keep them exactly representable.
constexpr qint64 maxJobId = (qint64{1} << 53) - 1;

std::optional<JobRef> parseJobRef(QStringView text) {
    JobRef ref;
    const qsizetype underscore = text.indexOf(u'_');
    const QStringView idText = underscore < 0 ? text : text.left(underscore);
    const std::optional<qint64> id = parseDigits(idText);
    if (!id || *id <= 0 || *id > maxJobId)
        return std::nullopt;
    ref.jobId = *id;
    if (underscore >= 0) {
        const std::optional<qint64> task = parseDigits(text.mid(underscore + 1), 8);
        if (!task || *task > maxArrayTaskId)
            return std::nullopt;
        ref.arrayTaskId = static_cast<int>(*task);
    }
    return ref;
}

QString dependencyKindName(Dependency::Kind kind) {
    switch (kind) {
        case Dependency::Kind::after:
            return QStringLiteral("after");
        case Dependency::Kind::afterAny:
            return QStringLiteral("afterany");
        case Dependency::Kind::afterOk:
            return QStringLiteral("afterok");
        case Dependency::Kind::afterNotOk:
            return QStringLiteral("afternotok");
    }
    return QStringLiteral("afterok");
}

QString currentUserName() {
    // getpwuid_r rather than $USER: the daemon may have been started with a trimmed environment.
    long bufferSize = sysconf(_SC_GETPW_R_SIZE_MAX);
    if (bufferSize <= 0)
        bufferSize = 16384;
    std::string buffer(static_cast<size_t>(bufferSize), '\0');
    passwd entry{};
    passwd *found = nullptr;
    if (getpwuid_r(geteuid(), &entry, buffer.data(), buffer.size(), &found) == 0 && found != nullptr)
        return QString::fromLocal8Bit(found->pw_name);
    const QString fromEnvironment = qEnvironmentVariable("USER");
    return fromEnvironment.isEmpty() ? QString::number(geteuid()) : fromEnvironment;
}

QString shortHostName() {
    const QString host = QSysInfo::machineHostName();
    const qsizetype dot = host.indexOf(u'.');
    return dot > 0 ? host.left(dot) : host;
}

}  // namespace

Result<qint64> parseTimeLimit(const QString &text) {
    const QString trimmed = text.trimmed();
    const auto fail = [&text] {
        return Error{QStringLiteral("invalid time limit '%1': use minutes, MM:SS, HH:MM:SS, D-HH, D-HH:MM, "
                                    "D-HH:MM:SS or UNLIMITED (e.g. 90, 1:30:00, 2-00:00:00)")
                         .arg(text)};
    };
    if (trimmed.compare(QLatin1String("UNLIMITED"), Qt::CaseInsensitive) == 0 ||
        trimmed.compare(QLatin1String("INFINITE"), Qt::CaseInsensitive) == 0 ||
        trimmed == QLatin1String("-1"))
        return qint64{0};

    // Like Slurm, each field may exceed its clock range ("90:00" is 90 minutes); the fields are summed.
    qint64 days = 0;
    QStringView clock = trimmed;
    const qsizetype dash = trimmed.indexOf(u'-');
    if (dash >= 0) {
        const std::optional<qint64> d = parseDigits(clock.left(dash), 6);
        if (!d)
            return fail();
        days = *d;
        clock = clock.mid(dash + 1);
    }
    const QList<QStringView> parts = clock.split(u':');
    if (parts.size() > 3)
        return fail();
    QList<qint64> values;
    for (const QStringView part : parts) {
        const std::optional<qint64> value = parseDigits(part, 9);
        if (!value)
            return fail();
        values.append(*value);
    }
    qint64 seconds = days * 86400;
    if (dash >= 0) {
        // D-HH, D-HH:MM, D-HH:MM:SS
        const qint64 unit[] = {3600, 60, 1};
        for (qsizetype i = 0; i < values.size(); ++i)
            seconds += values[i] * unit[i];
    } else if (values.size() == 3) {
        seconds += values[0] * 3600 + values[1] * 60 + values[2];
    } else {
        // MM or MM:SS
        seconds += values[0] * 60 + (values.size() == 2 ? values[1] : 0);
    }
    return seconds;
}

QString formatDuration(qint64 seconds) {
    if (seconds <= 0)
        return QStringLiteral("UNLIMITED");
    return formatClock(seconds);
}

QString formatElapsed(qint64 seconds) {
    return formatClock(std::max<qint64>(seconds, 0));
}

Result<qint64> parseMemoryMib(const QString &text) {
    const QString trimmed = text.trimmed();
    const auto fail = [&text] {
        return Error{
            QStringLiteral("invalid memory size '%1': use a whole number with an optional unit K, M, "
                           "G or T (e.g. 512M, 4G; no unit means MiB)")
                .arg(text)};
    };
    if (trimmed.isEmpty())
        return fail();
    QStringView digits = trimmed;
    int shift = 0;  // MiB = number << shift (or >> 10 for KiB)
    bool kibibytes = false;
    const QChar unit = trimmed.back().toUpper();
    if (!unit.isDigit()) {
        digits.chop(1);
        if (unit == u'K')
            kibibytes = true;
        else if (unit == u'G')
            shift = 10;
        else if (unit == u'T')
            shift = 20;
        else if (unit != u'M')
            return fail();
    }
    const std::optional<qint64> number = parseDigits(digits, 15);
    if (!number)
        return fail();
    if (kibibytes)
        return (*number + 1023) / 1024;  // Slurm rounds KiB up to whole MiB
    if (*number > (std::numeric_limits<qint64>::max() >> shift))
        return fail();
    return *number << shift;
}

Result<ArraySpec> parseArraySpec(const QString &text) {
    const QString trimmed = text.trimmed();
    const auto fail = [&text](const QString &why) {
        return Error{QStringLiteral("invalid job array '%1': %2 (valid forms: 1-100, 1-100:2, 1,5,9, 0-15%4)")
                         .arg(text, why)};
    };
    if (trimmed.isEmpty())
        return fail(QStringLiteral("it is empty"));

    ArraySpec array;
    array.text = trimmed;
    QStringView list = trimmed;
    const qsizetype percent = trimmed.indexOf(u'%');
    if (percent >= 0) {
        const std::optional<qint64> limit = parseDigits(list.mid(percent + 1), 9);
        if (!limit)
            return fail(QStringLiteral("after % comes the number of tasks that may run at once"));
        if (*limit < 1)
            return fail(QStringLiteral("%0 would never run a task; the limit must be at least 1"));
        array.maxConcurrent = static_cast<int>(std::min<qint64>(*limit, std::numeric_limits<int>::max()));
        list = list.left(percent);
    }

    // Count first, expand after: "0-4000000" must fail before it allocates millions of entries.
    struct Range {
        qint64 first, last, step;
    };
    QList<Range> ranges;
    qint64 count = 0;
    for (const QStringView item : list.split(u',')) {
        if (item.isEmpty())
            return fail(QStringLiteral("an empty entry between commas"));
        QStringView bounds = item;
        qint64 step = 1;
        const qsizetype colon = item.indexOf(u':');
        if (colon >= 0) {
            const std::optional<qint64> s = parseDigits(item.mid(colon + 1), 9);
            if (!s)
                return fail(QStringLiteral("'%1' has no step after ':'").arg(item));
            if (*s < 1)
                return fail(QStringLiteral("'%1' has step 0; the step must be at least 1").arg(item));
            step = *s;
            bounds = item.left(colon);
        }
        const qsizetype dash = bounds.indexOf(u'-');
        if (colon >= 0 && dash < 0)
            return fail(QStringLiteral("'%1' has a step but no range").arg(item));
        const std::optional<qint64> first = parseDigits(dash < 0 ? bounds : bounds.left(dash), 9);
        const std::optional<qint64> last = dash < 0 ? first : parseDigits(bounds.mid(dash + 1), 9);
        if (!first || !last)
            return fail(QStringLiteral("'%1' is not a task id or a range of them").arg(item));
        if (*first > *last)
            return fail(QStringLiteral("'%1' ends before it starts").arg(item));
        if (*last > maxArrayTaskId)
            return fail(QStringLiteral("task ids go up to %1").arg(maxArrayTaskId));
        count += (*last - *first) / step + 1;
        if (count > maxArrayTasks)
            return fail(QStringLiteral("more than %1 tasks").arg(maxArrayTasks));
        ranges.append({*first, *last, step});
    }

    array.taskIds.reserve(count);
    for (const Range &range : ranges) {
        for (qint64 id = range.first; id <= range.last; id += range.step)
            array.taskIds.append(static_cast<int>(id));
    }
    std::sort(array.taskIds.begin(), array.taskIds.end());
    const auto duplicate = std::adjacent_find(array.taskIds.cbegin(), array.taskIds.cend());
    if (duplicate != array.taskIds.cend())
        return fail(QStringLiteral("task %1 is listed more than once").arg(*duplicate));
    return array;
}

QString formatArraySpec(const ArraySpec &array) {
    QStringList items;
    const QList<int> &ids = array.taskIds;
    qsizetype i = 0;
    while (i < ids.size()) {
        // The longest run with one step from here; a run of two with a step > 1 reads better as "a,b".
        qsizetype end = i;
        const int step = i + 1 < ids.size() ? ids[i + 1] - ids[i] : 1;
        while (end + 1 < ids.size() && ids[end + 1] - ids[end] == step)
            ++end;
        const qsizetype length = end - i + 1;
        if (length >= 3 || (length == 2 && step == 1)) {
            items.append(step == 1 ? QStringLiteral("%1-%2").arg(ids[i]).arg(ids[end])
                                   : QStringLiteral("%1-%2:%3").arg(ids[i]).arg(ids[end]).arg(step));
            i = end + 1;
        } else {
            items.append(QString::number(ids[i]));
            ++i;
        }
    }
    QString text = items.join(u',');
    if (array.maxConcurrent > 0)
        text += QStringLiteral("%%1").arg(array.maxConcurrent);
    return text;
}

Result<QList<Dependency>> parseDependencies(const QString &text) {
    const QString trimmed = text.trimmed();
    const auto fail = [&text](const QString &why) {
        return Error{
            QStringLiteral("invalid dependency '%1': %2 (e.g. afterok:12:13,afterany:14_2)").arg(text, why)};
    };
    QList<Dependency> dependencies;
    if (trimmed.isEmpty())
        return dependencies;
    if (trimmed.contains(u'?'))
        return fail(QStringLiteral("'?' (any one of) is not supported; ',' (all of) is"));

    for (const QStringView item : QStringView(trimmed).split(u',')) {
        if (item.isEmpty())
            return fail(QStringLiteral("an empty entry between commas"));
        const QList<QStringView> parts = item.split(u':');
        Dependency::Kind kind = Dependency::Kind::afterAny;
        qsizetype firstId = 1;
        const QStringView type = parts.front();
        if (type.compare(QLatin1String("after"), Qt::CaseInsensitive) == 0) {
            kind = Dependency::Kind::after;
        } else if (type.compare(QLatin1String("afterany"), Qt::CaseInsensitive) == 0) {
            kind = Dependency::Kind::afterAny;
        } else if (type.compare(QLatin1String("afterok"), Qt::CaseInsensitive) == 0) {
            kind = Dependency::Kind::afterOk;
        } else if (type.compare(QLatin1String("afternotok"), Qt::CaseInsensitive) == 0) {
            kind = Dependency::Kind::afterNotOk;
        } else if (type.compare(QLatin1String("singleton"), Qt::CaseInsensitive) == 0) {
            return fail(QStringLiteral("'singleton' is not supported; name the job ids to wait for"));
        } else if (parts.size() == 1 && parseJobRef(type)) {
            firstId = 0;  // a bare job id: Slurm's old form, meaning afterany
        } else {
            return fail(QStringLiteral("'%1' is not one of after, afterany, afterok, afternotok").arg(type));
        }
        if (firstId == parts.size())
            return fail(QStringLiteral("'%1' names no job id").arg(item));
        for (qsizetype i = firstId; i < parts.size(); ++i) {
            if (parts[i].contains(u'+'))
                return fail(QStringLiteral("time offsets such as '%1' are not supported").arg(parts[i]));
            const std::optional<JobRef> ref = parseJobRef(parts[i]);
            if (!ref)
                return fail(
                    QStringLiteral("'%1' is not a job id (12) or an array task (12_3)").arg(parts[i]));
            dependencies.append({kind, ref->jobId, ref->arrayTaskId});
        }
    }
    return dependencies;
}

QString formatDependencies(const QList<Dependency> &dependencies) {
    // Consecutive dependencies of one kind share their type: "afterok:12:13,afterany:14_2".
    QString text;
    for (qsizetype i = 0; i < dependencies.size(); ++i) {
        const Dependency &dependency = dependencies[i];
        if (i == 0 || dependencies[i - 1].kind != dependency.kind) {
            if (i > 0)
                text += u',';
            text += dependencyKindName(dependency.kind);
        }
        text += u':';
        text += QString::number(dependency.jobId);
        if (dependency.arrayTaskId >= 0)
            text += QStringLiteral("_%1").arg(dependency.arrayTaskId);
    }
    return text;
}

Result<int> parseGres(const QString &text) {
    const QString trimmed = text.trimmed();
    const auto fail = [&text](const QString &why) {
        return Error{
            QStringLiteral("invalid gres '%1': %2 (valid forms: gpu, gpu:2, gpu:a100:2)").arg(text, why)};
    };
    if (trimmed.compare(QLatin1String("none"), Qt::CaseInsensitive) == 0)
        return 0;
    std::optional<int> gpus;
    for (QStringView item : QStringView(trimmed).split(u',')) {
        // squeue prints what was asked for as "gres:gpu:1" (newer versions "gres/gpu:1").
        if (item.startsWith(QLatin1String("gres:")) || item.startsWith(QLatin1String("gres/")))
            item = item.mid(5);
        const QList<QStringView> parts = item.split(u':');
        if (parts.front() != QLatin1String("gpu"))
            return fail(parts.front().isEmpty()
                            ? QStringLiteral("no resource name")
                            : QStringLiteral("only GPUs can be requested here, not '%1'").arg(parts.front()));
        if (gpus)
            return fail(QStringLiteral("GPUs are requested twice"));
        // gpu | gpu:COUNT | gpu:TYPE | gpu:TYPE:COUNT (the type cannot be honoured on one machine)
        if (parts.size() > 3)
            return fail(QStringLiteral("too many ':'"));
        int count = 1;
        if (parts.size() >= 2 && parts[1].isEmpty())
            return fail(QStringLiteral("nothing after ':'"));
        const bool endsWithCount = parts.size() == 3 || (parts.size() == 2 && parts[1].front().isDigit());
        if (endsWithCount) {
            const std::optional<qint64> n = parseDigits(parts.back(), 6);
            if (!n)
                return fail(QStringLiteral("'%1' is not a GPU count").arg(parts.back()));
            count = static_cast<int>(*n);
        }
        gpus = count;
    }
    if (!gpus)
        return fail(QStringLiteral("it is empty"));
    return *gpus;
}

QString expandOutputPattern(const QString &pattern, qint64 jobId, qint64 arrayJobId, int arrayTaskId,
                            const QString &jobName) {
    // As in Slurm: a backslash anywhere turns expansion off, and the backslashes are dropped.
    if (pattern.contains(u'\\')) {
        QString literal = pattern;
        return literal.remove(u'\\');
    }
    // Slurm's "no array task" value, NO_VAL - 1.
    constexpr qint64 noArrayTask = 4294967294;
    constexpr int maxWidth = 10;  // Slurm caps %<width> at 10
    QString out;
    out.reserve(pattern.size() + 16);
    qsizetype i = 0;
    while (i < pattern.size()) {
        const QChar c = pattern.at(i);
        if (c != u'%' || i + 1 == pattern.size()) {
            out += c;
            ++i;
            continue;
        }
        if (pattern.at(i + 1) == u'%') {
            out += u'%';
            i += 2;
            continue;
        }
        qsizetype j = i + 1;
        int width = 0;
        while (j < pattern.size() && pattern.at(j).isDigit() && pattern.at(j).unicode() < 128) {
            width = std::min(width * 10 + (pattern.at(j).unicode() - u'0'), 1000);
            ++j;
        }
        if (j == pattern.size()) {
            out += pattern.mid(i);
            break;
        }
        width = std::min(width, maxWidth);
        const auto number = [width](qint64 value) {
            return QStringLiteral("%1").arg(value, width, 10, QLatin1Char('0'));
        };
        switch (pattern.at(j).unicode()) {
            case u'j':
                out += number(jobId);
                break;
            case u'A':
                out += number(arrayJobId != 0 ? arrayJobId : jobId);
                break;
            case u'a':
                out += number(arrayTaskId >= 0 ? arrayTaskId : noArrayTask);
                break;
            case u'x':
                out += jobName;
                break;
            case u'u':
                out += currentUserName();
                break;
            case u'N':
                out += shortHostName();
                break;
            default:
                out += pattern.mid(i, j - i + 1);  // unknown: kept as written
                break;
        }
        i = j + 1;
    }
    return out;
}

}  // namespace nd
