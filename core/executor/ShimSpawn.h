#pragma once
// Starting nemodesk-jobshim for one LaunchRequest: its command line, its environment (the daemon's plus
// the request's), and a clean process state (no inherited descriptors, default signal dispositions).
#include <QString>

#include "core/common/Result.h"
#include "core/executor/Executor.h"

namespace nd {

// The shim's command line for `request` (argv[0] is `shimPath`). Output paths are resolved against the
// job's working directory; an empty one becomes /dev/null.
QStringList shimArguments(const QString &shimPath, const LaunchRequest &request);

// posix_spawn of the shim: returns its pid (our child, not yet reaped) or why it could not start.
Result<qint64> spawnShim(const QString &shimPath, const LaunchRequest &request);

}  // namespace nd
