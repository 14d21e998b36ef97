// The Q4_K_M type mix of the generator (ModelGenSpec::mix, used by tools/bench-engine.sh): the types
// llama-quantize would choose (Q6_K for output.weight and, by its use_more_bits rule, some attn_v and
// ffn_down matrices; Q4_K elsewhere), and the engine against llama.cpp on such a model. n_embd 256, so
// the K-quants are really used (the default 288 makes them fall back).
#include <gtest/gtest.h>

#include <map>

#include "conformance_util.h"
#include "gguf/gguf_test_util.h"
#include "gpu/gguf/gguf_file.h"

namespace nd {
namespace {

ModelGenSpec mix_spec(ModelArch arch) {
    ModelGenSpec s;
    s.arch = arch;
    s.mix = "q4_k_m";
    s.n_embd = 256;
    s.n_ff = 512;
    s.n_layer = 8;
    if (arch == ModelArch::nemotron_h_moe) {
        s.layer_pattern = "ME*MEME*";
        s.n_ff_expert = 256;
        s.n_ff_shared = 256;
    }
    return s;
}

std::map<std::string, std::string> tensor_types(const std::string &path) {
    std::map<std::string, std::string> out;
    GgufFile *raw = nullptr;
    if (!gguf_open(path, {}, &raw).ok())
        return out;
    const GgufFilePtr file(raw);
    for (const GgufTensor &t : gguf_tensors(raw))
        out[std::string(t.name)] = ggml_type_name(t.type_id);
    return out;
}

TEST(Q4KMMix, ChoosesTheTypesLlamaQuantizeWould) {
    test::TempDir dir("mix");
    ASSERT_TRUE(model_gen_write(mix_spec(ModelArch::llama), dir.file("llama.gguf")).ok());
    auto types = tensor_types(dir.file("llama.gguf"));
    EXPECT_EQ(types["output.weight"], "Q6_K");
    EXPECT_EQ(types["token_embd.weight"], "Q4_K");
    EXPECT_EQ(types["blk.0.attn_q.weight"], "Q4_K");
    // use_more_bits(i, 8): layers 0 (first eighth), 7 (last eighth), 3 and 6 ((i - 1) % 3 == 2).
    for (int i = 0; i < 8; ++i) {
        const bool more = i == 0 || i == 3 || i == 6 || i == 7;
        EXPECT_EQ(types["blk." + std::to_string(i) + ".attn_v.weight"], more ? "Q6_K" : "Q4_K") << i;
        // ffn_down's rows are n_ff = 512 long: K-quants fit.
        EXPECT_EQ(types["blk." + std::to_string(i) + ".ffn_down.weight"], more ? "Q6_K" : "Q4_K") << i;
    }
    EXPECT_EQ(model_gen_resolve(mix_spec(ModelArch::llama)).weight_type, GgmlType::q4_k);

    // MoE: ffn_down* by the block index of the name; expert rows of 256 take K-quants.
    ASSERT_TRUE(model_gen_write(mix_spec(ModelArch::nemotron_h_moe), dir.file("moe.gguf")).ok());
    types = tensor_types(dir.file("moe.gguf"));
    EXPECT_EQ(types["blk.1.ffn_down_exps.weight"], "Q4_K");
    EXPECT_EQ(types["blk.6.ffn_down_exps.weight"], "Q6_K");
    EXPECT_EQ(types["blk.6.ffn_down_shexp.weight"], "Q6_K");
    EXPECT_EQ(types["blk.0.ssm_out.weight"], "Q4_K");  // llama-quantize has no rule for ssm_out

    ModelGenSpec bad = mix_spec(ModelArch::llama);
    bad.mix = "q3_k_s";
    EXPECT_FALSE(model_gen_write(bad, dir.file("bad.gguf")).ok());
}

class Q4KMAgainstLlamaCpp : public testing::TestWithParam<ModelArch> {};

TEST_P(Q4KMAgainstLlamaCpp, LogitsOfEveryPositionMatch) {
    if (!test::reference_built())
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
            "the reference llama.cpp is not installed (run tools/reference/setup.sh)");
    test::TempDir dir("conf");
    test::conformance_check(mix_spec(GetParam()), std::string(model_arch_name(GetParam())) + "_mix", {1, 40},
                            dir.path().string());
}

INSTANTIATE_TEST_SUITE_P(All, Q4KMAgainstLlamaCpp,
                         testing::Values(ModelArch::llama, ModelArch::nemotron_h_moe),
                         [](const testing::TestParamInfo<ModelArch> &p) {
                             return std::string(model_arch_name(p.param));
                         });

}  // namespace
}  // namespace nd
