// MachineSnapshot: GET /api/queue's answer as a struct (see MachineSnapshot.h).
#include "ui/queue/MachineSnapshot.h"

#include <QJsonArray>

using namespace Qt::StringLiterals;

namespace nd {

int MachineSnapshot::freeGpus(qint64 minTotalMib) const {
    int free = 0;
    for (const GpuSlot &gpu : gpus) {
        if (gpu.isFree() && gpu.memoryTotalMib >= minTotalMib)
            ++free;
    }
    return free;
}

qint64 MachineSnapshot::largestShareableMib() const {
    qint64 best = 0;
    for (const GpuSlot &gpu : gpus) {
        if (!gpu.whole)
            best = std::max(best, gpu.memoryFreeMib - gpu.sharedReservedMib);
    }
    return std::max<qint64>(best, 0);
}

MachineSnapshot machineFromJson(const QJsonObject &json) {
    MachineSnapshot machine;
    machine.known = true;
    machine.cpus = json.value(u"cpus"_s).toInt();
    machine.cpusAllocated = json.value(u"cpus_allocated"_s).toInt();
    machine.memMib = json.value(u"mem_mib"_s).toInteger();
    machine.memAllocatedMib = json.value(u"mem_allocated_mib"_s).toInteger();
    for (const QJsonValue &value : json.value(u"gpus"_s).toArray()) {
        const QJsonObject o = value.toObject();
        GpuSlot gpu;
        gpu.index = o.value(u"index"_s).toInt();
        gpu.memoryTotalMib = o.value(u"memory_total_mib"_s).toInteger();
        gpu.memoryFreeMib = o.value(u"memory_free_mib"_s).toInteger();
        for (const QJsonValue &job : o.value(u"jobs"_s).toArray())
            gpu.jobs.append(job.toInteger());
        gpu.sharedReservedMib = o.value(u"shared_reserved_mib"_s).toInteger();
        gpu.whole = o.value(u"whole"_s).toBool();
        machine.gpus.append(gpu);
    }
    return machine;
}

}  // namespace nd
