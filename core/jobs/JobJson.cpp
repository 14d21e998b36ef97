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
#include "core/jobs/JsonFieldReader.h"

namespace nd {

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
    QJsonObject json{
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
    if (!job.progress.isEmpty())
        json.insert(QStringLiteral("progress"), job.progress);
    return json;
}

Result<Job> jobFromJson(const QJsonObject &json) {
    Job job;
    JsonFieldReader read(json, QStringLiteral("job field"));
    if (!json.contains(QStringLiteral("id")) || !json.contains(QStringLiteral("state")))
        return Error{QStringLiteral("a job needs at least 'id' and 'state'")};
    read.integer(QStringLiteral("id"), 1, maxJsonInteger, &job.id);
    read.integer(QStringLiteral("array_job_id"), 0, maxJsonInteger, &job.arrayJobId);
    read.integer(QStringLiteral("array_task_id"), -1, maxArrayTaskId, &job.arrayTaskId);

    QString state;
    read.string(QStringLiteral("state"), &state);
    if (!read.failed()) {
        if (const std::optional<JobState> parsed = parseJobState(state))
            job.state = *parsed;
        else
            read.fail(QStringLiteral("job field 'state': unknown state '%1'").arg(state));
    }
    if (json.contains(QStringLiteral("reason"))) {
        QString reason;
        read.string(QStringLiteral("reason"), &reason);
        if (!read.failed()) {
            if (const std::optional<PendingReason> parsed = parsePendingReason(reason))
                job.reason = *parsed;
            else
                read.fail(QStringLiteral("job field 'reason': unknown reason '%1'").arg(reason));
        }
    }
    read.boolean(QStringLiteral("held"), &job.held);

    const QJsonObject specJson = read.object(QStringLiteral("spec"));
    if (!read.failed()) {
        Result<JobSpec> spec = jobSpecFromJson(specJson);
        if (!spec)
            read.fail(QStringLiteral("job field 'spec': %1").arg(spec.error()));
        else
            job.spec = std::move(spec).value();
    }

    read.integer(QStringLiteral("submit_time_ms"), 0, maxJsonInteger, &job.submitTimeMs);
    read.integer(QStringLiteral("start_time_ms"), 0, maxJsonInteger, &job.startTimeMs);
    read.integer(QStringLiteral("end_time_ms"), 0, maxJsonInteger, &job.endTimeMs);
    read.integer(QStringLiteral("expected_start_ms"), 0, maxJsonInteger, &job.expectedStartMs);
    read.integer(QStringLiteral("exit_code"), std::numeric_limits<int>::min(),
                 std::numeric_limits<int>::max(), &job.exitCode);
    read.integer(QStringLiteral("signal"), 0, std::numeric_limits<int>::max(), &job.termSignal);
    read.string(QStringLiteral("message"), &job.message);
    read.intList(QStringLiteral("gpus"), &job.allocatedGpus);
    read.integer(QStringLiteral("gpu_mem_mib"), 0, maxJsonInteger, &job.allocatedGpuMemMib);
    read.integer(QStringLiteral("child_pid"), 0, maxJsonInteger, &job.childPid);
    read.integer(QStringLiteral("retries"), 0, std::numeric_limits<int>::max(), &job.retries);
    read.string(QStringLiteral("stdout_file"), &job.stdoutFile);
    read.string(QStringLiteral("stderr_file"), &job.stderrFile);

    const QJsonObject processJson = read.object(QStringLiteral("process"));
    JsonFieldReader process(processJson, QStringLiteral("job field"), QStringLiteral("process."));
    process.integer(QStringLiteral("pid"), 0, maxJsonInteger, &job.process.pid);
    process.integer(QStringLiteral("start_ticks"), 0, maxJsonInteger, &job.process.startTicks);
    process.string(QStringLiteral("boot_id"), &job.process.bootId);

    const QJsonObject accountingJson = read.object(QStringLiteral("accounting"));
    JsonFieldReader accounting(accountingJson, QStringLiteral("job field"), QStringLiteral("accounting."));
    accounting.integer(QStringLiteral("cpu_time_ms"), 0, maxJsonInteger, &job.accounting.cpuTimeMs);
    accounting.integer(QStringLiteral("peak_rss_kib"), 0, maxJsonInteger, &job.accounting.peakRssKib);
    accounting.real(QStringLiteral("gpu_seconds"), &job.accounting.gpuSeconds);
    accounting.integer(QStringLiteral("peak_gpu_mem_mib"), 0, maxJsonInteger, &job.accounting.peakGpuMemMib);
    accounting.real(QStringLiteral("gpu_energy_j"), &job.accounting.gpuEnergyJ);

    for (const JsonFieldReader *reader : {&read, &process, &accounting}) {
        if (reader->failed())
            return Error{reader->error()};
    }
    return job;
}

}  // namespace nd
