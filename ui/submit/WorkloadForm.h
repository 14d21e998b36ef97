#pragma once
// The model-workload part of the Submit dialog (docs/api.md, "Model workloads"): the model, and the keys
// of one kind — batch (input and output files, sampling), benchmark (token counts, repetitions) or server
// (slots, idle exit). Empty fields are left out: the worker's defaults apply.
#include <QHash>
#include <QJsonObject>
#include <QStringList>
#include <QWidget>

class QComboBox;
class QLineEdit;
class QStackedWidget;

namespace nd {

class WorkloadForm : public QWidget {
    Q_OBJECT
public:
    explicit WorkloadForm(QWidget *parent = nullptr);

    // "batch", "benchmark" or "server".
    void setKind(const QString &kind);
    QString kind() const { return m_kind; }
    void setModels(const QStringList &names);
    // {"kind", "model", keys…}; keys this form has no field for (engine options) are kept from
    // setWorkload so "submit again" loses nothing.
    QJsonObject workload() const;
    void setWorkload(const QJsonObject &workload);
    // Empty, or why the form cannot be submitted ("choose a model").
    QString error() const;

Q_SIGNALS:
    void changed();

private:
    struct Field {
        QString kind;
        QString key;
        enum class Type { integer = 1, number, text } type;
        QLineEdit *edit = nullptr;
    };
    void addField(QWidget *page, const QString &kind, const QString &key, const QString &label,
                  Field::Type type, const QString &placeholder);

    QString m_kind = QStringLiteral("batch");
    QComboBox *m_model;
    QStackedWidget *m_pages;
    QHash<QString, QWidget *> m_pageOf;
    QList<Field> m_fields;
    QJsonObject m_extra;
};

}  // namespace nd
