#pragma once
// Settings: the daemon's (GET/PUT /api/settings, in a SettingsForm) and the desktop's own (gui.ini: job
// notifications). Apply writes what changed; OK applies and closes once the daemon accepted; Cancel
// closes. A value the daemon refuses is shown under its field; keys that take effect only when the daemon
// restarts are named under the form. Never blocks: every request is asynchronous.
#include <QDialog>
#include <QJsonObject>

class QCheckBox;
class QDialogButtonBox;
class QLabel;
class QSettings;

namespace nd {

class ApiClient;
class ConnectionController;
class SettingsForm;

class SettingsDialog : public QDialog {
    Q_OBJECT
public:
    // `gui`: the GUI's gui.ini (outlives the dialog).
    SettingsDialog(ConnectionController *connection, QSettings *gui, QWidget *parent = nullptr);

    SettingsForm *form() const { return m_form; }
    // The line under the form: loading, saved, restart needed, or what failed.
    QString statusText() const;
    bool isBusy() const { return m_busy; }

    // "400 invalid_settings: queue.cpus must be …" → the key it names ("queue.cpus"), or "".
    static QString keyOfError(const QString &apiError);

public Q_SLOTS:
    void reload();
    void apply();
    void accept() override;

Q_SIGNALS:
    void showModelsRequested();
    // After every answer (loaded, saved or failed): for tests.
    void settled();

private:
    enum class AfterSave { stay = 1, close };
    void save(AfterSave after);
    void showAnswer(const QJsonObject &answer, bool saved);
    void setBusy(bool busy);
    void setStatus(const QString &text);

    ConnectionController *m_connection;  // outlives this (the composition root owns it)
    QSettings *m_gui;
    ApiClient *m_api = nullptr;
    SettingsForm *m_form;
    QCheckBox *m_notify;
    QLabel *m_status;
    QDialogButtonBox *m_buttons;
    bool m_busy = false;
};

}  // namespace nd
