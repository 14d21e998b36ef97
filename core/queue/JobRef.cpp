// JobRef: parsing "12" and "12_3".
#include "core/queue/JobRef.h"

namespace nd {

Result<JobRef> parseJobRef(const QString &text) {
    const QString trimmed = text.trimmed();
    const qsizetype underscore = trimmed.indexOf(QLatin1Char('_'));
    bool okId = false;
    JobRef ref;
    ref.id = (underscore < 0 ? trimmed : trimmed.left(underscore)).toLongLong(&okId);
    bool okTask = true;
    if (underscore >= 0)
        ref.arrayTaskId = trimmed.mid(underscore + 1).toInt(&okTask);
    if (!okId || !okTask || ref.id <= 0 || (underscore >= 0 && ref.arrayTaskId < 0))
        return Error{QStringLiteral("'%1' is not a job id (expected a number like 12, or 12_3 for task 3 "
                                    "of array 12)")
                         .arg(text)};
    return ref;
}

}  // namespace nd
