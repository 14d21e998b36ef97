#pragma once
// Whether a model's memory estimate (GET /api/models `memory.total_bytes`, at its n_ctx) fits the GPUs,
// in words for the Models table: "fits GPU 0 (24 GiB)", "needs 2 GPUs' worth: runs split or on the CPU".
// Measured against each GPU's total memory, not what is free right now: the answer should not flicker
// with whatever else runs, and the queue waits for the memory anyway. Pure functions, no Qt Widgets.
#include <QList>
#include <QString>

namespace nd {

struct GpuCapacity {
    int index = 0;
    qint64 memoryTotalMib = 0;
};

struct ModelFit {
    enum class Kind { noEstimate = 1, noGpu, fits, split, tooLarge };
    Kind kind = Kind::noEstimate;
    QList<int> fittingGpus;  // indexes of the GPUs that hold the whole estimate (kind fits)
    int gpusWorth = 0;       // how many of the largest GPU the estimate needs (kind split)
};

// `estimateBytes` <= 0: no estimate (a file that cannot be read, an architecture NemoDesk does not run).
ModelFit modelFit(qint64 estimateBytes, const QList<GpuCapacity> &gpus);
// The sentence for the table cell.
QString modelFitText(const ModelFit &fit, const QList<GpuCapacity> &gpus);
// One line per GPU for the details pane: "GPU 0 (24 GiB): fits, 18.1 GiB to spare".
QStringList modelFitPerGpu(qint64 estimateBytes, const QList<GpuCapacity> &gpus);

// "5.5 GiB", "812 MiB", "12 KiB", "12 B": sizes of files and estimates.
QString bytesText(qint64 bytes);

}  // namespace nd
