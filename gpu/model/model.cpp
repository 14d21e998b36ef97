// Loading a model: architecture, hyper-parameters and the extra keys the forward pass needs, the tokenizer
// and chat template, and every tensor bound with the shape the metadata implies (model.h).
#include "gpu/model/model.h"

#include <cmath>
#include <filesystem>

#include "gpu/model/model_weights.h"
#include "gpu/model/model_weights_layers.h"

namespace nd {

namespace {

#define ND_LOAD(expr)                       \
    do {                                    \
        if (Status _st = (expr); !_st.ok()) \
            return _st;                     \
    } while (false)

Status bad(const GgufFile *f, const std::string &msg) {
    return ND_STATUS(StatusCode::invalid_argument, gguf_path(f) + ": " + msg);
}

bool is_hybrid(ModelArch a) {
    return a == ModelArch::nemotron_h || a == ModelArch::nemotron_h_moe;
}

// Keys the forward pass needs beyond ModelHparams: RoPE scaling, MoE routing, latent MoE.
struct ExtraKeys {
    double rope_scale = 1.0;  // linear factor (positions are divided by it)
    bool expert_norm = false;
    double expert_scale = 1.0;
    int64_t expert_groups = 1;
    int64_t expert_groups_used = 1;
    int64_t moe_latent = 0;
};

Status read_extra(const GgufFile *f, ModelArch arch, ExtraKeys *x) {
    const std::string a = std::string(model_arch_name(arch)) + ".";
    std::optional<std::string_view> type;
    std::optional<double> factor, linear;
    ND_LOAD(gguf_get_string(f, a + "rope.scaling.type", &type));
    ND_LOAD(gguf_get_float(f, a + "rope.scaling.factor", &factor));
    ND_LOAD(gguf_get_float(f, a + "rope.scale_linear", &linear));  // older files
    if (type && *type != "none" && *type != "linear")
        return ND_STATUS(StatusCode::unsupported, gguf_path(f) + ": rope scaling '" + std::string(*type) +
                                                      "' is not supported (supported: none, linear)");
    if (type && *type == "linear" && factor)
        x->rope_scale = *factor;
    else if (!type && linear)
        x->rope_scale = *linear;
    if (!(x->rope_scale > 0 && std::isfinite(x->rope_scale)))
        return bad(f, "the rope scaling factor must be positive, not " + std::to_string(x->rope_scale));
    if (arch != ModelArch::nemotron_h_moe)
        return {};
    std::optional<bool> norm;
    std::optional<double> scale;
    std::optional<int64_t> groups, groups_used, latent;
    ND_LOAD(gguf_get_bool(f, a + "expert_weights_norm", &norm));
    ND_LOAD(gguf_get_float(f, a + "expert_weights_scale", &scale));
    ND_LOAD(gguf_get_int(f, a + "expert_group_count", &groups));
    ND_LOAD(gguf_get_int(f, a + "expert_group_used_count", &groups_used));
    ND_LOAD(gguf_get_int(f, a + "moe_latent_size", &latent));
    x->expert_norm = norm.value_or(false);
    x->expert_scale = scale.value_or(1.0);
    x->expert_groups = groups.value_or(1) > 0 ? groups.value_or(1) : 1;
    x->expert_groups_used = groups_used.value_or(1) > 0 ? groups_used.value_or(1) : 1;
    x->moe_latent = latent.value_or(0);
    if (x->moe_latent < 0 || x->moe_latent > (int64_t{1} << 24))
        return bad(f, "key '" + a + "moe_latent_size' is " + std::to_string(x->moe_latent) +
                          ", outside 0..16777216");
    if (!std::isfinite(x->expert_scale))
        return bad(f, "key '" + a + "expert_weights_scale' is not a finite number");
    return {};
}

// Relations between the hyper-parameters that the tensor shapes and the ops rely on.
Status check_hparams(const GgufFile *f, const ModelHparams &hp, const ExtraKeys &x) {
    const std::string a = std::string(model_arch_name(hp.arch)) + ".";
    if (hp.n_layer <= 0 || hp.n_embd <= 0)
        return bad(f, "the model has " + std::to_string(hp.n_layer) + " layers and n_embd " +
                          std::to_string(hp.n_embd) + "; both must be positive");
    bool any_attention = false;
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const LayerKind k = hp.layers[static_cast<size_t>(il)];
        if (k != LayerKind::attention && k != LayerKind::attention_ffn)
            continue;
        any_attention = true;
        const int64_t hkv = hp.head_count_kv[static_cast<size_t>(il)];
        if (hkv <= 0 || hp.n_head % hkv != 0)
            return bad(f, "layer " + std::to_string(il) + ": n_head " + std::to_string(hp.n_head) +
                              " is not a multiple of head_count_kv " + std::to_string(hkv) + " (key '" + a +
                              "attention.head_count_kv')");
    }
    if (any_attention && (hp.n_head <= 0 || hp.head_dim_k <= 0 || hp.head_dim_v <= 0))
        return bad(f, "attention needs n_head, key_length and value_length > 0 (found " +
                          std::to_string(hp.n_head) + ", " + std::to_string(hp.head_dim_k) + ", " +
                          std::to_string(hp.head_dim_v) + ")");
    if (!(hp.norm_eps >= 0 && std::isfinite(hp.norm_eps)))
        return bad(f, "the norm epsilon must be a finite number >= 0");
    if (hp.arch == ModelArch::llama || hp.arch == ModelArch::nemotron) {
        if (hp.rope_dims < 0 || hp.rope_dims > hp.head_dim_k || hp.rope_dims % 2 != 0)
            return bad(f, "key '" + a + "rope.dimension_count' is " + std::to_string(hp.rope_dims) +
                              "; it must be even and at most the head dimension " +
                              std::to_string(hp.head_dim_k));
    }
    if (is_hybrid(hp.arch)) {
        const int64_t Di = hp.ssm_d_inner, nh = hp.ssm_n_head, G = hp.ssm_n_group;
        if (Di <= 0 || nh <= 0 || G <= 0 || hp.ssm_d_state <= 0 || hp.ssm_d_conv <= 0 || Di % nh != 0 ||
            nh % G != 0 || Di % G != 0)
            return bad(f, "the Mamba shape is inconsistent: ssm.inner_size " + std::to_string(Di) +
                              " must split into ssm.time_step_rank " + std::to_string(nh) +
                              " heads and ssm.group_count " + std::to_string(G) +
                              " groups (heads a multiple of groups); state_size " +
                              std::to_string(hp.ssm_d_state) + " and conv_kernel " +
                              std::to_string(hp.ssm_d_conv) + " must be positive");
    }
    if (hp.arch == ModelArch::nemotron_h_moe) {
        if (hp.n_expert <= 0 || hp.n_expert_used <= 0 || hp.n_expert_used > hp.n_expert)
            return bad(f, "expert_used_count " + std::to_string(hp.n_expert_used) +
                              " must be in 1..expert_count " + std::to_string(hp.n_expert));
        if (x.expert_groups > 1 &&
            (hp.n_expert % x.expert_groups != 0 || x.expert_groups_used > x.expert_groups))
            return bad(f, "expert_group_count " + std::to_string(x.expert_groups) +
                              " must divide expert_count " + std::to_string(hp.n_expert) +
                              " and be >= expert_group_used_count " + std::to_string(x.expert_groups_used));
    }
    return {};
}

LayerShapes layer_shapes(const ModelHparams &hp, const ExtraKeys &x, int64_t il) {
    LayerShapes s;
    const auto i = static_cast<size_t>(il);
    s.kind = hp.layers[i];
    s.n_embd = hp.n_embd;
    s.n_head = hp.n_head;
    s.n_head_kv = i < hp.head_count_kv.size() ? hp.head_count_kv[i] : hp.n_head_kv;
    s.head_dim_k = hp.head_dim_k;
    s.head_dim_v = hp.head_dim_v;
    s.n_ff = i < hp.feed_forward_length.size() ? hp.feed_forward_length[i] : hp.n_ff;
    s.mamba.d_inner = hp.ssm_d_inner;
    s.mamba.d_state = hp.ssm_d_state;
    s.mamba.n_group = hp.ssm_n_group;
    s.mamba.n_head = hp.ssm_n_head;
    s.mamba.d_conv = hp.ssm_d_conv;
    s.n_expert = hp.n_expert;
    s.n_ff_expert = hp.n_ff_expert > 0 ? hp.n_ff_expert : s.n_ff;
    s.n_ff_shared = hp.n_ff_shared;
    s.moe_latent = x.moe_latent;
    return s;
}

Status bind_globals(WeightBinder &b, Model *m) {
    const GgufTensor *embd = gguf_find_tensor(m->file.get(), "token_embd.weight");
    if (!embd)
        return bad(m->file.get(), "the tensor 'token_embd.weight' is missing");
    // The vocabulary is what the embedding holds (the tokenizer may list fewer or more ids).
    const int64_t E = m->hp.n_embd, V = embd->ne[1];
    const std::string why = "n_embd " + std::to_string(E) + ", n_vocab " + std::to_string(V);
    ND_LOAD(
        b.bind("token_embd.weight", {E, V}, why, WeightRole::matrix, WeightNeed::required, &m->token_embd));
    m->hp.n_vocab = V;
    const std::string why_e = "n_embd " + std::to_string(E);
    ND_LOAD(
        b.bind("output_norm.weight", {E}, why_e, WeightRole::vector, WeightNeed::required, &m->output_norm));
    ND_LOAD(b.bind("output_norm.bias", {E}, why_e, WeightRole::vector,
                   m->hp.arch == ModelArch::nemotron ? WeightNeed::required : WeightNeed::optional,
                   &m->output_norm_b));
    // llama and the hybrids fall back to the embedding when output.weight is absent (tied); nemotron
    // requires it (spec §3.2).
    ND_LOAD(b.bind("output.weight", {E, V}, why, WeightRole::matrix,
                   m->hp.arch == ModelArch::nemotron ? WeightNeed::required : WeightNeed::optional,
                   &m->output));
    if (!m->output.present())
        m->output = m->token_embd;
    const int64_t n_rot = m->hp.rope_dims > 0 ? m->hp.rope_dims : m->hp.head_dim_k;
    if (m->hp.arch == ModelArch::llama && n_rot > 0)
        ND_LOAD(b.bind("rope_freqs.weight", {n_rot / 2}, "rope dimensions " + std::to_string(n_rot) + " / 2",
                       WeightRole::vector, WeightNeed::optional, &m->rope_freqs));
    return {};
}

// FNV-1a, 64-bit: not cryptographic, only to tell models apart.
struct Fnv1a {
    uint64_t h = 0xcbf29ce484222325ull;
    void add(const void *data, size_t n) {
        const auto *p = static_cast<const uint8_t *>(data);
        for (size_t i = 0; i < n; ++i)
            h = (h ^ p[i]) * 0x100000001b3ull;
    }
    void add(std::string_view s) {
        add(s.data(), s.size());
        add("", 1);  // a separator, so "ab"+"c" differs from "a"+"bc"
    }
};

// Up to 64 bytes of each tensor: touching one page per tensor at load is cheap, and different fine-tunes
// or quantizations of one shape differ there.
uint64_t weights_fingerprint(const GgufFile *f, std::string_view arch) {
    constexpr uint64_t kDataBytes = 64;
    Fnv1a h;
    h.add(arch);
    for (const GgufTensor &t : gguf_tensors(f)) {
        h.add(t.name);
        h.add(&t.type_id, sizeof t.type_id);
        h.add(t.ne.data(), sizeof t.ne);
        if (t.data)
            h.add(t.data, static_cast<size_t>(t.n_bytes < kDataBytes ? t.n_bytes : kDataBytes));
    }
    return h.h;
}

}  // namespace

Status model_load_file(GgufFilePtr file, const ModelLoadOptions &options, std::unique_ptr<Model> *out) {
    if (!file || !out)
        return ND_STATUS(StatusCode::invalid_argument, "model_load_file: null file or output");
    auto m = std::make_unique<Model>();
    m->file = std::move(file);
    const GgufFile *f = m->file.get();
    std::optional<std::string_view> arch_name;
    ND_LOAD(gguf_get_string(f, "general.architecture", &arch_name));
    if (!arch_name)
        return bad(f, "the key 'general.architecture' is missing; this is not a model file");
    ModelArch arch{};
    if (!model_arch_from_name(*arch_name, &arch))
        return ND_STATUS(StatusCode::unsupported,
                         gguf_path(f) + ": architecture '" + std::string(*arch_name) +
                             "' is not supported (supported: llama, nemotron, nemotron_h, nemotron_h_moe)");
    ND_LOAD(model_hparams_read(f, arch, &m->hp));
    ExtraKeys x;
    ND_LOAD(read_extra(f, arch, &x));
    ND_LOAD(check_hparams(f, m->hp, x));

    std::optional<std::string_view> name, tmpl, tok_model;
    ND_LOAD(gguf_get_string(f, "general.name", &name));
    m->name =
        name && !name->empty() ? std::string(*name) : std::filesystem::path(gguf_path(f)).stem().string();
    ND_LOAD(gguf_get_string(f, "tokenizer.chat_template", &tmpl));
    m->chat_template = tmpl ? std::string(*tmpl) : std::string();
    ND_LOAD(gguf_get_string(f, "tokenizer.ggml.model", &tok_model));
    if (options.load_tokenizer && tok_model) {
        Tokenizer *t = nullptr;
        ND_LOAD(tokenizer_load_gguf(f, &t));
        m->tokenizer.reset(t);
    }

    WeightBinder b(f, m.get());
    ND_LOAD(bind_globals(b, m.get()));
    m->layers.resize(static_cast<size_t>(m->hp.n_layer));
    for (int64_t il = 0; il < m->hp.n_layer; ++il)
        ND_LOAD(
            model_bind_layer(b, arch, layer_shapes(m->hp, x, il), il, &m->layers[static_cast<size_t>(il)]));

    m->rope.mode = arch == ModelArch::nemotron ? RopeMode::neox : RopeMode::norm;
    m->rope.n_rot = m->hp.rope_dims > 0 ? m->hp.rope_dims : m->hp.head_dim_k;
    m->rope.freq_base = m->hp.rope_freq_base > 0 ? static_cast<float>(m->hp.rope_freq_base) : 10000.0f;
    m->rope.freq_scale = static_cast<float>(1.0 / x.rope_scale);
    m->rope.freq_factors = m->rope_freqs.present() ? m->rope_freqs.f32() : nullptr;
    m->routing.n_expert = m->hp.n_expert;
    m->routing.n_used = m->hp.n_expert_used;
    m->routing.normalize = x.expert_norm;
    m->routing.scale = static_cast<float>(x.expert_scale);
    m->routing.n_group = x.expert_groups;
    m->routing.n_group_used = x.expert_groups_used;
    for (const GgufTensor &t : gguf_tensors(f))
        m->weights_bytes += t.n_bytes;
    m->fingerprint = weights_fingerprint(f, *arch_name);
    *out = std::move(m);
    return {};
}

Status model_load(const std::string &path, const ModelLoadOptions &options, std::unique_ptr<Model> *out) {
    if (!out)
        return ND_STATUS(StatusCode::invalid_argument, "model_load: null output");
    GgufFile *f = nullptr;
    ND_LOAD(gguf_open(path, {}, &f));
    return model_load_file(GgufFilePtr(f), options, out);
}

}  // namespace nd
