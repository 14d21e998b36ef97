// Model info: hyper-parameters, layer pattern, type mix and memory estimate of generated files, the
// memory numbers of Nemotron 3 Nano's real shapes (spec §5.1), and the chat template family.
#include <gtest/gtest.h>

#include "gguf/gguf_test_util.h"
#include "gpu/chat/chat_template.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/model/model_gen.h"
#include "gpu/model/model_info.h"

namespace nd {
namespace {

// Nemotron 3 Nano 30B-A3B (spec §2.3, §2.6), built from the table rather than a file.
ModelHparams nano3() {
    ModelHparams hp;
    hp.arch = ModelArch::nemotron_h_moe;
    hp.n_embd = 2688;
    hp.n_layer = 52;
    hp.n_head = 32;
    hp.head_dim_k = hp.head_dim_v = 128;
    hp.ssm_d_conv = 4;
    hp.ssm_d_inner = 4096;
    hp.ssm_d_state = 128;
    hp.ssm_n_head = 64;
    hp.ssm_n_group = 8;
    hp.n_expert = 128;
    hp.n_expert_used = 6;
    hp.n_ctx_train = 1048576;
    const std::string pattern = "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME";
    for (char c : pattern) {
        hp.head_count_kv.push_back(c == '*' ? 2 : 0);
        hp.feed_forward_length.push_back(c == 'E' ? 1856 : 0);
    }
    model_hparams_classify(&hp);
    return hp;
}

TEST(ModelMemory, Nemotron3NanoMatchesTheSpec) {
    const ModelHparams hp = nano3();
    EXPECT_EQ(model_layer_pattern(hp), "MEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEM*EMEMEMEM*EMEMEMEME");
    EXPECT_EQ(model_layer_summary(hp), "23 mamba, 23 MoE, 6 attention");
    EXPECT_EQ(model_default_ctx(hp), 8192);
    const ModelMemoryEstimate m = model_memory_estimate(hp, 0, 1048576);
    // 6 layers x (K + V) x 2 heads x 128 x 2 bytes = 6 KiB per token.
    EXPECT_EQ(m.kv_bytes_per_token, 6u * 1024);
    EXPECT_EQ(m.kv_bytes, 6ull * 1024 * 1048576);  // about 6.4 GB at 1M tokens
    // 23 x (3 x 6144 + 128 x 4096) x 4 bytes = 49,930,240 bytes ~ 49.9 MB per sequence.
    EXPECT_EQ(m.state_bytes_per_seq, 49930240u);
    EXPECT_EQ(model_format_bytes(m.state_bytes_per_seq), "49.9 MB");
    const ModelMemoryEstimate two = model_memory_estimate(hp, 1000, 4096, 2);
    EXPECT_EQ(two.state_bytes, 2u * 49930240u);
    EXPECT_EQ(two.kv_bytes, 2u * 4096u * 6144u);
    EXPECT_EQ(two.total_bytes, 1000u + two.kv_bytes + two.state_bytes);
}

TEST(ModelMemory, ClassicArchitecturesCacheEveryLayer) {
    ModelHparams hp;
    hp.arch = ModelArch::llama;
    hp.n_layer = 32;
    hp.n_head_kv = 8;
    hp.head_dim_k = hp.head_dim_v = 128;
    hp.head_count_kv.assign(32, 8);
    hp.n_ctx_train = 2048;
    model_hparams_classify(&hp);
    EXPECT_EQ(model_layer_pattern(hp), "32 × (attention + FFN)");
    EXPECT_EQ(model_default_ctx(hp), 2048);
    const auto m = model_memory_estimate(hp, 0, 8192);
    EXPECT_EQ(m.kv_bytes_per_token, 32u * 2 * 8 * 128 * 2);  // Llama-3-8B: 128 KiB per token
    EXPECT_EQ(m.state_bytes_per_seq, 0u);
    hp.n_ctx_train = 0;
    EXPECT_EQ(model_default_ctx(hp), 4096);
}

TEST(ModelInfo, GeneratedNemotronHMoe) {
    test::TempDir dir;
    ModelGenSpec spec;
    spec.arch = ModelArch::nemotron_h_moe;
    spec.weight_type = GgmlType::q4_k;
    spec.chat_template = "{%- set truncate_history_thinking = true %}<|im_start|>";
    ASSERT_TRUE(model_gen_write(spec, dir.file("m.gguf")).ok());
    const ModelGenSpec s = model_gen_resolve(spec);
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(dir.file("m.gguf"), {}, &raw).ok());
    GgufFilePtr f(raw);
    ModelInfo info;
    const Status st = model_info_read(raw, &info);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_TRUE(info.arch_known);
    EXPECT_EQ(info.arch_name, "nemotron_h_moe");
    EXPECT_EQ(info.name, "nemodesk-test-nemotron_h_moe-Q4_K");
    EXPECT_EQ(info.layer_pattern, s.layer_pattern);
    EXPECT_EQ(info.layer_summary, "2 mamba, 2 MoE, 1 attention");
    EXPECT_EQ(info.hparams.n_embd, s.n_embd);
    EXPECT_EQ(info.hparams.n_head, s.n_head);
    EXPECT_EQ(info.hparams.n_head_kv, s.n_head_kv);
    EXPECT_EQ(info.hparams.head_dim_k, s.head_dim);
    EXPECT_EQ(info.hparams.n_expert, s.n_expert);
    EXPECT_EQ(info.hparams.n_expert_used, s.n_expert_used);
    EXPECT_EQ(info.hparams.n_ff_expert, s.n_ff_expert);
    EXPECT_EQ(info.hparams.n_ff_shared, s.n_ff_shared);
    EXPECT_EQ(info.hparams.ssm_n_group, s.ssm_n_group);
    EXPECT_EQ(info.hparams.ssm_n_head, s.ssm_n_head);
    EXPECT_EQ(info.hparams.n_ctx_train, 4096);
    EXPECT_EQ(info.tokenizer_model, "gpt2");
    EXPECT_EQ(info.tokenizer_pre, "llama-bpe");
    EXPECT_EQ(info.vocab_size, s.n_vocab);
    EXPECT_EQ(info.bos_id, 1);
    EXPECT_EQ(info.eos_id, 2);
    EXPECT_TRUE(info.has_chat_template);
    EXPECT_EQ(info.chat_template_family, "nemotron3");
    int64_t params = 0;
    uint64_t bytes = 0;
    for (const GgufTensor &t : gguf_tensors(raw)) {
        params += t.n_elements();
        bytes += t.n_bytes;
    }
    EXPECT_EQ(info.n_params, params);
    EXPECT_EQ(info.weights_bytes, bytes);
    EXPECT_EQ(info.n_tensors, static_cast<int64_t>(gguf_tensors(raw).size()));
    // The mix: Q4_K where ne[0] % 256 == 0 (attn_output, ssm_out), Q5_0 elsewhere, F32 for the rest.
    std::map<std::string, int64_t> counts;
    int64_t n = 0;
    for (const auto &u : info.types) {
        counts[u.type_name] = u.n_tensors;
        n += u.n_tensors;
    }
    EXPECT_EQ(n, info.n_tensors);
    EXPECT_EQ(counts["Q4_K"], 3);  // 1 attn_output + 2 ssm_out
    EXPECT_GT(counts["Q5_0"], 0);
    EXPECT_GT(counts["F32"], 0);
    for (size_t k = 1; k < info.types.size(); ++k)
        EXPECT_GE(info.types[k - 1].bytes, info.types[k].bytes);
    // Memory: one attention layer with 2 KV heads of 64, two Mamba layers.
    const auto m = model_memory_estimate(info.hparams, info.weights_bytes, 4096);
    EXPECT_EQ(m.kv_bytes_per_token, 2u * 2 * 64 * 2);
    const uint64_t conv_dim = 256 + 2 * 2 * 64;
    EXPECT_EQ(m.state_bytes_per_seq, 2u * (3 * conv_dim + 64 * 256) * 4);
}

TEST(ModelInfo, UnknownArchitectureStillDescribed) {
    test::TempDir dir;
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str("mamba2"));
    ASSERT_TRUE(w.add_tensor_f32("x", GgmlType::f32, {4}, {1, 2, 3, 4}).ok());
    ASSERT_TRUE(w.write(dir.file("u.gguf"), {}, nullptr).ok());
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(dir.file("u.gguf"), {}, &raw).ok());
    GgufFilePtr f(raw);
    ModelInfo info;
    ASSERT_TRUE(model_info_read(raw, &info).ok());
    EXPECT_FALSE(info.arch_known);
    EXPECT_EQ(info.n_params, 4);
    EXPECT_TRUE(info.layer_pattern.empty());
}

TEST(ModelInfo, KnownArchitectureWithMissingKeysSaysWhy) {
    test::TempDir dir;
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str("nemotron_h"));
    w.set("nemotron_h.embedding_length", GgufWriteValue::u32(64));
    w.set("nemotron_h.block_count", GgufWriteValue::u32(2));
    w.set("nemotron_h.attention.head_count", GgufWriteValue::u32(2));
    w.set("nemotron_h.feed_forward_length", GgufWriteValue::i32_array({0}));  // 1 entry for 2 layers
    w.set("nemotron_h.attention.head_count_kv", GgufWriteValue::i32_array({0, 1}));
    ASSERT_TRUE(w.write(dir.file("b.gguf"), {}, nullptr).ok());
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(dir.file("b.gguf"), {}, &raw).ok());
    GgufFilePtr f(raw);
    ModelInfo info;
    ASSERT_TRUE(model_info_read(raw, &info).ok());
    EXPECT_TRUE(info.arch_known);
    EXPECT_NE(info.hparams_error.find("'nemotron_h.feed_forward_length' has 1 entries for 2 layers"),
              std::string::npos)
        << info.hparams_error;
    EXPECT_TRUE(info.layer_pattern.empty());
}

TEST(ModelInfo, Formatting) {
    EXPECT_EQ(model_format_count(31'577'000'000), "31.6 B");
    EXPECT_EQ(model_format_count(245'000'000), "245.0 M");
    EXPECT_EQ(model_format_count(12'300), "12.3 K");
    EXPECT_EQ(model_format_count(512), "512");
    EXPECT_EQ(model_format_bytes(6'442'450'944ull), "6.44 GB");
    EXPECT_EQ(model_format_bytes(999), "999 B");
}

TEST(ChatTemplateFamily, FromRealTemplateMarkers) {
    const std::string dir = std::string(ND_SOURCE_DIR) + "/tools/reference/llama.cpp/models/templates/";
    const struct {
        const char *file;
        const char *family;
    } cases[] = {{"NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja", "nemotron3"},
                 {"NVIDIA-Nemotron-Nano-v2.jinja", "nemotron-nano2"},
                 {"meta-llama-Llama-3.1-8B-Instruct.jinja", "llama3"},
                 {"Qwen-Qwen2.5-7B-Instruct.jinja", "chatml"}};
    if (!std::filesystem::exists(dir))
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
            "tools/reference/llama.cpp is missing (run tools/reference/setup.sh)");
    for (const auto &c : cases) {
        const auto bytes = test::read_bytes(dir + c.file);
        ASSERT_FALSE(bytes.empty()) << c.file;
        EXPECT_EQ(chat_template_family(std::string(bytes.begin(), bytes.end())), c.family) << c.file;
    }
    EXPECT_EQ(chat_template_family("<extra_id_0>System\n{{ m }}<extra_id_1>User"), "nemotron-mini");
    EXPECT_EQ(chat_template_family("{{ messages }}"), "");
}

}  // namespace
}  // namespace nd
