#pragma once
// The machine as the scheduler sees it (GET /api/queue): what is free now, per GPU and in CPUs and host
// memory. The Queue view refreshes it after job events and explains pending jobs against it.
#include <QJsonObject>
#include <QList>

namespace nd {

struct GpuSlot {
    int index = 0;
    qint64 memoryTotalMib = 0;
    qint64 memoryFreeMib = 0;
    QList<qint64> jobs;  // jobs running on it (whole or shared)
    qint64 sharedReservedMib = 0;
    bool whole = false;  // held whole by one job

    bool isFree() const { return jobs.isEmpty() && sharedReservedMib == 0; }
};

struct MachineSnapshot {
    bool known = false;  // false until the first answer: reasons then leave out the "N free" part
    int cpus = 0;
    int cpusAllocated = 0;
    qint64 memMib = 0;
    qint64 memAllocatedMib = 0;
    QList<GpuSlot> gpus;

    // Free whole GPUs with at least `minTotalMib` memory (0: any).
    int freeGpus(qint64 minTotalMib = 0) const;
    // The most free memory on one GPU that is not held whole (for shared jobs).
    qint64 largestShareableMib() const;
};

// Reads GET /api/queue's answer; fields that are missing stay at their defaults.
MachineSnapshot machineFromJson(const QJsonObject &json);

}  // namespace nd
