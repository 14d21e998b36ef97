#pragma once
// sacct's -o/--format language for `nemoctl history`: a comma list of field names (case-insensitive), each
// optionally with "%WIDTH" ("JobName%30"): "JobID,JobName%30,State,ExitCode,Elapsed".
#include <QList>
#include <QString>

#include "JobFormat.h"
#include "core/common/Result.h"
#include "core/jobs/Job.h"

namespace nd::cli {

struct HistoryField {
    int index = -1;  // into the field table
    int width = 0;   // 0: as wide as the widest value
};

// The error names the unknown field and lists the known ones.
Result<QList<HistoryField>> parseHistoryFields(const QString &list);
// The default columns when -o is not given.
QList<HistoryField> defaultHistoryFields();
// The fields with what they mean, for --help.
QString historyFieldsHelp();

QString historyFieldHeader(const HistoryField &field);
// Numbers and durations right-aligned, text left-aligned.
Align historyFieldAlign(const HistoryField &field);
QString historyFieldValue(const HistoryField &field, const Job &job, qint64 nowMs);

}  // namespace nd::cli
