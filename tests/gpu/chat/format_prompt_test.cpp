// chat_prompt_render: the model's template through the interpreter, and the family fallback when the
// template is missing or fails.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "gpu/chat/chat_format.h"

namespace nd {
namespace {

using Json = nlohmann::ordered_json;

const Json kVars =
    Json::parse(R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Hi"}],
                                   "add_generation_prompt": true})");

std::string family_render(ChatFamily family, const Json &vars = kVars) {
    std::string out;
    Status st = chat_format_render(family, vars, &out);
    EXPECT_TRUE(st.ok()) << st.describe();
    return out;
}

TEST(ChatPrompt, UsesTheModelTemplateWhenItWorks) {
    const std::string tmpl =
        "{% for m in messages %}<|im_start|>{{ m.role }}\n{{ m.content }}<|im_end|>\n{% endfor %}"
        "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}";
    ChatPromptResult r;
    Status st = chat_prompt_render(tmpl, "model.jinja", kVars, "", &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_FALSE(r.used_fallback);
    EXPECT_TRUE(r.note.empty());
    EXPECT_EQ(r.text, family_render(ChatFamily::chatml));
}

TEST(ChatPrompt, UnknownTagFallsBackToTheDetectedFamilyWithANote) {
    // Nemotron 3 markers (ChatML + its truncate_history_thinking switch), and a tag no Jinja knows.
    const std::string tmpl =
        "{%- set truncate_history_thinking = true %}\n{% frobnicate %}<|im_start|>system\n<think></think>";
    ChatPromptResult r;
    Status st = chat_prompt_render(tmpl, "broken.jinja", kVars, "", &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_TRUE(r.used_fallback);
    EXPECT_EQ(r.text, family_render(ChatFamily::nemotron3));
    EXPECT_NE(r.note.find("broken.jinja"), std::string::npos) << r.note;
    EXPECT_NE(r.note.find("frobnicate"), std::string::npos) << r.note;
    EXPECT_NE(r.note.find("'nemotron3'"), std::string::npos) << r.note;
}

TEST(ChatPrompt, EmptyTemplateUsesTheRequestedFamily) {
    ChatPromptResult r;
    Status st = chat_prompt_render("", "model.gguf", kVars, "nemotron3", &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_TRUE(r.used_fallback);
    EXPECT_EQ(r.text, family_render(ChatFamily::nemotron3));
    EXPECT_NE(r.note.find("no chat template"), std::string::npos) << r.note;
    EXPECT_NE(r.note.find("requested"), std::string::npos) << r.note;
}

TEST(ChatPrompt, RequestedFamilyWinsOverDetection) {
    ChatPromptResult r;
    Status st = chat_prompt_render("{% bad %}<|start_header_id|><|eot_id|>", "t.jinja", kVars, "chatml", &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_EQ(r.text, family_render(ChatFamily::chatml));
}

TEST(ChatPrompt, NoTemplateAndNoFamilyIsAnError) {
    ChatPromptResult r;
    Status st = chat_prompt_render("", "model.gguf", kVars, "", &r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("no chat template and no known family: pass --family"), std::string::npos)
        << st.message;
    st = chat_prompt_render("{% if %}", "odd.jinja", kVars, "", &r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("odd.jinja"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("pass --family"), std::string::npos) << st.message;
    EXPECT_TRUE(r.text.empty());
}

TEST(ChatPrompt, UnknownFamilyNameIsAnError) {
    ChatPromptResult r;
    Status st = chat_prompt_render("", "m", kVars, "nemotron4", &r);
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    EXPECT_NE(st.message.find("'nemotron4'"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("nemotron-nano2"), std::string::npos) << st.message;
}

TEST(ChatPrompt, FallbackThatFailsTooReportsBoth) {
    // Llama 3.1 refuses two tool calls in one turn, and so does its family format.
    const std::string tmpl = "{{ raise_exception('only single tool-calls') }}<|start_header_id|><|eot_id|>";
    Json vars = Json::parse(R"({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant",
        "tool_calls": [{"function": {"name": "a", "arguments": {}}}, {"function": {"name": "b", "arguments": {}}}]}]})");
    ChatPromptResult r;
    Status st = chat_prompt_render(tmpl, "llama.jinja", vars, "", &r);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("only single tool-calls"), std::string::npos) << st.message;
    EXPECT_NE(st.message.find("the fallback failed too"), std::string::npos) << st.message;
    EXPECT_TRUE(r.text.empty());
    EXPECT_FALSE(r.used_fallback);
}

TEST(ChatPrompt, RealNemotron3TemplateNeedsNoFallback) {
    const std::string path =
        std::string(ND_SOURCE_DIR) +
        "/tools/reference/llama.cpp/models/templates/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja";
    std::ifstream in(path);
    if (!in) {
        const char *req = std::getenv("NEMODESK_REQUIRE_REFERENCE");
        if (req != nullptr && std::string(req) == "1")
            FAIL() << "missing " << path;
        GTEST_SKIP() << "missing " << path << "; run tools/reference/setup.sh";
    }
    std::stringstream ss;
    ss << in.rdbuf();
    ChatPromptResult r;
    Status st = chat_prompt_render(ss.str(), "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja", kVars, "", &r);
    ASSERT_TRUE(st.ok()) << st.describe();
    EXPECT_FALSE(r.used_fallback) << r.note;
    EXPECT_EQ(r.text, family_render(ChatFamily::nemotron3));
}

}  // namespace
}  // namespace nd
