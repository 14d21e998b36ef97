#pragma once
// What a GGUF model file holds, for `nemoctl info` and the UI: architecture, parameters, size, the mix of
// tensor types, hyper-parameters and layer pattern, tokenizer, chat template, and the memory a run needs.
// Works on any GGUF: an unknown architecture still gets the generic parts (arch_known = false).
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/model/model_hparams.h"

namespace nd {

struct GgufFile;

struct ModelTypeUsage {
    uint32_t type_id = 0;
    std::string type_name;  // "Q4_K"
    int64_t n_tensors = 0;
    int64_t n_elements = 0;
    uint64_t bytes = 0;
};

struct ModelInfo {
    std::string path;
    std::string arch_name;  // general.architecture as stored
    bool arch_known = false;
    std::string name;  // general.name
    uint32_t gguf_version = 0;
    uint32_t alignment = 0;
    int n_shards = 1;
    uint64_t file_bytes = 0;
    int64_t n_tensors = 0;
    int64_t n_params = 0;               // elements of every tensor
    uint64_t weights_bytes = 0;         // tensor data bytes
    std::vector<ModelTypeUsage> types;  // by bytes, largest first
    ModelHparams hparams;               // meaningful when arch_known
    std::string layer_pattern;
    std::string layer_summary;
    std::string tokenizer_model;  // tokenizer.ggml.model
    std::string tokenizer_pre;    // tokenizer.ggml.pre
    int64_t vocab_size = 0;       // tokenizer.ggml.tokens entries
    int64_t bos_id = -1;
    int64_t eos_id = -1;
    bool has_chat_template = false;
    std::string chat_template_family;  // chat_template_family(); "" when none or unrecognised
    // A known architecture whose hyper-parameters cannot be read (a required key missing or malformed):
    // the message, and hparams/layer_* stay empty. The file cannot be run, but the rest is still shown.
    std::string hparams_error;
};

// Reads everything the file states; the status is an error only when general.architecture is not a
// string. Hyper-parameters are read for the architectures NemoDesk runs; their problems go to
// hparams_error.
Status model_info_read(const GgufFile *file, ModelInfo *out);

// "31.6 B", "245 M", "12.3 K", "512" — parameter counts as people write them.
std::string model_format_count(int64_t n);
// "49.9 MB", "6.44 GB": decimal units, as model cards and download pages write sizes.
std::string model_format_bytes(uint64_t n);

}  // namespace nd
