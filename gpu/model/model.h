#pragma once
// A model ready to run: its GGUF file (memory-mapped; weights are used in place), hyper-parameters, the
// weights of every layer bound by name and checked against the metadata, its tokenizer and chat template.
//
// Loading validates that every tensor the forward pass will touch exists with the shape and a type the
// metadata implies ("model.gguf: tensor 'blk.3.attn_k.weight' has shape {288, 96} but the metadata says
// {288, 128} (n_embd 288, n_head_kv 2, head_dim 64)"), so a forward pass never reads out of bounds.
#include <memory>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/model/backend.h"
#include "gpu/model/model_hparams.h"
#include "gpu/tokenizer/tokenizer.h"

namespace nd {

// The weights of one layer. Which are present depends on the architecture and the layer kind.
struct LayerWeights {
    LayerKind kind = LayerKind::attention_ffn;
    Weight attn_norm, attn_norm_b;  // the pre-norm of every hybrid layer; llama/nemotron attention norm
    // attention
    Weight wq, wk, wv, wo, bq, bk, bv, bo;
    // FFN (llama: gate+up+down; nemotron/nemotron_h: up+down, relu²)
    Weight ffn_norm, ffn_norm_b;
    Weight ffn_gate, ffn_up, ffn_down, ffn_up_b, ffn_down_b;
    // Mamba-2
    Weight ssm_in, ssm_conv1d, ssm_conv1d_b, ssm_dt_b, ssm_a, ssm_d, ssm_norm, ssm_out;
    // MoE
    Weight ffn_gate_inp, exp_probs_b, ffn_up_exps, ffn_down_exps, ffn_up_shexp, ffn_down_shexp;
    Weight ffn_latent_down, ffn_latent_up;
};

struct Model {
    GgufFilePtr file;
    ModelHparams hp;
    TokenizerPtr tokenizer;     // null when the file has no tokenizer (eval by ids still works)
    std::string chat_template;  // tokenizer.chat_template, "" when absent
    Weight token_embd, output_norm, output_norm_b, output, rope_freqs;
    std::vector<LayerWeights> layers;
    RopeParams rope;     // llama, nemotron
    MoeRouting routing;  // nemotron_h_moe (selection_bias is per layer: see LayerWeights::exp_probs_b)
    std::string name;    // general.name, or the file name without .gguf
    uint64_t weights_bytes = 0;
    // Identifies these weights: a hash of the architecture, every tensor's name, type and shape, and the
    // first bytes of its data. Session snapshots carry it, so state from another model (or another
    // quantization of the same one, whose KV cache has the same size) is refused, not silently used.
    uint64_t fingerprint = 0;
    // F32 copies of 1-D tensors stored in another type (see Weight): owned here, pointed to by Weights.
    std::vector<std::vector<float>> converted;
};

struct ModelLoadOptions {
    bool load_tokenizer = true;  // a broken tokenizer is an error when true; false skips it
};

Status model_load(const std::string &path, const ModelLoadOptions &options, std::unique_ptr<Model> *out);
// The same from a GGUF already open (takes ownership).
Status model_load_file(GgufFilePtr file, const ModelLoadOptions &options, std::unique_ptr<Model> *out);

// Every weight slot of a loaded model (absent optional tensors included: check present()); a tied output
// shares the embedding's data.
std::vector<const Weight *> model_all_weights(const Model &m);
// The slots of layer il only (a layer split prepares each part's layers on its own backend).
std::vector<const Weight *> model_layer_weights(const Model &m, int64_t il);

}  // namespace nd
