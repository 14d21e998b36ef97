// The details pane's text (see ModelDetails.h).
#include "ui/library/ModelDetails.h"

#include <QCoreApplication>
#include <QDateTime>
#include <QJsonArray>
#include <QStringList>

#include "ui/common/Formatting.h"

using namespace Qt::StringLiterals;

namespace nd {

namespace {

QString tr(const char *text) {
    return QCoreApplication::translate("ModelDetails", text);
}

qint64 number(const QJsonObject &object, const QString &key) {
    return static_cast<qint64>(object.value(key).toDouble());
}

void fact(QStringList &lines, const QString &label, const QString &value) {
    if (!value.isEmpty()) {
        lines << u"%1: %2"_s.arg(label, value);
    }
}

}  // namespace

QString modelDetailsText(const QJsonObject &model, const QList<GpuCapacity> &gpus,
                         const ModelLibraryModel::Benchmark *benchmark) {
    QStringList lines;
    lines << model.value(u"name"_s).toString();
    fact(lines, tr("Path"), model.value(u"path"_s).toString());
    fact(lines, tr("Folder"), model.value(u"folder"_s).toString());
    const int shards = model.value(u"shards"_s).toInt(1);
    fact(lines, tr("Size"),
         shards > 1 ? tr("%1 in %2 shards").arg(bytesText(number(model, u"size_bytes"_s))).arg(shards)
                    : bytesText(number(model, u"size_bytes"_s)));
    const QString error = model.value(u"error"_s).toString();
    if (!error.isEmpty()) {
        lines << QString() << tr("This file cannot be read: %1").arg(error);
        return lines.join(u'\n');
    }
    const QString shadowedBy = model.value(u"shadowed_by"_s).toString();
    if (!shadowedBy.isEmpty()) {
        lines << tr("Shadowed: %1 has the name; this file is reached by its path.").arg(shadowedBy);
    }
    const QString problem = model.value(u"problem"_s).toString();
    if (!problem.isEmpty()) {
        lines << tr("NemoDesk cannot run it: %1").arg(problem);
    }
    lines << QString();
    fact(lines, tr("Model name"), model.value(u"model_name"_s).toString());
    fact(lines, tr("Architecture"),
         model.value(u"architecture_known"_s).toBool()
             ? model.value(u"architecture"_s).toString()
             : tr("%1 (NemoDesk does not run it)").arg(model.value(u"architecture"_s).toString()));
    fact(lines, tr("Parameters"), model.value(u"params"_s).toString());
    if (const qint64 weights = number(model, u"weights_bytes"_s); weights > 0) {
        fact(lines, tr("Weights"), bytesText(weights));
    }
    if (const qint64 ctx = number(model, u"context_length"_s); ctx > 0) {
        fact(lines, tr("Training context"), tr("%1 tokens").arg(ctx));
    }
    fact(lines, tr("Chat template"), model.value(u"chat_template_family"_s).toString());

    const QJsonArray types = model.value(u"types"_s).toArray();
    if (!types.isEmpty()) {
        lines << QString() << tr("Tensor types:");
        for (const auto &value : types) {
            const QJsonObject type = value.toObject();
            lines << tr("  %1: %2 tensors, %3")
                         .arg(type.value(u"type"_s).toString())
                         .arg(number(type, u"tensors"_s))
                         .arg(bytesText(number(type, u"bytes"_s)));
        }
    }
    if (const qint64 layers = number(model, u"n_layer"_s); layers > 0) {
        lines << QString() << tr("Layers: %1").arg(layers);
        fact(lines, tr("  Summary"), model.value(u"layer_summary"_s).toString());
        fact(lines, tr("  Pattern"), model.value(u"layer_pattern"_s).toString());
    }

    const QJsonObject memory = model.value(u"memory"_s).toObject();
    const qint64 total = number(memory, u"total_bytes"_s);
    lines << QString();
    if (total > 0) {
        lines << tr("Memory estimate at %1 tokens of context: %2 (weights %3, KV cache %4, state %5)")
                     .arg(QString::number(number(memory, u"n_ctx"_s)), bytesText(total),
                          bytesText(number(memory, u"weights_bytes"_s)),
                          bytesText(number(memory, u"kv_bytes"_s)),
                          bytesText(number(memory, u"state_bytes"_s)));
        lines << fmt::sentence(modelFitText(modelFit(total, gpus), gpus)) + u'.';
        for (const QString &line : modelFitPerGpu(total, gpus)) {
            lines << u"  "_s + line;
        }
    } else {
        lines << tr("No memory estimate: NemoDesk estimates only the architectures it runs.");
    }
    if (benchmark) {
        lines << QString()
              << tr("Last benchmark: prompt %1 tok/s, decode %2 tok/s (%3, job %4)")
                     .arg(QString::number(benchmark->promptTps, 'f', 1),
                          QString::number(benchmark->decodeTps, 'f', 1),
                          QDateTime::fromMSecsSinceEpoch(benchmark->timeMs).toString(u"yyyy-MM-dd HH:mm"_s))
                     .arg(benchmark->jobId);
    }
    return lines.join(u'\n');
}

}  // namespace nd
