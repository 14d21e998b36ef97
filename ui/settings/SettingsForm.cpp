// SettingsForm: the settings.json groups as widgets, built from the spec table.
#include "ui/settings/SettingsForm.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QJsonArray>
#include <QLabel>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

using namespace Qt::StringLiterals;

namespace nd {

namespace {

using Kind = SettingsFieldSpec::Kind;

// The ranges are Settings::parse's (core/settings/Settings.cpp); the daemon checks again on PUT.
QString sectionTitle(const QString &section) {
    if (section == u"daemon"_s)
        return u"Daemon"_s;
    if (section == u"telemetry"_s)
        return u"Telemetry"_s;
    if (section == u"queue"_s)
        return u"Queue"_s;
    return u"Models"_s;
}

QString sectionOf(const QString &key) {
    return key.section(u'.', 0, 0);
}
QString nameOf(const QString &key) {
    return key.section(u'.', 1);
}

}  // namespace

const std::vector<SettingsFieldSpec> &settingsFieldSpecs() {
    static const std::vector<SettingsFieldSpec> specs{
        {u"daemon.port"_s,
         u"Port"_s,
         u"0: any free port (clients find it in the runtime file)"_s,
         Kind::number,
         0,
         65535,
         {}},
        {u"telemetry.interval_ms"_s, u"Sampling interval"_s, u"How often GPUs and the host are read"_s,
         Kind::number, 100, 60000, u" ms"_s},
        {u"queue.cpus"_s, u"CPUs"_s, u"0: all of this machine's cores"_s, Kind::number, 0, 65536, {}},
        {u"queue.mem_mib"_s, u"Memory"_s, u"0: all of this machine's memory"_s, Kind::number, 0, 1 << 30,
         u" MiB"_s},
        {u"queue.kill_grace_s"_s, u"Kill grace"_s, u"After a cancel or time limit: SIGTERM, then SIGKILL"_s,
         Kind::number, 1, 3600, u" s"_s},
        {u"queue.backfill"_s,
         u"Backfill"_s,
         u"Start small jobs early when that delays no other job"_s,
         Kind::toggle,
         0,
         1,
         {}},
        {u"models.keep_alive_s"_s, u"Keep-alive"_s, u"An idle model server stops after this long"_s,
         Kind::number, 0, 7 * 24 * 3600, u" s"_s},
        {u"models.server_slots"_s,
         u"Server slots"_s,
         u"Requests one model server evaluates together"_s,
         Kind::number,
         1,
         256,
         {}},
        {u"models.server_ctx"_s, u"Context"_s, u"Tokens per request; 0: the model's, at most 8192"_s,
         Kind::number, 0, 1 << 24, u" tokens"_s},
    };
    return specs;
}

SettingsForm::SettingsForm(QWidget *parent) : QWidget(parent) {
    auto *layout = new QVBoxLayout(this);
    QMap<QString, QFormLayout *> forms;
    const auto formOf = [&](const QString &section) {
        if (QFormLayout *existing = forms.value(section))
            return existing;
        auto *box = new QGroupBox(sectionTitle(section), this);
        box->setObjectName(section + u"Group"_s);
        box->setAccessibleName(u"%1 settings"_s.arg(sectionTitle(section)));
        auto *form = new QFormLayout(box);
        layout->addWidget(box);
        forms.insert(section, form);
        return form;
    };

    for (const SettingsFieldSpec &spec : settingsFieldSpecs()) {
        Field field;
        field.spec = spec;
        QFormLayout *form = formOf(sectionOf(spec.key));
        QWidget *editor = nullptr;
        if (spec.kind == Kind::toggle) {
            field.check = new QCheckBox(spec.help, this);
            connect(field.check, &QCheckBox::toggled, this, &SettingsForm::changed);
            editor = field.check;
        } else {
            field.spin = new QSpinBox(this);
            field.spin->setRange(spec.min, spec.max);
            field.spin->setSuffix(spec.suffix);
            field.spin->setToolTip(spec.help);
            connect(field.spin, &QSpinBox::valueChanged, this, &SettingsForm::changed);
            editor = field.spin;
        }
        editor->setObjectName(spec.key);
        editor->setAccessibleName(spec.label);
        editor->setAccessibleDescription(spec.help);
        field.error = new QLabel(this);
        field.error->setObjectName(spec.key + u".error"_s);
        field.error->setWordWrap(true);
        field.error->setForegroundRole(QPalette::Highlight);
        field.error->setAccessibleName(u"%1: error"_s.arg(spec.label));
        field.error->hide();
        auto *cell = new QWidget(this);
        auto *cellLayout = new QVBoxLayout(cell);
        cellLayout->setContentsMargins(0, 0, 0, 0);
        cellLayout->addWidget(editor);
        cellLayout->addWidget(field.error);
        auto *label = new QLabel(spec.label + u':', this);
        label->setBuddy(editor);
        form->addRow(label, cell);
        m_fields.push_back(field);

        if (spec.key == u"models.keep_alive_s"_s) {
            // The folders first in their group: they are edited in the Models view, which scans them.
            m_folders = new QListWidget(this);
            m_folders->setObjectName(u"models.folders"_s);
            m_folders->setAccessibleName(u"Model folders (read-only)"_s);
            m_folders->setMaximumHeight(80);
            m_folders->setFocusPolicy(Qt::TabFocus);
            auto *manage = new QPushButton(u"Manage folders in the Models view…"_s, this);
            manage->setAccessibleName(u"Manage model folders in the Models view"_s);
            connect(manage, &QPushButton::clicked, this, &SettingsForm::showModelsRequested);
            form->insertRow(0, u"Folders:"_s, m_folders);
            form->insertRow(1, QString(), manage);
        }
    }
    layout->addStretch();
}

void SettingsForm::setSettings(const QJsonObject &settings) {
    const QSignalBlocker blocker(this);
    for (Field &field : m_fields) {
        field.loaded = settings.value(sectionOf(field.spec.key)).toObject().value(nameOf(field.spec.key));
        if (field.check)
            field.check->setChecked(field.loaded.toBool());
        else
            field.spin->setValue(field.loaded.toInt());
    }
    m_folders->clear();
    for (const QJsonValue &folder : settings.value(u"models"_s).toObject().value(u"folders"_s).toArray())
        m_folders->addItem(folder.toString());
    if (m_folders->count() == 0)
        m_folders->addItem(u"(none in settings.json)"_s);
    clearErrors();
}

QJsonValue SettingsForm::valueOf(const Field &field) const {
    return field.check ? QJsonValue(field.check->isChecked()) : QJsonValue(field.spin->value());
}

QJsonObject SettingsForm::changes() const {
    QJsonObject patch;
    for (const Field &field : m_fields) {
        const QJsonValue now = valueOf(field);
        if (now == field.loaded)
            continue;
        const QString section = sectionOf(field.spec.key);
        QJsonObject part = patch.value(section).toObject();
        part.insert(nameOf(field.spec.key), now);
        patch.insert(section, part);
    }
    return patch;
}

bool SettingsForm::showError(const QString &key, const QString &message) {
    for (Field &field : m_fields) {
        if (field.spec.key != key)
            continue;
        field.error->setText(message);
        field.error->show();
        QWidget *editor = field.check ? static_cast<QWidget *>(field.check) : field.spin;
        editor->setAccessibleDescription(message);  // read out with the field
        editor->setFocus();
        return true;
    }
    return false;
}

void SettingsForm::clearErrors() {
    for (Field &field : m_fields) {
        field.error->clear();
        field.error->hide();
        QWidget *editor = field.check ? static_cast<QWidget *>(field.check) : field.spin;
        editor->setAccessibleDescription(field.spec.help);
    }
}

QWidget *SettingsForm::editor(const QString &key) const {
    for (const Field &field : m_fields)
        if (field.spec.key == key)
            return field.check ? static_cast<QWidget *>(field.check) : field.spin;
    return nullptr;
}

}  // namespace nd
