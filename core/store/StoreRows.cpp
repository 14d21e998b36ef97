// StoreRows: Job <-> row of the jobs table (see the header and the schema in StoreSchema.cpp).
#include "core/store/StoreRows.h"

#include <QJsonDocument>
#include <QJsonParseError>
#include <QStringList>

#include <sqlite3.h>

#include "core/store/Sqlite.h"
#include "core/store/StoreSchema.h"

namespace nd::storeRows {

namespace {

using storeSchema::JobColumn;

// The keys that have columns of their own.
const QString kNameKey = QStringLiteral("name");
const QString kPriorityKey = QStringLiteral("priority");

int param(JobColumn column) {
    return static_cast<int>(column);
}

int col(JobColumn column) {
    return static_cast<int>(column) - 1;
}

qint64 integerAt(sqlite3_stmt *statement, JobColumn column) {
    return sqlite3_column_int64(statement, col(column));
}

int intAt(sqlite3_stmt *statement, JobColumn column) {
    return sqlite3_column_int(statement, col(column));
}

QString textAt(sqlite3_stmt *statement, JobColumn column) {
    return sqlite::columnText(statement, col(column));
}

QString joinGpus(const QList<int> &gpus) {
    QStringList parts;
    parts.reserve(gpus.size());
    for (const int gpu : gpus)
        parts.append(QString::number(gpu));
    return parts.join(u',');
}

std::optional<QList<int>> splitGpus(const QString &text) {
    QList<int> gpus;
    if (text.isEmpty())
        return gpus;
    for (const QString &part : text.split(u',')) {
        bool ok = false;
        const int gpu = part.toInt(&ok);
        if (!ok)
            return std::nullopt;
        gpus.append(gpu);
    }
    return gpus;
}

}  // namespace

QByteArray compactSpecJson(const JobSpec &spec) {
    QJsonObject json = jobSpecToJson(spec);
    json.remove(kNameKey);
    json.remove(kPriorityKey);
    return QJsonDocument(json).toJson(QJsonDocument::Compact);
}

Result<JobSpec> specFromCompactJson(const QByteArray &text) {
    QJsonParseError parseError{};
    const QJsonDocument document = QJsonDocument::fromJson(text, &parseError);
    if (parseError.error != QJsonParseError::NoError || !document.isObject())
        return Error{QStringLiteral("its spec_json is not a JSON object (%1)").arg(parseError.errorString())};
    Result<JobSpec> spec = jobSpecFromJson(document.object());
    if (!spec)
        return Error{QStringLiteral("its spec_json does not parse: %1").arg(spec.error())};
    return spec;
}

int bindJob(sqlite3_stmt *statement, const Job &job) {
    sqlite::Binder bind(statement);
    bind.integer(param(JobColumn::id), job.id)
        .integer(param(JobColumn::arrayJobId), job.arrayJobId)
        .integer(param(JobColumn::arrayTaskId), job.arrayTaskId)
        .text(param(JobColumn::name), job.spec.name)
        .text(param(JobColumn::state), jobStateName(job.state))
        .text(param(JobColumn::reason), pendingReasonName(job.reason))
        .integer(param(JobColumn::held), job.held ? 1 : 0)
        .integer(param(JobColumn::priority), job.spec.priority)
        .integer(param(JobColumn::submitMs), job.submitTimeMs)
        .integer(param(JobColumn::startMs), job.startTimeMs)
        .integer(param(JobColumn::endMs), job.endTimeMs)
        .integer(param(JobColumn::exitCode), job.exitCode)
        .integer(param(JobColumn::termSignal), job.termSignal)
        .text(param(JobColumn::message), job.message)
        .integer(param(JobColumn::retries), job.retries)
        .utf8Text(param(JobColumn::specJson), compactSpecJson(job.spec))
        .text(param(JobColumn::allocatedGpus), joinGpus(job.allocatedGpus))
        .integer(param(JobColumn::allocatedGpuMemMib), job.allocatedGpuMemMib)
        .text(param(JobColumn::stdoutFile), job.stdoutFile)
        .integer(param(JobColumn::shimPid), job.process.pid)
        .integer(param(JobColumn::shimStartTicks), job.process.startTicks)
        .text(param(JobColumn::bootId), job.process.bootId)
        .integer(param(JobColumn::childPid), job.childPid)
        .integer(param(JobColumn::cpuTimeMs), job.accounting.cpuTimeMs)
        .integer(param(JobColumn::peakRssKib), job.accounting.peakRssKib)
        .real(param(JobColumn::gpuSeconds), job.accounting.gpuSeconds)
        .integer(param(JobColumn::peakGpuMemMib), job.accounting.peakGpuMemMib)
        .real(param(JobColumn::gpuEnergyJ), job.accounting.gpuEnergyJ)
        .utf8Text(param(JobColumn::progressJson), QJsonDocument(job.progress).toJson(QJsonDocument::Compact));
    // NULL: "the same file as stdout" (the common case); an empty stderr_file stays empty.
    if (job.stderrFile == job.stdoutFile && !job.stdoutFile.isEmpty())
        bind.null(param(JobColumn::stderrFile));
    else
        bind.text(param(JobColumn::stderrFile), job.stderrFile);
    return bind.result();
}

Result<Job> readJob(sqlite3_stmt *statement) {
    Job job;
    job.id = integerAt(statement, JobColumn::id);
    const auto fail = [&job](const QString &what) {
        return Error{QStringLiteral("job %1 in the database: %2").arg(job.id).arg(what)};
    };

    Result<JobSpec> spec = specFromCompactJson(sqlite::columnBlob(statement, col(JobColumn::specJson)));
    if (!spec)
        return fail(spec.error());
    job.spec = std::move(spec).value();
    job.spec.name = textAt(statement, JobColumn::name);
    job.spec.priority = integerAt(statement, JobColumn::priority);

    const QString stateText = textAt(statement, JobColumn::state);
    const std::optional<JobState> state = parseJobState(stateText);
    if (!state)
        return fail(QStringLiteral("unknown state \"%1\"").arg(stateText));
    job.state = *state;
    const QString reasonText = textAt(statement, JobColumn::reason);
    const std::optional<PendingReason> reason = parsePendingReason(reasonText);
    if (!reason)
        return fail(QStringLiteral("unknown pending reason \"%1\"").arg(reasonText));
    job.reason = *reason;
    const QString gpusText = textAt(statement, JobColumn::allocatedGpus);
    const std::optional<QList<int>> gpus = splitGpus(gpusText);
    if (!gpus)
        return fail(QStringLiteral("allocated_gpus \"%1\" is not a list of GPU indices").arg(gpusText));
    job.allocatedGpus = *gpus;

    job.arrayJobId = integerAt(statement, JobColumn::arrayJobId);
    job.arrayTaskId = intAt(statement, JobColumn::arrayTaskId);
    job.held = integerAt(statement, JobColumn::held) != 0;
    job.submitTimeMs = integerAt(statement, JobColumn::submitMs);
    job.startTimeMs = integerAt(statement, JobColumn::startMs);
    job.endTimeMs = integerAt(statement, JobColumn::endMs);
    job.exitCode = intAt(statement, JobColumn::exitCode);
    job.termSignal = intAt(statement, JobColumn::termSignal);
    job.message = textAt(statement, JobColumn::message);
    job.retries = intAt(statement, JobColumn::retries);
    job.allocatedGpuMemMib = integerAt(statement, JobColumn::allocatedGpuMemMib);
    job.stdoutFile = textAt(statement, JobColumn::stdoutFile);
    job.stderrFile = sqlite::columnIsNull(statement, col(JobColumn::stderrFile))
                         ? job.stdoutFile
                         : textAt(statement, JobColumn::stderrFile);
    job.process.pid = integerAt(statement, JobColumn::shimPid);
    job.process.startTicks = integerAt(statement, JobColumn::shimStartTicks);
    job.process.bootId = textAt(statement, JobColumn::bootId);
    job.childPid = integerAt(statement, JobColumn::childPid);
    job.accounting.cpuTimeMs = integerAt(statement, JobColumn::cpuTimeMs);
    job.accounting.peakRssKib = integerAt(statement, JobColumn::peakRssKib);
    job.accounting.gpuSeconds = sqlite3_column_double(statement, col(JobColumn::gpuSeconds));
    job.accounting.peakGpuMemMib = integerAt(statement, JobColumn::peakGpuMemMib);
    job.accounting.gpuEnergyJ = sqlite3_column_double(statement, col(JobColumn::gpuEnergyJ));
    // Written by this store only; a damaged value loses the progress, never the job.
    job.progress =
        QJsonDocument::fromJson(sqlite::columnBlob(statement, col(JobColumn::progressJson))).object();
    return job;
}

}  // namespace nd::storeRows
