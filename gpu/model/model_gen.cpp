// The random-weight model generator (see model_gen.h): shapes and keys exactly as llama.cpp's converter
// writes them for each architecture, realistic weight scales, deterministic for a seed.
#include "gpu/model/model_gen.h"

#include <cmath>
#include <cstdlib>
#include <cstring>

#include "gpu/gguf/ggml_quants.h"
#include "gpu/model/model_gen_vocab.h"

namespace nd {

namespace {

// splitmix64: a tiny, good-enough generator; each tensor gets its own stream from (seed, name) so the
// values do not depend on the order tensors are written in.
class Rng {
public:
    explicit Rng(uint64_t seed) : m_state(seed) {}
    uint64_t next() {
        uint64_t z = (m_state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }  // [0, 1)
    double normal() {
        const double u1 = 1.0 - uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * M_PI * u2);
    }

private:
    uint64_t m_state;
};

uint64_t name_hash(const std::string &s) {
    uint64_t h = 14695981039346656037ull;
    for (unsigned char c : s)
        h = (h ^ c) * 1099511628211ull;
    return h;
}

bool is_k_quant(GgmlType t) {
    return t == GgmlType::q4_k || t == GgmlType::q5_k || t == GgmlType::q6_k;
}

// The type llama-quantize would give a matrix of row length ne0 (spec §1.4).
GgmlType fallback_type(GgmlType want, int64_t ne0) {
    if (is_k_quant(want) && ne0 % 256 != 0) {
        switch (want) {
            case GgmlType::q4_k:
                want = GgmlType::q5_0;
                break;
            case GgmlType::q5_k:
                want = GgmlType::q5_1;
                break;
            default:
                want = GgmlType::q8_0;
                break;
        }
    }
    if (ne0 % ggml_type_block_size(want) != 0)
        return GgmlType::f16;
    return want;
}

// general.file_type (llama_ftype) of a model whose matrices are mostly `t`.
uint32_t file_type_of(GgmlType t) {
    switch (t) {
        case GgmlType::f32:
            return 0;
        case GgmlType::f16:
            return 1;
        case GgmlType::q4_0:
            return 2;
        case GgmlType::q4_1:
            return 3;
        case GgmlType::q8_0:
            return 7;
        case GgmlType::q5_0:
            return 8;
        case GgmlType::q5_1:
            return 9;
        case GgmlType::q4_k:
            return 15;
        case GgmlType::q5_k:
            return 17;
        case GgmlType::q6_k:
            return 18;
        case GgmlType::iq4_nl:
            return 25;
        case GgmlType::bf16:
            return 32;
    }
    return 0;
}

bool is_hybrid(ModelArch a) {
    return a == ModelArch::nemotron_h || a == ModelArch::nemotron_h_moe;
}

// llama-quantize's choice of layers that get more bits in the _M mixes: the first and last eighth, and
// every third layer between.
bool use_more_bits(int i, int n) {
    return i < n / 8 || i >= 7 * n / 8 || (i - n / 8) % 3 == 2;
}

class Builder {
public:
    Builder(const ModelGenSpec &spec, GgufWriter *w) : m_spec(spec), m_w(w) {
        for (int i = 0; i < spec.n_layer; ++i)
            if (!is_hybrid(spec.arch) || spec.layer_pattern[static_cast<size_t>(i)] == '*')
                ++m_n_attn_v;
    }

    // A weight matrix {ne...}: N(0, 1/sqrt(ne0)) (fan-in scaling keeps activations O(1)), in the
    // spec's type (or its mix's choice) with the llama-quantize fallback.
    Status matrix(const std::string &name, std::vector<int64_t> ne, double scale = 0) {
        const double sd = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(ne[0]));
        const GgmlType type = type_for(name, ne[0]);  // before `ne` is moved from
        return add(name, type, std::move(ne),
                   [sd](Rng &r, int64_t) { return static_cast<float>(sd * r.normal()); });
    }
    // F32 vectors and small tensors llama-quantize leaves alone.
    template <typename Fn>
    Status f32(const std::string &name, std::vector<int64_t> ne, Fn value) {
        return add(name, GgmlType::f32, std::move(ne), value);
    }
    Status norm(const std::string &name, int64_t n) {
        return f32(name, {n}, [](Rng &r, int64_t) { return static_cast<float>(1.0 + 0.05 * r.normal()); });
    }
    Status bias(const std::string &name, int64_t n, double sd = 0.02) {
        return f32(name, {n}, [sd](Rng &r, int64_t) { return static_cast<float>(sd * r.normal()); });
    }

private:
    // The Q4_K_M mix as llama-quantize chooses it (llama_tensor_get_type): output.weight Q6_K (Q8_0 when
    // its rows do not split into 256-blocks), attn_v by attention-layer count, ffn_down by layer (MoE
    // models: the block index of the name, as llama.cpp parses it; dense: the count of ffn_down tensors
    // seen, against n_layer). Everything else, ssm_out included, keeps the base type.
    GgmlType type_for(const std::string &name, int64_t ne0) {
        if (m_spec.mix != "q4_k_m")
            return fallback_type(m_spec.weight_type, ne0);
        GgmlType t = GgmlType::q4_k;
        if (name == "output.weight") {
            t = ne0 % 256 == 0 ? GgmlType::q6_k : GgmlType::q8_0;
        } else if (name.find("attn_v.weight") != std::string::npos) {
            if (use_more_bits(m_i_attn_v++, m_n_attn_v))
                t = GgmlType::q6_k;
        } else if (name.find("ffn_down") != std::string::npos) {
            int layer = m_i_ffn_down++;
            if (m_spec.arch == ModelArch::nemotron_h_moe)
                layer = std::atoi(name.c_str() + 4);  // "blk.N."
            if (use_more_bits(layer, m_spec.n_layer))
                t = GgmlType::q6_k;
        }
        return fallback_type(t, ne0);
    }

    template <typename Fn>
    Status add(const std::string &name, GgmlType type, std::vector<int64_t> ne, Fn value) {
        int64_t n = 1;
        for (int64_t d : ne)
            n *= d;
        Rng rng(m_spec.seed * 0x2545F4914F6CDD1Dull ^ name_hash(name));
        const int64_t row = ne[0], rows = row ? n / row : 0;
        if (m_spec.unique_rows > 0 && rows > m_spec.unique_rows)
            return add_repeated(name, type, std::move(ne), value, rng, row, rows);
        std::vector<float> values(static_cast<size_t>(n));
        for (int64_t k = 0; k < n; ++k)
            values[static_cast<size_t>(k)] = value(rng, k);
        return m_w->add_tensor_f32(name, type, std::move(ne), values);
    }

    // unique_rows distinct rows, quantised once, then copied over the whole tensor.
    template <typename Fn>
    Status add_repeated(const std::string &name, GgmlType type, std::vector<int64_t> ne, Fn value, Rng &rng,
                        int64_t row, int64_t rows) {
        const int64_t u = m_spec.unique_rows, row_bytes = ggml_row_bytes(type, row);
        std::vector<float> values(static_cast<size_t>(u * row));
        for (int64_t k = 0; k < u * row; ++k)
            values[static_cast<size_t>(k)] = value(rng, k);
        GgufWriteTensor t;
        t.name = name;
        t.type = type;
        t.ne = std::move(ne);
        t.data.resize(static_cast<size_t>(row_bytes * rows));
        for (int64_t r = 0; r < u; ++r)
            if (Status st =
                    ggml_quantize_row(type, values.data() + r * row, row, t.data.data() + r * row_bytes);
                !st.ok())
                return st;
        for (int64_t r = u; r < rows; ++r)
            std::memcpy(t.data.data() + r * row_bytes, t.data.data() + (r % u) * row_bytes,
                        static_cast<size_t>(row_bytes));
        m_w->add_tensor(std::move(t));
        return {};
    }

    const ModelGenSpec &m_spec;
    GgufWriter *m_w;
    int m_n_attn_v = 0, m_i_attn_v = 0, m_i_ffn_down = 0;
};

#define ND_TRY(expr)                        \
    do {                                    \
        if (Status _st = (expr); !_st.ok()) \
            return _st;                     \
    } while (false)

std::string blk(int i, const char *what) {
    return "blk." + std::to_string(i) + "." + what;
}

Status write_attention(Builder &b, const ModelGenSpec &s, int i) {
    const int64_t E = s.n_embd, q = int64_t{s.n_head} * s.head_dim, kv = int64_t{s.n_head_kv} * s.head_dim;
    ND_TRY(b.matrix(blk(i, "attn_q.weight"), {E, q}));
    ND_TRY(b.matrix(blk(i, "attn_k.weight"), {E, kv}));
    ND_TRY(b.matrix(blk(i, "attn_v.weight"), {E, kv}));
    return b.matrix(blk(i, "attn_output.weight"), {q, E});
}

Status write_mamba(Builder &b, const ModelGenSpec &s, int i) {
    const int64_t E = s.n_embd, Di = s.ssm_d_inner, N = s.ssm_d_state, G = s.ssm_n_group, nh = s.ssm_n_head;
    const int64_t conv_dim = Di + 2 * G * N, d_in_proj = 2 * Di + 2 * G * N + nh;
    ND_TRY(b.matrix(blk(i, "ssm_in.weight"), {E, d_in_proj}));
    const double conv_sd = 1.0 / std::sqrt(static_cast<double>(s.ssm_d_conv));
    ND_TRY(b.f32(blk(i, "ssm_conv1d.weight"), {s.ssm_d_conv, conv_dim},
                 [conv_sd](Rng &r, int64_t) { return static_cast<float>(conv_sd * r.normal()); }));
    ND_TRY(b.bias(blk(i, "ssm_conv1d.bias"), conv_dim, 0.1));
    // dt = softplus(dt_raw + bias) should start in [1e-3, 0.1] (Mamba's init): bias = softplus^-1(dt).
    ND_TRY(b.f32(blk(i, "ssm_dt.bias"), {nh}, [](Rng &r, int64_t) {
        const double dt = std::exp(std::log(1e-3) + r.uniform() * (std::log(0.1) - std::log(1e-3)));
        return static_cast<float>(std::log(std::expm1(dt)));
    }));
    // A = -exp(A_log), A_log ~ log U[1, 16]: negative, as the converter stores it.
    ND_TRY(b.f32(blk(i, "ssm_a"), {1, nh},
                 [](Rng &r, int64_t) { return static_cast<float>(-(1.0 + 15.0 * r.uniform())); }));
    ND_TRY(b.f32(blk(i, "ssm_d"), {1, nh},
                 [](Rng &r, int64_t) { return static_cast<float>(1.0 + 0.1 * r.normal()); }));
    ND_TRY(b.f32(blk(i, "ssm_norm.weight"), {Di / G, G},
                 [](Rng &r, int64_t) { return static_cast<float>(1.0 + 0.05 * r.normal()); }));
    return b.matrix(blk(i, "ssm_out.weight"), {Di, E});
}

Status write_moe(Builder &b, const ModelGenSpec &s, int i) {
    const int64_t E = s.n_embd, X = s.n_expert, ff = s.n_ff_expert, sh = s.n_ff_shared;
    const double router_sd = 1.0 / std::sqrt(static_cast<double>(E));
    ND_TRY(b.f32(blk(i, "ffn_gate_inp.weight"), {E, X},
                 [router_sd](Rng &r, int64_t) { return static_cast<float>(router_sd * r.normal()); }));
    ND_TRY(b.bias(blk(i, "exp_probs_b.bias"), X, 0.01));
    ND_TRY(b.matrix(blk(i, "ffn_up_exps.weight"), {E, ff, X}));
    ND_TRY(b.matrix(blk(i, "ffn_down_exps.weight"), {ff, E, X}));
    ND_TRY(b.matrix(blk(i, "ffn_up_shexp.weight"), {E, sh}));
    return b.matrix(blk(i, "ffn_down_shexp.weight"), {sh, E});
}

void put_common(GgufWriter &w, const ModelGenSpec &s, const std::string &a) {
    w.set(a + ".vocab_size", GgufWriteValue::u32(static_cast<uint32_t>(s.n_vocab)));
    w.set(a + ".context_length", GgufWriteValue::u32(static_cast<uint32_t>(s.n_ctx_train)));
    w.set(a + ".embedding_length", GgufWriteValue::u32(static_cast<uint32_t>(s.n_embd)));
    w.set(a + ".block_count", GgufWriteValue::u32(static_cast<uint32_t>(s.n_layer)));
    w.set(a + ".attention.head_count", GgufWriteValue::u32(static_cast<uint32_t>(s.n_head)));
    w.set(a + ".attention.key_length", GgufWriteValue::u32(static_cast<uint32_t>(s.head_dim)));
    w.set(a + ".attention.value_length", GgufWriteValue::u32(static_cast<uint32_t>(s.head_dim)));
}

Status validate(const ModelGenSpec &s) {
    auto bad = [](const std::string &m) {
        return ND_STATUS(StatusCode::invalid_argument, "model_gen: " + m);
    };
    if (s.n_embd <= 0 || s.n_layer <= 0 || s.n_head <= 0 || s.n_head_kv <= 0 || s.head_dim <= 0 ||
        s.n_vocab <= 0)
        return bad("sizes must be positive");
    if (!s.mix.empty() && s.mix != "q4_k_m")
        return bad("unknown type mix '" + s.mix + "' (known: q4_k_m)");
    if (s.n_head % s.n_head_kv != 0)
        return bad("n_head must be a multiple of n_head_kv");
    if (is_hybrid(s.arch)) {
        if (static_cast<int>(s.layer_pattern.size()) != s.n_layer)
            return bad("layer_pattern '" + s.layer_pattern + "' has " +
                       std::to_string(s.layer_pattern.size()) + " layers, n_layer is " +
                       std::to_string(s.n_layer));
        const std::string allowed = s.arch == ModelArch::nemotron_h ? "M*-" : "M*E";
        for (char c : s.layer_pattern)
            if (allowed.find(c) == std::string::npos)
                return bad(std::string("layer kind '") + c + "' is not one of \"" + allowed + "\" for " +
                           std::string(model_arch_name(s.arch)));
        if (s.ssm_n_group <= 0 || s.ssm_n_head <= 0 || s.ssm_d_inner % s.ssm_n_head != 0 ||
            s.ssm_n_head % s.ssm_n_group != 0 || s.ssm_d_inner % s.ssm_n_group != 0)
            return bad("ssm: d_inner must split into n_head heads and n_group groups, n_head into groups");
        if (s.arch == ModelArch::nemotron_h_moe && (s.n_expert_used <= 0 || s.n_expert_used > s.n_expert))
            return bad("n_expert_used must be in 1..n_expert");
    }
    return {};
}

}  // namespace

ModelGenSpec model_gen_resolve(const ModelGenSpec &in) {
    ModelGenSpec s = in;
    auto fill = [](int &v, int d) {
        if (v == 0)
            v = d;
    };
    // Widths: n_embd 288 = 9·32 (not a multiple of 256, so K-quants fall back there); H·hd = 512 != n_embd
    // (and a multiple of 256, so attn_output keeps K-quants); GQA 4:1.
    if (s.mix == "q4_k_m")
        s.weight_type = GgmlType::q4_k;
    fill(s.n_embd, 288);
    if (s.arch == ModelArch::nemotron) {
        // llama.cpp's nemotron loader ignores attention.key_length and expects attn_q {E, E} (the classic
        // converter's assumption, spec §6.12): H·hd = n_embd here, 6 heads of 48, GQA 3:1.
        fill(s.n_head, 6);
        fill(s.n_head_kv, 2);
        fill(s.head_dim, s.n_embd / s.n_head);
    }
    fill(s.n_head, 8);
    fill(s.n_head_kv, 2);
    fill(s.head_dim, 64);
    fill(s.n_ff, 768);
    fill(s.n_ctx_train, 4096);
    if (is_hybrid(s.arch)) {
        if (s.layer_pattern.empty())
            s.layer_pattern = s.arch == ModelArch::nemotron_h ? "M*-M-" : "ME*ME";
        fill(s.n_layer, static_cast<int>(s.layer_pattern.size()));
        // 8 heads of 32 in 2 groups: heads 0-3 use group 0 (repeat_interleave), which h % G would not.
        fill(s.ssm_n_head, 8);
        fill(s.ssm_d_inner, 256);
        fill(s.ssm_d_state, 64);
        fill(s.ssm_n_group, 2);
        fill(s.ssm_d_conv, 4);
    } else {
        fill(s.n_layer, 2);
    }
    if (s.arch == ModelArch::nemotron_h_moe) {
        fill(s.n_expert, 8);
        fill(s.n_expert_used, 3);
        fill(s.n_ff_expert, 96);  // 3·32: the expert matrices use the 32-block fallbacks
        fill(s.n_ff_shared, 192);
    }
    if (s.n_vocab == 0) {
        if (s.tokenizer_metadata.empty()) {
            model_gen_vocab(s.arch, &s.n_vocab);
        } else {
            for (const auto &[key, value] : s.tokenizer_metadata)
                if (key == "tokenizer.ggml.tokens")
                    s.n_vocab = static_cast<int>(value.elems.size());
        }
    }
    if (s.name.empty())
        s.name = "nemodesk-test-" + std::string(model_arch_name(s.arch)) + "-" +
                 (s.mix.empty() ? ggml_type_name(static_cast<uint32_t>(s.weight_type)) : s.mix);
    return s;
}

Status model_gen_write(const ModelGenSpec &spec_in, const std::string &path,
                       const GgufWriteOptions &options) {
    const ModelGenSpec s = model_gen_resolve(spec_in);
    ND_TRY(validate(s));
    const std::string a(model_arch_name(s.arch));
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str(a));
    w.set("general.name", GgufWriteValue::str(s.name));
    w.set("general.file_type", GgufWriteValue::u32(file_type_of(s.weight_type)));
    w.set("general.quantization_version", GgufWriteValue::u32(2));
    put_common(w, s, a);

    const int64_t E = s.n_embd;
    if (s.arch == ModelArch::llama || s.arch == ModelArch::nemotron) {
        w.set(a + ".feed_forward_length", GgufWriteValue::u32(static_cast<uint32_t>(s.n_ff)));
        w.set(a + ".attention.head_count_kv", GgufWriteValue::u32(static_cast<uint32_t>(s.n_head_kv)));
        if (s.arch == ModelArch::llama) {
            w.set(a + ".attention.layer_norm_rms_epsilon", GgufWriteValue::f32(1e-5f));
            w.set(a + ".rope.dimension_count", GgufWriteValue::u32(static_cast<uint32_t>(s.head_dim)));
            w.set(a + ".rope.freq_base", GgufWriteValue::f32(500000.0f));
        } else {
            // Partial rotary factor 0.5 (spec §3.1, §3.4).
            w.set(a + ".attention.layer_norm_epsilon", GgufWriteValue::f32(1e-5f));
            w.set(a + ".rope.dimension_count", GgufWriteValue::u32(static_cast<uint32_t>(s.head_dim / 2)));
            w.set(a + ".rope.freq_base", GgufWriteValue::f32(10000.0f));
        }
    } else {
        std::vector<int32_t> kv(static_cast<size_t>(s.n_layer), 0), ff(static_cast<size_t>(s.n_layer), 0);
        for (int i = 0; i < s.n_layer; ++i) {
            const char c = s.layer_pattern[static_cast<size_t>(i)];
            kv[static_cast<size_t>(i)] = c == '*' ? s.n_head_kv : 0;
            ff[static_cast<size_t>(i)] = c == '-' ? s.n_ff : c == 'E' ? s.n_ff_expert : 0;
        }
        w.set(a + ".feed_forward_length", GgufWriteValue::i32_array(ff));
        w.set(a + ".attention.head_count_kv", GgufWriteValue::i32_array(kv));
        w.set(a + ".attention.layer_norm_rms_epsilon", GgufWriteValue::f32(1e-5f));
        w.set(a + ".attention.layer_norm_epsilon", GgufWriteValue::f32(1e-5f));  // unused but required (§9)
        w.set(a + ".ssm.conv_kernel", GgufWriteValue::u32(static_cast<uint32_t>(s.ssm_d_conv)));
        w.set(a + ".ssm.inner_size", GgufWriteValue::u32(static_cast<uint32_t>(s.ssm_d_inner)));
        w.set(a + ".ssm.state_size", GgufWriteValue::u32(static_cast<uint32_t>(s.ssm_d_state)));
        w.set(a + ".ssm.time_step_rank", GgufWriteValue::u32(static_cast<uint32_t>(s.ssm_n_head)));
        w.set(a + ".ssm.group_count", GgufWriteValue::u32(static_cast<uint32_t>(s.ssm_n_group)));
        if (s.arch == ModelArch::nemotron_h_moe) {
            w.set(a + ".expert_count", GgufWriteValue::u32(static_cast<uint32_t>(s.n_expert)));
            w.set(a + ".expert_used_count", GgufWriteValue::u32(static_cast<uint32_t>(s.n_expert_used)));
            w.set(a + ".expert_feed_forward_length",
                  GgufWriteValue::u32(static_cast<uint32_t>(s.n_ff_expert)));
            w.set(a + ".expert_shared_feed_forward_length",
                  GgufWriteValue::u32(static_cast<uint32_t>(s.n_ff_shared)));
            w.set(a + ".expert_shared_count", GgufWriteValue::u32(1));
            w.set(a + ".expert_weights_norm", GgufWriteValue::boolean(true));
            w.set(a + ".expert_weights_scale", GgufWriteValue::f32(2.5f));
            w.set(a + ".expert_group_count", GgufWriteValue::u32(1));
            w.set(a + ".expert_group_used_count", GgufWriteValue::u32(1));
        }
    }

    // Tokenizer: the given metadata, or the built-in vocabulary; padded with unused tokens up to n_vocab.
    int builtin_vocab = 0;
    auto tok = s.tokenizer_metadata.empty() ? model_gen_vocab(s.arch, &builtin_vocab) : s.tokenizer_metadata;
    for (auto &[key, value] : tok) {
        if (key == "tokenizer.ggml.tokens" || key == "tokenizer.ggml.token_type" ||
            key == "tokenizer.ggml.scores") {
            if (static_cast<int>(value.elems.size()) > s.n_vocab)
                return ND_STATUS(StatusCode::invalid_argument,
                                 "model_gen: n_vocab " + std::to_string(s.n_vocab) +
                                     " is smaller than the tokenizer's " +
                                     std::to_string(value.elems.size()) + " tokens");
            for (int k = static_cast<int>(value.elems.size()); k < s.n_vocab; ++k) {
                if (key == "tokenizer.ggml.tokens")
                    value.elems.push_back(GgufWriteValue::str("[PAD" + std::to_string(k) + "]"));
                else if (key == "tokenizer.ggml.token_type")
                    value.elems.push_back(GgufWriteValue::i32(5));  // unused
                else
                    value.elems.push_back(GgufWriteValue::f32(-1e9f));
            }
        }
        w.set(key, value);
    }
    if (!s.chat_template.empty())
        w.set("tokenizer.chat_template", GgufWriteValue::str(s.chat_template));

    Builder b(s, &w);
    // Embeddings ~N(0, 1): RMSNorm follows, and the residual stream stays O(1) next to the layers' outputs.
    ND_TRY(b.matrix("token_embd.weight", {E, s.n_vocab}, 1.0));
    for (int i = 0; i < s.n_layer; ++i) {
        ND_TRY(b.norm(blk(i, "attn_norm.weight"), E));
        if (s.arch == ModelArch::nemotron)
            ND_TRY(b.bias(blk(i, "attn_norm.bias"), E));
        if (!is_hybrid(s.arch)) {
            ND_TRY(write_attention(b, s, i));
            ND_TRY(b.norm(blk(i, "ffn_norm.weight"), E));
            if (s.arch == ModelArch::nemotron)
                ND_TRY(b.bias(blk(i, "ffn_norm.bias"), E));
            if (s.arch == ModelArch::llama)
                ND_TRY(b.matrix(blk(i, "ffn_gate.weight"), {E, s.n_ff}));
            ND_TRY(b.matrix(blk(i, "ffn_up.weight"), {E, s.n_ff}));
            ND_TRY(b.matrix(blk(i, "ffn_down.weight"), {s.n_ff, E}));
            continue;
        }
        switch (s.layer_pattern[static_cast<size_t>(i)]) {
            case 'M':
                ND_TRY(write_mamba(b, s, i));
                break;
            case '*':
                ND_TRY(write_attention(b, s, i));
                break;
            case '-':
                ND_TRY(b.matrix(blk(i, "ffn_up.weight"), {E, s.n_ff}));
                ND_TRY(b.matrix(blk(i, "ffn_down.weight"), {s.n_ff, E}));
                break;
            default:
                ND_TRY(write_moe(b, s, i));
                break;
        }
    }
    ND_TRY(b.norm("output_norm.weight", E));
    if (s.arch == ModelArch::nemotron)
        ND_TRY(b.bias("output_norm.bias", E));
    ND_TRY(b.matrix("output.weight", {E, s.n_vocab}));
    return w.write(path, options, nullptr);
}

}  // namespace nd
