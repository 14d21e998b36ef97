// The Submit dialog's form ⇄ job spec (docs/api.md, "Job spec"), and what it shows of the daemon: the
// machine's GPUs and the queue's jobs for the dependency picker.
#include <QCheckBox>
#include <QComboBox>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QSpinBox>

#include "core/jobs/SlurmSyntax.h"
#include "ui/common/Formatting.h"
#include "ui/submit/SubmitDialog.h"
#include "ui/submit/SubmitFields.h"
#include "ui/submit/WorkloadForm.h"

namespace nd {

namespace {

constexpr int refRole = Qt::UserRole + 1;  // the dependency reference of a picker item: "12" or "10_3"

QJsonArray splitToJson(const QString &line) {
    const Result<QStringList> args = splitArguments(line);
    return QJsonArray::fromStringList(args.ok() ? args.value() : QStringList{});
}

QString joinCommand(const QJsonArray &args) {
    QStringList list;
    for (const QJsonValue &arg : args)
        list.append(arg.toString());
    return joinArguments(list);
}

QListWidgetItem *pickerItem(QListWidget *list, const QString &ref, const QString &text) {
    auto *item = new QListWidgetItem(text, list);
    item->setData(refRole, ref);
    item->setFlags(Qt::ItemIsEnabled | Qt::ItemIsUserCheckable);
    item->setCheckState(Qt::Unchecked);
    return item;
}

}  // namespace

SubmitDialog::Kind SubmitDialog::kind() const {
    return static_cast<Kind>(m_kind->currentData().toInt());
}

void SubmitDialog::setKind(Kind kind) {
    m_kind->setCurrentIndex(m_kind->findData(static_cast<int>(kind)));
}

QJsonObject SubmitDialog::spec() const {
    QJsonObject json = m_extra;
    switch (kind()) {
        case Kind::command:
            json.insert(QStringLiteral("argv"), splitToJson(m_command->text()));
            break;
        case Kind::script:
            json.insert(QStringLiteral("script"), m_script->toPlainText());
            if (!m_scriptArgs->text().trimmed().isEmpty())
                json.insert(QStringLiteral("script_args"), splitToJson(m_scriptArgs->text()));
            if (!m_scriptName.isEmpty())
                json.insert(QStringLiteral("script_name"), m_scriptName);
            // As sbatch: a relative #SBATCH --chdir or output path is relative to where the script is.
            if (!m_scriptDir.isEmpty() && !json.contains(QStringLiteral("submit_dir")))
                json.insert(QStringLiteral("submit_dir"), m_scriptDir);
            break;
        case Kind::batch:
        case Kind::benchmark:
        case Kind::server:
            json.insert(QStringLiteral("workload"), m_workload->workload());
            break;
    }
    // Only what the user set: a script's #SBATCH lines give the rest.
    if (m_gpus->value() > 0)
        json.insert(QStringLiteral("gpus"), m_gpus->value());
    if (m_gpuMem->value() > 0)
        json.insert(QStringLiteral("gpu_mem_mib"), m_gpuMem->value());
    if (m_cpus->value() != 1)
        json.insert(QStringLiteral("cpus"), m_cpus->value());
    const auto text = [&json](const QString &key, const QString &value) {
        if (!value.trimmed().isEmpty())
            json.insert(key, value.trimmed());
    };
    text(QStringLiteral("mem"), m_mem->text());
    text(QStringLiteral("time_limit"), m_timeLimit->text());
    text(QStringLiteral("array"), m_array->text());
    QStringList refs;
    for (int row = 0; row < m_dependencies->count(); ++row)
        if (m_dependencies->item(row)->checkState() == Qt::Checked)
            refs.append(m_dependencies->item(row)->data(refRole).toString());
    if (!refs.isEmpty())
        json.insert(QStringLiteral("dependency"), m_dependencyKind->currentData().toString() +
                                                      QLatin1Char(':') + refs.join(QLatin1Char(':')));
    text(QStringLiteral("name"), m_name->text());
    if (m_priority->value() != 0)
        json.insert(QStringLiteral("priority"), m_priority->value());
    if (m_hold->isChecked())
        json.insert(QStringLiteral("hold"), true);
    QJsonArray tags;
    for (const QString &tag : m_tags->text().split(QLatin1Char(','), Qt::SkipEmptyParts))
        if (!tag.trimmed().isEmpty())
            tags.append(tag.trimmed());
    if (!tags.isEmpty())
        json.insert(QStringLiteral("tags"), tags);
    text(QStringLiteral("workdir"), m_workdir->text());
    const QJsonObject env = envFromText(m_env->toPlainText());
    if (!env.isEmpty())
        json.insert(QStringLiteral("env"), env);
    return json;
}

void SubmitDialog::setFromSpec(const QJsonObject &source) {
    m_filling = true;
    QJsonObject spec = source;
    const auto take = [&spec](const char *key) { return spec.take(QString::fromLatin1(key)); };
    for (QLineEdit *edit : {m_command, m_scriptArgs, m_mem, m_timeLimit, m_array, m_name, m_tags, m_workdir})
        edit->clear();
    m_script->clear();
    m_env->clear();
    m_scriptName = take("script_name").toString();
    m_scriptDir.clear();
    const QJsonValue workload = take("workload");
    const QJsonValue script = take("script");
    const QJsonValue argv = take("argv");  // a workload job's argv is the worker the daemon made of it
    if (workload.isObject()) {
        const QString workloadKind = workload[QStringLiteral("kind")].toString();
        setKind(workloadKind == QLatin1String("server")      ? Kind::server
                : workloadKind == QLatin1String("benchmark") ? Kind::benchmark
                                                             : Kind::batch);
        m_workload->setWorkload(workload.toObject());
    } else if (script.isString()) {
        setKind(Kind::script);
        m_script->setPlainText(script.toString());
        m_scriptArgs->setText(joinCommand(take("script_args").toArray()));
    } else {
        setKind(Kind::command);
        m_command->setText(joinCommand(argv.toArray()));
    }
    m_gpus->setValue(take("gpus").toInt());
    m_gpuMem->setValue(static_cast<int>(take("gpu_mem_mib").toInteger()));
    m_cpus->setValue(take("cpus").toInt(1));
    const QJsonValue memMib = take("mem_mib");
    const QJsonValue mem = take("mem");
    if (mem.isString())
        m_mem->setText(mem.toString());
    else if (memMib.toInteger() > 0)
        m_mem->setText(memMib.toInteger() % 1024 == 0 ? QStringLiteral("%1G").arg(memMib.toInteger() / 1024)
                                                      : QStringLiteral("%1M").arg(memMib.toInteger()));
    const QJsonValue limitSec = take("time_limit_s");
    const QJsonValue limit = take("time_limit");
    if (limit.isString())
        m_timeLimit->setText(limit.toString());
    else if (limitSec.toInteger() > 0)
        m_timeLimit->setText(formatDuration(limitSec.toInteger()));
    m_array->setText(take("array").toString());

    // Dependencies: the picker's items for the jobs named, added when the queue no longer lists them.
    const Result<QList<Dependency>> deps = parseDependencies(take("dependency").toString());
    for (int row = 0; row < m_dependencies->count(); ++row)
        m_dependencies->item(row)->setCheckState(Qt::Unchecked);
    if (deps.ok() && !deps->isEmpty()) {
        m_dependencyKind->setCurrentIndex(deps->front().kind == Dependency::Kind::afterAny ? 1 : 0);
        for (const Dependency &dep : *deps) {
            const QString ref = dep.arrayTaskId >= 0
                                    ? QStringLiteral("%1_%2").arg(dep.jobId).arg(dep.arrayTaskId)
                                    : QString::number(dep.jobId);
            QListWidgetItem *found = nullptr;
            for (int row = 0; row < m_dependencies->count() && !found; ++row)
                if (m_dependencies->item(row)->data(refRole).toString() == ref)
                    found = m_dependencies->item(row);
            if (!found)
                found = pickerItem(m_dependencies, ref, tr("%1 (not in the queue)").arg(ref));
            found->setCheckState(Qt::Checked);
        }
    }
    m_name->setText(take("name").toString());
    m_priority->setValue(static_cast<int>(take("priority").toInteger()));
    m_hold->setChecked(take("hold").toBool());
    QStringList tags;
    for (const QJsonValue &tag : take("tags").toArray())
        tags.append(tag.toString());
    m_tags->setText(tags.join(QStringLiteral(", ")));
    m_workdir->setText(take("workdir").toString());
    m_env->setPlainText(envToText(take("env").toObject()));
    m_extra = spec;  // stdout, stderr, max_retries, gpu_indices, begin_time_ms, submit_dir, …
    m_filling = false;
    onChanged();
}

void SubmitDialog::setMachine(const QJsonObject &queue) {
    const QJsonArray gpus = queue.value(QStringLiteral("gpus")).toArray();
    QStringList lines;
    qint64 largestMib = 0;
    for (const QJsonValue &gpu : gpus) {
        const qint64 total = gpu[QStringLiteral("memory_total_mib")].toInteger();
        const qint64 free = gpu[QStringLiteral("memory_free_mib")].toInteger();
        const bool busy = gpu[QStringLiteral("whole")].toBool();
        largestMib = std::max(largestMib, total);
        lines.append(tr("GPU %1: %2 GiB, %3 GiB free%4")
                         .arg(gpu[QStringLiteral("index")].toInt())
                         .arg(fmt::gib(total), fmt::gib(free), busy ? tr(", in use by a job") : QString()));
    }
    m_gpus->setMaximum(static_cast<int>(gpus.size()));
    if (largestMib > 0)
        m_gpuMem->setMaximum(static_cast<int>(largestMib));
    const int cpus = queue.value(QStringLiteral("cpus")).toInt();
    if (cpus > 0)
        m_cpus->setMaximum(cpus);
    m_machine->setText(gpus.isEmpty() ? tr("This machine has no GPUs the queue can use: CPU jobs only.")
                                      : lines.join(QLatin1Char('\n')));
}

void SubmitDialog::setQueueJobs(const QJsonArray &jobs) {
    QStringList checked;
    for (int row = 0; row < m_dependencies->count(); ++row)
        if (m_dependencies->item(row)->checkState() == Qt::Checked)
            checked.append(m_dependencies->item(row)->data(refRole).toString());
    const QSignalBlocker blocker(m_dependencies);
    m_dependencies->clear();
    for (const QJsonValue &job : jobs) {
        QString ref = job[QStringLiteral("display_id")].toString();
        if (ref.isEmpty())
            ref = QString::number(job[QStringLiteral("id")].toInteger());
        QListWidgetItem *item = pickerItem(
            m_dependencies, ref,
            tr("%1  %2 (%3)")
                .arg(ref, job[QStringLiteral("name")].toString(), job[QStringLiteral("state")].toString()));
        if (checked.removeAll(ref) > 0)
            item->setCheckState(Qt::Checked);
    }
    for (const QString &ref : checked)
        pickerItem(m_dependencies, ref, tr("%1 (not in the queue)").arg(ref))->setCheckState(Qt::Checked);
}

}  // namespace nd
