// The built-in family formats against the real templates rendered by Jinja2 (format_reference.h):
// every scenario a template renders must come out byte for byte the same from chat_format_render.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "format_reference.h"
#include "gpu/chat/chat_format.h"

namespace nd {
namespace {

using Json = nlohmann::ordered_json;

// Where two strings first differ, with some context, for readable failures.
std::string first_difference(const std::string &a, const std::string &b) {
    size_t i = 0;
    while (i < a.size() && i < b.size() && a[i] == b[i])
        ++i;
    size_t from = i > 40 ? i - 40 : 0;
    return "at byte " + std::to_string(i) + "\n  ours: …" + Json(a.substr(from, 100)).dump() + "\n  ref:  …" +
           Json(b.substr(from, 100)).dump();
}

void expect_conformance(ChatFamily family, const std::string &template_name,
                        const std::vector<Json> &scenarios, size_t min_rendered) {
    std::string failure;
    auto refs = test::reference_render(test::reference_template_path(template_name), scenarios, &failure);
    ASSERT_EQ(refs.size(), scenarios.size()) << failure;
    size_t rendered = 0;
    for (size_t i = 0; i < scenarios.size(); ++i) {
        std::string ours;
        Status st = chat_format_render(family, scenarios[i], &ours);
        if (!refs[i].ok) {
            // The template refuses this input; the family format may be more lenient.
            continue;
        }
        ++rendered;
        ASSERT_TRUE(st.ok()) << "scenario " << i << ": " << st.describe()
                             << "\nvars: " << scenarios[i].dump();
        EXPECT_TRUE(ours == refs[i].text) << "scenario " << i << " " << first_difference(ours, refs[i].text)
                                          << "\nvars: " << scenarios[i].dump();
    }
    EXPECT_GE(rendered, min_rendered) << "the reference rendered fewer scenarios than expected";
}

const Json kTools = Json::parse(R"([
  {"type": "function", "function": {"name": "get_weather", "description": "  Current weather.\n",
    "parameters": {"type": "object", "properties": {
      "city": {"type": "string", "description": "City name"},
      "unit": {"type": "string", "enum": ["C", "F"], "default": "C"},
      "days": {"type": ["integer", "null"], "minimum": 1},
      "opts": {"type": "object", "properties": {"hourly": {"type": "boolean"}}}},
      "required": ["city"], "additionalProperties": false}, "strict": true}},
  {"type": "function", "function": {"name": "now", "parameters": {"type": "object", "properties": {}}}},
  {"name": "bare_tool", "description": "No wrapper, no parameters"}
])");

const Json kCall = Json::parse(R"({"id": "c1", "type": "function", "function": {"name": "get_weather",
  "arguments": {"city": "Zürich", "days": 3, "ratio": 0.5, "hourly": true, "none": null,
  "opts": {"a": [1, 2.5, "x\"y"]}, "list": ["a", "b"], "text": "two\nlines"}}})");

// Floats, control characters and non-ASCII text in every place a value is printed (str() and tojson).
Json odd_values_scenario() {
    Json args =
        Json::parse(R"({"big": 1e20, "small": 1e-7, "neg": -0.0, "whole": 100.0, "third": 0.3333333333333333,
        "ctrl": "\u0001\u001f\u007f\t\b\f\r", "quote": "it's \"q\"", "uni": "\u2028é😀", "n": -12345678901234})");
    Json tools = Json::parse(R"([{"type": "function", "function": {"name": "f", "description": " \u2028é😀 ",
        "parameters": {"type": "object", "properties": {"x": {"type": "number", "default": 0.1}}}}}])");
    tools[0]["function"]["parameters"]["properties"]["x"]["examples"] = args;
    Json call = {{"type", "function"}, {"function", {{"name", "f"}, {"arguments", args}}}};
    Json m = Json::array();
    m.push_back({{"role", "user"}, {"content", "values"}});
    m.push_back({{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array({call})}});
    m.push_back({{"role", "tool"}, {"content", args}});
    m.push_back({{"role", "user"}, {"content", args["ctrl"]}});
    return {{"messages", m}, {"tools", tools}, {"add_generation_prompt", true}};
}

std::vector<Json> nemotron3_scenarios() {
    std::vector<Json> s;
    auto add = [&](const char *text) { s.push_back(Json::parse(text)); };
    add(R"({"messages": [{"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": "What is the capital of France?"}, {"role": "assistant", "content": "Paris."},
        {"role": "user", "content": "And of Germany?"}], "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Hi"}], "add_generation_prompt": true, "enable_thinking": false})");
    add(R"({"messages": [{"role": "user", "content": " Hi \n"}], "add_generation_prompt": false})");
    add(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1", "reasoning_content": "Think 1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "A2", "reasoning_content": "Think 2\nmore"}]})");
    add(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>\nraw thought\n</think>\nA1"},
        {"role": "user", "content": "Q2"},
        {"role": "assistant", "content": "<think>\nraw 2\n</think>\n A2 "},
        {"role": "assistant", "content": "<think>open only"},
        {"role": "assistant", "content": "   "}], "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>x</think>A1", "reasoning_content": "  "},
        {"role": "assistant", "content": null}, {"role": "assistant"},
        {"role": "user", "content": "Q2"}], "truncate_history_thinking": false, "add_generation_prompt": true})");
    s.push_back({{"messages", Json::parse(R"([{"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Zürich?"}])")},
                 {"tools", kTools},
                 {"add_generation_prompt", true}});
    s.push_back({{"messages", Json::parse(R"([{"role": "user", "content": "Weather?"}])")},
                 {"tools", kTools},
                 {"add_generation_prompt", true},
                 {"enable_thinking", false}});
    for (bool truncate : {true, false}) {
        Json m =
            Json::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "Weather?"}])");
        Json a1 = {{"role", "assistant"},
                   {"content", "Let me check."},
                   {"reasoning_content", "Need a tool."},
                   {"tool_calls", Json::array({kCall, kCall})}};
        m.push_back(a1);
        m.push_back({{"role", "tool"}, {"content", "{\"temp\": 21}"}});
        m.push_back({{"role", "tool"}, {"content", "second"}});
        m.push_back({{"role", "assistant"}, {"content", "<think>\nok\n</think>\nIt is 21."}});
        m.push_back({{"role", "user"}, {"content", "Thanks"}});
        m.push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", Json::array({kCall})}});
        m.push_back({{"role", "tool"}, {"content", "last"}});
        s.push_back({{"messages", m},
                     {"tools", kTools},
                     {"add_generation_prompt", true},
                     {"truncate_history_thinking", truncate}});
    }
    // A tool call before the last user turn, with plain and think-only content.
    Json m2 = Json::parse(R"([{"role": "user", "content": "a"}])");
    m2.push_back(
        {{"role", "assistant"}, {"content", "<think>r</think>pre"}, {"tool_calls", Json::array({kCall})}});
    m2.push_back(
        {{"role", "assistant"}, {"content", "<think>only open"}, {"tool_calls", Json::array({kCall})}});
    m2.push_back({{"role", "assistant"}, {"content", "plain"}, {"tool_calls", Json::array({kCall})}});
    m2.push_back({{"role", "user"}, {"content", "b"}});
    s.push_back({{"messages", m2}, {"add_generation_prompt", true}});
    // Tool message first after the system message (the template opens no user turn), a mid system turn,
    // an unknown role, odd content types.
    add(R"({"messages": [{"role": "system", "content": "S"}, {"role": "tool", "content": "t"},
        {"role": "user", "content": 5}, {"role": "system", "content": "mid"}, {"role": "developer", "content": "d"},
        {"role": "user", "content": null}, {"role": "user"}, {"role": "tool", "content": {"k": [1, true, null]}}],
        "add_generation_prompt": true, "enable_thinking": null})");
    s.push_back(odd_values_scenario());
    add(R"({"messages": [{"role": "user", "content": "\u00a0 é 中文 😀 \u3000"}, {"role": "assistant",
        "content": "\u2003answer\u2003"}], "tools": []})");
    return s;
}

TEST(FormatReference, Nemotron3MatchesTheRealTemplate) {
    ND_REQUIRE_REFERENCE();
    expect_conformance(ChatFamily::nemotron3, "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja",
                       nemotron3_scenarios(), 12);
}

std::vector<Json> nano2_scenarios() {
    std::vector<Json> s;
    auto add = [&](const char *text) { s.push_back(Json::parse(text)); };
    add(R"({"messages": [{"role": "system", "content": "You are helpful. /think"},
        {"role": "user", "content": "Hi"}], "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "system", "content": "/no_think"}, {"role": "user", "content": "Hi /no_think "}],
        "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Q1 /no_think"}, {"role": "assistant", "content": "A1"},
        {"role": "user", "content": "/think Q2"}], "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "<think>\nr\n</think>\n A1 </think> tail"},
        {"role": "user", "content": "Q2"}, {"role": "assistant", "content": "  partial answer  "}]})");
    add(R"({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
        "continue_final_message": true})");
    add(R"({"messages": [{"role": "user", "content": "Q"}, {"role": "assistant", "content": "A"}],
        "continue_final_message": false, "add_generation_prompt": true})");
    for (const char *args : {R"({"city": "Zürich", "n": 2})", R"("{\"city\": \"Paris\"}")"}) {
        Json call = {{"type", "function"},
                     {"function", {{"name", "get_weather"}, {"arguments", Json::parse(args)}}}};
        Json m =
            Json::parse(R"([{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}])");
        m.push_back({{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array({call, call})}});
        m.push_back({{"role", "tool"}, {"content", "{\"t\": 1}"}});
        m.push_back({{"role", "tool"}, {"content", "two"}});
        m.push_back({{"role", "assistant"}, {"content", "Done."}, {"tool_calls", Json::array({call})}});
        m.push_back({{"role", "tool"}, {"content", "solo"}});
        m.push_back({{"role", "user"}, {"content", "more"}});
        s.push_back({{"messages", m}, {"tools", kTools}, {"add_generation_prompt", true}});
        Json last = Json::parse(R"([{"role": "user", "content": "Weather?"}])");
        last.push_back({{"role", "assistant"}, {"content", nullptr}, {"tool_calls", Json::array({call})}});
        s.push_back({{"messages", last}, {"tools", kTools}});
    }
    s.push_back(odd_values_scenario());
    return s;
}

TEST(FormatReference, NemotronNano2MatchesTheRealTemplate) {
    ND_REQUIRE_REFERENCE();
    expect_conformance(ChatFamily::nemotron_nano2, "NVIDIA-Nemotron-Nano-v2.jinja", nano2_scenarios(), 9);
}

std::vector<Json> llama3_scenarios() {
    std::vector<Json> s;
    auto add = [&](const char *text) { s.push_back(Json::parse(text)); };
    add(R"({"bos_token": "<|begin_of_text|>", "messages": [{"role": "system", "content": " Be brief. "},
        {"role": "user", "content": "Hi "}], "add_generation_prompt": true})");
    add(R"({"bos_token": "<|begin_of_text|>", "date_string": "26 Nov 2026", "messages": [
        {"role": "user", "content": "Q1"}, {"role": "assistant", "content": "A1"}, {"role": "user", "content": "Q2"}],
        "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Q"}]})");
    for (bool in_user : {true, false}) {
        Json m =
            Json::parse(R"([{"role": "system", "content": "Sys"}, {"role": "user", "content": "Weather?"}])");
        m.push_back({{"role", "assistant"}, {"tool_calls", Json::array({kCall})}});
        m.push_back({{"role", "tool"}, {"content", "sunny"}});
        m.push_back({{"role", "ipython"}, {"content", {{"temp", 21}}}});
        m.push_back({{"role", "tool"}, {"content", nullptr}});
        s.push_back({{"bos_token", "<|begin_of_text|>"},
                     {"messages", m},
                     {"tools", kTools},
                     {"tools_in_user_message", in_user},
                     {"add_generation_prompt", true},
                     {"date_string", "1 Jan 2025"}});
    }
    add(R"({"messages": [{"role": "user", "content": "Search"}, {"role": "assistant", "tool_calls": [
        {"function": {"name": "brave_search", "arguments": {"query": "x"}}}]}, {"role": "tool", "content": "r"}],
        "builtin_tools": ["code_interpreter", "brave_search"], "add_generation_prompt": true})");
    add(R"({"messages": [{"role": "user", "content": "Q"}], "tools": []})");
    s.push_back(odd_values_scenario());
    return s;
}

TEST(FormatReference, Llama3MatchesTheRealTemplate) {
    ND_REQUIRE_REFERENCE();
    expect_conformance(ChatFamily::llama3, "meta-llama-Llama-3.1-8B-Instruct.jinja", llama3_scenarios(), 6);
}

std::vector<Json> chatml_scenarios() {
    // Always with a system message: Qwen2.5 adds its own default one otherwise, ChatML adds none.
    std::vector<Json> s;
    auto add = [&](const char *text) { s.push_back(Json::parse(text)); };
    add(R"({"messages": [{"role": "system", "content": "S"}, {"role": "user", "content": "Q1"},
        {"role": "assistant", "content": "A1"}, {"role": "system", "content": "mid"}, {"role": "user", "content": "Q2"}],
        "add_generation_prompt": true})");
    Json m = Json::parse(R"([{"role": "system", "content": "S"}, {"role": "user", "content": "Weather?"}])");
    m.push_back(
        {{"role", "assistant"}, {"content", "Checking."}, {"tool_calls", Json::array({kCall, kCall})}});
    m.push_back({{"role", "tool"}, {"content", "a"}});
    m.push_back({{"role", "tool"}, {"content", "b"}});
    m.push_back({{"role", "assistant"}, {"content", ""}, {"tool_calls", Json::array({kCall})}});
    m.push_back({{"role", "tool"}, {"content", "c"}});
    m.push_back({{"role", "assistant"}, {"content", "Done"}, {"tool_calls", Json::array()}});
    s.push_back({{"messages", m}, {"tools", kTools}, {"add_generation_prompt", true}});
    return s;
}

TEST(FormatReference, ChatmlMatchesQwen25WithASystemMessage) {
    ND_REQUIRE_REFERENCE();
    expect_conformance(ChatFamily::chatml, "Qwen-Qwen2.5-7B-Instruct.jinja", chatml_scenarios(), 2);
}

// Random conversations from a pool of message shapes (deterministic seed): the hand-written scenarios
// above name the cases; these catch the combinations nobody thought of.
std::vector<Json> random_conversations(uint32_t seed, size_t count) {
    uint32_t state = seed;
    auto pick = [&](size_t n) {
        state = state * 1664525u + 1013904223u;
        return static_cast<size_t>((state >> 8) % n);
    };
    const std::vector<Json> user_texts = {"Hi",
                                          " spaced \n",
                                          "multi\nline",
                                          "é中😀",
                                          "/think please",
                                          "x /no_think",
                                          "",
                                          "<think>in user</think>",
                                          "\u00a0nbsp\u3000"};
    const std::vector<Json> answer_texts = {
        "Plain.", "<think>\nr\n</think>\nAfter.", "<think>open", " pad ", "", nullptr, "a</think>b</think>c"};
    const std::vector<Json> reasonings = {nullptr, "R1", "  ", "multi\nline reasoning"};
    std::vector<Json> out;
    for (size_t n = 0; n < count; ++n) {
        Json messages = Json::array();
        if (pick(2) == 0)
            messages.push_back(
                {{"role", "system"}, {"content", pick(3) == 0 ? "" : "You are terse. /no_think"}});
        size_t turns = 1 + pick(6);
        for (size_t t = 0; t < turns; ++t) {
            size_t kind = pick(4);
            if (kind <= 1 || messages.empty()) {
                messages.push_back({{"role", "user"}, {"content", user_texts[pick(user_texts.size())]}});
            } else if (kind == 2) {
                Json a = {{"role", "assistant"}};
                const Json &text = answer_texts[pick(answer_texts.size())];
                if (!(text.is_null() && pick(2) == 0))
                    a["content"] = text;
                if (const Json &r = reasonings[pick(reasonings.size())]; !r.is_null())
                    a["reasoning_content"] = r;
                size_t calls = pick(4);
                if (calls > 0)
                    a["tool_calls"] = calls == 1 ? Json::array() : Json::array({kCall});
                if (calls == 3)
                    a["tool_calls"].push_back(kCall);
                messages.push_back(a);
            } else {
                messages.push_back({{"role", "tool"}, {"content", pick(2) ? "{\"t\": 1}" : "ok"}});
            }
        }
        Json vars = {{"messages", messages}, {"add_generation_prompt", pick(3) != 0}};
        if (pick(3) == 0)
            vars["tools"] = kTools;
        if (pick(3) == 0)
            vars["enable_thinking"] = pick(2) == 0;
        if (pick(4) == 0)
            vars["truncate_history_thinking"] = false;
        if (pick(2) == 0)
            vars["bos_token"] = "<|begin_of_text|>";
        out.push_back(vars);
    }
    return out;
}

TEST(FormatReference, RandomConversationsMatchTheRealTemplates) {
    ND_REQUIRE_REFERENCE();
    expect_conformance(ChatFamily::nemotron3, "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja",
                       random_conversations(1, 80), 60);
    expect_conformance(ChatFamily::nemotron_nano2, "NVIDIA-Nemotron-Nano-v2.jinja",
                       random_conversations(2, 80), 40);
    expect_conformance(ChatFamily::llama3, "meta-llama-Llama-3.1-8B-Instruct.jinja",
                       random_conversations(3, 80), 30);
}

}  // namespace
}  // namespace nd
