#pragma once
// How users name jobs: "12" (a job, or a whole array when 12 is an array job id) or "12_3" (task 3 of
// array 12), as Slurm's commands accept them.
#include <QString>

#include "core/common/Result.h"

namespace nd {

struct JobRef {
    qint64 id = 0;
    int arrayTaskId = -1;  // -1: no "_N" part
};

Result<JobRef> parseJobRef(const QString &text);

}  // namespace nd
