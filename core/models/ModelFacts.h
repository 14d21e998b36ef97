#pragma once
// What the model library says about one GGUF file: the facts `nemoctl info` shows (architecture,
// parameters, tensor type mix, layer pattern, training context, memory estimate), as a compact JSON object,
// read from the file's header. Plain functions over gpu/model; safe to call from any thread.
#include <QJsonObject>
#include <QString>

namespace nd {

struct ModelInfo;
struct ModelMemoryEstimate;

// {architecture, architecture_known, model_name, n_params, params ("245 M"), weights_bytes, shards,
//  types: [{type, tensors, bytes}], type_mix ("Q4_K, Q6_K"), problem?, layer_pattern?, layer_summary?,
//  n_layer?, context_length?, chat_template_family, memory?: {n_ctx, weights_bytes, kv_bytes, state_bytes,
//  total_bytes}}. The `?` keys only for architectures NemoDesk runs (memory: when `mem` is given).
QJsonObject modelFactsToJson(const ModelInfo &info, const ModelMemoryEstimate *mem);

struct ModelFactsRead {
    QJsonObject facts;  // empty when error is set
    QString error;      // the GGUF reader's message ("…: not a GGUF file (magic …)")
};
// Opens `path` (a split model through its first shard), reads the facts and the memory estimate at the
// default context (training context capped at 8192). Reads headers only: the tensor data is mapped, not
// read.
ModelFactsRead readModelFacts(const QString &path);

}  // namespace nd
