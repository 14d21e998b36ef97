#pragma once
// The shim's half of the status file (the daemon's half is nd::readShimStatus): one record, written
// atomically so a reader sees either the previous record or this one, never a mix.
#include <string>

namespace nd::jobshim {

struct StatusRecord {
    long long childPid = 0;  // 0 when the job never started
    bool ended = false;
    int exitCode = -1;   // when the job's process exited normally
    int termSignal = 0;  // when a signal ended it
    std::string launchError;
    bool terminatedByRequest = false;
    long long cpuTimeMs = 0;
    long long peakRssKib = 0;
    long long endTimeMs = 0;
};

enum class Durability {
    fileOnly = 1,   // fsync the file: enough for the start record
    fileAndFolder,  // also fsync the folder, so the rename itself survives a power cut (the end record)
};

// The record as the file's text (the format is described in JobShim.h).
std::string formatStatusRecord(const StatusRecord &record);

// Writes `path` through `path.tmp` + fsync + rename. False when any step failed (nothing half-written
// is left at `path`).
bool writeStatusFile(const std::string &path, const StatusRecord &record, Durability durability);

}  // namespace nd::jobshim
