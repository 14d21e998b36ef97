// #SBATCH directives: tokenised the way sbatch does (quotes, backslash escapes, '#' comments) and mapped
// onto a JobSpec. Options without meaning on one machine are accepted with a warning; anything else that
// we cannot honour is an error naming the line, so that a script never runs differently than its author
// expects.
#include "core/jobs/SbatchScript.h"

#include <QDateTime>

#include <algorithm>
#include <array>
#include <limits>

#include "core/jobs/SlurmSyntax.h"

namespace nd {

namespace {

enum class Argument { required = 1, optional, none };
enum class Meaning { applied = 1, ignoredWithWarning };

// Collected while reading; some options only make sense once every line has been read (--mem-per-gpu
// needs the GPU count, --nice the priority).
struct ParseState {
    JobSpec spec;
    QStringList warnings;
    std::optional<qint64> memPerGpuMib;
    std::optional<qint64> memPerCpuMib;
    int memOptionLine = 0;        // the line of the last --mem/--mem-per-gpu/--mem-per-cpu, for conflicts
    unsigned memOptionKinds = 0;  // which of the three were given (one bit each): they exclude each other
    std::optional<qint64> priority;
    qint64 nice = 0;
};

struct OptionUse {
    QString longName;  // without "--"
    QString value;     // empty for flags
    bool hasValue = false;
    int line = 0;
    QString shown() const {
        return hasValue ? QStringLiteral("--%1=%2").arg(longName, value) : QStringLiteral("--") + longName;
    }
};

using Handler = VoidResult (*)(ParseState &, const OptionUse &);

struct OptionDef {
    QLatin1String longName;
    char shortName;  // 0 when none
    Argument argument;
    Meaning meaning;
    Handler handler;  // only for Meaning::applied, and for ignored options with a required value check
};

template <typename T>
VoidResult assign(const Result<T> &parsed, T *out) {
    if (!parsed)
        return Error{parsed.error()};
    *out = parsed.value();
    return success();
}

Result<qint64> parseInteger(const OptionUse &use, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 value = use.value.trimmed().toLongLong(&ok);
    if (!ok || value < min || value > max)
        return Error{QStringLiteral("%1: expected a whole number from %2 to %3")
                         .arg(use.shown(), QString::number(min), QString::number(max))};
    return value;
}

// --gpus=[type:]count, as sbatch reads it for --gpus, --gpus-per-node and --gpus-per-task.
VoidResult setGpuCount(ParseState &state, const OptionUse &use) {
    const QStringList parts = use.value.split(u':');
    bool isNumber = false;
    const int count = parts.back().toInt(&isNumber);
    if (parts.size() > 2 || !isNumber || count < 0 || (parts.size() == 2 && parts.front().isEmpty()))
        return Error{
            QStringLiteral("%1: give a GPU count, optionally with a type (2 or a100:2)").arg(use.shown())};
    state.spec.gpus = count;
    return success();
}

Result<qint64> parseBeginTime(const QString &text) {
    const QString value = text.trimmed();
    const auto fail = [&text] {
        return Error{QStringLiteral("invalid begin time '%1': use now+N[seconds|minutes|hours|days|weeks], "
                                    "YYYY-MM-DD[THH:MM[:SS]], HH:MM[:SS], today, tomorrow, midnight or noon")
                         .arg(text)};
    };
    const QDateTime now = QDateTime::currentDateTime();
    if (value.startsWith(QLatin1String("now"), Qt::CaseInsensitive)) {
        if (value.size() == 3)
            return now.toMSecsSinceEpoch();
        if (value.at(3) != u'+')
            return fail();
        qsizetype digitsEnd = 4;
        while (digitsEnd < value.size() && value.at(digitsEnd).isDigit())
            ++digitsEnd;
        bool ok = false;
        const qint64 count = QStringView(value).mid(4, digitsEnd - 4).toLongLong(&ok);
        if (!ok || digitsEnd - 4 > 9)
            return fail();
        const QString unit = value.mid(digitsEnd).toLower();
        qint64 unitSeconds = 0;
        static const std::array<std::pair<QLatin1String, qint64>, 5> units{{
            {QLatin1String("seconds"), 1},
            {QLatin1String("minutes"), 60},
            {QLatin1String("hours"), 3600},
            {QLatin1String("days"), 86400},
            {QLatin1String("weeks"), 7 * 86400},
        }};
        if (unit.isEmpty())
            unitSeconds = 1;
        for (const auto &[name, seconds] : units) {
            // "s", "sec", "second", "seconds", "min", "hour", "h", …: any leading part of the unit's name.
            if (!unit.isEmpty() && QString(name).startsWith(unit))
                unitSeconds = seconds;
        }
        if (unit == QLatin1String("m"))
            unitSeconds = 60;  // "m" alone is minutes, not months
        if (unitSeconds == 0)
            return fail();
        return now.toMSecsSinceEpoch() + count * unitSeconds * 1000;
    }
    const QDateTime midnight = now.date().startOfDay();
    if (value.compare(QLatin1String("today"), Qt::CaseInsensitive) == 0)
        return midnight.toMSecsSinceEpoch();
    if (value.compare(QLatin1String("tomorrow"), Qt::CaseInsensitive) == 0 ||
        value.compare(QLatin1String("midnight"), Qt::CaseInsensitive) == 0)
        return now.date().addDays(1).startOfDay().toMSecsSinceEpoch();
    if (value.compare(QLatin1String("noon"), Qt::CaseInsensitive) == 0) {
        const QDateTime noon = midnight.addSecs(12 * 3600);
        return (noon > now ? noon : noon.addDays(1)).toMSecsSinceEpoch();
    }
    // A time of day alone: today, or tomorrow when it has passed (as sbatch does).
    for (const QLatin1String format : {QLatin1String("HH:mm:ss"), QLatin1String("HH:mm")}) {
        const QTime time = QTime::fromString(value, format);
        if (time.isValid()) {
            const QDateTime at(now.date(), time);
            return (at > now ? at : at.addDays(1)).toMSecsSinceEpoch();
        }
    }
    const QDateTime at = QDateTime::fromString(value, Qt::ISODate);
    if (!at.isValid() || !value.at(0).isDigit())
        return fail();
    return at.toMSecsSinceEpoch();
}

VoidResult applyExport(ParseState &state, const OptionUse &use) {
    const QStringList items = use.value.split(u',');
    bool all = false;
    for (const QString &item : items) {
        if (item.compare(QLatin1String("NONE"), Qt::CaseInsensitive) == 0)
            return Error{
                QStringLiteral("--export=NONE is not supported: a local job starts from the queue's "
                               "environment (write --export=ALL,VAR=value to add variables)")};
        if (item.compare(QLatin1String("ALL"), Qt::CaseInsensitive) == 0)
            all = true;
    }
    if (!all)
        return Error{QStringLiteral("%1 without ALL would start the job with only these variables, which is "
                                    "not supported; write --export=ALL,%2")
                         .arg(use.shown(), use.value)};
    for (const QString &item : items) {
        const qsizetype equals = item.indexOf(u'=');
        if (equals < 0)
            continue;  // ALL, or a name whose value the environment already carries
        const QString name = item.left(equals);
        const QString value = item.mid(equals + 1);
        QList<QPair<QString, QString>> &env = state.spec.env;
        const auto existing =
            std::find_if(env.begin(), env.end(), [&name](const auto &entry) { return entry.first == name; });
        if (existing != env.end())
            existing->second = value;
        else
            env.append({name, value});
    }
    return success();
}

// `slot` is where a per-GPU or per-CPU size waits for the end; nullptr for --mem itself.
VoidResult rememberMemory(ParseState &state, const OptionUse &use, std::optional<qint64> *slot) {
    const Result<qint64> mib = parseMemoryMib(use.value);
    if (!mib)
        return Error{mib.error()};
    if (slot == &state.memPerGpuMib)
        state.memOptionKinds |= 2u;
    else if (slot == &state.memPerCpuMib)
        state.memOptionKinds |= 4u;
    else
        state.memOptionKinds |= 1u;
    if (slot != nullptr)
        *slot = mib.value();
    else
        state.spec.memMib = mib.value();
    state.memOptionLine = use.line;
    return success();
}

// Accepted with a warning only for the value that means "one machine" (--nodes=1, --ntasks=1).
VoidResult requireOne(const OptionUse &use, const QString &why) {
    const QString value = use.value.trimmed();
    if (value == QLatin1String("1") || value == QLatin1String("1-1"))
        return success();
    return Error{QStringLiteral("%1: %2").arg(use.shown(), why)};
}

// clang-format off
const std::array options{
    OptionDef{QLatin1String("job-name"), 'J', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { s.spec.name = u.value; return success(); }},
    OptionDef{QLatin1String("gres"), 0, Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return assign(parseGres(u.value), &s.spec.gpus); }},
    OptionDef{QLatin1String("gpus"), 'G', Argument::required, Meaning::applied, setGpuCount},
    OptionDef{QLatin1String("gpus-per-node"), 0, Argument::required, Meaning::applied, setGpuCount},
    OptionDef{QLatin1String("gpus-per-task"), 0, Argument::required, Meaning::applied, setGpuCount},
    OptionDef{QLatin1String("time"), 't', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return assign(parseTimeLimit(u.value), &s.spec.timeLimitSec); }},
    OptionDef{QLatin1String("mem"), 0, Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return rememberMemory(s, u, nullptr); }},
    OptionDef{QLatin1String("mem-per-gpu"), 0, Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return rememberMemory(s, u, &s.memPerGpuMib); }},
    OptionDef{QLatin1String("mem-per-cpu"), 0, Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return rememberMemory(s, u, &s.memPerCpuMib); }},
    OptionDef{QLatin1String("cpus-per-task"), 'c', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) {
                  const Result<qint64> cpus = parseInteger(u, 1, maxJobCpus);
                  if (cpus)
                      s.spec.cpus = static_cast<int>(cpus.value());
                  return cpus ? success() : VoidResult(Error{cpus.error()});
              }},
    OptionDef{QLatin1String("array"), 'a', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) {
                  const Result<ArraySpec> array = parseArraySpec(u.value);
                  if (array)
                      s.spec.array = array.value();
                  return array ? success() : VoidResult(Error{array.error()});
              }},
    OptionDef{QLatin1String("dependency"), 'd', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return assign(parseDependencies(u.value), &s.spec.dependencies); }},
    OptionDef{QLatin1String("output"), 'o', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { s.spec.stdoutPath = u.value; return success(); }},
    OptionDef{QLatin1String("error"), 'e', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { s.spec.stderrPath = u.value; return success(); }},
    OptionDef{QLatin1String("chdir"), 'D', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { s.spec.workdir = u.value; return success(); }},
    OptionDef{QLatin1String("hold"), 'H', Argument::none, Meaning::applied,
              [](ParseState &s, const OptionUse &) { s.spec.hold = true; return success(); }},
    OptionDef{QLatin1String("nice"), 0, Argument::optional, Meaning::applied,
              [](ParseState &s, const OptionUse &u) {
                  // --nice alone is 100, as in sbatch; a higher nice runs later.
                  const Result<qint64> nice = u.hasValue ? parseInteger(u, -2147483645, 2147483645) : Result<qint64>(100);
                  return assign(nice, &s.nice);
              }},
    OptionDef{QLatin1String("priority"), 0, Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) {
                  const Result<qint64> priority = parseInteger(u, -1'000'000'000'000, 1'000'000'000'000);
                  if (priority)
                      s.priority = priority.value();
                  return priority ? success() : VoidResult(Error{priority.error()});
              }},
    OptionDef{QLatin1String("begin"), 'b', Argument::required, Meaning::applied,
              [](ParseState &s, const OptionUse &u) { return assign(parseBeginTime(u.value), &s.spec.beginTimeMs); }},
    OptionDef{QLatin1String("export"), 0, Argument::required, Meaning::applied, applyExport},
    OptionDef{QLatin1String("requeue"), 0, Argument::none, Meaning::applied,
              [](ParseState &s, const OptionUse &) { s.spec.maxRetries = std::max(s.spec.maxRetries, 1); return success(); }},
    OptionDef{QLatin1String("no-requeue"), 0, Argument::none, Meaning::applied,
              [](ParseState &s, const OptionUse &) { s.spec.maxRetries = 0; return success(); }},
    // Without meaning on one machine: accepted, with a warning.
    OptionDef{QLatin1String("partition"), 'p', Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("account"), 'A', Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("qos"), 'q', Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("mail-type"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("mail-user"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("constraint"), 'C', Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("comment"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("signal"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("open-mode"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("export-file"), 0, Argument::required, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("exclusive"), 0, Argument::optional, Meaning::ignoredWithWarning, nullptr},
    OptionDef{QLatin1String("nodes"), 'N', Argument::required, Meaning::ignoredWithWarning,
              [](ParseState &, const OptionUse &u) { return requireOne(u, QStringLiteral("the local queue runs every job on this one machine")); }},
    OptionDef{QLatin1String("ntasks"), 'n', Argument::required, Meaning::ignoredWithWarning,
              [](ParseState &, const OptionUse &u) { return requireOne(u, QStringLiteral("the local queue runs one task per job (use --cpus-per-task for more CPUs)")); }},
    OptionDef{QLatin1String("ntasks-per-node"), 0, Argument::required, Meaning::ignoredWithWarning,
              [](ParseState &, const OptionUse &u) { return requireOne(u, QStringLiteral("the local queue runs one task per job (use --cpus-per-task for more CPUs)")); }},
};
// clang-format on

const OptionDef *findLong(QStringView name) {
    for (const OptionDef &option : options) {
        if (option.longName == name)
            return &option;
    }
    return nullptr;
}

const OptionDef *findShort(QChar name) {
    for (const OptionDef &option : options) {
        if (option.shortName != 0 && name == QLatin1Char(option.shortName))
            return &option;
    }
    return nullptr;
}

// Splits what follows "#SBATCH" into arguments as sbatch does: whitespace separates, quotes group (and are
// removed), a backslash escapes the next character, and an unquoted '#' starts a comment.
Result<QStringList> tokenize(QStringView text) {
    QStringList tokens;
    QString current;
    bool inToken = false;
    QChar quote;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text.at(i);
        if (!quote.isNull()) {
            if (c == quote)
                quote = QChar();
            else
                current += c;
            continue;
        }
        if (c == u'\\' && i + 1 < text.size()) {
            current += text.at(++i);
            inToken = true;
        } else if (c == u'"' || c == u'\'') {
            quote = c;
            inToken = true;
        } else if (c == u'#') {
            break;
        } else if (c.isSpace()) {
            if (inToken)
                tokens.append(current);
            current.clear();
            inToken = false;
        } else {
            current += c;
            inToken = true;
        }
    }
    if (!quote.isNull())
        return Error{QStringLiteral("unmatched %1").arg(quote)};
    if (inToken)
        tokens.append(current);
    return tokens;
}

VoidResult applyOption(ParseState &state, const OptionDef &option, const OptionUse &use) {
    if (option.handler != nullptr) {
        if (VoidResult result = option.handler(state, use); !result)
            return Error{QStringLiteral("line %1: %2").arg(QString::number(use.line), result.error())};
    }
    if (option.meaning == Meaning::ignoredWithWarning)
        state.warnings.append(
            QStringLiteral("%1 ignored (line %2)").arg(use.shown(), QString::number(use.line)));
    return success();
}

// One line's arguments, getopt style: "--opt=value", "--opt value", "-J name", "-Jname", "-H".
VoidResult parseLine(ParseState &state, const QStringList &tokens, int line) {
    const auto fail = [line](const QString &message) {
        return Error{QStringLiteral("line %1: %2").arg(QString::number(line), message)};
    };
    for (qsizetype i = 0; i < tokens.size(); ++i) {
        const QString &token = tokens[i];
        OptionUse use;
        use.line = line;
        const OptionDef *option = nullptr;
        if (token.startsWith(QLatin1String("--")) && token.size() > 2) {
            const qsizetype equals = token.indexOf(u'=');
            const QStringView name = QStringView(token).mid(2, equals < 0 ? -1 : equals - 2);
            option = findLong(name);
            if (option == nullptr)
                return fail(QStringLiteral("unknown #SBATCH option --%1").arg(name));
            use.hasValue = equals >= 0;
            use.value = use.hasValue ? token.mid(equals + 1) : QString();
        } else if (token.startsWith(u'-') && token.size() > 1 && token.at(1) != u'-') {
            option = findShort(token.at(1));
            if (option == nullptr)
                return fail(QStringLiteral("unknown #SBATCH option -%1").arg(token.at(1)));
            if (option->argument == Argument::none) {
                if (token.size() > 2)
                    return fail(QStringLiteral("-%1 takes no value (in '%2')").arg(token.at(1)).arg(token));
            } else if (token.size() > 2) {
                use.hasValue = true;
                use.value = token.mid(2);
            }
            if (option->argument == Argument::optional)
                use.hasValue = token.size() > 2;
        } else {
            return fail(QStringLiteral("'%1' is not an option (write --name=value or -x value)").arg(token));
        }
        use.longName = option->longName;

        if (option->argument == Argument::required && !use.hasValue) {
            if (i + 1 == tokens.size())
                return fail(QStringLiteral("--%1 needs a value").arg(use.longName));
            use.value = tokens[++i];
            use.hasValue = true;
        }
        if (option->argument == Argument::none && use.hasValue)
            return fail(QStringLiteral("--%1 takes no value").arg(use.longName));
        if (VoidResult result = applyOption(state, *option, use); !result)
            return result;
    }
    return success();
}

// What needs every line read: memory per GPU/CPU and the priority after --nice.
VoidResult finish(ParseState &state) {
    if ((state.memOptionKinds & (state.memOptionKinds - 1)) != 0)  // more than one bit set
        return Error{QStringLiteral("line %1: --mem, --mem-per-gpu and --mem-per-cpu exclude each other; "
                                    "give only one of them")
                         .arg(state.memOptionLine)};
    if (state.memPerGpuMib) {
        if (state.spec.gpus > 0)
            state.spec.memMib = *state.memPerGpuMib * state.spec.gpus;
        else
            state.warnings.append(QStringLiteral("--mem-per-gpu ignored (line %1): the job asks for no GPUs")
                                      .arg(state.memOptionLine));
    }
    if (state.memPerCpuMib)
        state.spec.memMib = *state.memPerCpuMib * state.spec.cpus;
    if (state.priority || state.nice != 0)
        state.spec.priority = state.priority.value_or(state.spec.priority) - state.nice;
    return success();
}

}  // namespace

Result<SbatchDirectives> parseSbatchDirectives(const QString &script, JobSpec base) {
    static const QLatin1String magic("#SBATCH");
    ParseState state;
    state.spec = std::move(base);
    const QStringList lines = script.split(u'\n');
    for (qsizetype index = 0; index < lines.size(); ++index) {
        QStringView line = lines[index];
        if (line.endsWith(u'\r'))
            line.chop(1);
        const int lineNumber = static_cast<int>(index) + 1;
        if (line.startsWith(magic)) {
            const QStringView rest = line.mid(magic.size());
            if (!rest.isEmpty() && !rest.front().isSpace() && rest.front() != u'-')
                continue;  // "#SBATCHING …" is a comment, not a directive
            const Result<QStringList> tokens = tokenize(rest);
            if (!tokens)
                return Error{QStringLiteral("line %1: %2").arg(QString::number(lineNumber), tokens.error())};
            if (VoidResult result = parseLine(state, tokens.value(), lineNumber); !result)
                return Error{result.error()};
            continue;
        }
        // sbatch stops at the first line that is neither blank nor a comment: later #SBATCH lines are
        // ordinary comments of the script.
        const QStringView trimmed = line.trimmed();
        if (!trimmed.isEmpty() && !trimmed.startsWith(u'#'))
            break;
    }
    if (VoidResult result = finish(state); !result)
        return Error{result.error()};
    return SbatchDirectives{std::move(state.spec), std::move(state.warnings)};
}

}  // namespace nd
