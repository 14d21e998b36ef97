#pragma once
// The daemon's settings as a form, one group per section of settings.json (docs/api.md "Settings"): each
// field's range comes from a spec table that mirrors Settings::parse, so a value out of range cannot be
// entered, and an error the daemon still finds is shown under the field it names. The form reads GET
// /api/settings' "settings" and gives back only what the user changed, as a PUT body.
#include <QJsonObject>
#include <QMap>
#include <QString>
#include <QWidget>

#include <vector>

class QCheckBox;
class QLabel;
class QListWidget;
class QSpinBox;

namespace nd {

struct SettingsFieldSpec {
    enum class Kind { number = 1, toggle };
    QString key;    // "queue.cpus"
    QString label;  // "CPUs"
    QString help;   // "0: all of this machine's cores"
    Kind kind = Kind::number;
    int min = 0;
    int max = 0;
    QString suffix;  // " ms"
};

// Every editable field, in the form's order (models.folders is shown, not edited here).
const std::vector<SettingsFieldSpec> &settingsFieldSpecs();

class SettingsForm : public QWidget {
    Q_OBJECT
public:
    explicit SettingsForm(QWidget *parent = nullptr);

    // The effective settings ({"daemon": {"port": 0}, …}); clears errors and the modified state.
    void setSettings(const QJsonObject &settings);
    // The keys the user changed since setSettings, as {"section": {"key": value}}; {} when none.
    QJsonObject changes() const;
    bool isModified() const { return !changes().isEmpty(); }

    // Shows `message` under the field of `key` ("section.key"); false when no field has that key.
    bool showError(const QString &key, const QString &message);
    void clearErrors();
    // For tests and the dialog: the editor of a key (a QSpinBox or QCheckBox), or null.
    QWidget *editor(const QString &key) const;

Q_SIGNALS:
    void changed();
    // "Manage folders in the Models view".
    void showModelsRequested();

private:
    struct Field {
        SettingsFieldSpec spec;
        QSpinBox *spin = nullptr;
        QCheckBox *check = nullptr;
        QLabel *error = nullptr;
        QJsonValue loaded;
    };
    QJsonValue valueOf(const Field &field) const;

    std::vector<Field> m_fields;
    QListWidget *m_folders = nullptr;
};

}  // namespace nd
