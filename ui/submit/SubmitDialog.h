#pragma once
// The Submit dialog (issue 8): a job of one kind — a command, a script (its #SBATCH lines shown), or a
// model workload (batch inference, benchmark, model server) — with the resources it needs (bounded by this
// machine's GPUs, CPUs and memory), an array, dependencies picked from the queue, and the job's name,
// priority, hold, tags, folder and environment.
//
// As the user types, each field is checked where it is (core's parsers, the daemon's messages) and, 300 ms
// after the last change, the daemon is asked what it would do (POST /api/jobs/preview): the line under the
// form says "Would start now on GPU 0." or why it would wait, or the daemon's objection next to the field
// it names. Submitting is asynchronous: a refusal is shown inline and the dialog stays open; success emits
// submitted() and closes it. spec() is exactly what is POSTed; setFromSpec() fills the form from a past
// job's spec ("submit again with changes") or a saved template, keeping fields the form does not show.
#include <QDialog>
#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QList>

#include "core/common/Result.h"
#include "ui/submit/SubmitTemplates.h"

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QListWidget;
class QPlainTextEdit;
class QSpinBox;
class QStackedWidget;
class QTimer;

namespace nd {

class ApiClient;
class WorkloadForm;

class SubmitDialog : public QDialog {
    Q_OBJECT
public:
    enum class Kind { command = 1, script, batch, benchmark, server };
    Q_ENUM(Kind)

    // `api`: the daemon (not owned; null: no preview, submit or daemon data — tests of the form alone).
    // `templatesDir`: SubmitTemplates::dirIn(paths.configDir()).
    SubmitDialog(ApiClient *api, const QString &templatesDir, QWidget *parent = nullptr);

    Kind kind() const;
    void setKind(Kind kind);
    QJsonObject spec() const;
    void setFromSpec(const QJsonObject &spec);

    // What the form knows of the daemon; reload() fetches all three (done once when constructed with an
    // api). setMachine takes GET /api/queue, setQueueJobs GET /api/jobs's "jobs", setModels the names.
    void reload();
    void setMachine(const QJsonObject &queue);
    void setQueueJobs(const QJsonArray &jobs);
    void setModels(const QStringList &names);

    // The message shown next to a field (keys as in the spec: "time_limit", "array", "env", …; "kind" for
    // the command, script or workload), empty when it has none.
    QString fieldError(const QString &key) const;
    bool hasErrors() const;
    QString previewText() const;
    QString submitError() const;

    QStringList templateNames() const { return m_templates.names(); }
    VoidResult saveTemplate(const QString &name);
    VoidResult loadTemplate(const QString &name);

public Q_SLOTS:
    void submit();

Q_SIGNALS:
    void submitted(const QList<qint64> &jobIds);
    // After every preview answer (tests wait on it).
    void previewChanged(const QString &text);

private:
    QWidget *buildKindPages();
    QWidget *buildResources();
    QWidget *buildJobFields();
    QWidget *buildTemplateRow();
    // Adds `field` with an error label under it; the label is found by `key`.
    void addRow(QFormLayout *form, const QString &label, QWidget *field, const QString &key);
    void setFieldError(const QString &key, const QString &message);
    void onChanged();
    void validate();
    void requestPreview();
    void showDaemonError(const QString &message, QLabel *general, const QString &refused);
    void openScript();
    void browseWorkdir();
    void promptSaveTemplate();

    ApiClient *m_api;
    SubmitTemplates m_templates;
    QComboBox *m_kind;
    QStackedWidget *m_pages;
    QLineEdit *m_command;
    QPlainTextEdit *m_script;
    QLineEdit *m_scriptArgs;
    QLabel *m_sbatch;
    WorkloadForm *m_workload;
    QSpinBox *m_gpus;
    QLabel *m_machine;
    QSpinBox *m_gpuMem;
    QSpinBox *m_cpus;
    QLineEdit *m_mem;
    QLineEdit *m_timeLimit;
    QLineEdit *m_array;
    QListWidget *m_dependencies;
    QComboBox *m_dependencyKind;
    QLineEdit *m_name;
    QSpinBox *m_priority;
    QCheckBox *m_hold;
    QLineEdit *m_tags;
    QLineEdit *m_workdir;
    QPlainTextEdit *m_env;
    QComboBox *m_templateChoice;
    QLabel *m_preview;
    QLabel *m_error;
    QDialogButtonBox *m_buttons;
    QTimer *m_previewTimer;
    QHash<QString, QLabel *> m_errors;
    QString m_scriptName;  // the file a script was opened from: its name and folder go with it
    QString m_scriptDir;
    QJsonObject m_extra;          // spec keys the form does not show, kept from setFromSpec
    int m_previewGeneration = 0;  // answers to older previews are dropped
    bool m_filling = false;       // setFromSpec in progress: one validation at the end
    bool m_submitting = false;
};

}  // namespace nd
