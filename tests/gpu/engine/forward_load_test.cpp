// Loading models: every architecture × a few tensor types binds, and files whose tensors contradict their
// metadata are refused with a message naming the tensor, both shapes and the numbers behind the expected one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "engine/forward_gguf_edit.h"
#include "engine/forward_test_util.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::test {
namespace {

struct LoadCase {
    ModelArch arch;
    GgmlType type;
};

class ForwardLoad : public testing::TestWithParam<LoadCase> {};

TEST_P(ForwardLoad, BindsEveryTensorTheForwardPassUses) {
    const ModelGenSpec spec = model_gen_resolve(small_spec(GetParam().arch, GetParam().type));
    auto m = load_cached(GetParam().arch, GetParam().type);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->hp.n_vocab, spec.n_vocab);
    EXPECT_EQ(m->hp.n_layer, spec.n_layer);
    ASSERT_EQ(m->layers.size(), static_cast<size_t>(spec.n_layer));
    EXPECT_TRUE(m->tokenizer != nullptr);
    EXPECT_EQ(m->name, spec.name);
    EXPECT_GT(m->weights_bytes, 0u);
    EXPECT_TRUE(m->token_embd.present() && m->output.present() && m->output_norm.present());
    for (const LayerWeights &l : m->layers) {
        EXPECT_TRUE(l.attn_norm.present());
        switch (l.kind) {
            case LayerKind::attention_ffn:
                EXPECT_TRUE(l.wq.present() && l.wk.present() && l.wv.present() && l.wo.present());
                EXPECT_TRUE(l.ffn_norm.present() && l.ffn_up.present() && l.ffn_down.present());
                EXPECT_EQ(l.ffn_gate.present(), spec.arch == ModelArch::llama);
                break;
            case LayerKind::attention:
                EXPECT_TRUE(l.wq.present() && l.wk.present() && l.wv.present() && l.wo.present());
                break;
            case LayerKind::mlp:
                EXPECT_TRUE(l.ffn_up.present() && l.ffn_down.present());
                break;
            case LayerKind::mamba:
                EXPECT_TRUE(l.ssm_in.present() && l.ssm_conv1d.present() && l.ssm_conv1d_b.present() &&
                            l.ssm_dt_b.present() && l.ssm_a.present() && l.ssm_d.present() &&
                            l.ssm_norm.present() && l.ssm_out.present());
                break;
            case LayerKind::moe:
                EXPECT_TRUE(l.ffn_gate_inp.present() && l.exp_probs_b.present() && l.ffn_up_exps.present() &&
                            l.ffn_down_exps.present() && l.ffn_up_shexp.present() &&
                            l.ffn_down_shexp.present());
                EXPECT_EQ(l.ffn_up_exps.n_expert, spec.n_expert);
                break;
        }
    }
    if (spec.arch == ModelArch::nemotron_h_moe) {
        EXPECT_EQ(m->routing.n_expert, spec.n_expert);
        EXPECT_EQ(m->routing.n_used, spec.n_expert_used);
        EXPECT_TRUE(m->routing.normalize);
        EXPECT_FLOAT_EQ(m->routing.scale, 2.5f);
    }
    if (spec.arch == ModelArch::nemotron) {
        EXPECT_EQ(m->rope.mode, RopeMode::neox);
        EXPECT_EQ(m->rope.n_rot, spec.head_dim / 2);
    }
    if (spec.arch == ModelArch::llama) {
        EXPECT_EQ(m->rope.mode, RopeMode::norm);
        EXPECT_EQ(m->rope.n_rot, spec.head_dim);
    }
}

std::vector<LoadCase> load_cases() {
    std::vector<LoadCase> c;
    for (ModelArch a : kModelArchs)
        for (GgmlType t : {GgmlType::f32, GgmlType::q8_0, GgmlType::q4_k})
            c.push_back({a, t});
    return c;
}

INSTANTIATE_TEST_SUITE_P(ArchType, ForwardLoad, testing::ValuesIn(load_cases()), [](const auto &param_info) {
    return std::string(model_arch_name(param_info.param.arch)) + "_" +
           ggml_type_name(static_cast<uint32_t>(param_info.param.type));
});

// A model written by model_gen, then rewritten with `edit`; returns the load status.
Status load_edited(const TempDir &dir, ModelArch arch, const GgufEdit &edit,
                   std::unique_ptr<Model> *out = nullptr, ModelLoadOptions options = {}) {
    // A new name each time: a model still loaded keeps its file mapped, so it must not be rewritten.
    static int counter = 0;
    const std::string good = cached_model_path(arch),
                      bad = dir.file("bad" + std::to_string(++counter) + ".gguf");
    gguf_rewrite(good, bad, edit);
    std::unique_ptr<Model> m;
    Status st = model_load(bad, options, &m);
    if (out)
        *out = std::move(m);
    return st;
}

GgufWriteTensor zeros_f32(const std::string &name, std::vector<int64_t> ne) {
    int64_t n = 1;
    for (int64_t d : ne)
        n *= d;
    return {name, GgmlType::f32, std::move(ne), std::vector<uint8_t>(static_cast<size_t>(n) * 4, 0)};
}

TEST(ForwardLoadErrors, WrongShapeNamesTensorShapesAndMetadata) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.tensor = [](GgufWriteTensor &t) {
        if (t.name == "blk.1.attn_k.weight")
            t = zeros_f32(t.name, {288, 96});
        return true;
    };
    const Status st = load_edited(dir, ModelArch::llama, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find(".gguf: tensor 'blk.1.attn_k.weight' has shape {288, 96} but the metadata says "
                              "{288, 128} (n_embd 288, n_head_kv 2, head_dim 64)"),
              std::string::npos)
        << st.message;
}

TEST(ForwardLoadErrors, MissingTensor) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.tensor = [](GgufWriteTensor &t) { return t.name != "blk.3.ssm_out.weight"; };
    const Status st = load_edited(dir, ModelArch::nemotron_h, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("'blk.3.ssm_out.weight' is missing"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, HeadCountKvContradictsTensors) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "llama.attention.head_count_kv")
            v = GgufWriteValue::u32(4);
        return true;
    };
    const Status st = load_edited(dir, ModelArch::llama, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("'blk.0.attn_k.weight' has shape {288, 128} but the metadata says {288, 256}"),
              std::string::npos)
        << st.message;
    EXPECT_NE(st.message.find("n_head_kv 4"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, HeadCountNotAMultipleOfKvHeads) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "llama.attention.head_count_kv")
            v = GgufWriteValue::u32(3);
        return true;
    };
    const Status st = load_edited(dir, ModelArch::llama, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("not a multiple of head_count_kv 3"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, MambaStateSizeContradictsTensors) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "nemotron_h_moe.ssm.state_size")
            v = GgufWriteValue::u32(32);
        return true;
    };
    const Status st = load_edited(dir, ModelArch::nemotron_h_moe, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("'blk.0.ssm_in.weight' has shape"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("ssm.state_size 32"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, ExpertCountContradictsTensors) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "nemotron_h_moe.expert_count")
            v = GgufWriteValue::u32(16);
        return true;
    };
    const Status st = load_edited(dir, ModelArch::nemotron_h_moe, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(
        st.message.find("'blk.1.ffn_gate_inp.weight' has shape {288, 8} but the metadata says {288, 16}"),
        std::string::npos)
        << st.message;
}

TEST(ForwardLoadErrors, UnknownArchitecture) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "general.architecture")
            v = GgufWriteValue::str("mamba2");
        return true;
    };
    const Status st = load_edited(dir, ModelArch::llama, e);
    ASSERT_FALSE(st.ok());
    EXPECT_EQ(st.code, StatusCode::unsupported);
    EXPECT_NE(st.message.find("architecture 'mamba2' is not supported"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, UnsupportedRopeScaling) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.add_metadata = {{"llama.rope.scaling.type", GgufWriteValue::str("yarn")}};
    const Status st = load_edited(dir, ModelArch::llama, e);
    ASSERT_FALSE(st.ok());
    EXPECT_NE(st.message.find("rope scaling 'yarn' is not supported"), std::string::npos) << st.message;
}

TEST(ForwardLoadErrors, BrokenTokenizerIsAnErrorUnlessSkipped) {
    TempDir dir("fwdbad");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &v) {
        if (key == "tokenizer.ggml.model")
            v = GgufWriteValue::str("no-such-model");
        return true;
    };
    EXPECT_FALSE(load_edited(dir, ModelArch::llama, e).ok());
    std::unique_ptr<Model> m;
    ModelLoadOptions skip;
    skip.load_tokenizer = false;
    const Status st = load_edited(dir, ModelArch::llama, e, &m, skip);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(m->tokenizer, nullptr);
}

TEST(ForwardLoad, NoTokenizerStillEvaluatesIds) {
    TempDir dir("fwdnotok");
    GgufEdit e;
    e.metadata = [](const std::string &key, GgufWriteValue &) { return key.rfind("tokenizer.", 0) != 0; };
    std::unique_ptr<Model> m;
    const Status st = load_edited(dir, ModelArch::nemotron_h, e, &m);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(m->tokenizer, nullptr);
    EXPECT_EQ(m->chat_template, "");
    auto be = cpu_backend_create({});
    auto s = make_session(*m, be.get(), 32, 8);
    std::vector<float> logits;
    const std::vector<int32_t> ids = {1, 2, 3};
    EXPECT_TRUE(s->eval(ids, false, &logits).ok());
    EXPECT_EQ(logits.size(), static_cast<size_t>(m->hp.n_vocab));
}

// Logits of the same ids on two models (all positions).
std::vector<float> eval_all(const Model &m, const std::vector<int32_t> &ids) {
    auto be = cpu_backend_create({});
    auto s = make_session(m, be.get(), 64, 64);
    std::vector<float> logits;
    EXPECT_TRUE(s->eval(ids, true, &logits).ok());
    return logits;
}

TEST(ForwardLoad, MissingOutputIsTiedToTheEmbedding) {
    TempDir dir("fwdtied");
    GgufEdit e;
    e.tensor = [](GgufWriteTensor &t) { return t.name != "output.weight"; };
    std::unique_ptr<Model> m;
    ASSERT_TRUE(load_edited(dir, ModelArch::llama, e, &m).ok());
    EXPECT_EQ(m->output.data, m->token_embd.data);
    const auto logits = eval_all(*m, {5, 6, 7});
    EXPECT_EQ(logits.size(), 3u * static_cast<size_t>(m->hp.n_vocab));
    // nemotron requires output.weight.
    EXPECT_FALSE(load_edited(dir, ModelArch::nemotron, e).ok());
}

TEST(ForwardLoad, HalfPrecisionVectorsAreConvertedOnce) {
    TempDir dir("fwdf16");
    GgufEdit e;
    e.tensor = [](GgufWriteTensor &t) {
        if (t.type != GgmlType::f32 || t.name.find("norm") == std::string::npos)
            return true;
        // The values of model_gen's norms round to F16 exactly enough for the comparison below.
        std::vector<uint8_t> half(t.data.size() / 2);
        for (size_t i = 0; i < t.data.size() / 4; ++i) {
            float f = 0;
            std::memcpy(&f, t.data.data() + 4 * i, 4);
            const uint16_t h = ggml_fp32_to_fp16(f);
            std::memcpy(half.data() + 2 * i, &h, 2);
        }
        t.type = GgmlType::f16;
        t.data = std::move(half);
        return true;
    };
    std::unique_ptr<Model> m;
    ASSERT_TRUE(load_edited(dir, ModelArch::nemotron_h, e, &m).ok());
    EXPECT_FALSE(m->converted.empty());
    EXPECT_EQ(m->output_norm.type, GgmlType::f32);
    std::unique_ptr<Model> ref;
    ref = load_cached(ModelArch::nemotron_h);
    ASSERT_TRUE(ref);
    EXPECT_LT(rel_diff(eval_all(*m, {3, 1, 4}), eval_all(*ref, {3, 1, 4})), 1e-2);
}

TEST(ForwardLoad, FusedQkvMatchesSeparateProjections) {
    TempDir dir("fwdqkv");
    for (ModelArch arch : {ModelArch::llama, ModelArch::nemotron_h}) {
        GgufEdit e;
        std::map<std::string, GgufWriteTensor> parts;
        e.tensor = [&](GgufWriteTensor &t) {
            for (const char *p : {".attn_q.weight", ".attn_k.weight", ".attn_v.weight"})
                if (t.name.size() > std::strlen(p) &&
                    t.name.compare(t.name.size() - std::strlen(p), std::string::npos, p) == 0) {
                    parts[t.name] = t;
                    return false;
                }
            return true;
        };
        const std::string good = cached_model_path(arch), tmp = dir.file("tmp.gguf"),
                          bad = dir.file("fused.gguf");
        gguf_rewrite(good, tmp, e);
        // Q|K|V rows concatenated: the rows are the outer dimension, so the bytes simply follow each other.
        GgufEdit add;
        for (const auto &[name, t] : parts) {
            if (name.find(".attn_q.") == std::string::npos)
                continue;
            const std::string base = name.substr(0, name.size() - std::strlen("attn_q.weight"));
            GgufWriteTensor q = parts[base + "attn_q.weight"], k = parts[base + "attn_k.weight"],
                            v = parts[base + "attn_v.weight"];
            GgufWriteTensor f{
                base + "attn_qkv.weight", q.type, {q.ne[0], q.ne[1] + k.ne[1] + v.ne[1]}, q.data};
            f.data.insert(f.data.end(), k.data.begin(), k.data.end());
            f.data.insert(f.data.end(), v.data.begin(), v.data.end());
            add.add_tensors.push_back(std::move(f));
        }
        ASSERT_FALSE(add.add_tensors.empty());
        gguf_rewrite(tmp, bad, add);
        std::unique_ptr<Model> fused, ref;
        Status st = model_load(bad, {}, &fused);
        ASSERT_TRUE(st.ok()) << st.describe();
        ASSERT_TRUE(model_load(good, {}, &ref).ok());
        const std::vector<int32_t> ids = {9, 8, 7, 6};
        EXPECT_LT(rel_diff(eval_all(*fused, ids), eval_all(*ref, ids)), 1e-5) << model_arch_name(arch);
    }
}

TEST(ForwardLoad, RopeFreqsAndLinearScalingAreUsed) {
    TempDir dir("fwdrope");
    const ModelGenSpec spec = model_gen_resolve(small_spec(ModelArch::llama));
    std::vector<float> ones(static_cast<size_t>(spec.head_dim / 2), 1.0f), twos(ones.size(), 2.0f);
    auto freqs = [](const std::vector<float> &v) {
        GgufWriteTensor t{"rope_freqs.weight", GgmlType::f32, {static_cast<int64_t>(v.size())}, {}};
        t.data.resize(v.size() * 4);
        std::memcpy(t.data.data(), v.data(), t.data.size());
        return t;
    };
    const std::vector<int32_t> ids = {1, 2, 3, 4, 5};
    std::unique_ptr<Model> ref, with_ones, with_twos, scaled;
    ASSERT_TRUE(load_edited(dir, ModelArch::llama, {}, &ref).ok());
    GgufEdit e1;
    e1.add_tensors = {freqs(ones)};
    ASSERT_TRUE(load_edited(dir, ModelArch::llama, e1, &with_ones).ok());
    ASSERT_NE(with_ones->rope.freq_factors, nullptr);
    GgufEdit e2;
    e2.add_tensors = {freqs(twos)};
    ASSERT_TRUE(load_edited(dir, ModelArch::llama, e2, &with_twos).ok());
    // Frequency factors of 2 divide every angle by 2, as linear scaling by 2 does.
    GgufEdit e3;
    e3.add_metadata = {{"llama.rope.scaling.type", GgufWriteValue::str("linear")},
                       {"llama.rope.scaling.factor", GgufWriteValue::f32(2.0f)}};
    ASSERT_TRUE(load_edited(dir, ModelArch::llama, e3, &scaled).ok());
    EXPECT_FLOAT_EQ(scaled->rope.freq_scale, 0.5f);
    const auto r = eval_all(*ref, ids), o = eval_all(*with_ones, ids), t2 = eval_all(*with_twos, ids),
               s2 = eval_all(*scaled, ids);
    EXPECT_LT(rel_diff(o, r), 1e-6);
    EXPECT_GT(rel_diff(t2, r), 1e-3);
    EXPECT_LT(rel_diff(t2, s2), 1e-4);
}

}  // namespace
}  // namespace nd::test

namespace nd::test {
namespace {

// Latent MoE (Nemotron 3 Super): with identity latent projections (moe_latent_size = n_embd) the model
// computes exactly what it computes without them, so the latent path is checked without a reference.
TEST(ForwardLoad, LatentMoeWithIdentityProjectionsMatchesPlainMoe) {
    TempDir dir("fwdlatent");
    const ModelGenSpec spec = model_gen_resolve(small_spec(ModelArch::nemotron_h_moe));
    const int64_t E = spec.n_embd;
    auto identity = [E](const std::string &name) {
        GgufWriteTensor t{
            name, GgmlType::f32, {E, E}, std::vector<uint8_t>(static_cast<size_t>(E * E) * 4, 0)};
        const float one = 1.0f;
        for (int64_t i = 0; i < E; ++i)
            std::memcpy(t.data.data() + static_cast<size_t>(i * E + i) * 4, &one, 4);
        return t;
    };
    GgufEdit e;
    e.add_metadata = {{"nemotron_h_moe.moe_latent_size", GgufWriteValue::u32(static_cast<uint32_t>(E))}};
    for (int il = 0; il < spec.n_layer; ++il)
        if (spec.layer_pattern[static_cast<size_t>(il)] == 'E') {
            e.add_tensors.push_back(identity("blk." + std::to_string(il) + ".ffn_latent_down.weight"));
            e.add_tensors.push_back(identity("blk." + std::to_string(il) + ".ffn_latent_up.weight"));
        }
    std::unique_ptr<Model> latent;
    const Status st = load_edited(dir, ModelArch::nemotron_h_moe, e, &latent);
    ASSERT_TRUE(st.ok()) << st.describe();
    ASSERT_TRUE(latent->layers[1].ffn_latent_down.present());
    auto plain = load_cached(ModelArch::nemotron_h_moe);
    const std::vector<int32_t> ids = {4, 40, 14, 41, 1};
    EXPECT_LT(rel_diff(eval_all(*latent, ids), eval_all(*plain, ids)), 1e-6);

    // A latent size that contradicts the expert tensors is refused.
    GgufEdit bad = e;
    bad.add_metadata = {{"nemotron_h_moe.moe_latent_size", GgufWriteValue::u32(64)}};
    const Status st2 = load_edited(dir, ModelArch::nemotron_h_moe, bad);
    ASSERT_FALSE(st2.ok());
    EXPECT_NE(st2.message.find("moe_latent_size 64"), std::string::npos) << st2.message;
}

}  // namespace
}  // namespace nd::test

namespace nd::test {
namespace {

// ssm_conv1d.bias is optional (spec §2.3): without it the conv adds nothing, which a zero bias reproduces.
TEST(ForwardLoad, MissingConvBiasActsAsZero) {
    TempDir dir("fwdconvb");
    GgufEdit drop, zero;
    drop.tensor = [](GgufWriteTensor &t) { return t.name.find("ssm_conv1d.bias") == std::string::npos; };
    zero.tensor = [](GgufWriteTensor &t) {
        if (t.name.find("ssm_conv1d.bias") != std::string::npos)
            std::fill(t.data.begin(), t.data.end(), uint8_t{0});
        return true;
    };
    std::unique_ptr<Model> without, zeros;
    Status st = load_edited(dir, ModelArch::nemotron_h, drop, &without);
    ASSERT_TRUE(st.ok()) << st.describe();
    ASSERT_TRUE(load_edited(dir, ModelArch::nemotron_h, zero, &zeros).ok());
    const std::vector<int32_t> ids = {2, 7, 1, 8};
    EXPECT_EQ(eval_all(*without, ids), eval_all(*zeros, ids));
}

}  // namespace
}  // namespace nd::test
