// JobSpec <-> the API's JSON. Errors name the JSON key, because that is what the person sending the
// request (or nemoctl, quoting it) can fix. validateJobSpec is in JobSpecValidate.cpp.
#include <QJsonArray>

#include <cmath>
#include <functional>
#include <limits>

#include "core/jobs/JobSpec.h"
#include "core/jobs/SlurmSyntax.h"

namespace nd {

namespace {

// Numbers travel as doubles: beyond 2^53 they are no longer exact.
constexpr qint64 maxJsonInteger = (qint64{1} << 53) - 1;
constexpr int maxInt = std::numeric_limits<int>::max();

// 3000000000, not 3e+09: people compare the number with what they typed.
QString describeNumber(double number) {
    if (std::isfinite(number) && std::floor(number) == number && std::fabs(number) < 1e18)
        return QString::number(static_cast<qint64>(number));
    return QString::number(number);
}

QString describeType(const QJsonValue &value) {
    switch (value.type()) {
        case QJsonValue::String:
            return QStringLiteral("a string");
        case QJsonValue::Double:
            return QStringLiteral("a number");
        case QJsonValue::Bool:
            return QStringLiteral("a boolean");
        case QJsonValue::Array:
            return QStringLiteral("an array");
        case QJsonValue::Object:
            return QStringLiteral("an object");
        case QJsonValue::Null:
            return QStringLiteral("null");
        case QJsonValue::Undefined:
            break;
    }
    return QStringLiteral("nothing");
}

// Reads the keys of one spec object; the first problem found stops it and is kept in `error`.
class SpecReader {
public:
    explicit SpecReader(const QJsonObject &json) : m_json(json) {}

    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }
    void fail(const QString &message) {
        if (m_error.isEmpty())
            m_error = message;
    }
    bool has(const QString &key) const { return m_json.contains(key); }

    template <typename Int>
    void integer(const QString &key, qint64 min, qint64 max, Int *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isDouble()) {
            fail(QStringLiteral("field '%1' must be an integer (got %2)").arg(key, describeType(value)));
            return;
        }
        const double number = value.toDouble();
        if (!std::isfinite(number) || std::floor(number) != number) {
            fail(QStringLiteral("field '%1' must be an integer (got %2)").arg(key, QString::number(number)));
            return;
        }
        if (number < static_cast<double>(min) || number > static_cast<double>(max)) {
            fail(QStringLiteral("field '%1' must be an integer from %2 to %3 (got %4)")
                     .arg(key, QString::number(min), QString::number(max), describeNumber(number)));
            return;
        }
        *out = static_cast<Int>(number);
    }

    void string(const QString &key, QString *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isString()) {
            fail(QStringLiteral("field '%1' must be a string (got %2)").arg(key, describeType(value)));
            return;
        }
        *out = value.toString();
    }

    void boolean(const QString &key, bool *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isBool()) {
            fail(QStringLiteral("field '%1' must be true or false (got %2)").arg(key, describeType(value)));
            return;
        }
        *out = value.toBool();
    }

    void stringList(const QString &key, QStringList *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isArray()) {
            fail(QStringLiteral("field '%1' must be an array of strings (got %2)")
                     .arg(key, describeType(value)));
            return;
        }
        QStringList list;
        const QJsonArray array = value.toArray();
        for (qsizetype i = 0; i < array.size(); ++i) {
            if (!array.at(i).isString()) {
                fail(QStringLiteral("field '%1' must be an array of strings (item %2 is %3)")
                         .arg(key, QString::number(i), describeType(array.at(i))));
                return;
            }
            list.append(array.at(i).toString());
        }
        *out = list;
    }

    void intList(const QString &key, QList<int> *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        const QJsonArray array = value.toArray();
        QList<int> list;
        bool ok = value.isArray();
        for (qsizetype i = 0; ok && i < array.size(); ++i) {
            const double number = array.at(i).toDouble(-1);
            ok = array.at(i).isDouble() && std::floor(number) == number && number >= 0 && number <= maxInt;
            list.append(static_cast<int>(number));
        }
        if (!ok) {
            fail(QStringLiteral("field '%1' must be an array of non-negative integers (got %2)")
                     .arg(key, value.isArray() ? QStringLiteral("an array with other items")
                                               : describeType(value)));
            return;
        }
        *out = list;
    }

    void environment(const QString &key, QList<QPair<QString, QString>> *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isObject()) {
            fail(QStringLiteral("field '%1' must be an object of string values (got %2)")
                     .arg(key, describeType(value)));
            return;
        }
        QList<QPair<QString, QString>> env;
        const QJsonObject object = value.toObject();
        for (auto it = object.begin(); it != object.end(); ++it) {
            if (!it.value().isString()) {
                fail(QStringLiteral("field '%1': the value of %2 must be a string (got %3)")
                         .arg(key, it.key(), describeType(it.value())));
                return;
            }
            env.append({it.key(), it.value().toString()});
        }
        *out = env;
    }

    // A string in one of Slurm's syntaxes, parsed by `parse`.
    template <typename T>
    void slurmString(const QString &key, const std::function<Result<T>(const QString &)> &parse, T *out) {
        QString text;
        string(key, &text);
        if (!has(key) || failed())
            return;
        Result<T> parsed = parse(text);
        if (!parsed) {
            fail(QStringLiteral("field '%1': %2").arg(key, parsed.error()));
            return;
        }
        *out = std::move(parsed).value();
    }

private:
    const QJsonObject &m_json;
    QString m_error;
};

const QStringList &knownKeys() {
    static const QStringList keys = {
        QStringLiteral("name"),          QStringLiteral("argv"),        QStringLiteral("script"),
        QStringLiteral("workdir"),       QStringLiteral("env"),         QStringLiteral("gpus"),
        QStringLiteral("gpu_mem_mib"),   QStringLiteral("cpus"),        QStringLiteral("mem_mib"),
        QStringLiteral("mem"),           QStringLiteral("gpu_indices"), QStringLiteral("priority"),
        QStringLiteral("time_limit_s"),  QStringLiteral("time_limit"),  QStringLiteral("dependency"),
        QStringLiteral("array"),         QStringLiteral("hold"),        QStringLiteral("max_retries"),
        QStringLiteral("tags"),          QStringLiteral("stdout"),      QStringLiteral("stderr"),
        QStringLiteral("begin_time_ms"), QStringLiteral("script_args"),
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
    SpecReader read(json);
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
    read.slurmString<qint64>(QStringLiteral("mem"), parseMemoryMib, &spec.memMib);
    read.intList(QStringLiteral("gpu_indices"), &spec.gpuIndices);
    read.integer(QStringLiteral("priority"), -maxJsonInteger, maxJsonInteger, &spec.priority);
    read.integer(QStringLiteral("time_limit_s"), 0, maxJsonInteger, &spec.timeLimitSec);
    read.slurmString<qint64>(QStringLiteral("time_limit"), parseTimeLimit, &spec.timeLimitSec);
    read.slurmString<QList<Dependency>>(QStringLiteral("dependency"), parseDependencies, &spec.dependencies);
    if (json.value(QStringLiteral("array")) == QJsonValue(QString())) {
        spec.array.reset();  // "" says: not an array (over a base that was one)
    } else {
        ArraySpec array;
        read.slurmString<ArraySpec>(QStringLiteral("array"), parseArraySpec, &array);
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
