// The Submit dialog: layout, checks as you type, the debounced preview and the asynchronous submit.
// spec() and setFromSpec() are in SubmitDialogSpec.cpp.
#include "ui/submit/SubmitDialog.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDialogButtonBox>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QInputDialog>
#include <QJsonDocument>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSpinBox>
#include <QStackedWidget>
#include <QTimer>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"
#include "core/jobs/JobSpec.h"
#include "ui/common/Formatting.h"
#include "ui/submit/SubmitFields.h"
#include "ui/submit/WorkloadForm.h"

namespace nd {

namespace {

constexpr int previewDelayMs = 300;

QLabel *errorLabel(QWidget *parent, const QString &key) {
    auto *label = new QLabel(parent);
    label->setObjectName(QStringLiteral("error.") + key);
    label->setStyleSheet(QStringLiteral("color: #c62828;"));
    label->setWordWrap(true);
    label->setVisible(false);
    label->setAccessibleName(QObject::tr("Problem with this field"));
    return label;
}

template <typename W>
W *named(W *widget, const QString &objectName, const QString &accessibleName) {
    widget->setObjectName(objectName);
    widget->setAccessibleName(accessibleName);
    return widget;
}

}  // namespace

SubmitDialog::SubmitDialog(ApiClient *api, const QString &templatesDir, QWidget *parent)
    : QDialog(parent), m_api(api), m_templates(templatesDir) {
    setWindowTitle(tr("Submit a job"));
    setAccessibleName(tr("Submit a job"));
    auto *content = new QWidget;
    auto *layout = new QVBoxLayout(content);
    layout->addWidget(buildTemplateRow());
    auto *kindRow = new QFormLayout;
    m_kind = named(new QComboBox(content), QStringLiteral("kind"), tr("Kind of job"));
    m_kind->addItem(tr("Command"), static_cast<int>(Kind::command));
    m_kind->addItem(tr("Script (sbatch)"), static_cast<int>(Kind::script));
    m_kind->addItem(tr("Batch inference"), static_cast<int>(Kind::batch));
    m_kind->addItem(tr("Benchmark"), static_cast<int>(Kind::benchmark));
    m_kind->addItem(tr("Model server"), static_cast<int>(Kind::server));
    auto *kindLabel = new QLabel(tr("&Kind:"), content);
    kindLabel->setBuddy(m_kind);
    kindRow->addRow(kindLabel, m_kind);
    layout->addLayout(kindRow);
    layout->addWidget(buildKindPages());
    layout->addWidget(buildResources());
    layout->addWidget(buildJobFields());

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(content);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    // Tab moves through the fields inside; the area itself is no stop of its own.
    scroll->setFocusPolicy(Qt::NoFocus);
    auto *outer = new QVBoxLayout(this);
    outer->addWidget(scroll);
    m_preview = named(new QLabel(this), QStringLiteral("preview"), tr("Preview"));
    m_preview->setWordWrap(true);
    m_preview->setTextInteractionFlags(Qt::TextSelectableByKeyboard | Qt::TextSelectableByMouse);
    m_preview->setFocusPolicy(Qt::StrongFocus);  // reachable from the keyboard, read by screen readers
    outer->addWidget(m_preview);
    m_error = errorLabel(this, QStringLiteral("submit"));
    m_error->setAccessibleName(tr("Submit error"));
    outer->addWidget(m_error);
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    m_buttons->button(QDialogButtonBox::Ok)->setText(tr("&Submit"));
    m_buttons->button(QDialogButtonBox::Ok)->setAccessibleName(tr("Submit"));
    m_buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(tr("Cancel"));
    outer->addWidget(m_buttons);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SubmitDialog::submit);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    m_previewTimer = new QTimer(this);
    m_previewTimer->setSingleShot(true);
    m_previewTimer->setInterval(previewDelayMs);
    connect(m_previewTimer, &QTimer::timeout, this, &SubmitDialog::requestPreview);
    connect(m_kind, &QComboBox::currentIndexChanged, this, [this] {
        const Kind k = kind();
        m_pages->setCurrentIndex(k == Kind::command ? 0 : k == Kind::script ? 1 : 2);
        if (k == Kind::batch || k == Kind::benchmark || k == Kind::server)
            m_workload->setKind(k == Kind::batch       ? QStringLiteral("batch")
                                : k == Kind::benchmark ? QStringLiteral("benchmark")
                                                       : QStringLiteral("server"));
        onChanged();
    });
    resize(640, 760);
    validate();
    if (m_api)
        reload();
}

QWidget *SubmitDialog::buildTemplateRow() {
    auto *row = new QWidget;
    auto *layout = new QHBoxLayout(row);
    layout->setContentsMargins(0, 0, 0, 0);
    m_templateChoice = named(new QComboBox(row), QStringLiteral("template"), tr("Saved template"));
    m_templateChoice->addItems(m_templates.names());
    auto *label = new QLabel(tr("&Template:"), row);
    label->setBuddy(m_templateChoice);
    auto *load =
        named(new QPushButton(tr("&Load"), row), QStringLiteral("template.load"), tr("Load template"));
    auto *save = named(new QPushButton(tr("Save &as template…"), row), QStringLiteral("template.save"),
                       tr("Save as template"));
    layout->addWidget(label);
    layout->addWidget(m_templateChoice, 1);
    layout->addWidget(load);
    layout->addWidget(save);
    connect(load, &QPushButton::clicked, this, [this] {
        if (!m_templateChoice->currentText().isEmpty())
            loadTemplate(m_templateChoice->currentText());
    });
    connect(save, &QPushButton::clicked, this, &SubmitDialog::promptSaveTemplate);
    return row;
}

QWidget *SubmitDialog::buildKindPages() {
    m_pages = new QStackedWidget;
    auto *commandPage = new QWidget(m_pages);
    auto *commandForm = new QFormLayout(commandPage);
    m_command = named(new QLineEdit(commandPage), QStringLiteral("command"), tr("Command"));
    m_command->setPlaceholderText(tr("python train.py --lr 3e-4"));
    addRow(commandForm, tr("Co&mmand:"), m_command, QStringLiteral("argv"));
    m_pages->addWidget(commandPage);

    auto *scriptPage = new QWidget(m_pages);
    auto *scriptForm = new QFormLayout(scriptPage);
    auto *open = named(new QPushButton(tr("&Open script…"), scriptPage), QStringLiteral("script.open"),
                       tr("Open a script file"));
    scriptForm->addRow(QString(), open);
    m_script = named(new QPlainTextEdit(scriptPage), QStringLiteral("script"), tr("Script"));
    m_script->setTabChangesFocus(true);
    m_script->setPlaceholderText(tr("#!/bin/bash\n#SBATCH --gres=gpu:1\npython train.py"));
    addRow(scriptForm, tr("Sc&ript:"), m_script, QStringLiteral("script"));
    m_sbatch = named(new QLabel(scriptPage), QStringLiteral("sbatch"), tr("What the #SBATCH lines set"));
    m_sbatch->setWordWrap(true);
    scriptForm->addRow(QString(), m_sbatch);
    m_scriptArgs = named(new QLineEdit(scriptPage), QStringLiteral("script_args"), tr("Script arguments"));
    addRow(scriptForm, tr("Ar&guments:"), m_scriptArgs, QStringLiteral("script_args"));
    m_pages->addWidget(scriptPage);
    connect(open, &QPushButton::clicked, this, &SubmitDialog::openScript);

    m_workload = new WorkloadForm(m_pages);
    m_pages->addWidget(m_workload);
    m_errors.insert(QStringLiteral("workload"), errorLabel(m_workload, QStringLiteral("workload")));
    m_workload->layout()->addWidget(m_errors.value(QStringLiteral("workload")));

    connect(m_command, &QLineEdit::textChanged, this, &SubmitDialog::onChanged);
    connect(m_script, &QPlainTextEdit::textChanged, this, &SubmitDialog::onChanged);
    connect(m_scriptArgs, &QLineEdit::textChanged, this, &SubmitDialog::onChanged);
    connect(m_workload, &WorkloadForm::changed, this, &SubmitDialog::onChanged);
    return m_pages;
}

QWidget *SubmitDialog::buildResources() {
    auto *box = new QGroupBox(tr("Resources"));
    auto *form = new QFormLayout(box);
    m_gpus = named(new QSpinBox(box), QStringLiteral("gpus"), tr("Whole GPUs"));
    m_gpus->setRange(0, maxJobGpus);
    addRow(form, tr("&GPUs:"), m_gpus, QStringLiteral("gpus"));
    m_machine = named(new QLabel(tr("This machine's GPUs are not known yet."), box),
                      QStringLiteral("machine"), tr("This machine's GPUs"));
    m_machine->setWordWrap(true);
    form->addRow(QString(), m_machine);
    m_gpuMem = named(new QSpinBox(box), QStringLiteral("gpu_mem_mib"), tr("GPU memory per GPU in MiB"));
    m_gpuMem->setRange(0, 1 << 24);
    m_gpuMem->setSingleStep(1024);
    m_gpuMem->setSuffix(tr(" MiB"));
    m_gpuMem->setSpecialValueText(tr("any"));
    m_gpuMem->setToolTip(tr("With 0 GPUs: a share of one GPU with this much free memory"));
    addRow(form, tr("GPU &memory:"), m_gpuMem, QStringLiteral("gpu_mem_mib"));
    m_cpus = named(new QSpinBox(box), QStringLiteral("cpus"), tr("CPUs"));
    m_cpus->setRange(1, maxJobCpus);
    addRow(form, tr("&CPUs:"), m_cpus, QStringLiteral("cpus"));
    m_mem = named(new QLineEdit(box), QStringLiteral("mem"), tr("Host memory"));
    m_mem->setPlaceholderText(tr("not accounted (e.g. 16G)"));
    addRow(form, tr("M&emory:"), m_mem, QStringLiteral("mem"));
    m_timeLimit = named(new QLineEdit(box), QStringLiteral("time_limit"), tr("Time limit"));
    m_timeLimit->setPlaceholderText(tr("none (e.g. 1:00:00 or 2-00:00:00)"));
    addRow(form, tr("&Time limit:"), m_timeLimit, QStringLiteral("time_limit"));
    m_array = named(new QLineEdit(box), QStringLiteral("array"), tr("Array"));
    m_array->setPlaceholderText(tr("none (e.g. 0-9%2)"));
    addRow(form, tr("&Array:"), m_array, QStringLiteral("array"));

    auto *deps = new QWidget(box);
    auto *depsLayout = new QVBoxLayout(deps);
    depsLayout->setContentsMargins(0, 0, 0, 0);
    m_dependencyKind = named(new QComboBox(deps), QStringLiteral("dependency_kind"), tr("Dependency kind"));
    m_dependencyKind->addItem(tr("after they succeed (afterok)"), QStringLiteral("afterok"));
    m_dependencyKind->addItem(tr("after they end (afterany)"), QStringLiteral("afterany"));
    m_dependencies = named(new QListWidget(deps), QStringLiteral("dependencies"), tr("Jobs to wait for"));
    m_dependencies->setMaximumHeight(110);
    depsLayout->addWidget(m_dependencyKind);
    depsLayout->addWidget(m_dependencies);
    addRow(form, tr("&Wait for:"), deps, QStringLiteral("dependency"));

    for (QSpinBox *spin : {m_gpus, m_gpuMem, m_cpus})
        connect(spin, &QSpinBox::valueChanged, this, &SubmitDialog::onChanged);
    for (QLineEdit *edit : {m_mem, m_timeLimit, m_array})
        connect(edit, &QLineEdit::textChanged, this, &SubmitDialog::onChanged);
    connect(m_dependencyKind, &QComboBox::currentIndexChanged, this, &SubmitDialog::onChanged);
    connect(m_dependencies, &QListWidget::itemChanged, this, &SubmitDialog::onChanged);
    return box;
}

QWidget *SubmitDialog::buildJobFields() {
    auto *box = new QGroupBox(tr("Job"));
    auto *form = new QFormLayout(box);
    m_name = named(new QLineEdit(box), QStringLiteral("name"), tr("Job name"));
    m_name->setPlaceholderText(tr("from the script or program"));
    addRow(form, tr("&Name:"), m_name, QStringLiteral("name"));
    m_priority = named(new QSpinBox(box), QStringLiteral("priority"), tr("Priority"));
    m_priority->setRange(-1000000, 1000000);
    m_priority->setToolTip(tr("Higher runs first"));
    addRow(form, tr("&Priority:"), m_priority, QStringLiteral("priority"));
    m_hold =
        named(new QCheckBox(tr("&Hold (start only once released)"), box), QStringLiteral("hold"), tr("Hold"));
    form->addRow(QString(), m_hold);
    m_tags = named(new QLineEdit(box), QStringLiteral("tags"), tr("Tags"));
    m_tags->setPlaceholderText(tr("comma separated"));
    addRow(form, tr("Ta&gs:"), m_tags, QStringLiteral("tags"));
    auto *folder = new QWidget(box);
    auto *folderLayout = new QHBoxLayout(folder);
    folderLayout->setContentsMargins(0, 0, 0, 0);
    m_workdir = named(new QLineEdit(folder), QStringLiteral("workdir"), tr("Working folder"));
    m_workdir->setPlaceholderText(tr("your home folder"));
    auto *browse = named(new QPushButton(tr("&Browse…"), folder), QStringLiteral("workdir.browse"),
                         tr("Choose the working folder"));
    folderLayout->addWidget(m_workdir, 1);
    folderLayout->addWidget(browse);
    addRow(form, tr("&Folder:"), folder, QStringLiteral("workdir"));
    m_env = named(new QPlainTextEdit(box), QStringLiteral("env"), tr("Environment variables"));
    m_env->setTabChangesFocus(true);
    m_env->setPlaceholderText(tr("NAME=value, one a line"));
    m_env->setMaximumHeight(80);
    addRow(form, tr("En&vironment:"), m_env, QStringLiteral("env"));
    connect(browse, &QPushButton::clicked, this, &SubmitDialog::browseWorkdir);
    for (QLineEdit *edit : {m_name, m_tags, m_workdir})
        connect(edit, &QLineEdit::textChanged, this, &SubmitDialog::onChanged);
    connect(m_priority, &QSpinBox::valueChanged, this, &SubmitDialog::onChanged);
    connect(m_hold, &QCheckBox::toggled, this, &SubmitDialog::onChanged);
    connect(m_env, &QPlainTextEdit::textChanged, this, &SubmitDialog::onChanged);
    return box;
}

void SubmitDialog::addRow(QFormLayout *form, const QString &label, QWidget *field, const QString &key) {
    auto *cell = new QWidget(field->parentWidget());
    auto *layout = new QVBoxLayout(cell);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    field->setParent(cell);
    layout->addWidget(field);
    QLabel *error = errorLabel(cell, key);
    layout->addWidget(error);
    m_errors.insert(key, error);
    auto *labelWidget = new QLabel(label, cell->parentWidget());
    labelWidget->setBuddy(field);
    form->addRow(labelWidget, cell);
}

void SubmitDialog::setFieldError(const QString &key, const QString &message) {
    QLabel *label = m_errors.value(key, m_error);
    label->setText(message.isEmpty() ? QString() : fmt::sentence(message));
    label->setVisible(!message.isEmpty());
}

QString SubmitDialog::fieldError(const QString &key) const {
    const QLabel *label = m_errors.value(key);
    return label ? label->text() : QString();
}

bool SubmitDialog::hasErrors() const {
    for (const QLabel *label : m_errors)
        if (!label->text().isEmpty())
            return true;
    return false;
}

QString SubmitDialog::previewText() const {
    return m_preview->text();
}

QString SubmitDialog::submitError() const {
    return m_error->text();
}

void SubmitDialog::onChanged() {
    if (m_filling)
        return;
    m_error->clear();
    m_error->setVisible(false);
    validate();
    if (m_api)
        m_previewTimer->start();
}

// The checks that need no daemon, as the daemon makes them; the daemon's own objections come with the
// preview.
void SubmitDialog::validate() {
    for (QLabel *label : m_errors) {
        label->clear();
        label->setVisible(false);
    }
    const Kind k = kind();
    if (k == Kind::command) {
        const Result<QStringList> args = splitArguments(m_command->text());
        if (!args.ok())
            setFieldError(QStringLiteral("argv"), args.error());
        else if (args->isEmpty())
            setFieldError(QStringLiteral("argv"), tr("type the command to run"));
    }
    if (k == Kind::script) {
        const Result<QStringList> args = splitArguments(m_scriptArgs->text());
        if (!args.ok())
            setFieldError(QStringLiteral("script_args"), args.error());
    }
    if (k == Kind::script) {
        if (m_script->toPlainText().trimmed().isEmpty())
            setFieldError(QStringLiteral("script"), tr("write a script or open one"));
        bool error = false;
        const QString summary = sbatchSummary(m_script->toPlainText(), &error);
        m_sbatch->setText(error ? QString() : summary);
        if (error)
            setFieldError(QStringLiteral("script"), summary);
    }
    if (k == Kind::batch || k == Kind::benchmark || k == Kind::server)
        setFieldError(QStringLiteral("workload"), m_workload->error());
    setFieldError(QStringLiteral("mem"), memoryError(m_mem->text()));
    setFieldError(QStringLiteral("time_limit"), timeLimitError(m_timeLimit->text()));
    setFieldError(QStringLiteral("array"), arrayError(m_array->text()));
    setFieldError(QStringLiteral("env"), envError(m_env->toPlainText()));
    if (!m_workdir->text().trimmed().isEmpty() && !QFileInfo(m_workdir->text().trimmed()).isAbsolute())
        setFieldError(QStringLiteral("workdir"), tr("give the folder's full path"));
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!hasErrors() && !m_submitting);
    if (hasErrors())
        m_preview->setText(tr("Fix the fields marked in red to see whether it would start."));
}

void SubmitDialog::requestPreview() {
    if (!m_api || hasErrors())
        return;
    const int generation = ++m_previewGeneration;
    m_api->postJson(QStringLiteral("/api/jobs/preview"), QJsonDocument(spec()), this,
                    [this, generation](const Result<QJsonDocument> &answer) {
                        if (generation != m_previewGeneration)
                            return;
                        if (answer.ok())
                            m_preview->setText(previewSentence(answer->object()));
                        else
                            showDaemonError(answer.error(), m_preview, tr("Would be refused"));
                        Q_EMIT previewChanged(m_preview->text());
                    });
}

// "400 invalid_job: array: …" → next to the array field; other refusals, and a daemon that could not be
// asked, into `general`. `refused` starts the sentence: "Would be refused" (preview) or "Refused" (submit).
void SubmitDialog::showDaemonError(const QString &message, QLabel *general, const QString &refused) {
    const auto [key, text] = errorField(message);
    static const QRegularExpression refusal(QStringLiteral("^4\\d\\d "));
    if (!refusal.match(message).hasMatch()) {
        general->setText(tr("Could not ask the daemon: %1").arg(message));
    } else if (!key.isEmpty() && m_errors.contains(key) &&
               m_errors.value(key)->parentWidget()->isVisibleTo(this)) {
        setFieldError(key, text);
        general->setText(tr("%1: see the field marked in red.").arg(refused));
    } else {
        general->setText(tr("%1: %2").arg(refused, text));
    }
    general->setVisible(true);
}

void SubmitDialog::submit() {
    validate();
    if (hasErrors() || m_submitting)
        return;
    if (!m_api) {
        m_error->setText(tr("Not connected to the daemon."));
        m_error->setVisible(true);
        return;
    }
    m_submitting = true;
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(false);
    m_api->postJson(
        QStringLiteral("/api/jobs"), QJsonDocument(spec()), this,
        [this](const Result<QJsonDocument> &answer) {
            m_submitting = false;
            if (!answer.ok()) {
                showDaemonError(answer.error(), m_error, tr("Refused"));
                m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!hasErrors());
                return;
            }
            QList<qint64> ids;
            for (const QJsonValue &id : answer->object().value(QStringLiteral("job_ids")).toArray())
                ids.append(id.toInteger());
            Q_EMIT submitted(ids);
            accept();
        });
}

void SubmitDialog::reload() {
    if (!m_api)
        return;
    m_api->getJson(QStringLiteral("/api/queue"), this, [this](const Result<QJsonDocument> &answer) {
        if (answer.ok())
            setMachine(answer->object());
    });
    m_api->getJson(QStringLiteral("/api/jobs"), this, [this](const Result<QJsonDocument> &answer) {
        if (answer.ok())
            setQueueJobs(answer->object().value(QStringLiteral("jobs")).toArray());
    });
    m_api->getJson(QStringLiteral("/api/models"), this, [this](const Result<QJsonDocument> &answer) {
        if (!answer.ok())
            return;
        QStringList names;
        for (const QJsonValue &model : answer->object().value(QStringLiteral("models")).toArray())
            if (!model[QStringLiteral("shadowed_by")].isString())
                names.append(model[QStringLiteral("name")].toString());
        setModels(names);
    });
}

void SubmitDialog::setModels(const QStringList &names) {
    m_workload->setModels(names);
}

void SubmitDialog::openScript() {
    const QString file = QFileDialog::getOpenFileName(this, tr("Open a batch script"), m_scriptDir,
                                                      tr("Scripts (*.sh *.sbatch *.slurm);;All files (*)"));
    if (file.isEmpty())
        return;
    QFile f(file);
    if (!f.open(QIODevice::ReadOnly)) {
        setFieldError(QStringLiteral("script"), tr("cannot read %1: %2").arg(file, f.errorString()));
        return;
    }
    m_script->setPlainText(QString::fromUtf8(f.readAll()));
    m_scriptName = QFileInfo(file).fileName();
    m_scriptDir = QFileInfo(file).absolutePath();
    onChanged();
}

void SubmitDialog::browseWorkdir() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Working folder"), m_workdir->text());
    if (!dir.isEmpty())
        m_workdir->setText(dir);
}

void SubmitDialog::promptSaveTemplate() {
    bool ok = false;
    const QString name = QInputDialog::getText(this, tr("Save as template"), tr("Template name:"),
                                               QLineEdit::Normal, m_name->text(), &ok);
    if (!ok || name.trimmed().isEmpty())
        return;
    const VoidResult saved = saveTemplate(name);
    if (!saved.ok()) {
        m_error->setText(fmt::sentence(saved.error()));
        m_error->setVisible(true);
    }
}

VoidResult SubmitDialog::saveTemplate(const QString &name) {
    const VoidResult saved = m_templates.save(name, spec());
    if (saved.ok()) {
        m_templateChoice->clear();
        m_templateChoice->addItems(m_templates.names());
        m_templateChoice->setCurrentText(name.trimmed());
    }
    return saved;
}

VoidResult SubmitDialog::loadTemplate(const QString &name) {
    const Result<QJsonObject> loaded = m_templates.load(name);
    if (!loaded.ok())
        return Error{loaded.error()};
    setFromSpec(loaded.value());
    return success();
}

}  // namespace nd
