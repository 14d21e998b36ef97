#pragma once
// Hyper-parameters of a model as its GGUF metadata states them (spec §2.2, §3.1, §8), the per-layer kind
// of hybrid models (spec §2.1), and the memory a run needs (spec §5.1). Pure functions over values, so the
// numbers can be checked without a file (Nemotron 3 Nano's real shapes in the tests).
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/model_arch.h"

namespace nd {

struct GgufFile;

// What a layer computes. llama/nemotron blocks are attention followed by an FFN in one block; the hybrids
// have one mixer per block (spec §2.4.0).
enum class LayerKind { mamba = 1, attention, mlp, moe, attention_ffn };

struct ModelHparams {
    ModelArch arch = ModelArch::llama;
    int64_t n_vocab = 0;
    int64_t n_embd = 0;
    int64_t n_layer = 0;  // main stack (block_count minus MTP layers)
    int64_t n_head = 0;
    int64_t n_head_kv = 0;  // the largest over layers (hybrids: attention layers only)
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    int64_t n_ff = 0;  // the largest per-layer FFN width
    int64_t n_ctx_train = 0;
    double norm_eps = 0;  // RMSNorm eps (llama, nemotron_h*) or LayerNorm eps (nemotron)
    int64_t rope_dims = 0;
    double rope_freq_base = 0;
    // Mamba-2 (nemotron_h*)
    int64_t ssm_d_conv = 0;
    int64_t ssm_d_inner = 0;
    int64_t ssm_d_state = 0;
    int64_t ssm_n_head = 0;  // {arch}.ssm.time_step_rank (spec §2.2: it is the head count)
    int64_t ssm_n_group = 0;
    // MoE (nemotron_h_moe)
    int64_t n_expert = 0;
    int64_t n_expert_used = 0;
    int64_t n_ff_expert = 0;
    int64_t n_ff_shared = 0;
    int64_t n_expert_shared = 0;
    // Per layer, n_layer entries.
    std::vector<int64_t> head_count_kv;
    std::vector<int64_t> feed_forward_length;
    std::vector<LayerKind> layers;
};

// Reads the hyper-parameters of a known architecture; errors name the file and the key.
Status model_hparams_read(const GgufFile *file, ModelArch arch, ModelHparams *out);
// Layer kinds for nemotron_h* from the per-layer arrays (spec §2.1); every layer attention_ffn otherwise.
void model_hparams_classify(ModelHparams *hp);

// "MEMEM*E…" for hybrids (M mamba, * attention, - MLP, E MoE); "32 × (attention + FFN)" otherwise.
std::string model_layer_pattern(const ModelHparams &hp);
// Layer counts by kind, e.g. "23 mamba, 23 MoE, 6 attention".
std::string model_layer_summary(const ModelHparams &hp);

struct ModelMemoryEstimate {
    int64_t n_ctx = 0;
    int n_seq = 1;
    uint64_t weights_bytes = 0;
    uint64_t kv_bytes_per_token = 0;   // f16 K and V of every attention layer
    uint64_t kv_bytes = 0;             // kv_bytes_per_token * n_ctx * n_seq
    uint64_t state_bytes_per_seq = 0;  // Mamba conv + SSM state, f32
    uint64_t state_bytes = 0;
    uint64_t total_bytes = 0;
};

// The context `nemoctl info` assumes when none is given: the training context, capped at 8192 (hybrids
// store 2^20, which says nothing about what a desktop run uses); 4096 when the file states none.
int64_t model_default_ctx(const ModelHparams &hp);
// Spec §5.1: KV for attention layers only, (hd_k + hd_v)·Hkv·2 bytes per token per layer; recurrent state
// per sequence per Mamba layer ((dc−1)·conv_dim + N·Di)·4 bytes, conv_dim = Di + 2·G·N.
ModelMemoryEstimate model_memory_estimate(const ModelHparams &hp, uint64_t weights_bytes, int64_t n_ctx,
                                          int n_seq = 1);

}  // namespace nd
