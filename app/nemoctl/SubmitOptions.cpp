// SubmitOptions: sbatch's flags, checked here with core/jobs' parsers so that a typo costs no round trip.
#include "SubmitOptions.h"

#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QProcessEnvironment>
#include <QRegularExpression>

#include "CliTime.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd::cli {

namespace {

QCommandLineOption option(const QStringList &names, const char *help, const char *valueName = nullptr) {
    return valueName ? QCommandLineOption(names, QString::fromUtf8(help), QString::fromLatin1(valueName))
                     : QCommandLineOption(names, QString::fromUtf8(help));
}

QStringList names(std::initializer_list<const char *> list) {
    QStringList out;
    for (const char *n : list)
        out.append(QString::fromLatin1(n));
    return out;
}

Result<qint64> integer(const QString &flag, const QString &text, qint64 min, qint64 max) {
    bool ok = false;
    const qint64 n = text.trimmed().toLongLong(&ok);
    if (!ok || n < min || n > max)
        return Error{QStringLiteral("%1 takes a whole number from %2 to %3, not '%4'")
                         .arg(flag)
                         .arg(min)
                         .arg(max)
                         .arg(text)};
    return n;
}

// The flag's error with the flag named: "-t 'soon': …".
Error flagError(const QString &flag, const QString &value, const QString &why) {
    return Error{QStringLiteral("%1 '%2': %3").arg(flag, value, why)};
}

bool isEnvName(const QString &name) {
    static const QRegularExpression re(QStringLiteral("^[A-Za-z_][A-Za-z0-9_]*$"));
    return re.match(name).hasMatch();
}

// --export's list and --env's pairs into the spec's "env" object.
VoidResult addEnvironment(const QString &flag, const QString &item, QJsonObject *env) {
    const qsizetype eq = item.indexOf(u'=');
    const QString name = eq < 0 ? item : item.first(eq);
    if (!isEnvName(name))
        return flagError(flag, item,
                         QStringLiteral("expected VAR=value with a variable name of letters, digits and _"));
    if (eq >= 0) {
        env->insert(name, item.sliced(eq + 1));
        return success();
    }
    // "VAR" alone: its value here, as sbatch --export=VAR passes it on.
    const QProcessEnvironment here = QProcessEnvironment::systemEnvironment();
    if (!here.contains(name))
        return flagError(flag, item,
                         QStringLiteral("%1 is not set in this environment; give VAR=value").arg(name));
    env->insert(name, here.value(name));
    return success();
}

}  // namespace

SubmitOptions::SubmitOptions()
    : m_name(
          option(names({"J", "job-name"}),
                 "Job name (default: #SBATCH --job-name, the script's or program's file name, else 'wrap').",
                 "NAME"))
    , m_gpus(option(names({"G", "gpus"}), "Whole GPUs: N or TYPE:N (the type is ignored: one machine).", "N"))
    , m_gres(option(names({"gres"}), "GPUs as Slurm's generic resource: gpu, gpu:N or gpu:TYPE:N.", "GRES"))
    , m_gpuMem(option(names({"gpu-mem"}),
                      "GPU memory per GPU (MiB, or 4G); with no GPU count: a share of one GPU.", "SIZE"))
    , m_cpus(option(names({"c", "cpus-per-task"}), "CPUs (default 1).", "N"))
    , m_mem(option(names({"mem"}), "Host memory (MiB, or 16G).", "SIZE"))
    , m_time(option(names({"t", "time"}), "Time limit: MM, MM:SS, HH:MM:SS, D-HH[:MM[:SS]] or UNLIMITED.",
                    "TIME"))
    , m_array(option(names({"a", "array"}), "Job array: 0-9, 1-100:2, 1,5,9, with %N for at most N at once.",
                     "SPEC"))
    , m_dependency(option(names({"d", "dependency"}),
                          "afterok:ID[:ID…], afterany:, afternotok:, after: (comma = and).", "SPEC"))
    , m_hold(option(names({"H", "hold"}), "Submit held: it waits until 'nemoctl release'."))
    , m_output(
          option(names({"o", "output"}), "Stdout file; %j job id, %A array id, %a task id, %x name.", "PATH"))
    , m_error(option(names({"e", "error"}), "Stderr file (default: the stdout file).", "PATH"))
    , m_chdir(option(names({"D", "chdir"}),
                     "Working directory (default: the current one, unless the script sets it).", "DIR"))
    , m_export(option(names({"export"}),
                      "Environment additions: VAR=val[,VAR=val…] (VAR alone: its value here; ALL accepted).",
                      "LIST"))
    , m_env(option(names({"env"}), "One environment addition VAR=val (repeatable).", "VAR=val"))
    , m_priority(option(names({"priority"}), "Priority: higher runs first (default 0).", "N"))
    , m_nice(option(names({"nice"}), "Lower the priority by N (priority = -N).", "N"))
    , m_retries(option(names({"retries"}), "Requeue automatically up to N times after a failure.", "N"))
    , m_tag(option(names({"tag"}), "A tag to find the job by (repeatable).", "TAG"))
    , m_gpuIndex(option(names({"gpu-index"}), "Only use these GPUs: 0,1.", "LIST"))
    , m_begin(
          option(names({"begin"}), "Do not start before: now+60, now+5min, 10:00, 2026-11-26T10:00.", "TIME"))
    , m_wrap(option(names({"wrap"}), "Run CMD with bash (the script is \"#!/bin/bash\\nCMD\\n\").", "CMD"))
    , m_file(option(
          names({"file"}),
          "Submit the job specs (JSON, one per line) of this file in one request; prints one id per line.",
          "JOBS.jsonl"))
    , m_parsable(option(names({"parsable"}), "Print the job id only (an array's id for an array)."))
    , m_json(option(names({"json"}), "Print the daemon's answer as JSON."))
    , m_wait(option(names({"W", "wait"}),
                    "Wait until the job (every task of an array) has ended; exit with its exit code.")) {
    m_specOptions = {&m_name,  &m_gpus,       &m_gres, &m_gpuMem,  &m_cpus,  &m_mem,      &m_time,
                     &m_array, &m_dependency, &m_hold, &m_output,  &m_error, &m_chdir,    &m_export,
                     &m_env,   &m_priority,   &m_nice, &m_retries, &m_tag,   &m_gpuIndex, &m_begin};
}

void SubmitOptions::addTo(QCommandLineParser &parser) const {
    for (const QCommandLineOption *o : m_specOptions)
        parser.addOption(*o);
    for (const QCommandLineOption *o : {&m_wrap, &m_file, &m_parsable, &m_json, &m_wait})
        parser.addOption(*o);
}

bool SubmitOptions::anySpecFlag(const QCommandLineParser &parser) const {
    for (const QCommandLineOption *o : m_specOptions)
        if (parser.isSet(*o))
            return true;
    return false;
}

SubmitOptions::Output SubmitOptions::output(const QCommandLineParser &parser) const {
    if (parser.isSet(m_json))
        return Output::json;
    return parser.isSet(m_parsable) ? Output::parsable : Output::text;
}

Result<SubmitSource> SubmitOptions::source(const QCommandLineParser &parser,
                                           const QStringList &rawArgs) const {
    const QStringList positional = parser.positionalArguments();
    SubmitSource source;
    int given = 0;
    if (parser.isSet(m_wrap)) {
        ++given;
        source.kind = SubmitSource::Kind::wrap;
        source.wrapCommand = parser.value(m_wrap);
    }
    if (parser.isSet(m_file)) {
        ++given;
        source.kind = SubmitSource::Kind::jobsFile;
        source.path = parser.value(m_file);
    }
    if (!positional.isEmpty()) {
        ++given;
        // "-- PROGRAM ARGS…": everything after the first "--" is the command, exactly as typed.
        const qsizetype dashes = rawArgs.indexOf(QStringLiteral("--"));
        if (dashes >= 0 && rawArgs.mid(dashes + 1) == positional) {
            source.kind = SubmitSource::Kind::argv;
            source.args = positional;
        } else {
            source.kind = SubmitSource::Kind::script;
            source.path = positional.first();
            source.args = positional.mid(1);
        }
    }
    if (given == 0)
        return Error{QStringLiteral(
            "nothing to run: give a SCRIPT, --wrap \"CMD\", -- PROGRAM ARGS… or --file JOBS.jsonl")};
    if (given > 1)
        return Error{QStringLiteral("give only one of SCRIPT, --wrap, -- PROGRAM and --file")};
    if (source.kind == SubmitSource::Kind::wrap && source.wrapCommand.trimmed().isEmpty())
        return Error{QStringLiteral("--wrap needs a command")};
    return source;
}

Result<QJsonObject> SubmitOptions::specFromFlags(const QCommandLineParser &parser, const QString &cwd,
                                                 qint64 nowMs) const {
    QJsonObject spec;
    const auto value = [&](const QCommandLineOption &o) { return parser.value(o); };
    if (parser.isSet(m_name))
        spec.insert(QStringLiteral("name"), value(m_name));
    if (parser.isSet(m_gpus) && parser.isSet(m_gres))
        return Error{QStringLiteral("give the GPU count with one of -G/--gpus and --gres")};
    if (parser.isSet(m_gpus) || parser.isSet(m_gres)) {
        const bool viaGres = parser.isSet(m_gres);
        const QString text = viaGres ? value(m_gres) : QStringLiteral("gpu:") + value(m_gpus);
        const Result<int> gpus = parseGres(text);
        if (!gpus.ok())
            return flagError(viaGres ? QStringLiteral("--gres") : QStringLiteral("--gpus"),
                             viaGres ? value(m_gres) : value(m_gpus), gpus.error());
        spec.insert(QStringLiteral("gpus"), gpus.value());
    }
    for (const auto &[opt, key, flag] :
         {std::tuple{&m_gpuMem, "gpu_mem_mib", "--gpu-mem"}, std::tuple{&m_mem, "mem_mib", "--mem"}}) {
        if (!parser.isSet(*opt))
            continue;
        const Result<qint64> mib = parseMemoryMib(value(*opt));
        if (!mib.ok())
            return flagError(QString::fromLatin1(flag), value(*opt), mib.error());
        spec.insert(QString::fromLatin1(key), mib.value());
    }
    if (parser.isSet(m_cpus)) {
        const Result<qint64> cpus = integer(QStringLiteral("--cpus-per-task"), value(m_cpus), 1, 4096);
        if (!cpus.ok())
            return Error{cpus.error()};
        spec.insert(QStringLiteral("cpus"), cpus.value());
    }
    if (parser.isSet(m_time)) {
        const Result<qint64> seconds = parseTimeLimit(value(m_time));
        if (!seconds.ok())
            return flagError(QStringLiteral("--time"), value(m_time), seconds.error());
        spec.insert(QStringLiteral("time_limit_s"), seconds.value());
    }
    if (parser.isSet(m_array)) {
        const Result<ArraySpec> array = parseArraySpec(value(m_array));
        if (!array.ok())
            return flagError(QStringLiteral("--array"), value(m_array), array.error());
        spec.insert(QStringLiteral("array"), value(m_array));
    }
    if (parser.isSet(m_dependency)) {
        const Result<QList<Dependency>> deps = parseDependencies(value(m_dependency));
        if (!deps.ok())
            return flagError(QStringLiteral("--dependency"), value(m_dependency), deps.error());
        spec.insert(QStringLiteral("dependency"), value(m_dependency));
    }
    if (parser.isSet(m_hold))
        spec.insert(QStringLiteral("hold"), true);
    if (parser.isSet(m_output))
        spec.insert(QStringLiteral("stdout"), value(m_output));
    if (parser.isSet(m_error))
        spec.insert(QStringLiteral("stderr"), value(m_error));
    if (parser.isSet(m_chdir))
        spec.insert(QStringLiteral("workdir"), QDir::cleanPath(QDir(cwd).absoluteFilePath(value(m_chdir))));

    QJsonObject env;
    for (const QString &list : parser.values(m_export))
        for (const QString &item : list.split(u',', Qt::SkipEmptyParts)) {
            if (item == QLatin1StringView("ALL"))
                continue;  // the daemon's environment plus the additions: what ALL means here
            if (item == QLatin1StringView("NONE"))
                return flagError(
                    QStringLiteral("--export"), list,
                    QStringLiteral("NONE is not supported: a job gets the daemon's environment plus "
                                   "the variables given"));
            if (const VoidResult added = addEnvironment(QStringLiteral("--export"), item, &env); !added.ok())
                return Error{added.error()};
        }
    for (const QString &item : parser.values(m_env))
        if (const VoidResult added = addEnvironment(QStringLiteral("--env"), item, &env); !added.ok())
            return Error{added.error()};
    if (!env.isEmpty())
        spec.insert(QStringLiteral("env"), env);

    if (parser.isSet(m_priority) && parser.isSet(m_nice))
        return Error{QStringLiteral("give one of --priority and --nice")};
    constexpr qint64 priorityBound = 1'000'000'000'000LL;
    if (parser.isSet(m_priority) || parser.isSet(m_nice)) {
        const bool nice = parser.isSet(m_nice);
        const Result<qint64> n = integer(nice ? QStringLiteral("--nice") : QStringLiteral("--priority"),
                                         value(nice ? m_nice : m_priority), -priorityBound, priorityBound);
        if (!n.ok())
            return Error{n.error()};
        spec.insert(QStringLiteral("priority"), nice ? -n.value() : n.value());
    }
    if (parser.isSet(m_retries)) {
        const Result<qint64> n = integer(QStringLiteral("--retries"), value(m_retries), 0, 1000);
        if (!n.ok())
            return Error{n.error()};
        spec.insert(QStringLiteral("max_retries"), n.value());
    }
    if (parser.isSet(m_tag))
        spec.insert(QStringLiteral("tags"), QJsonArray::fromStringList(parser.values(m_tag)));
    if (parser.isSet(m_gpuIndex)) {
        QJsonArray indices;
        for (const QString &item : value(m_gpuIndex).split(u',')) {
            const Result<qint64> index = integer(QStringLiteral("--gpu-index"), item, 0, 1023);
            if (!index.ok())
                return Error{index.error()};
            indices.append(index.value());
        }
        spec.insert(QStringLiteral("gpu_indices"), indices);
    }
    if (parser.isSet(m_begin)) {
        const Result<qint64> at = parseTimePoint(value(m_begin), nowMs, PastTimeOfDay::tomorrow);
        if (!at.ok())
            return Error{QStringLiteral("--begin: ") + at.error()};
        spec.insert(QStringLiteral("begin_time_ms"), at.value());
    }
    return spec;
}

QString wrapScript(const QString &command) {
    return QStringLiteral("#!/bin/bash\n") + command + u'\n';
}

Result<QJsonArray> parseJobsFile(const QByteArray &text) {
    QJsonArray specs;
    const QList<QByteArray> lines = text.split('\n');
    for (qsizetype i = 0; i < lines.size(); ++i) {
        if (lines[i].trimmed().isEmpty())
            continue;
        QJsonParseError error{};
        const QJsonDocument doc = QJsonDocument::fromJson(lines[i], &error);
        if (error.error != QJsonParseError::NoError || !doc.isObject())
            return Error{QStringLiteral("line %1: not a JSON object (%2)")
                             .arg(i + 1)
                             .arg(error.error != QJsonParseError::NoError
                                      ? error.errorString()
                                      : QStringLiteral("a job spec is {…}"))};
        specs.append(doc.object());
    }
    if (specs.isEmpty())
        return Error{QStringLiteral("no job specs in it (one JSON object per line)")};
    return specs;
}

}  // namespace nd::cli
