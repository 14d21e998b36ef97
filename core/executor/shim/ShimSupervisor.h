#pragma once
// The shim's loop while the job runs: signals, reaping, memory samples, the kill at the end.
#include <sys/types.h>

#include "core/executor/shim/ShimStatusWriter.h"

namespace nd::jobshim {

// Wall-clock milliseconds since the epoch.
long long wallClockMs();

// Supervises the started job (its main process `jobPid`, which leads its own process group) until that
// process has exited, then kills and reaps everything left of the job. Expects handledSignals() blocked.
// Returns the end record (everything but childPid filled in).
StatusRecord superviseJob(pid_t jobPid, long long graceMs);

}  // namespace nd::jobshim
