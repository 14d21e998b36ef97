#pragma once
// The words of the welcome dialog, as pure functions of the GUI's state: what the daemon says about the
// GPUs (or why there are none), the one-line purpose of each view, and paths and daemon errors as a
// person should read them. Kept apart from the widgets so that tests can read them without a dialog.
#include <QCoreApplication>
#include <QList>
#include <QString>

#include "ui/controllers/ConnectionController.h"

namespace nd {

class GpuTableModel;

class FirstRunText {
    Q_DECLARE_TR_FUNCTIONS(FirstRunText)
public:
    // One view of NemoDesk and what it is for. A new view is one more entry in views().
    struct View {
        QString name;
        QString purpose;
    };
    static QList<View> views();

    // The GPU paragraph: "Looking for GPUs…" until the daemon's inventory arrives, then the GPUs found
    // (name and memory, synthetic ones labelled) or, without any, that work runs on the CPU and why
    // (the daemon's telemetry message, e.g. "no NVIDIA driver found: …").
    static QString gpus(const GpuTableModel &model, ConnectionController::State state, const QString &detail);

    // "/home/me/models" → "~/models"; other paths unchanged.
    static QString displayPath(const QString &path);
    // The daemon's sentence from an ApiClient error: "400 bad_request: /x does not exist" → "/x does not
    // exist". The status and code matter to logs, not to the person who chose the folder.
    static QString daemonMessage(const QString &error);
    // "no models", "1 model", "3 models".
    static QString modelCount(int count);
};

}  // namespace nd
