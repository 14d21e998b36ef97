// model_info_read(): the summary `nemoctl info` prints, computed from the tensor table and metadata.
#include "gpu/model/model_info.h"

#include <algorithm>
#include <cstdio>
#include <map>

#include "gpu/chat/chat_template.h"
#include "gpu/gguf/gguf_file.h"

namespace nd {

Status model_info_read(const GgufFile *file, ModelInfo *out) {
    ModelInfo info;
    info.path = gguf_path(file);
    info.gguf_version = gguf_version(file);
    info.alignment = gguf_alignment(file);
    info.n_shards = gguf_shard_count(file);
    info.file_bytes = gguf_file_bytes(file);
    std::optional<std::string_view> s;
    if (Status st = gguf_get_string(file, "general.architecture", &s); !st.ok())
        return st;
    info.arch_name = std::string(s.value_or(""));
    if (Status st = gguf_get_string(file, "general.name", &s); st.ok() && s)
        info.name = std::string(*s);

    std::map<uint32_t, ModelTypeUsage> by_type;
    for (const GgufTensor &t : gguf_tensors(file)) {
        ModelTypeUsage &u = by_type[t.type_id];
        u.type_id = t.type_id;
        u.n_tensors += 1;
        u.n_elements += t.n_elements();
        u.bytes += t.n_bytes;
        info.n_params += t.n_elements();
        info.weights_bytes += t.n_bytes;
        info.n_tensors += 1;
    }
    for (auto &[id, u] : by_type) {
        u.type_name = ggml_type_name(id);
        info.types.push_back(u);
    }
    std::stable_sort(info.types.begin(), info.types.end(),
                     [](const ModelTypeUsage &a, const ModelTypeUsage &b) { return a.bytes > b.bytes; });

    if (Status st = gguf_get_string(file, "tokenizer.ggml.model", &s); st.ok() && s)
        info.tokenizer_model = std::string(*s);
    if (Status st = gguf_get_string(file, "tokenizer.ggml.pre", &s); st.ok() && s)
        info.tokenizer_pre = std::string(*s);
    if (const GgufValue *tokens = gguf_find(file, "tokenizer.ggml.tokens");
        tokens && tokens->type == GgufType::array)
        info.vocab_size = static_cast<int64_t>(tokens->count);
    std::optional<int64_t> id;
    if (Status st = gguf_get_int(file, "tokenizer.ggml.bos_token_id", &id); st.ok() && id)
        info.bos_id = *id;
    if (Status st = gguf_get_int(file, "tokenizer.ggml.eos_token_id", &id); st.ok() && id)
        info.eos_id = *id;
    if (Status st = gguf_get_string(file, "tokenizer.chat_template", &s); st.ok() && s) {
        info.has_chat_template = true;
        info.chat_template_family = chat_template_family(*s);
    }

    ModelArch arch{};
    info.arch_known = model_arch_from_name(info.arch_name, &arch);
    if (info.arch_known) {
        if (Status st = model_hparams_read(file, arch, &info.hparams); !st.ok()) {
            info.hparams_error = st.message;
            info.hparams = ModelHparams{};
            info.hparams.arch = arch;
            *out = std::move(info);
            return {};
        }
        if (info.hparams.n_vocab == 0)
            info.hparams.n_vocab = info.vocab_size;
        info.layer_pattern = model_layer_pattern(info.hparams);
        info.layer_summary = model_layer_summary(info.hparams);
    }
    *out = std::move(info);
    return {};
}

std::string model_format_count(int64_t n) {
    char buf[32];
    const double v = static_cast<double>(n);
    if (n >= 1'000'000'000)
        std::snprintf(buf, sizeof buf, "%.1f B", v / 1e9);
    else if (n >= 1'000'000)
        std::snprintf(buf, sizeof buf, "%.1f M", v / 1e6);
    else if (n >= 1'000)
        std::snprintf(buf, sizeof buf, "%.1f K", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%lld", static_cast<long long>(n));
    return buf;
}

std::string model_format_bytes(uint64_t n) {
    char buf[32];
    const double v = static_cast<double>(n);
    if (n >= 1'000'000'000ull)
        std::snprintf(buf, sizeof buf, "%.2f GB", v / 1e9);
    else if (n >= 1'000'000ull)
        std::snprintf(buf, sizeof buf, "%.1f MB", v / 1e6);
    else if (n >= 1'000ull)
        std::snprintf(buf, sizeof buf, "%.1f kB", v / 1e3);
    else
        std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(n));
    return buf;
}

}  // namespace nd
