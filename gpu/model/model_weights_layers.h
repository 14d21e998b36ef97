#pragma once
// Binding one layer's tensors (model_weights_layers.cpp), from the shapes its metadata gives.
#include <cstdint>

#include "gpu/model/model.h"
#include "gpu/model/model_weights.h"

namespace nd {

// The numbers a layer's tensor shapes follow from (validated by the loader before binding).
struct LayerShapes {
    LayerKind kind = LayerKind::attention_ffn;
    int64_t n_embd = 0;
    int64_t n_head = 0;
    int64_t n_head_kv = 0;  // this layer's
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    int64_t n_ff = 0;  // this layer's feed_forward_length
    MambaShape mamba;
    int64_t n_expert = 0;
    int64_t n_ff_expert = 0;
    int64_t n_ff_shared = 0;
    int64_t moe_latent = 0;  // 0: no latent projections
};

Status model_bind_layer(WeightBinder &binder, ModelArch arch, const LayerShapes &s, int64_t il,
                        LayerWeights *l);

}  // namespace nd
