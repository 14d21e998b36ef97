#pragma once
// The job as a set of processes, read from /proc: every member of its process group plus every other
// descendant of the shim (a child subreaper, so orphans re-parent to it). Used to signal the whole job and
// to sum its memory.
#include <sys/types.h>

#include <vector>

namespace nd::jobshim {

struct ProcessEntry {
    pid_t pid = 0;
    pid_t parentPid = 0;
    pid_t processGroup = 0;
    char state = '?';  // R, S, D, Z, …
    long long rssPages = 0;
};

// Every process /proc lists now (ones that vanish while it is being read are skipped).
std::vector<ProcessEntry> listProcesses();

// The job's processes among `all`: descendants of `shimPid` and members of `jobGroup` (the shim itself
// excluded; jobGroup 0: descendants only).
std::vector<ProcessEntry> jobProcesses(const std::vector<ProcessEntry> &all, pid_t shimPid, pid_t jobGroup);

// Sends `signalNumber` to the job's group and to each of its other processes (each process gets it once).
// Only while the group leader (the job's main process) is not yet reaped: until then its id cannot be
// reused by an unrelated group.
void signalWholeJob(pid_t shimPid, pid_t jobGroup, int signalNumber);

// SIGKILLs every descendant of the shim, one by one (after the leader is reaped, the group id may belong
// to someone else). Returns how many descendants there were (zombies included), 0 when none is left.
int killAllDescendants(pid_t shimPid);

// Resident memory of all the job's processes now, in KiB.
long long jobRssKib(pid_t shimPid, pid_t jobGroup);

}  // namespace nd::jobshim
