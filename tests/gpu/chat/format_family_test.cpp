// chat_format_render without a reference: family names, Nemotron-Mini (spec §3.5, no reference template
// here), errors for unusable variables.
#include <gtest/gtest.h>

#include <string>

#include "gpu/chat/chat_format.h"

namespace nd {
namespace {

using Json = nlohmann::ordered_json;

std::string render(ChatFamily family, const char *vars) {
    std::string out;
    Status st = chat_format_render(family, Json::parse(vars), &out);
    EXPECT_TRUE(st.ok()) << st.describe();
    return out;
}

std::string render_error(ChatFamily family, const Json &vars) {
    std::string out;
    Status st = chat_format_render(family, vars, &out);
    EXPECT_FALSE(st.ok()) << "rendered: " << out;
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    return st.message;
}

TEST(ChatFamily, NamesRoundTrip) {
    for (ChatFamily f : {ChatFamily::nemotron3, ChatFamily::nemotron_nano2, ChatFamily::nemotron_mini,
                         ChatFamily::llama3, ChatFamily::chatml}) {
        ChatFamily back{};
        ASSERT_TRUE(chat_family_from_name(chat_family_name(f), &back)) << chat_family_name(f);
        EXPECT_EQ(back, f);
    }
    ChatFamily unused{};
    EXPECT_FALSE(chat_family_from_name("nemotron", &unused));
    EXPECT_FALSE(chat_family_from_name("", &unused));
}

TEST(ChatFormat, NemotronMiniFollowsTheSpec) {
    EXPECT_EQ(render(ChatFamily::nemotron_mini,
                     R"({"messages": [{"role": "system", "content": " You are helpful. "},
                         {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"},
                         {"role": "user", "content": "Bye"}], "add_generation_prompt": true})"),
              "<extra_id_0>System\nYou are helpful.\n\n<extra_id_1>User\nHi\n<extra_id_1>Assistant\nHello!\n"
              "<extra_id_1>User\nBye\n<extra_id_1>Assistant\n");
    EXPECT_EQ(render(ChatFamily::nemotron_mini, R"({"messages": [{"role": "user", "content": "Hi"}]})"),
              "<extra_id_0>System\n\n<extra_id_1>User\nHi\n");
    EXPECT_EQ(render(ChatFamily::nemotron_mini,
                     R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q"},
                         {"role": "tool", "content": "42"}], "tools": [{"name": "f"}], "add_generation_prompt": true})"),
              "<extra_id_0>System\nS\n\n<tool> {\"name\": \"f\"} "
              "</tool>\n\n<extra_id_1>User\nQ\n<extra_id_1>Tool\n42\n"
              "<extra_id_1>Assistant\n");
}

TEST(ChatFormat, ChatmlIsPlain) {
    EXPECT_EQ(render(ChatFamily::chatml, R"({"messages": [{"role": "user", "content": "Hi"}],
                                             "add_generation_prompt": true})"),
              "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(ChatFormat, Nemotron3ThinkingSwitch) {
    const char *on = R"({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true})";
    const char *off =
        R"({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "enable_thinking": false})";
    EXPECT_EQ(
        render(ChatFamily::nemotron3, on),
        "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n");
    EXPECT_EQ(render(ChatFamily::nemotron3, off),
              "<|im_start|>system\n<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>"
              "</think>");
}

TEST(ChatFormat, StringArgumentsAreParsedForXmlCalls) {
    // The OpenAI wire format sends arguments as a JSON string; the real template cannot iterate it, the
    // family format parses it.
    std::string out = render(ChatFamily::nemotron3, R"({"messages": [{"role": "user", "content": "Q"},
        {"role": "assistant", "content": "", "tool_calls": [{"function": {"name": "f", "arguments": "{\"a\": 1}"}}]}]})");
    EXPECT_NE(
        out.find("<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call>\n"),
        std::string::npos)
        << out;
}

TEST(ChatFormat, UnusableVariablesAreErrors) {
    for (ChatFamily f : {ChatFamily::nemotron3, ChatFamily::nemotron_nano2, ChatFamily::nemotron_mini,
                         ChatFamily::llama3, ChatFamily::chatml}) {
        EXPECT_NE(render_error(f, Json::array()).find("JSON object"), std::string::npos);
        EXPECT_NE(render_error(f, Json::object()).find("\"messages\" must be a list"), std::string::npos);
        EXPECT_NE(render_error(f, Json::parse(R"({"messages": [3]})")).find("object"), std::string::npos);
        EXPECT_NE(render_error(f, Json::parse(R"({"messages": [{"content": "x"}]})")).find("role"),
                  std::string::npos);
    }
    EXPECT_NE(render_error(ChatFamily::nemotron3, Json::parse(R"({"messages": []})")).find("no messages"),
              std::string::npos);
    EXPECT_NE(
        render_error(ChatFamily::nemotron3,
                     Json::parse(R"({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant",
                               "tool_calls": [{"function": {"name": "f", "arguments": "not json"}}]}]})"))
            .find("JSON object"),
        std::string::npos);
    EXPECT_NE(render_error(ChatFamily::llama3,
                           Json::parse(R"({"messages": [{"role": "system", "content": "S"}], "tools": []})"))
                  .find("no first user message"),
              std::string::npos);
    std::string msg = render_error(ChatFamily::nemotron_nano2, Json::parse(R"({"messages": [{"role": "system",
        "content": "S"}]})"));
    EXPECT_NE(msg.find("chat format nemotron-nano2:"), std::string::npos) << msg;
}

}  // namespace
}  // namespace nd
