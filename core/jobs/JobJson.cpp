// Job <-> JSON: what the API shows for a job and what the store keeps. The shape (docs/api.md):
//
//   {"id":12, "display_id":"10_2", "array_job_id":10, "array_task_id":2, "name":"train",
//    "state":"pending", "reason":"resources", "held":false, "spec":{…jobSpecToJson…},
//    "submit_time_ms":…, "start_time_ms":…, "end_time_ms":…, "expected_start_ms":…,
//    "exit_code":-1, "signal":0, "message":"", "gpus":[0,1], "gpu_mem_mib":0,
//    "process":{"pid":…, "start_ticks":…, "boot_id":"…"}, "child_pid":…, "retries":0,
//    "stdout_file":"…", "stderr_file":"…",
//    "accounting":{"wait_ms":…, "wall_ms":…, "cpu_time_ms":…, "peak_rss_kib":…, "gpu_seconds":…,
//                  "peak_gpu_mem_mib":…, "gpu_energy_j":…}}
//
// Every key is always written (times are 0 when they have not happened, array_job_id 0 and
// array_task_id -1 outside arrays, exit_code -1 before an exit). display_id, name, wait_ms (start - submit
// once started, else 0) and wall_ms (end - start once ended, else 0) are derived: jobFromJson ignores them,
// and it ignores keys it does not know, so that an older client can read a newer daemon's jobs.
#include <QJsonArray>

#include <cmath>
#include <limits>

#include "core/jobs/Job.h"

namespace nd {

namespace {

constexpr qint64 maxJsonInteger = (qint64{1} << 53) - 1;

// Reads optional keys of one object; a wrong type is an error naming the key (with `prefix` for nested
// objects, e.g. "accounting.cpu_time_ms").
class JobReader {
public:
    JobReader(const QJsonObject &json, QString prefix) : m_json(json), m_prefix(std::move(prefix)) {}

    bool failed() const { return !m_error.isEmpty(); }
    const QString &error() const { return m_error; }

    template <typename Int>
    void integer(const QString &key, Int *out, qint64 min = -maxJsonInteger, qint64 max = maxJsonInteger) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        const double number = value.toDouble();
        if (!value.isDouble() || !std::isfinite(number) || std::floor(number) != number ||
            number < static_cast<double>(min) || number > static_cast<double>(max)) {
            fail(key, QStringLiteral("an integer from %1 to %2").arg(min).arg(max));
            return;
        }
        *out = static_cast<Int>(number);
    }

    void real(const QString &key, double *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isDouble() || !std::isfinite(value.toDouble())) {
            fail(key, QStringLiteral("a number"));
            return;
        }
        *out = value.toDouble();
    }

    void string(const QString &key, QString *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isString()) {
            fail(key, QStringLiteral("a string"));
            return;
        }
        *out = value.toString();
    }

    void boolean(const QString &key, bool *out) {
        const QJsonValue value = m_json.value(key);
        if (value.isUndefined() || failed())
            return;
        if (!value.isBool()) {
            fail(key, QStringLiteral("true or false"));
            return;
        }
        *out = value.toBool();
    }

    // Returns the object at `key` (empty when absent).
    QJsonObject object(const QString &key) {
        const QJsonValue value = m_json.value(key);
        if (!value.isUndefined() && !value.isObject())
            fail(key, QStringLiteral("an object"));
        return value.toObject();
    }

    void fail(const QString &key, const QString &expected) {
        if (m_error.isEmpty())
            m_error = QStringLiteral("job field '%1%2' must be %3").arg(m_prefix, key, expected);
    }
    void failWith(const QString &message) {
        if (m_error.isEmpty())
            m_error = message;
    }

private:
    const QJsonObject &m_json;
    QString m_prefix;
    QString m_error;
};

void readAllocatedGpus(const QJsonObject &json, JobReader &read, QList<int> *out) {
    const QJsonValue value = json.value(QStringLiteral("gpus"));
    if (value.isUndefined())
        return;
    QList<int> gpus;
    bool ok = value.isArray();
    const QJsonArray array = value.toArray();
    for (qsizetype i = 0; ok && i < array.size(); ++i) {
        const double number = array.at(i).toDouble(-1);
        ok = array.at(i).isDouble() && std::floor(number) == number && number >= 0 &&
             number <= std::numeric_limits<int>::max();
        gpus.append(static_cast<int>(number));
    }
    if (!ok)
        read.fail(QStringLiteral("gpus"), QStringLiteral("an array of GPU indices"));
    *out = gpus;
}

}  // namespace

QString Job::displayId() const {
    if (isArrayTask())
        return QStringLiteral("%1_%2").arg(arrayJobId).arg(arrayTaskId);
    return QString::number(id);
}

QJsonObject jobToJson(const Job &job) {
    QJsonArray gpus;
    for (const int gpu : job.allocatedGpus)
        gpus.append(gpu);
    const qint64 waitMs = job.startTimeMs > 0 ? job.startTimeMs - job.submitTimeMs : 0;
    const qint64 wallMs = job.endTimeMs > 0 && job.startTimeMs > 0 ? job.endTimeMs - job.startTimeMs : 0;
    const QJsonObject accounting{
        {QStringLiteral("wait_ms"), waitMs},
        {QStringLiteral("wall_ms"), wallMs},
        {QStringLiteral("cpu_time_ms"), job.accounting.cpuTimeMs},
        {QStringLiteral("peak_rss_kib"), job.accounting.peakRssKib},
        {QStringLiteral("gpu_seconds"), job.accounting.gpuSeconds},
        {QStringLiteral("peak_gpu_mem_mib"), job.accounting.peakGpuMemMib},
        {QStringLiteral("gpu_energy_j"), job.accounting.gpuEnergyJ},
    };
    const QJsonObject process{
        {QStringLiteral("pid"), job.process.pid},
        {QStringLiteral("start_ticks"), job.process.startTicks},
        {QStringLiteral("boot_id"), job.process.bootId},
    };
    return QJsonObject{
        {QStringLiteral("id"), job.id},
        {QStringLiteral("display_id"), job.displayId()},
        {QStringLiteral("array_job_id"), job.arrayJobId},
        {QStringLiteral("array_task_id"), job.arrayTaskId},
        {QStringLiteral("name"), job.spec.name},
        {QStringLiteral("state"), jobStateName(job.state)},
        {QStringLiteral("reason"), pendingReasonName(job.reason)},
        {QStringLiteral("held"), job.held},
        {QStringLiteral("spec"), jobSpecToJson(job.spec)},
        {QStringLiteral("submit_time_ms"), job.submitTimeMs},
        {QStringLiteral("start_time_ms"), job.startTimeMs},
        {QStringLiteral("end_time_ms"), job.endTimeMs},
        {QStringLiteral("expected_start_ms"), job.expectedStartMs},
        {QStringLiteral("exit_code"), job.exitCode},
        {QStringLiteral("signal"), job.termSignal},
        {QStringLiteral("message"), job.message},
        {QStringLiteral("gpus"), gpus},
        {QStringLiteral("gpu_mem_mib"), job.allocatedGpuMemMib},
        {QStringLiteral("process"), process},
        {QStringLiteral("child_pid"), job.childPid},
        {QStringLiteral("retries"), job.retries},
        {QStringLiteral("stdout_file"), job.stdoutFile},
        {QStringLiteral("stderr_file"), job.stderrFile},
        {QStringLiteral("accounting"), accounting},
    };
}

Result<Job> jobFromJson(const QJsonObject &json) {
    Job job;
    JobReader read(json, QString());
    if (!json.contains(QStringLiteral("id")) || !json.contains(QStringLiteral("state")))
        return Error{QStringLiteral("a job needs at least 'id' and 'state'")};
    read.integer(QStringLiteral("id"), &job.id, 1);
    read.integer(QStringLiteral("array_job_id"), &job.arrayJobId, 0);
    read.integer(QStringLiteral("array_task_id"), &job.arrayTaskId, -1, maxArrayTaskId);

    QString state;
    read.string(QStringLiteral("state"), &state);
    if (!read.failed()) {
        if (const std::optional<JobState> parsed = parseJobState(state))
            job.state = *parsed;
        else
            read.failWith(QStringLiteral("job field 'state': unknown state '%1'").arg(state));
    }
    if (json.contains(QStringLiteral("reason"))) {
        QString reason;
        read.string(QStringLiteral("reason"), &reason);
        if (!read.failed()) {
            if (const std::optional<PendingReason> parsed = parsePendingReason(reason))
                job.reason = *parsed;
            else
                read.failWith(QStringLiteral("job field 'reason': unknown reason '%1'").arg(reason));
        }
    }
    read.boolean(QStringLiteral("held"), &job.held);

    const QJsonObject specJson = read.object(QStringLiteral("spec"));
    if (!read.failed()) {
        Result<JobSpec> spec = jobSpecFromJson(specJson);
        if (!spec)
            read.failWith(QStringLiteral("job field 'spec': %1").arg(spec.error()));
        else
            job.spec = std::move(spec).value();
    }

    read.integer(QStringLiteral("submit_time_ms"), &job.submitTimeMs, 0);
    read.integer(QStringLiteral("start_time_ms"), &job.startTimeMs, 0);
    read.integer(QStringLiteral("end_time_ms"), &job.endTimeMs, 0);
    read.integer(QStringLiteral("expected_start_ms"), &job.expectedStartMs, 0);
    read.integer(QStringLiteral("exit_code"), &job.exitCode, std::numeric_limits<int>::min(),
                 std::numeric_limits<int>::max());
    read.integer(QStringLiteral("signal"), &job.termSignal, 0, std::numeric_limits<int>::max());
    read.string(QStringLiteral("message"), &job.message);
    if (!read.failed())
        readAllocatedGpus(json, read, &job.allocatedGpus);
    read.integer(QStringLiteral("gpu_mem_mib"), &job.allocatedGpuMemMib, 0);
    read.integer(QStringLiteral("child_pid"), &job.childPid, 0);
    read.integer(QStringLiteral("retries"), &job.retries, 0, std::numeric_limits<int>::max());
    read.string(QStringLiteral("stdout_file"), &job.stdoutFile);
    read.string(QStringLiteral("stderr_file"), &job.stderrFile);

    const QJsonObject processJson = read.object(QStringLiteral("process"));
    JobReader process(processJson, QStringLiteral("process."));
    process.integer(QStringLiteral("pid"), &job.process.pid, 0);
    process.integer(QStringLiteral("start_ticks"), &job.process.startTicks, 0);
    process.string(QStringLiteral("boot_id"), &job.process.bootId);

    const QJsonObject accountingJson = read.object(QStringLiteral("accounting"));
    JobReader accounting(accountingJson, QStringLiteral("accounting."));
    accounting.integer(QStringLiteral("cpu_time_ms"), &job.accounting.cpuTimeMs, 0);
    accounting.integer(QStringLiteral("peak_rss_kib"), &job.accounting.peakRssKib, 0);
    accounting.real(QStringLiteral("gpu_seconds"), &job.accounting.gpuSeconds);
    accounting.integer(QStringLiteral("peak_gpu_mem_mib"), &job.accounting.peakGpuMemMib, 0);
    accounting.real(QStringLiteral("gpu_energy_j"), &job.accounting.gpuEnergyJ);

    for (const JobReader *reader : {&read, &process, &accounting}) {
        if (reader->failed())
            return Error{reader->error()};
    }
    return job;
}

}  // namespace nd
