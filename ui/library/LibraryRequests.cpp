// Requests of the Models view (see LibraryRequests.h).
#include "ui/library/LibraryRequests.h"

#include <QFileInfo>

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QJsonObject withGpus(QJsonObject spec, GpuRequest gpus) {
    spec.insert(u"gpus"_s, gpus == GpuRequest::one ? 1 : 0);
    return spec;
}

}  // namespace

QJsonObject benchmarkJobSpec(const QString &model, GpuRequest gpus) {
    return withGpus(
        QJsonObject{{u"workload"_s, QJsonObject{{u"kind"_s, u"benchmark"_s}, {u"model"_s, model}}}}, gpus);
}

QJsonObject batchJobSpec(const QString &model, const QString &inputPath, const QString &outputPath,
                         GpuRequest gpus) {
    const QJsonObject workload{
        {u"kind"_s, u"batch"_s}, {u"model"_s, model}, {u"input"_s, inputPath}, {u"output"_s, outputPath}};
    return withGpus(
        QJsonObject{{u"workload"_s, workload}, {u"workdir"_s, QFileInfo(outputPath).absolutePath()}}, gpus);
}

}  // namespace nd
