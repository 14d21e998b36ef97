// The welcome dialog's words (see FirstRunText.h).
#include "ui/firstrun/FirstRunText.h"

#include <QDir>
#include <QStringList>

#include "core/client/ApiErrors.h"
#include "ui/common/Formatting.h"
#include "ui/models/GpuTableModel.h"

using namespace Qt::StringLiterals;

namespace nd {

QList<FirstRunText::View> FirstRunText::views() {
    // Only views that exist: a new tab adds its line here.
    return {
        {tr("GPUs"), tr("live utilisation, memory, power and temperature of each GPU and of the host.")},
        {tr("Queue"),
         tr("your pending and running jobs, why each one waits, and cancel, hold, release or change them; "
            "File → Submit job (Ctrl+N) queues a command, a script or a model workload.")},
        {tr("History"),
         tr("finished jobs with their accounting and totals (GPU-hours, energy, tokens), as CSV.")},
        {tr("Monitor"), tr("charts of the GPUs, the host and the queue over 5 minutes to 7 days.")},
        {tr("Models"),
         tr("the GGUF models in your folders, whether they fit your GPUs; benchmark, batch or chat.")},
        {tr("Playground"),
         tr("chat with your local models through the daemon's OpenAI-compatible API (/v1).")},
        {tr("Command line and API"),
         tr("the same queue from a terminal: “nemoctl submit”, “nemoctl queue”; scripts use the HTTP API.")},
    };
}

QString FirstRunText::gpus(const GpuTableModel &model, ConnectionController::State state,
                           const QString &detail) {
    if (!model.hasInventory()) {
        if (state == ConnectionController::State::unreachable) {
            return tr("The GPUs are not known yet: %1. They show here once the daemon answers.")
                .arg(fmt::withoutFinalStop(detail));
        }
        return tr("Looking for GPUs…");
    }
    const QList<GpuDevice> &gpus = model.gpus();
    if (gpus.isEmpty()) {
        // The plain consequence first; the daemon's reason (which library, which driver) after it.
        QString text = tr("No NVIDIA GPU or driver found: models and jobs will run on the CPU.");
        const QString reason = fmt::withoutFinalStop(model.sourceMessage());
        if (!reason.isEmpty()) {
            text += u"\n"_s + tr("The daemon says: %1.").arg(reason);
        }
        text += u"\n"_s + tr("If this machine has an NVIDIA GPU, check that its driver is installed: "
                             "nvidia-smi should list it.");
        return text;
    }
    bool synthetic = false;
    QStringList lines;
    lines << (gpus.size() == 1 ? tr("Found 1 GPU:") : tr("Found %1 GPUs:").arg(gpus.size()));
    for (const GpuDevice &gpu : gpus) {
        lines << tr("• GPU %1: %2, %3 GiB")
                     .arg(gpu.index)
                     .arg(fmt::gpuDisplayName(gpu), fmt::gib(gpu.memoryTotalMib));
        synthetic = synthetic || gpu.synthetic;
    }
    if (synthetic) {
        lines << fmt::syntheticExplanation();
    } else if (!model.driverVersion().isEmpty()) {
        lines << tr("NVIDIA driver %1.").arg(model.driverVersion());
    }
    return lines.join(u'\n');
}

QString FirstRunText::displayPath(const QString &path) {
    const QString home = QDir::homePath();
    if (home.isEmpty() || home == u"/"_s) {
        return path;
    }
    if (path == home) {
        return u"~"_s;
    }
    if (path.startsWith(home + u'/')) {
        return u"~"_s + path.sliced(home.size());
    }
    return path;
}

QString FirstRunText::daemonMessage(const QString &error) {
    return fmt::withoutFinalStop(daemonReason(error));
}

QString FirstRunText::modelCount(int count) {
    if (count == 0) {
        return tr("no models");
    }
    return count == 1 ? tr("1 model") : tr("%1 models").arg(count);
}

}  // namespace nd
