// JobSpec <-> the API's JSON. Errors name the JSON key, because that is what the person sending the
// request (or nemoctl, quoting it) can fix. validateJobSpec is in JobSpecValidate.cpp.
#include <QJsonArray>

#include <cmath>
#include <functional>
#include <limits>

#include "core/jobs/JobSpec.h"
#include "core/jobs/JsonFieldReader.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd {

namespace {

constexpr int maxInt = std::numeric_limits<int>::max();

// A string in one of Slurm's syntaxes, parsed by `parse`.
template <typename T>
void readSlurmString(JsonFieldReader &read, const QString &key,
                     const std::function<Result<T>(const QString &)> &parse, T *out) {
    QString text;
    read.string(key, &text);
    if (!read.has(key) || read.failed())
        return;
    Result<T> parsed = parse(text);
    if (!parsed) {
        read.fail(QStringLiteral("%1: %2").arg(read.name(key), parsed.error()));
        return;
    }
    *out = std::move(parsed).value();
}

const QStringList &knownKeys() {
    static const QStringList keys = {
        QStringLiteral("name"),          QStringLiteral("argv"),        QStringLiteral("script"),
        QStringLiteral("workdir"),       QStringLiteral("env"),         QStringLiteral("gpus"),
        QStringLiteral("gpu_mem_mib"),   QStringLiteral("cpus"),        QStringLiteral("mem_mib"),
        QStringLiteral("mem"),           QStringLiteral("gpu_indices"), QStringLiteral("priority"),
        QStringLiteral("time_limit_s"),  QStringLiteral("time_limit"),  QStringLiteral("dependency"),
        QStringLiteral("array"),         QStringLiteral("hold"),        QStringLiteral("max_retries"),
        QStringLiteral("tags"),          QStringLiteral("stdout"),      QStringLiteral("stderr"),
        QStringLiteral("begin_time_ms"), QStringLiteral("script_args"), QStringLiteral("workload"),
    };
    return keys;
}

}  // namespace

Result<JobSpec> jobSpecFromJson(const QJsonObject &json, JobSpec base) {
    for (auto it = json.begin(); it != json.end(); ++it) {
        if (!knownKeys().contains(it.key()))
            return Error{QStringLiteral("unknown field '%1' in job spec").arg(it.key())};
    }
    if (json.contains(QStringLiteral("time_limit")) && json.contains(QStringLiteral("time_limit_s")))
        return Error{
            QStringLiteral("give either 'time_limit' (\"1:00:00\") or 'time_limit_s' (3600), not both")};
    if (json.contains(QStringLiteral("mem")) && json.contains(QStringLiteral("mem_mib")))
        return Error{QStringLiteral("give either 'mem' (\"4G\") or 'mem_mib' (4096), not both")};

    JobSpec spec = std::move(base);
    JsonFieldReader read(json);
    read.string(QStringLiteral("name"), &spec.name);
    read.stringList(QStringLiteral("argv"), &spec.argv);
    read.stringList(QStringLiteral("script_args"), &spec.scriptArgs);
    read.string(QStringLiteral("script"), &spec.script);
    read.string(QStringLiteral("workdir"), &spec.workdir);
    read.environment(QStringLiteral("env"), &spec.env);
    read.integer(QStringLiteral("gpus"), 0, maxInt, &spec.gpus);
    read.integer(QStringLiteral("gpu_mem_mib"), 0, maxJsonInteger, &spec.gpuMemMib);
    read.integer(QStringLiteral("cpus"), 0, maxInt, &spec.cpus);
    read.integer(QStringLiteral("mem_mib"), 0, maxJsonInteger, &spec.memMib);
    readSlurmString<qint64>(read, QStringLiteral("mem"), parseMemoryMib, &spec.memMib);
    read.intList(QStringLiteral("gpu_indices"), &spec.gpuIndices);
    read.integer(QStringLiteral("priority"), -maxJsonInteger, maxJsonInteger, &spec.priority);
    read.integer(QStringLiteral("time_limit_s"), 0, maxJsonInteger, &spec.timeLimitSec);
    readSlurmString<qint64>(read, QStringLiteral("time_limit"), parseTimeLimit, &spec.timeLimitSec);
    readSlurmString<QList<Dependency>>(read, QStringLiteral("dependency"), parseDependencies,
                                       &spec.dependencies);
    if (json.value(QStringLiteral("array")) == QJsonValue(QString())) {
        spec.array.reset();  // "" says: not an array (over a base that was one)
    } else {
        ArraySpec array;
        readSlurmString<ArraySpec>(read, QStringLiteral("array"), parseArraySpec, &array);
        if (read.has(QStringLiteral("array")) && !read.failed())
            spec.array = array;
    }
    read.boolean(QStringLiteral("hold"), &spec.hold);
    read.integer(QStringLiteral("max_retries"), 0, maxInt, &spec.maxRetries);
    read.stringList(QStringLiteral("tags"), &spec.tags);
    read.string(QStringLiteral("stdout"), &spec.stdoutPath);
    read.string(QStringLiteral("stderr"), &spec.stderrPath);
    read.integer(QStringLiteral("begin_time_ms"), 0, maxJsonInteger, &spec.beginTimeMs);
    if (read.failed())
        return Error{read.error()};
    if (json.contains(QStringLiteral("workload"))) {
        const QJsonValue workload = json.value(QStringLiteral("workload"));
        if (!workload.isObject())
            return Error{QStringLiteral("workload must be an object: {\"kind\": \"batch\", \"model\": …}")};
        spec.workload = workload.toObject();
    }
    return spec;
}

QJsonObject jobSpecToJson(const JobSpec &spec) {
    const JobSpec defaults;
    QJsonObject json;
    if (spec.name != defaults.name)
        json.insert(QStringLiteral("name"), spec.name);
    if (!spec.argv.isEmpty())
        json.insert(QStringLiteral("argv"), QJsonArray::fromStringList(spec.argv));
    if (!spec.script.isEmpty())
        json.insert(QStringLiteral("script"), spec.script);
    if (!spec.scriptArgs.isEmpty())
        json.insert(QStringLiteral("script_args"), QJsonArray::fromStringList(spec.scriptArgs));
    if (!spec.workdir.isEmpty())
        json.insert(QStringLiteral("workdir"), spec.workdir);
    if (!spec.env.isEmpty()) {
        QJsonObject env;
        for (const auto &[name, value] : spec.env)
            env.insert(name, value);
        json.insert(QStringLiteral("env"), env);
    }
    if (spec.gpus != defaults.gpus)
        json.insert(QStringLiteral("gpus"), spec.gpus);
    if (spec.gpuMemMib != defaults.gpuMemMib)
        json.insert(QStringLiteral("gpu_mem_mib"), spec.gpuMemMib);
    if (spec.cpus != defaults.cpus)
        json.insert(QStringLiteral("cpus"), spec.cpus);
    if (spec.memMib != defaults.memMib)
        json.insert(QStringLiteral("mem_mib"), spec.memMib);
    if (!spec.gpuIndices.isEmpty()) {
        QJsonArray indices;
        for (const int index : spec.gpuIndices)
            indices.append(index);
        json.insert(QStringLiteral("gpu_indices"), indices);
    }
    if (spec.priority != defaults.priority)
        json.insert(QStringLiteral("priority"), spec.priority);
    if (spec.timeLimitSec != defaults.timeLimitSec)
        json.insert(QStringLiteral("time_limit_s"), spec.timeLimitSec);
    if (!spec.dependencies.isEmpty())
        json.insert(QStringLiteral("dependency"), formatDependencies(spec.dependencies));
    if (!spec.workload.isEmpty())
        json.insert(QStringLiteral("workload"), spec.workload);
    if (spec.array)
        json.insert(QStringLiteral("array"),
                    spec.array->text.isEmpty() ? formatArraySpec(*spec.array) : spec.array->text);
    if (spec.hold)
        json.insert(QStringLiteral("hold"), true);
    if (spec.maxRetries != defaults.maxRetries)
        json.insert(QStringLiteral("max_retries"), spec.maxRetries);
    if (!spec.tags.isEmpty())
        json.insert(QStringLiteral("tags"), QJsonArray::fromStringList(spec.tags));
    if (!spec.stdoutPath.isEmpty())
        json.insert(QStringLiteral("stdout"), spec.stdoutPath);
    if (!spec.stderrPath.isEmpty())
        json.insert(QStringLiteral("stderr"), spec.stderrPath);
    if (spec.beginTimeMs != defaults.beginTimeMs)
        json.insert(QStringLiteral("begin_time_ms"), spec.beginTimeMs);
    return json;
}

}  // namespace nd
