// Exact renders of the templates that matter most to NemoDesk, written out (checked against
// tools/reference/render_template.py once): Nemotron 3 Nano (spec §4.4, thinking on and off),
// Nemotron Nano 2 (§4.5) and Llama 3.1.
#include <cstdlib>

#include <gtest/gtest.h>

#include "chat/template_reference.h"
#include "gpu/chat/chat_template.h"

namespace nd {
namespace {

std::string render_file(const std::string &file, const char *vars_json) {
    std::string path = test::templates_dir() + "/" + file;
    std::string source = test::read_file_or_empty(path);
    if (source.empty()) {
        const char *v = std::getenv("NEMODESK_REQUIRE_REFERENCE");
        if (v && std::string(v) == "1")
            ADD_FAILURE() << "missing " << path;
        return "<missing>";
    }
    ChatTemplate *raw = nullptr;
    Status st = chat_template_parse(source, file, &raw);
    ChatTemplatePtr tmpl(raw);
    EXPECT_TRUE(st.ok()) << st.message;
    if (!st.ok())
        return "";
    std::string out;
    ChatRenderOptions options;
    options.now_unix_s = test::kPinnedNowUnixS;
    st = chat_template_render(tmpl.get(), nlohmann::ordered_json::parse(vars_json), &out, options);
    EXPECT_TRUE(st.ok()) << st.message;
    return out;
}

#define SKIP_WITHOUT(file)                                                      \
    if (test::read_file_or_empty(test::templates_dir() + "/" + file).empty() && \
        !(std::getenv("NEMODESK_REQUIRE_REFERENCE") &&                          \
          std::string(std::getenv("NEMODESK_REQUIRE_REFERENCE")) == "1"))       \
    GTEST_SKIP() << "templates not installed (tools/reference/setup.sh)"

const char *kFranceGermany = R"({"messages": [
  {"role": "system", "content": "You are a helpful assistant."},
  {"role": "user", "content": "What is the capital of France?"},
  {"role": "assistant", "content": "Paris."},
  {"role": "user", "content": "And of Germany?"}],
  "add_generation_prompt": true, "bos_token": "<s>", "eos_token": "</s>")";

std::string with(const char *base, const char *extra) {
    std::string s = base;
    return s + extra + "}";
}

TEST(TemplateExpected, Nemotron3NanoThinkingOn) {
    const char *file = "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja";
    SKIP_WITHOUT(file);
    EXPECT_EQ(render_file(file, with(kFranceGermany, "").c_str()),
              "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
              "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
              "<|im_start|>assistant\n<think></think>Paris.<|im_end|>\n"
              "<|im_start|>user\nAnd of Germany?<|im_end|>\n"
              "<|im_start|>assistant\n<think>\n");
}

TEST(TemplateExpected, Nemotron3NanoThinkingOff) {
    const char *file = "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja";
    SKIP_WITHOUT(file);
    EXPECT_EQ(render_file(file, with(kFranceGermany, R"(, "enable_thinking": false)").c_str()),
              "<|im_start|>system\nYou are a helpful assistant.<|im_end|>\n"
              "<|im_start|>user\nWhat is the capital of France?<|im_end|>\n"
              "<|im_start|>assistant\n<think></think>Paris.<|im_end|>\n"
              "<|im_start|>user\nAnd of Germany?<|im_end|>\n"
              "<|im_start|>assistant\n<think></think>");
}

TEST(TemplateExpected, NemotronNanoV2) {
    const char *file = "NVIDIA-Nemotron-Nano-v2.jinja";
    SKIP_WITHOUT(file);
    EXPECT_EQ(render_file(file, with(kFranceGermany, "").c_str()),
              "<SPECIAL_10>System\nYou are a helpful assistant.\n\n"
              "<SPECIAL_11>User\nWhat is the capital of France?\n"
              "<SPECIAL_11>Assistant\nParis.\n<SPECIAL_12>\n"
              "<SPECIAL_11>User\nAnd of Germany?\n"
              "<SPECIAL_11>Assistant\n<think>\n");
}

TEST(TemplateExpected, Llama31) {
    const char *file = "meta-llama-Llama-3.1-8B-Instruct.jinja";
    SKIP_WITHOUT(file);
    EXPECT_EQ(render_file(file, with(kFranceGermany, "").c_str()),
              "<s><|start_header_id|>system<|end_header_id|>\n\n"
              "Cutting Knowledge Date: December 2023\nToday Date: 26 Jul 2024\n\n"
              "You are a helpful assistant.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nWhat is the capital of France?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\nParis.<|eot_id|>"
              "<|start_header_id|>user<|end_header_id|>\n\nAnd of Germany?<|eot_id|>"
              "<|start_header_id|>assistant<|end_header_id|>\n\n");
}

}  // namespace
}  // namespace nd
