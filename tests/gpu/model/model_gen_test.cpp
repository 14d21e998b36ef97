// The generator: every architecture x every tensor type writes a file our reader opens, with the tensor
// names, shapes, types and metadata keys the spec lists (§2.2-2.3, §3.1-3.2, §8), deterministically.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <map>
#include <set>

#include "gguf/gguf_test_util.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/model/model_gen.h"
#include "gpu/model/model_hparams.h"

namespace nd {
namespace {

using Shapes = std::map<std::string, std::vector<int64_t>>;

// What the spec says the file must hold, written out independently of the generator.
Shapes expected_tensors(const ModelGenSpec &s) {
    Shapes t;
    const int64_t E = s.n_embd, V = s.n_vocab, q = int64_t{s.n_head} * s.head_dim,
                  kv = int64_t{s.n_head_kv} * s.head_dim;
    t["token_embd.weight"] = {E, V};
    t["output_norm.weight"] = {E};
    t["output.weight"] = {E, V};
    if (s.arch == ModelArch::nemotron)
        t["output_norm.bias"] = {E};
    for (int i = 0; i < s.n_layer; ++i) {
        const std::string p = "blk." + std::to_string(i) + ".";
        t[p + "attn_norm.weight"] = {E};
        const char kind =
            s.arch == ModelArch::llama || s.arch == ModelArch::nemotron ? 'A' : s.layer_pattern[i];
        if (kind == 'A' || kind == '*') {
            t[p + "attn_q.weight"] = {E, q};
            t[p + "attn_k.weight"] = {E, kv};
            t[p + "attn_v.weight"] = {E, kv};
            t[p + "attn_output.weight"] = {q, E};
        }
        if (kind == 'A') {
            t[p + "ffn_norm.weight"] = {E};
            t[p + "ffn_up.weight"] = {E, s.n_ff};
            t[p + "ffn_down.weight"] = {s.n_ff, E};
            if (s.arch == ModelArch::llama)
                t[p + "ffn_gate.weight"] = {E, s.n_ff};
            if (s.arch == ModelArch::nemotron) {
                t[p + "attn_norm.bias"] = {E};
                t[p + "ffn_norm.bias"] = {E};
            }
        }
        if (kind == 'M') {
            const int64_t Di = s.ssm_d_inner, G = s.ssm_n_group, N = s.ssm_d_state, nh = s.ssm_n_head;
            t[p + "ssm_in.weight"] = {E, 2 * Di + 2 * G * N + nh};
            t[p + "ssm_conv1d.weight"] = {s.ssm_d_conv, Di + 2 * G * N};
            t[p + "ssm_conv1d.bias"] = {Di + 2 * G * N};
            t[p + "ssm_dt.bias"] = {nh};
            t[p + "ssm_a"] = {1, nh};
            t[p + "ssm_d"] = {1, nh};
            t[p + "ssm_norm.weight"] = {Di / G, G};
            t[p + "ssm_out.weight"] = {Di, E};
        }
        if (kind == '-') {
            t[p + "ffn_up.weight"] = {E, s.n_ff};
            t[p + "ffn_down.weight"] = {s.n_ff, E};
        }
        if (kind == 'E') {
            t[p + "ffn_gate_inp.weight"] = {E, s.n_expert};
            t[p + "exp_probs_b.bias"] = {s.n_expert};
            t[p + "ffn_up_exps.weight"] = {E, s.n_ff_expert, s.n_expert};
            t[p + "ffn_down_exps.weight"] = {s.n_ff_expert, E, s.n_expert};
            t[p + "ffn_up_shexp.weight"] = {E, s.n_ff_shared};
            t[p + "ffn_down_shexp.weight"] = {s.n_ff_shared, E};
        }
    }
    return t;
}

bool stays_f32(const std::string &name, int n_dims) {
    return n_dims == 1 || name.find("norm") != std::string::npos ||
           name.find("ssm_conv1d") != std::string::npos || name.find("ffn_gate_inp") != std::string::npos ||
           name.find(".ssm_a") != std::string::npos || name.find(".ssm_d") != std::string::npos;
}

// llama-quantize's fallback (spec §1.4), written out again for the check.
GgmlType expected_type(GgmlType want, int64_t ne0) {
    if (want == GgmlType::q4_k && ne0 % 256)
        want = GgmlType::q5_0;
    if (want == GgmlType::q5_k && ne0 % 256)
        want = GgmlType::q5_1;
    if (want == GgmlType::q6_k && ne0 % 256)
        want = GgmlType::q8_0;
    return ne0 % ggml_type_block_size(want) ? GgmlType::f16 : want;
}

struct Case {
    ModelArch arch;
    GgmlType type;
};

class EveryArchAndType : public testing::TestWithParam<Case> {};

TEST_P(EveryArchAndType, LoadsWithTheSpecsShapesKeysAndTypes) {
    const Case c = GetParam();
    test::TempDir dir;
    ModelGenSpec spec;
    spec.arch = c.arch;
    spec.weight_type = c.type;
    const ModelGenSpec s = model_gen_resolve(spec);
    const std::string path = dir.file("m.gguf");
    const Status st = model_gen_write(spec, path);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_LT(std::filesystem::file_size(path), 10u << 20);
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(path, {}, &raw).ok());
    GgufFilePtr f(raw);

    const Shapes want = expected_tensors(s);
    EXPECT_EQ(gguf_tensors(raw).size(), want.size());
    std::set<GgmlType> seen;
    for (const auto &[name, ne] : want) {
        const GgufTensor *t = gguf_find_tensor(raw, name);
        ASSERT_NE(t, nullptr) << name;
        ASSERT_EQ(t->n_dims, static_cast<int>(ne.size())) << name;
        for (size_t d = 0; d < ne.size(); ++d)
            EXPECT_EQ(t->ne[d], ne[d]) << name << " dim " << d;
        const GgmlType type = stays_f32(name, t->n_dims) ? GgmlType::f32 : expected_type(c.type, ne[0]);
        EXPECT_EQ(t->type(), type) << name;
        seen.insert(t->type());
    }
    EXPECT_TRUE(seen.count(c.type)) << "the requested type appears on at least one matrix";

    const std::string a(model_arch_name(c.arch));
    EXPECT_EQ(gguf_find(raw, "general.architecture")->s, a);
    for (const char *key : {".context_length", ".embedding_length", ".block_count", ".attention.head_count",
                            ".attention.head_count_kv", ".feed_forward_length", ".attention.key_length",
                            ".attention.value_length"})
        EXPECT_NE(gguf_find(raw, a + key), nullptr) << key;
    const bool hybrid = c.arch == ModelArch::nemotron_h || c.arch == ModelArch::nemotron_h_moe;
    if (hybrid) {
        for (const char *key : {".attention.head_count_kv", ".feed_forward_length"}) {
            const GgufValue *v = gguf_find(raw, a + key);
            EXPECT_EQ(v->type, GgufType::array);
            EXPECT_EQ(v->elem_type, GgufType::int32);
            EXPECT_EQ(v->count, static_cast<uint64_t>(s.n_layer));
        }
        for (const char *key :
             {".attention.layer_norm_rms_epsilon", ".attention.layer_norm_epsilon", ".ssm.conv_kernel",
              ".ssm.inner_size", ".ssm.state_size", ".ssm.time_step_rank", ".ssm.group_count"})
            EXPECT_NE(gguf_find(raw, a + key), nullptr) << key;
    }
    if (c.arch == ModelArch::nemotron_h_moe) {
        for (const char *key :
             {".expert_count", ".expert_used_count", ".expert_feed_forward_length",
              ".expert_shared_feed_forward_length", ".expert_shared_count", ".expert_weights_norm",
              ".expert_weights_scale", ".expert_group_count", ".expert_group_used_count"})
            EXPECT_NE(gguf_find(raw, a + key), nullptr) << key;
    }
    EXPECT_NE(gguf_find(raw, c.arch == ModelArch::nemotron ? a + ".attention.layer_norm_epsilon"
                                                           : a + ".attention.layer_norm_rms_epsilon"),
              nullptr);

    ModelHparams hp;
    const Status hs = model_hparams_read(raw, c.arch, &hp);
    ASSERT_TRUE(hs.ok()) << hs.describe();
    EXPECT_EQ(hp.n_embd, s.n_embd);
    EXPECT_EQ(hp.n_layer, s.n_layer);
    EXPECT_EQ(hp.head_dim_k, s.head_dim);
    EXPECT_EQ(hp.n_vocab, s.n_vocab);
    if (hybrid) {
        EXPECT_EQ(model_layer_pattern(hp), s.layer_pattern);
    }
    // Every tensor dequantises to finite values.
    for (const GgufTensor &t : gguf_tensors(raw)) {
        std::vector<float> v;
        ASSERT_TRUE(gguf_tensor_to_f32(raw, t, &v).ok());
        for (float x : v)
            ASSERT_TRUE(std::isfinite(x)) << t.name;
    }
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (ModelArch a : kModelArchs)
        for (GgmlType t : kSupportedGgmlTypes)
            cases.push_back({a, t});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(All, EveryArchAndType, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case> &p) {
                             return std::string(model_arch_name(p.param.arch)) + "_" +
                                    ggml_type_name(static_cast<uint32_t>(p.param.type));
                         });

TEST(ModelGen, DefaultShapesCatchMistakes) {
    for (ModelArch a : kModelArchs) {
        ModelGenSpec in;
        in.arch = a;
        const ModelGenSpec s = model_gen_resolve(in);
        EXPECT_NE(s.n_embd % 256, 0);
        EXPECT_EQ(s.n_embd % 32, 0);
        if (a != ModelArch::nemotron) {  // llama.cpp's nemotron requires H·hd = n_embd (spec §6.12)
            EXPECT_NE(s.n_head * s.head_dim, s.n_embd);
        }
        EXPECT_GT(s.n_head / s.n_head_kv, 1);
        if (a == ModelArch::nemotron_h || a == ModelArch::nemotron_h_moe) {
            EXPECT_GT(s.ssm_n_group, 1);
            EXPECT_GT(s.ssm_n_head / s.ssm_n_group, 1);  // repeat_interleave differs from modulo
            for (char k : std::string(a == ModelArch::nemotron_h ? "M*-" : "M*E"))
                EXPECT_NE(s.layer_pattern.find(k), std::string::npos) << k;
        }
        if (a == ModelArch::nemotron_h_moe) {
            EXPECT_GT(s.n_expert, s.n_expert_used);
        }
    }
}

TEST(ModelGen, DeterministicForASeed) {
    test::TempDir dir;
    ModelGenSpec s;
    s.arch = ModelArch::nemotron_h_moe;
    s.weight_type = GgmlType::q4_k;
    ASSERT_TRUE(model_gen_write(s, dir.file("a.gguf")).ok());
    ASSERT_TRUE(model_gen_write(s, dir.file("b.gguf")).ok());
    s.seed = 2;
    ASSERT_TRUE(model_gen_write(s, dir.file("c.gguf")).ok());
    EXPECT_EQ(test::read_bytes(dir.file("a.gguf")), test::read_bytes(dir.file("b.gguf")));
    EXPECT_NE(test::read_bytes(dir.file("a.gguf")), test::read_bytes(dir.file("c.gguf")));
}

TEST(ModelGen, RealisticValues) {
    test::TempDir dir;
    ModelGenSpec s;
    s.arch = ModelArch::nemotron_h;
    ASSERT_TRUE(model_gen_write(s, dir.file("m.gguf")).ok());
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(dir.file("m.gguf"), {}, &raw).ok());
    GgufFilePtr f(raw);
    std::vector<float> v;
    ASSERT_TRUE(gguf_tensor_to_f32(raw, *gguf_find_tensor(raw, "blk.0.ssm_a"), &v).ok());
    for (float x : v)
        EXPECT_LT(x, 0.0f);
    ASSERT_TRUE(gguf_tensor_to_f32(raw, *gguf_find_tensor(raw, "blk.0.ssm_dt.bias"), &v).ok());
    for (float x : v) {
        const double dt = std::log1p(std::exp(static_cast<double>(x)));
        EXPECT_GE(dt, 0.9e-3);
        EXPECT_LE(dt, 0.11);
    }
    ASSERT_TRUE(gguf_tensor_to_f32(raw, *gguf_find_tensor(raw, "output_norm.weight"), &v).ok());
    for (float x : v)
        EXPECT_NEAR(x, 1.0f, 0.3f);
    ASSERT_TRUE(gguf_tensor_to_f32(raw, *gguf_find_tensor(raw, "blk.0.ssm_in.weight"), &v).ok());
    double sq = 0;
    for (float x : v)
        sq += x * x;
    EXPECT_NEAR(std::sqrt(sq / static_cast<double>(v.size())), 1.0 / std::sqrt(288.0), 0.01);
}

TEST(ModelGen, BuiltInTokenizers) {
    test::TempDir dir;
    for (ModelArch a : kModelArchs) {
        ModelGenSpec s;
        s.arch = a;
        ASSERT_TRUE(model_gen_write(s, dir.file("m.gguf")).ok());
        GgufFile *raw = nullptr;
        ASSERT_TRUE(gguf_open(dir.file("m.gguf"), {}, &raw).ok());
        GgufFilePtr f(raw);
        const GgufValue *tokens = gguf_find(raw, "tokenizer.ggml.tokens");
        const GgufValue *types = gguf_find(raw, "tokenizer.ggml.token_type");
        ASSERT_NE(tokens, nullptr);
        ASSERT_NE(types, nullptr);
        EXPECT_EQ(tokens->count, types->count);
        EXPECT_EQ(static_cast<int64_t>(tokens->count), gguf_find_tensor(raw, "token_embd.weight")->ne[1]);
        std::map<std::string_view, int64_t> id;
        for (size_t k = 0; k < tokens->strings.size(); ++k)
            id[tokens->strings[k]] = static_cast<int64_t>(k);
        EXPECT_EQ(id.size(), tokens->count) << "tokens are unique";
        const int64_t bos = gguf_find(raw, "tokenizer.ggml.bos_token_id")->to_int().value();
        const int64_t eos = gguf_find(raw, "tokenizer.ggml.eos_token_id")->to_int().value();
        EXPECT_EQ(types->array_int(static_cast<uint64_t>(bos)), 3);
        EXPECT_EQ(types->array_int(static_cast<uint64_t>(eos)), 3);
        if (a == ModelArch::nemotron) {
            EXPECT_EQ(gguf_find(raw, "tokenizer.ggml.model")->s, "llama");
            EXPECT_EQ(gguf_find(raw, "tokenizer.ggml.scores")->count, tokens->count);
            EXPECT_EQ(tokens->strings[0], "<unk>");
            EXPECT_EQ(tokens->strings[1], "<s>");
            EXPECT_EQ(tokens->strings[2], "</s>");
            EXPECT_EQ(types->array_int(id.at("<0x0A>")), 6);
            EXPECT_TRUE(id.count("<extra_id_1>"));
            EXPECT_TRUE(id.count("\xE2\x96\x81the"));  // "▁the"
            continue;
        }
        EXPECT_EQ(gguf_find(raw, "tokenizer.ggml.model")->s, "gpt2");
        EXPECT_EQ(gguf_find(raw, "tokenizer.ggml.pre")->s, "llama-bpe");
        EXPECT_TRUE(id.count("Ġ"));  // the space byte in GPT-2's byte->unicode form
        EXPECT_TRUE(id.count("Ċ"));  // newline
        EXPECT_TRUE(id.count("Ġthe"));
        const GgufValue *merges = gguf_find(raw, "tokenizer.ggml.merges");
        ASSERT_NE(merges, nullptr);
        EXPECT_GT(merges->count, 100u);
        for (std::string_view m : merges->strings) {
            const size_t sp = m.find(' ');
            ASSERT_NE(sp, std::string_view::npos) << m;
            ASSERT_TRUE(id.count(std::string(m.substr(0, sp)) + std::string(m.substr(sp + 1)))) << m;
        }
        if (a != ModelArch::llama) {  // spec §4.3 ids
            EXPECT_EQ(tokens->strings[10], "<|im_start|>");
            EXPECT_EQ(tokens->strings[11], "<|im_end|>");
            EXPECT_EQ(tokens->strings[12], "<think>");
            EXPECT_EQ(types->array_int(11), 3);
        } else {
            EXPECT_EQ(tokens->strings[static_cast<size_t>(bos)], "<|begin_of_text|>");
        }
    }
}

TEST(ModelGen, CustomShapesTokenizerAndBadSpecs) {
    test::TempDir dir;
    ModelGenSpec s;
    s.arch = ModelArch::nemotron_h;
    s.layer_pattern = "MM*-";
    s.n_vocab = 600;  // padded with unused tokens past the built-in vocabulary
    s.chat_template = "{{ '<|im_start|>' }}";
    ASSERT_TRUE(model_gen_write(s, dir.file("m.gguf")).ok());
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(dir.file("m.gguf"), {}, &raw).ok());
    EXPECT_EQ(gguf_find(raw, "tokenizer.ggml.tokens")->count, 600u);
    EXPECT_EQ(gguf_find(raw, "tokenizer.chat_template")->s, "{{ '<|im_start|>' }}");
    EXPECT_EQ(gguf_find(raw, "nemotron_h.block_count")->u, 4u);
    gguf_free(raw);

    ModelGenSpec bad = s;
    bad.layer_pattern = "MEM";  // E is MoE: not in the dense arch
    EXPECT_FALSE(model_gen_write(bad, dir.file("x.gguf")).ok());
    bad = s;
    bad.n_layer = 7;
    EXPECT_FALSE(model_gen_write(bad, dir.file("x.gguf")).ok());
    bad = ModelGenSpec{};
    bad.arch = ModelArch::nemotron_h_moe;
    bad.n_expert = 2;
    bad.n_expert_used = 3;
    EXPECT_FALSE(model_gen_write(bad, dir.file("x.gguf")).ok());

    // Given tokenizer metadata replaces the built-in vocabulary.
    ModelGenSpec t;
    t.arch = ModelArch::llama;
    t.tokenizer_metadata = {{"tokenizer.ggml.model", GgufWriteValue::str("gpt2")},
                            {"tokenizer.ggml.tokens", GgufWriteValue::str_array({"a", "b", "ab"})},
                            {"tokenizer.ggml.merges", GgufWriteValue::str_array({"a b"})}};
    ASSERT_TRUE(model_gen_write(t, dir.file("t.gguf")).ok());
    ASSERT_TRUE(gguf_open(dir.file("t.gguf"), {}, &raw).ok());
    EXPECT_EQ(gguf_find_tensor(raw, "output.weight")->ne[1], 3);
    gguf_free(raw);

    // Split output works through the generator too.
    GgufWriteOptions o;
    o.max_tensors_per_shard = 10;
    ASSERT_TRUE(model_gen_write(s, dir.file("split.gguf"), o).ok());
    int shards = 0;
    for (const auto &e : std::filesystem::directory_iterator(dir.path()))
        shards += e.path().filename().string().rfind("split-", 0) == 0;
    ASSERT_GT(shards, 1);
    ASSERT_TRUE(gguf_open(gguf_split_path(dir.file("split.gguf"), 1, shards), {}, &raw).ok());
    EXPECT_EQ(gguf_shard_count(raw), shards);
    gguf_free(raw);
}

}  // namespace
}  // namespace nd
