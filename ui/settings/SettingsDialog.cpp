// SettingsDialog: the form, its requests to the daemon, and the gui.ini toggles.
#include "ui/settings/SettingsDialog.h"

#include <QCheckBox>
#include <QDialogButtonBox>
#include <QGroupBox>
#include <QJsonArray>
#include <QLabel>
#include <QPushButton>
#include <QScrollArea>
#include <QSettings>
#include <QVBoxLayout>

#include "core/client/ApiClient.h"
#include "core/client/ApiErrors.h"
#include "ui/controllers/ConnectionController.h"
#include "ui/settings/SettingsForm.h"
#include "ui/tray/TrayController.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

constexpr int requestTimeoutMs = 10000;

QStringList strings(const QJsonValue &array) {
    QStringList out;
    for (const QJsonValue &v : array.toArray())
        out.append(v.toString());
    return out;
}

}  // namespace

SettingsDialog::SettingsDialog(ConnectionController *connection, QSettings *gui, QWidget *parent)
    : QDialog(parent)
    , m_connection(connection)
    , m_gui(gui)
    , m_form(new SettingsForm(this))
    , m_notify(new QCheckBox(u"Notify me when a job ends"_s, this))
    , m_status(new QLabel(this))
    , m_buttons(new QDialogButtonBox(
          QDialogButtonBox::Ok | QDialogButtonBox::Apply | QDialogButtonBox::Cancel, this)) {
    setWindowTitle(u"Settings"_s);
    setObjectName(u"settingsDialog"_s);
    setAccessibleName(u"Settings"_s);

    auto *scroll = new QScrollArea(this);
    scroll->setWidget(m_form);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    scroll->setFocusPolicy(Qt::NoFocus);  // Tab goes through the fields inside, not to the area

    auto *desktop = new QGroupBox(u"Desktop"_s, this);
    desktop->setAccessibleName(u"Desktop settings"_s);
    auto *desktopLayout = new QVBoxLayout(desktop);
    m_notify->setObjectName(u"notifyJobEnd"_s);
    m_notify->setAccessibleName(u"Notify me when a job ends"_s);
    m_notify->setChecked(!m_gui || TrayController::notificationsEnabled(*m_gui));
    desktopLayout->addWidget(m_notify);

    m_status->setObjectName(u"settingsStatus"_s);
    m_status->setWordWrap(true);
    m_status->setAccessibleName(u"Settings status"_s);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse | Qt::TextSelectableByKeyboard);

    m_buttons->button(QDialogButtonBox::Apply)->setAccessibleName(u"Apply settings"_s);
    m_buttons->button(QDialogButtonBox::Ok)->setAccessibleName(u"Apply settings and close"_s);
    m_buttons->button(QDialogButtonBox::Cancel)->setAccessibleName(u"Close without applying"_s);
    connect(m_buttons, &QDialogButtonBox::accepted, this, &SettingsDialog::accept);
    connect(m_buttons, &QDialogButtonBox::rejected, this, &SettingsDialog::reject);
    connect(m_buttons->button(QDialogButtonBox::Apply), &QPushButton::clicked, this, &SettingsDialog::apply);
    connect(m_form, &SettingsForm::showModelsRequested, this, &SettingsDialog::showModelsRequested);

    auto *layout = new QVBoxLayout(this);
    layout->addWidget(scroll, 1);
    layout->addWidget(desktop);
    layout->addWidget(m_status);
    layout->addWidget(m_buttons);
    resize(520, 640);
    reload();
}

QString SettingsDialog::statusText() const {
    return m_status->text();
}

QString SettingsDialog::keyOfError(const QString &apiError) {
    const QString reason = daemonReason(apiError);
    static const QRegularExpression key(u"^([a-z_]+\\.[a-z_]+) "_s);
    const QRegularExpressionMatch match = key.match(reason);
    return match.hasMatch() ? match.captured(1) : QString();
}

void SettingsDialog::setStatus(const QString &text) {
    m_status->setText(text);
}

void SettingsDialog::setBusy(bool busy) {
    m_busy = busy;
    m_form->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Ok)->setEnabled(!busy);
    m_buttons->button(QDialogButtonBox::Apply)->setEnabled(!busy);
}

void SettingsDialog::reload() {
    if (!m_connection || m_connection->state() != ConnectionController::State::connected) {
        setStatus(u"Not connected to the daemon: the daemon's settings cannot be shown now."_s);
        m_form->setEnabled(false);
        Q_EMIT settled();
        return;
    }
    delete m_api;  // a new client: the daemon may have restarted on another port
    m_api = new ApiClient(m_connection->endpoint(), this);
    setBusy(true);
    setStatus(u"Loading the daemon's settings…"_s);
    m_api->getJson(u"/api/settings"_s, this, [this](const Result<QJsonDocument> &reply) {
        setBusy(false);
        if (!reply.ok()) {
            setStatus(u"Could not load the daemon's settings: %1"_s.arg(reply.error()));
            m_form->setEnabled(false);
        } else {
            showAnswer(reply->object(), false);
        }
        Q_EMIT settled();
    });
}

void SettingsDialog::showAnswer(const QJsonObject &answer, bool saved) {
    m_form->setSettings(answer.value(u"settings"_s).toObject());
    QStringList lines;
    if (saved) {
        const QStringList applied = strings(answer.value(u"applied"_s));
        lines.append(applied.isEmpty() ? u"Saved."_s
                                       : u"Saved; applied now: %1."_s.arg(applied.join(u", "_s)));
    }
    const QStringList restart = strings(answer.value(u"restart_needed"_s));
    if (!restart.isEmpty())
        lines.append(
            u"Takes effect when the daemon restarts (nemoctl stop, then start NemoDesk again): %1."_s.arg(
                restart.join(u", "_s)));
    if (const QString fileError = answer.value(u"file_error"_s).toString(); !fileError.isEmpty())
        lines.append(u"The settings file was changed by hand and has a problem: %1"_s.arg(fileError));
    if (lines.isEmpty())
        lines.append(u"The daemon's settings, from %1."_s.arg(answer.value(u"path"_s).toString()));
    setStatus(lines.join(u'\n'));
}

void SettingsDialog::apply() {
    save(AfterSave::stay);
}

void SettingsDialog::accept() {
    save(AfterSave::close);
}

void SettingsDialog::save(AfterSave after) {
    if (m_gui)
        TrayController::setNotificationsEnabled(*m_gui, m_notify->isChecked());
    const QJsonObject changes = m_form->changes();
    if (changes.isEmpty() || !m_api) {
        if (after == AfterSave::close)
            QDialog::accept();
        Q_EMIT settled();
        return;
    }
    m_form->clearErrors();
    setBusy(true);
    setStatus(u"Saving…"_s);
    m_api->putJson(
        u"/api/settings"_s, QJsonDocument(changes), this,
        [this, after](const Result<QJsonDocument> &reply) {
            setBusy(false);
            if (!reply.ok()) {
                const QString key = keyOfError(reply.error());
                const QString reason = daemonReason(reply.error());
                if (!key.isEmpty() && m_form->showError(key, reason))
                    setStatus(u"Not saved: fix the value marked above."_s);
                else
                    setStatus(u"Not saved: %1"_s.arg(reason));
                Q_EMIT settled();
                return;
            }
            showAnswer(reply->object(), true);
            Q_EMIT settled();
            if (after == AfterSave::close)
                QDialog::accept();
        },
        requestTimeoutMs);
}

}  // namespace nd
