#pragma once
// Saved Submit templates: one job spec per JSON file in <config>/submit-templates/, named after the
// template. A file is written whole (QSaveFile), so a crash never leaves half a template.
#include <QJsonObject>
#include <QString>
#include <QStringList>

#include "core/common/Result.h"

namespace nd {

class SubmitTemplates {
public:
    explicit SubmitTemplates(QString dir) : m_dir(std::move(dir)) {}
    // <configDir>/submit-templates.
    static QString dirIn(const QString &configDir);

    QString dir() const { return m_dir; }
    QStringList names() const;  // sorted
    VoidResult save(const QString &name, const QJsonObject &spec) const;
    Result<QJsonObject> load(const QString &name) const;
    VoidResult remove(const QString &name) const;

private:
    // A file name from any template name: characters a file name may not hold become '_'.
    QString fileOf(const QString &name) const;
    QString m_dir;
};

}  // namespace nd
