#pragma once
// The Models view's details pane as text, so that it can be tested without widgets: every fact, the
// type breakdown, the layers, the memory estimate against each GPU, the newest benchmark, the path, and
// the reader's error for a file it cannot read.
#include <QJsonObject>
#include <QString>

#include "ui/library/ModelLibraryModel.h"

namespace nd {

QString modelDetailsText(const QJsonObject &model, const QList<GpuCapacity> &gpus,
                         const ModelLibraryModel::Benchmark *benchmark);

}  // namespace nd
