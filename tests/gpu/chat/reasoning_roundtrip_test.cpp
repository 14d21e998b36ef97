// What the parser splits off re-renders exactly: with the real Nemotron 3 template (Python reference),
// prompt + model output + "<|im_end|>\n" == the template's render of the parsed turn (reasoning_content,
// content, tool_calls), and == its render of the raw text as content.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "format_reference.h"
#include "gpu/chat/chat_format.h"
#include "gpu/chat/reasoning_parser.h"

namespace nd {
namespace {

using Json = nlohmann::ordered_json;

const char *kTemplate = "NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja";
const std::string kEnd = "<|im_end|>\n";

const Json kTools = Json::parse(R"([{"type": "function", "function": {"name": "get_weather", "parameters": {
  "type": "object", "properties": {"city": {"type": "string"}, "zip": {"type": "string"},
  "days": {"type": ["integer", "null"]}}}}}])");

Json history(const Json &assistant) {
    Json m = Json::parse(
        R"([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Weather?"}])");
    if (!assistant.is_null())
        m.push_back(assistant);
    return m;
}

// The parser fed byte by byte gives what reasoning_split gives for the whole text.
void expect_streaming_agrees(const std::string &output, ReasoningStart start, const ReasoningSplit &whole) {
    ReasoningParser parser(start);
    std::vector<ReasoningDelta> deltas;
    for (char c : output)
        parser.push(std::string_view(&c, 1), &deltas);
    parser.finish(&deltas);
    std::string reasoning, content, tools;
    for (const auto &d : deltas)
        (d.channel == ReasoningChannel::reasoning ? reasoning
         : d.channel == ReasoningChannel::content ? content
                                                  : tools) += d.text;
    EXPECT_EQ(reasoning, whole.reasoning);
    EXPECT_EQ(content, whole.content);
    EXPECT_EQ(tools, whole.tool_call_text);
}

struct Case {
    Json assistant;  // the turn as the API would store it
    Json raw;        // the same turn as raw content, or null when the template cannot take it raw
};

TEST(ReasoningRoundTrip, Nemotron3TemplateReRendersTheParsedTurn) {
    ND_REQUIRE_REFERENCE();
    Json call = {{"type", "function"},
                 {"function",
                  {{"name", "get_weather"},
                   {"arguments", Json::parse(R"({"city": "Zürich", "zip": "8001", "days": 3, "ratio": 0.5,
                       "hourly": true, "none": null, "opts": {"a": [1, "x\"y"]}, "text": "two\nlines"})")}}}};
    std::vector<Case> cases = {
        {{{"role", "assistant"}, {"reasoning_content", "The user asks.\nThink more."}, {"content", "Sunny."}},
         {{"role", "assistant"}, {"content", "<think>\nThe user asks.\nThink more.\n</think>\nSunny."}}},
        {{{"role", "assistant"},
          {"reasoning_content", "Need the tool."},
          {"content", "Let me check."},
          {"tool_calls", Json::array({call, call})}},
         nullptr},
        {{{"role", "assistant"},
          {"reasoning_content", "Direct."},
          {"content", ""},
          {"tool_calls", Json::array({call})}},
         nullptr},
    };
    std::vector<Json> vars;
    vars.push_back({{"messages", history(nullptr)}, {"tools", kTools}, {"add_generation_prompt", true}});
    for (const Case &c : cases) {
        vars.push_back({{"messages", history(c.assistant)}, {"tools", kTools}});
        vars.push_back({{"messages", history(c.raw.is_null() ? c.assistant : c.raw)}, {"tools", kTools}});
    }
    std::string failure;
    auto refs = test::reference_render(test::reference_template_path(kTemplate), vars, &failure);
    ASSERT_EQ(refs.size(), vars.size()) << failure;
    for (const auto &r : refs)
        ASSERT_TRUE(r.ok) << r.error;
    const std::string prompt = refs[0].text;
    const ReasoningStart start = reasoning_start_for_prompt(prompt);
    ASSERT_EQ(start, ReasoningStart::inside_think);

    for (size_t i = 0; i < cases.size(); ++i) {
        SCOPED_TRACE("case " + std::to_string(i));
        const std::string &rendered = refs[1 + 2 * i].text;
        EXPECT_EQ(rendered, refs[2 + 2 * i].text) << "structured and raw renders differ";
        ASSERT_EQ(rendered.compare(0, prompt.size(), prompt), 0) << "the turn does not continue the prompt";
        ASSERT_GE(rendered.size(), prompt.size() + kEnd.size());
        // What the model would have generated after the prompt, up to its end-of-turn token.
        const std::string output =
            rendered.substr(prompt.size(), rendered.size() - prompt.size() - kEnd.size());
        ReasoningSplit split = reasoning_split(output, start, &kTools);
        EXPECT_EQ(split.reasoning, cases[i].assistant["reasoning_content"].get<std::string>());
        EXPECT_TRUE(split.tool_call_error.empty()) << split.tool_call_error;
        expect_streaming_agrees(output, start, split);

        Json parsed = {
            {"role", "assistant"}, {"reasoning_content", split.reasoning}, {"content", split.content}};
        if (!split.tool_calls.empty()) {
            Json calls = Json::array();
            for (const ToolCall &tc : split.tool_calls) {
                calls.push_back(
                    {{"type", "function"},
                     {"function", {{"name", tc.name}, {"arguments", Json::parse(tc.arguments_json)}}}});
            }
            parsed["tool_calls"] = calls;
            EXPECT_EQ(calls.size(), cases[i].assistant["tool_calls"].size());
            EXPECT_EQ(calls[0]["function"]["arguments"],
                      cases[i].assistant["tool_calls"][0]["function"]["arguments"]);
        } else {
            EXPECT_EQ(split.content, cases[i].assistant["content"].get<std::string>());
        }
        // The parsed turn re-renders to the same text, through our format and through the template.
        Json again_vars = {{"messages", history(parsed)}, {"tools", kTools}};
        std::string ours;
        Status st = chat_format_render(ChatFamily::nemotron3, again_vars, &ours);
        ASSERT_TRUE(st.ok()) << st.describe();
        EXPECT_EQ(ours, rendered);
        auto again = test::reference_render(test::reference_template_path(kTemplate), {again_vars}, &failure);
        ASSERT_EQ(again.size(), 1u) << failure;
        EXPECT_EQ(again[0].text, rendered);
    }
}

}  // namespace
}  // namespace nd
