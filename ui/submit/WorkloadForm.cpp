// The model-workload fields of the Submit dialog (see the header).
#include "ui/submit/WorkloadForm.h"

#include <QComboBox>
#include <QDoubleValidator>
#include <QFormLayout>
#include <QIntValidator>
#include <QLabel>
#include <QLineEdit>
#include <QStackedWidget>
#include <QVBoxLayout>

namespace nd {

WorkloadForm::WorkloadForm(QWidget *parent) : QWidget(parent) {
    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    auto *top = new QFormLayout;
    m_model = new QComboBox(this);
    m_model->setObjectName(QStringLiteral("model"));
    m_model->setEditable(true);  // a model path works too
    m_model->setAccessibleName(tr("Model"));
    m_model->setToolTip(tr("A model from the library, or the path of a .gguf file"));
    auto *modelLabel = new QLabel(tr("&Model:"), this);
    modelLabel->setBuddy(m_model);
    top->addRow(modelLabel, m_model);
    layout->addLayout(top);
    connect(m_model, &QComboBox::currentTextChanged, this, &WorkloadForm::changed);

    m_pages = new QStackedWidget(this);
    layout->addWidget(m_pages);
    for (const QString &kind :
         {QStringLiteral("batch"), QStringLiteral("benchmark"), QStringLiteral("server")}) {
        auto *page = new QWidget(m_pages);
        page->setLayout(new QFormLayout);
        m_pages->addWidget(page);
        m_pageOf.insert(kind, page);
    }
    using T = Field::Type;
    QWidget *batch = m_pageOf.value(QStringLiteral("batch"));
    addField(batch, QStringLiteral("batch"), QStringLiteral("input"), tr("&Input file:"), T::text,
             tr("prompts.jsonl (relative to the working folder)"));
    addField(batch, QStringLiteral("batch"), QStringLiteral("output"), tr("&Output file:"), T::text,
             tr("answers.jsonl"));
    addField(batch, QStringLiteral("batch"), QStringLiteral("max_tokens"), tr("Max &tokens:"), T::integer,
             tr("default"));
    addField(batch, QStringLiteral("batch"), QStringLiteral("temperature"), tr("T&emperature:"), T::number,
             tr("default"));
    addField(batch, QStringLiteral("batch"), QStringLiteral("parallel"), tr("&Parallel lines:"), T::integer,
             tr("4"));
    QWidget *bench = m_pageOf.value(QStringLiteral("benchmark"));
    addField(bench, QStringLiteral("benchmark"), QStringLiteral("prompt_tokens"), tr("&Prompt tokens:"),
             T::integer, tr("default"));
    addField(bench, QStringLiteral("benchmark"), QStringLiteral("gen_tokens"), tr("&Generated tokens:"),
             T::integer, tr("default"));
    addField(bench, QStringLiteral("benchmark"), QStringLiteral("reps"), tr("&Repetitions:"), T::integer,
             tr("default"));
    QWidget *server = m_pageOf.value(QStringLiteral("server"));
    addField(server, QStringLiteral("server"), QStringLiteral("slots"), tr("&Slots:"), T::integer,
             tr("default"));
    addField(server, QStringLiteral("server"), QStringLiteral("idle_exit_s"), tr("&Idle exit (s):"),
             T::integer, tr("never"));
    setKind(m_kind);
}

void WorkloadForm::addField(QWidget *page, const QString &kind, const QString &key, const QString &label,
                            Field::Type type, const QString &placeholder) {
    auto *edit = new QLineEdit(page);
    edit->setObjectName(kind + QLatin1Char('.') + key);
    edit->setPlaceholderText(placeholder);
    QString plain = label;
    edit->setAccessibleName(plain.remove(QLatin1Char('&')).remove(QLatin1Char(':')));
    if (type == Field::Type::integer)
        edit->setValidator(new QIntValidator(0, 1 << 30, edit));
    else if (type == Field::Type::number)
        edit->setValidator(new QDoubleValidator(0, 100, 3, edit));
    auto *labelWidget = new QLabel(label, page);
    labelWidget->setBuddy(edit);
    static_cast<QFormLayout *>(page->layout())->addRow(labelWidget, edit);
    connect(edit, &QLineEdit::textChanged, this, &WorkloadForm::changed);
    m_fields.append(Field{kind, key, type, edit});
}

void WorkloadForm::setKind(const QString &kind) {
    if (!m_pageOf.contains(kind))
        return;
    m_kind = kind;
    m_pages->setCurrentWidget(m_pageOf.value(kind));
    Q_EMIT changed();
}

void WorkloadForm::setModels(const QStringList &names) {
    const QString current = m_model->currentText();
    m_model->clear();
    m_model->addItems(names);
    m_model->setCurrentText(current.isEmpty() && !names.isEmpty() ? names.front() : current);
}

QJsonObject WorkloadForm::workload() const {
    QJsonObject json = m_extra;
    json.insert(QStringLiteral("kind"), m_kind);
    json.insert(QStringLiteral("model"), m_model->currentText().trimmed());
    for (const Field &field : m_fields) {
        if (field.kind != m_kind)
            continue;
        const QString text = field.edit->text().trimmed();
        if (text.isEmpty())
            continue;
        if (field.type == Field::Type::integer)
            json.insert(field.key, text.toLongLong());
        else if (field.type == Field::Type::number)
            json.insert(field.key, QLocale().toDouble(text));
        else
            json.insert(field.key, text);
    }
    return json;
}

void WorkloadForm::setWorkload(const QJsonObject &workload) {
    QJsonObject extra = workload;
    setKind(extra.take(QStringLiteral("kind")).toString());
    m_model->setCurrentText(extra.take(QStringLiteral("model")).toString());
    for (const Field &field : m_fields) {
        field.edit->clear();
        if (field.kind != m_kind || !extra.contains(field.key))
            continue;
        const QJsonValue value = extra.take(field.key);
        if (field.type == Field::Type::integer)
            field.edit->setText(QString::number(value.toInteger()));
        else if (field.type == Field::Type::number)
            field.edit->setText(QLocale().toString(value.toDouble()));
        else
            field.edit->setText(value.toString());
    }
    m_extra = extra;
}

QString WorkloadForm::error() const {
    if (m_model->currentText().trimmed().isEmpty())
        return tr("choose a model");
    if (m_kind == QLatin1String("batch")) {
        for (const Field &field : m_fields)
            if (field.kind == m_kind &&
                (field.key == QLatin1String("input") || field.key == QLatin1String("output")) &&
                field.edit->text().trimmed().isEmpty())
                return tr("a batch job needs an input and an output file");
    }
    return {};
}

}  // namespace nd
