#pragma once
// squeue's -o/--format language for `nemoctl queue`: "%.10i %-20j %T %R" — each field "%[.|-][width]code"
// (".": right-aligned, "-" or nothing: left-aligned; with a width the value is padded or cut to it, as
// squeue does), "%%" a percent sign, anything else printed as it stands.
#include <QChar>
#include <QList>
#include <QString>

#include "JobFormat.h"
#include "core/common/Result.h"
#include "core/jobs/Job.h"

namespace nd::cli {

struct QueueField {
    QChar code;     // the field's letter; null for literal text
    int width = 0;  // 0: as wide as the value
    Align align = Align::left;
    QString literal;  // the text between fields
};

// The error names the unknown code and lists the known ones.
Result<QList<QueueField>> parseQueueFormat(const QString &format);

// The codes with their headers, for --help.
QString queueFormatHelp();

// The header line and one job's line for `fields`.
QString queueHeaderLine(const QList<QueueField> &fields);
QString queueJobLine(const QList<QueueField> &fields, const Job &job, qint64 nowMs);

// One field's value, unpadded (the default table uses them too).
QString queueFieldValue(QChar code, const Job &job, qint64 nowMs);
QString queueFieldHeader(QChar code);

}  // namespace nd::cli
