#pragma once
// Small random-weight GGUF models for every architecture and tensor type, written exactly as llama.cpp's
// converter lays them out (spec §2.2–2.3, §3, §8), so that tests and benchmarks need no downloads and the
// reference (llama.cpp from node-llama-cpp) loads the same files.
//
// The default shapes are chosen to catch mistakes: widths that are not multiples of 256 (or of 32 where the
// type allows it: K-quant tensors fall back as llama-quantize does, §1.4), H·hd != n_embd, GQA ratios above
// 1, several Mamba groups with repeat_interleave head→group mapping visible, more experts than used, a
// hybrid layer pattern with every layer kind.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_types.h"
#include "gpu/gguf/gguf_writer.h"
#include "gpu/model/model_arch.h"

namespace nd {

struct ModelGenSpec {
    ModelArch arch = ModelArch::llama;
    // Type of the 2-D/3-D weight matrices. Norms, biases, ssm_a/ssm_d/conv and the router stay F32 as
    // llama-quantize leaves them; a matrix whose ne[0] the type cannot divide falls back (§1.4).
    GgmlType weight_type = GgmlType::f32;
    // A llama-quantize type mix instead of one type: "" (none: weight_type everywhere) or "q4_k_m" (Q4_K,
    // with Q6_K for output.weight and, as llama-quantize's use_more_bits picks them, about half of the
    // attn_v and ffn_down* matrices; the §1.4 fallbacks apply). A mix sets weight_type to its base type.
    std::string mix;
    uint64_t seed = 1;

    int n_vocab = 0;  // 0: the tokenizer's size
    int n_embd = 0;   // 0 for every size field: the architecture's default test shape
    int n_layer = 0;
    int n_head = 0;
    int n_head_kv = 0;
    int head_dim = 0;
    int n_ff = 0;
    int n_ctx_train = 0;
    // nemotron_h / nemotron_h_moe
    std::string layer_pattern;  // "MEM*EM-" style (M mamba, * attention, - dense MLP, E MoE); "" = default
    int ssm_d_inner = 0;
    int ssm_d_state = 0;
    int ssm_n_group = 0;
    int ssm_n_head = 0;
    int ssm_d_conv = 0;
    int n_expert = 0;
    int n_expert_used = 0;
    int n_ff_expert = 0;
    int n_ff_shared = 0;
    // Tokenizer metadata (tokenizer.ggml.*) to embed, e.g. from hf_tokenizer_to_gguf() on a real
    // tokenizer.json; empty = a small built-in byte-level BPE vocabulary (gpt2 model, llama-bpe
    // pre-tokenizer) with the family's special tokens (<|im_start|>, <|im_end|>, <think>, …; <extra_id_0/1>
    // for nemotron). n_vocab follows the tokenizer's size.
    std::vector<std::pair<std::string, GgufWriteValue>> tokenizer_metadata;
    // tokenizer.chat_template; empty = none written.
    std::string chat_template;
    std::string name;  // general.name; empty = "nemodesk-test-<arch>-<type>"
    // > 0: every tensor holds at most this many distinct rows, repeated (benchmark models of billions of
    // parameters are written in seconds instead of minutes; every value is still a valid weight).
    int unique_rows = 0;
};

// The default spec of an architecture with every size field filled in (what model_gen_write uses for
// the zeros), so tests can read the shapes they get.
ModelGenSpec model_gen_resolve(const ModelGenSpec &spec);
Status model_gen_write(const ModelGenSpec &spec, const std::string &path,
                       const GgufWriteOptions &options = {});

}  // namespace nd
