// Reading hyper-parameters from GGUF metadata, classifying hybrid layers, and the memory estimate.
#include "gpu/model/model_hparams.h"

#include <algorithm>
#include <cmath>
#include <optional>

#include "gpu/gguf/gguf_file.h"

namespace nd {

namespace {

// Sizes beyond these are not a model but a corrupt or hostile file; refusing them keeps every product in
// the estimates far from overflow.
constexpr int64_t kMaxSize = int64_t{1} << 24;
constexpr int64_t kMaxLayers = 4096;
constexpr int64_t kMaxCtx = int64_t{1} << 32;

class Reader {
public:
    Reader(const GgufFile *file, ModelArch arch)
        : m_file(file), m_prefix(std::string(model_arch_name(arch)) + ".") {}

    Status get(const std::string &key, bool required, int64_t max, int64_t *out, int64_t fallback = 0) {
        std::optional<int64_t> v;
        if (Status st = gguf_get_int(m_file, m_prefix + key, &v); !st.ok())
            return st;
        if (!v) {
            if (required)
                return missing(key);
            *out = fallback;
            return {};
        }
        return checked(key, *v, max, out);
    }
    // A per-layer key that may be an array or one number for every layer; the largest value to `max_out`.
    Status get_layers(const std::string &key, int64_t n_layer_all, int64_t n_layer, bool required,
                      std::vector<int64_t> *out, int64_t *max_out, int64_t fallback = 0) {
        std::optional<std::vector<int64_t>> v;
        if (Status st = gguf_get_int_array(m_file, m_prefix + key, static_cast<uint64_t>(n_layer_all), &v);
            !st.ok())
            return st;
        if (!v) {
            if (required)
                return missing(key);
            v = std::vector<int64_t>(static_cast<size_t>(n_layer_all), fallback);
        }
        if (static_cast<int64_t>(v->size()) < n_layer)
            return ND_STATUS(StatusCode::invalid_argument, gguf_path(m_file) + ": key '" + m_prefix + key +
                                                               "' has " + std::to_string(v->size()) +
                                                               " entries for " + std::to_string(n_layer) +
                                                               " layers");
        v->resize(static_cast<size_t>(n_layer));
        *max_out = 0;
        for (int64_t x : *v) {
            int64_t y = 0;
            if (Status st = checked(key, x, kMaxSize, &y); !st.ok())
                return st;
            *max_out = std::max(*max_out, y);
        }
        *out = std::move(*v);
        return {};
    }
    Status get_float(const std::string &key, bool required, double *out) {
        std::optional<double> v;
        if (Status st = gguf_get_float(m_file, m_prefix + key, &v); !st.ok())
            return st;
        if (!v && required)
            return missing(key);
        *out = v.value_or(0);
        return {};
    }

private:
    Status missing(const std::string &key) const {
        return ND_STATUS(StatusCode::invalid_argument,
                         gguf_path(m_file) + ": the required key '" + m_prefix + key + "' is missing");
    }
    Status checked(const std::string &key, int64_t v, int64_t max, int64_t *out) const {
        if (v < 0 || v > max)
            return ND_STATUS(StatusCode::invalid_argument, gguf_path(m_file) + ": key '" + m_prefix + key +
                                                               "' is " + std::to_string(v) + ", outside 0.." +
                                                               std::to_string(max));
        *out = v;
        return {};
    }

    const GgufFile *m_file;
    std::string m_prefix;
};

bool is_hybrid(ModelArch a) {
    return a == ModelArch::nemotron_h || a == ModelArch::nemotron_h_moe;
}

char kind_char(LayerKind k) {
    switch (k) {
        case LayerKind::mamba:
            return 'M';
        case LayerKind::attention:
            return '*';
        case LayerKind::mlp:
            return '-';
        case LayerKind::moe:
            return 'E';
        case LayerKind::attention_ffn:
            return 'A';
    }
    return '?';
}

uint64_t to_bytes(double v) {
    if (!(v >= 0))
        return 0;
    if (v >= 1.8e19)
        return UINT64_MAX;
    return static_cast<uint64_t>(v);
}

}  // namespace

Status model_hparams_read(const GgufFile *file, ModelArch arch, ModelHparams *out) {
    ModelHparams hp;
    hp.arch = arch;
    Reader r(file, arch);
    int64_t block_count = 0, nextn = 0;
    if (Status st = r.get("embedding_length", true, kMaxSize, &hp.n_embd); !st.ok())
        return st;
    if (Status st = r.get("block_count", true, kMaxLayers, &block_count); !st.ok())
        return st;
    if (Status st = r.get("nextn_predict_layers", false, block_count, &nextn); !st.ok())
        return st;
    hp.n_layer = block_count - nextn;
    if (Status st = r.get("context_length", false, kMaxCtx, &hp.n_ctx_train); !st.ok())
        return st;
    std::vector<int64_t> heads;
    if (Status st = r.get_layers("attention.head_count", block_count, hp.n_layer, true, &heads, &hp.n_head);
        !st.ok())
        return st;
    if (Status st = r.get_layers("attention.head_count_kv", block_count, hp.n_layer, is_hybrid(arch),
                                 &hp.head_count_kv, &hp.n_head_kv, hp.n_head);
        !st.ok())
        return st;
    if (Status st = r.get_layers("feed_forward_length", block_count, hp.n_layer,
                                 arch != ModelArch::nemotron_h_moe, &hp.feed_forward_length, &hp.n_ff);
        !st.ok())
        return st;
    const int64_t default_hd = hp.n_head > 0 ? hp.n_embd / hp.n_head : 0;
    if (Status st = r.get("attention.key_length", false, kMaxSize, &hp.head_dim_k, default_hd); !st.ok())
        return st;
    if (Status st = r.get("attention.value_length", false, kMaxSize, &hp.head_dim_v, hp.head_dim_k); !st.ok())
        return st;
    const char *eps_key =
        arch == ModelArch::nemotron ? "attention.layer_norm_epsilon" : "attention.layer_norm_rms_epsilon";
    if (Status st = r.get_float(eps_key, true, &hp.norm_eps); !st.ok())
        return st;
    if (Status st = r.get("rope.dimension_count", false, kMaxSize, &hp.rope_dims); !st.ok())
        return st;
    if (Status st = r.get_float("rope.freq_base", false, &hp.rope_freq_base); !st.ok())
        return st;
    if (Status st = r.get("vocab_size", false, kMaxCtx, &hp.n_vocab); !st.ok())
        return st;
    if (hp.n_vocab == 0) {
        if (const GgufValue *tokens = gguf_find(file, "tokenizer.ggml.tokens");
            tokens && tokens->type == GgufType::array)
            hp.n_vocab = static_cast<int64_t>(tokens->count);
        else if (const GgufTensor *embd = gguf_find_tensor(file, "token_embd.weight"))
            hp.n_vocab = embd->ne[1];
    }
    if (is_hybrid(arch)) {
        const struct {
            const char *key;
            int64_t *dst;
        } ssm[] = {{"ssm.conv_kernel", &hp.ssm_d_conv},
                   {"ssm.inner_size", &hp.ssm_d_inner},
                   {"ssm.state_size", &hp.ssm_d_state},
                   {"ssm.time_step_rank", &hp.ssm_n_head},
                   {"ssm.group_count", &hp.ssm_n_group}};
        for (const auto &k : ssm)
            if (Status st = r.get(k.key, true, kMaxSize, k.dst); !st.ok())
                return st;
    }
    if (arch == ModelArch::nemotron_h_moe) {
        std::vector<int64_t> per_layer;
        if (Status st = r.get("expert_count", true, kMaxSize, &hp.n_expert); !st.ok())
            return st;
        if (Status st = r.get_layers("expert_used_count", block_count, hp.n_layer, true, &per_layer,
                                     &hp.n_expert_used);
            !st.ok())
            return st;
        if (Status st = r.get_layers("expert_feed_forward_length", block_count, hp.n_layer, false, &per_layer,
                                     &hp.n_ff_expert);
            !st.ok())
            return st;
        if (Status st = r.get("expert_shared_feed_forward_length", false, kMaxSize, &hp.n_ff_shared);
            !st.ok())
            return st;
        if (Status st = r.get("expert_shared_count", false, kMaxSize, &hp.n_expert_shared); !st.ok())
            return st;
        if (hp.feed_forward_length.empty())
            hp.feed_forward_length.assign(static_cast<size_t>(hp.n_layer), 0);
    }
    model_hparams_classify(&hp);
    *out = std::move(hp);
    return {};
}

void model_hparams_classify(ModelHparams *hp) {
    hp->layers.clear();
    for (int64_t i = 0; i < hp->n_layer; ++i) {
        if (!is_hybrid(hp->arch)) {
            hp->layers.push_back(LayerKind::attention_ffn);
            continue;
        }
        const int64_t ff =
            i < static_cast<int64_t>(hp->feed_forward_length.size()) ? hp->feed_forward_length[i] : 0;
        const int64_t kv = i < static_cast<int64_t>(hp->head_count_kv.size()) ? hp->head_count_kv[i] : 0;
        if (ff > 0)
            hp->layers.push_back(hp->n_expert > 0 ? LayerKind::moe : LayerKind::mlp);
        else if (kv > 0)
            hp->layers.push_back(LayerKind::attention);
        else
            hp->layers.push_back(LayerKind::mamba);
    }
}

std::string model_layer_pattern(const ModelHparams &hp) {
    if (!is_hybrid(hp.arch))
        return std::to_string(hp.n_layer) + " × (attention + FFN)";
    std::string s;
    for (LayerKind k : hp.layers)
        s += kind_char(k);
    return s;
}

std::string model_layer_summary(const ModelHparams &hp) {
    const struct {
        LayerKind kind;
        const char *name;
    } kinds[] = {{LayerKind::mamba, "mamba"},
                 {LayerKind::moe, "MoE"},
                 {LayerKind::mlp, "MLP"},
                 {LayerKind::attention, "attention"},
                 {LayerKind::attention_ffn, "attention + FFN"}};
    std::string s;
    for (const auto &k : kinds) {
        const auto n = std::count(hp.layers.begin(), hp.layers.end(), k.kind);
        if (n == 0)
            continue;
        if (!s.empty())
            s += ", ";
        s += std::to_string(n) + " " + k.name;
    }
    return s;
}

int64_t model_default_ctx(const ModelHparams &hp) {
    if (hp.n_ctx_train <= 0)
        return 4096;
    return std::min<int64_t>(hp.n_ctx_train, 8192);
}

ModelMemoryEstimate model_memory_estimate(const ModelHparams &hp, uint64_t weights_bytes, int64_t n_ctx,
                                          int n_seq) {
    ModelMemoryEstimate m;
    m.n_ctx = std::max<int64_t>(0, n_ctx);
    m.n_seq = std::max(1, n_seq);
    m.weights_bytes = weights_bytes;
    double kv = 0, state = 0;
    const double conv_dim = static_cast<double>(hp.ssm_d_inner + 2 * hp.ssm_n_group * hp.ssm_d_state);
    for (size_t i = 0; i < hp.layers.size(); ++i) {
        const LayerKind k = hp.layers[i];
        if (k == LayerKind::attention || k == LayerKind::attention_ffn) {
            const double hkv = i < hp.head_count_kv.size() ? static_cast<double>(hp.head_count_kv[i])
                                                           : static_cast<double>(hp.n_head_kv);
            kv += static_cast<double>(hp.head_dim_k + hp.head_dim_v) * hkv * 2.0;  // f16
        } else if (k == LayerKind::mamba) {
            const double conv = static_cast<double>(std::max<int64_t>(0, hp.ssm_d_conv - 1)) * conv_dim;
            const double ssm = static_cast<double>(hp.ssm_d_state) * static_cast<double>(hp.ssm_d_inner);
            state += (conv + ssm) * 4.0;  // f32
        }
    }
    m.kv_bytes_per_token = to_bytes(kv);
    m.kv_bytes = to_bytes(kv * static_cast<double>(m.n_ctx) * m.n_seq);
    m.state_bytes_per_seq = to_bytes(state);
    m.state_bytes = to_bytes(state * m.n_seq);
    m.total_bytes = to_bytes(static_cast<double>(weights_bytes) +
                             kv * static_cast<double>(m.n_ctx) * m.n_seq + state * m.n_seq);
    return m;
}

}  // namespace nd
