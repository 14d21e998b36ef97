// ModelFacts: gpu/model's ModelInfo as the model library's JSON.
#include "core/models/ModelFacts.h"

#include <QFile>
#include <QJsonArray>
#include <QStringList>

#include "gpu/gguf/gguf_file.h"
#include "gpu/model/model_info.h"

namespace nd {

namespace {

QString qs(const std::string &s) {
    return QString::fromStdString(s);
}

double num(auto v) {
    return static_cast<double>(v);
}

}  // namespace

QJsonObject modelFactsToJson(const ModelInfo &info, const ModelMemoryEstimate *mem) {
    QJsonObject o{{QStringLiteral("architecture"), qs(info.arch_name)},
                  {QStringLiteral("architecture_known"), info.arch_known},
                  {QStringLiteral("model_name"), qs(info.name)},
                  {QStringLiteral("n_params"), num(info.n_params)},
                  {QStringLiteral("params"), qs(model_format_count(info.n_params))},
                  {QStringLiteral("weights_bytes"), num(info.weights_bytes)},
                  {QStringLiteral("shards"), info.n_shards},
                  {QStringLiteral("chat_template_family"), qs(info.chat_template_family)}};
    QJsonArray types;
    QStringList mix;
    for (const ModelTypeUsage &u : info.types) {
        types.append(QJsonObject{{QStringLiteral("type"), qs(u.type_name)},
                                 {QStringLiteral("tensors"), num(u.n_tensors)},
                                 {QStringLiteral("bytes"), num(u.bytes)}});
        mix << qs(u.type_name);
    }
    o.insert(QStringLiteral("types"), types);
    o.insert(QStringLiteral("type_mix"), mix.join(QStringLiteral(", ")));  // largest share first
    if (!info.hparams_error.empty())
        o.insert(QStringLiteral("problem"), qs(info.hparams_error));
    if (info.arch_known && info.hparams_error.empty()) {
        o.insert(QStringLiteral("layer_pattern"), qs(info.layer_pattern));
        o.insert(QStringLiteral("layer_summary"), qs(info.layer_summary));
        o.insert(QStringLiteral("n_layer"), num(info.hparams.n_layer));
        o.insert(QStringLiteral("context_length"), num(info.hparams.n_ctx_train));
    }
    if (mem)
        o.insert(QStringLiteral("memory"),
                 QJsonObject{{QStringLiteral("n_ctx"), num(mem->n_ctx)},
                             {QStringLiteral("weights_bytes"), num(mem->weights_bytes)},
                             {QStringLiteral("kv_bytes"), num(mem->kv_bytes)},
                             {QStringLiteral("state_bytes"), num(mem->state_bytes)},
                             {QStringLiteral("total_bytes"), num(mem->total_bytes)}});
    return o;
}

ModelFactsRead readModelFacts(const QString &path) {
    GgufOpenOptions options;
    options.allow_unsupported_types = true;  // list what the file holds even when we cannot run it
    GgufFile *raw = nullptr;
    const Status opened = gguf_open(QFile::encodeName(path).toStdString(), options, &raw);
    if (!opened.ok())
        return {{}, qs(opened.message)};
    const GgufFilePtr file(raw);
    ModelInfo info;
    if (const Status read = model_info_read(raw, &info); !read.ok())
        return {{}, qs(read.message)};
    const bool runnable = info.arch_known && info.hparams_error.empty();
    ModelMemoryEstimate mem;
    if (runnable)
        mem = model_memory_estimate(info.hparams, info.weights_bytes, model_default_ctx(info.hparams));
    return {modelFactsToJson(info, runnable ? &mem : nullptr), {}};
}

}  // namespace nd
