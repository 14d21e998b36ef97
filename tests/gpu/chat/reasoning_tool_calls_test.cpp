// tool_calls_parse (Nemotron 3 XML, Nano 2 JSON lists) and reasoning_split.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpu/chat/reasoning_parser.h"

namespace nd {
namespace {

std::vector<ToolCall> parse_ok(ToolCallFormat format, const std::string &text,
                               const nlohmann::ordered_json *tools = nullptr) {
    std::vector<ToolCall> calls;
    Status st = tool_calls_parse(format, text, &calls, tools);
    EXPECT_TRUE(st.ok()) << st.describe();
    return calls;
}

std::string parse_error(ToolCallFormat format, const std::string &text) {
    std::vector<ToolCall> calls;
    Status st = tool_calls_parse(format, text, &calls);
    EXPECT_FALSE(st.ok()) << "parsed: " << text;
    EXPECT_EQ(st.code, StatusCode::invalid_argument);
    return st.message;
}

TEST(ToolCalls, Nemotron3XmlAsTheTemplateWritesIt) {
    const std::string body =
        "\n<function=get_weather>\n<parameter=city>\nParis\n</parameter>\n<parameter=days>\n3\n</parameter>\n"
        "<parameter=opts>\n{\"unit\": \"C\", \"hourly\": true}\n</parameter>\n<parameter=tags>\n[\"a\", "
        "\"b\"]\n"
        "</parameter>\n<parameter=note>\ntwo\nlines\n</parameter>\n<parameter=flag>\nTrue\n</parameter>\n"
        "<parameter=none>\nNone\n</parameter>\n</function>\n";
    auto calls = parse_ok(ToolCallFormat::nemotron3_xml, body);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].name, "get_weather");
    EXPECT_EQ(
        calls[0].arguments_json,
        R"({"city":"Paris","days":3,"opts":{"unit":"C","hourly":true},"tags":["a","b"],"note":"two\nlines",)"
        R"("flag":true,"none":null})");
}

TEST(ToolCalls, SchemaKeepsStringParametersAsText) {
    auto tools = nlohmann::ordered_json::parse(R"([{"type":"function","function":{"name":"f","parameters":
        {"type":"object","properties":{"zip":{"type":"string"},"n":{"type":"integer"}}}}}])");
    auto calls =
        parse_ok(ToolCallFormat::detect,
                 "<function=f>\n<parameter=zip>\n01234\n</parameter>\n<parameter=n>\n7\n</parameter>\n"
                 "</function>",
                 &tools);
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].arguments_json, R"({"zip":"01234","n":7})");
}

TEST(ToolCalls, SeveralXmlCallsConcatenated) {
    auto calls = parse_ok(ToolCallFormat::detect,
                          "\n<function=a>\n</function>\n\n<function=b>\n<parameter=x>\n"
                          "hi\n</parameter>\n</function>\n");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].name, "a");
    EXPECT_EQ(calls[0].arguments_json, "{}");
    EXPECT_EQ(calls[1].arguments_json, R"({"x":"hi"})");
}

TEST(ToolCalls, Nano2JsonList) {
    auto calls =
        parse_ok(ToolCallFormat::nano2_json,
                 R"([{"name": "f", "arguments": {"a": 1}}, {"name": "g", "arguments": "{\"b\": [2]}"}])");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[0].name, "f");
    EXPECT_EQ(calls[0].arguments_json, R"({"a":1})");
    EXPECT_EQ(calls[1].name, "g");
    EXPECT_EQ(calls[1].arguments_json, R"({"b":[2]})");
    // Hermes-style single object, detected.
    calls = parse_ok(ToolCallFormat::detect, R"( {"name": "h", "arguments": {}} [{"name": "i"}])");
    ASSERT_EQ(calls.size(), 2u);
    EXPECT_EQ(calls[1].arguments_json, "{}");
}

TEST(ToolCalls, MalformedTextIsAClearError) {
    EXPECT_NE(
        parse_error(ToolCallFormat::detect, "<function=f>\n<parameter=x>\n1\n").find("no '</parameter>'"),
        std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "<function=f\n").find("without a closing '>'"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "<function=>").find("empty function name"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "<function=f>junk").find("expected '<parameter=NAME>'"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "<function=f>").find("the end of the text"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "hello").find("expected '<function='"), std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::nano2_json, "[{\"name\": 1}]").find("\"name\""), std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::nano2_json, "[{\"name\": \"f\"").find("unterminated"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::nano2_json, "[{\"name\" \"f\"}]").find("invalid JSON"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::nano2_json, "[{\"name\": \"f\", \"arguments\": 3}]").find("object"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::nano2_json, "<function=f></function>").find("JSON list"),
              std::string::npos);
    EXPECT_NE(parse_error(ToolCallFormat::detect, "[" + std::string(100000, '[')).find("deeper"),
              std::string::npos);
}

TEST(ToolCalls, ErrorKeepsTheCallsBeforeIt) {
    std::vector<ToolCall> calls;
    Status st = tool_calls_parse(ToolCallFormat::detect, "<function=a></function><function=b>", &calls);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("tool call 2"), std::string::npos) << st.message;
    ASSERT_EQ(calls.size(), 1u);
    EXPECT_EQ(calls[0].name, "a");
}

TEST(ToolCalls, HostileInputNeverCrashes) {
    // Every prefix of valid bodies, and some byte soup: an error or calls, never a crash.
    const std::string bodies[] = {
        "<function=f>\n<parameter=a>\n{\"x\": [1, {\"y\": \"]}\"}]}\n</parameter>\n</function>",
        R"([{"name": "f", "arguments": {"s": "a\"]}"}}])",
    };
    for (const std::string &body : bodies) {
        for (size_t n = 0; n <= body.size(); ++n) {
            std::vector<ToolCall> calls;
            (void)tool_calls_parse(ToolCallFormat::detect, body.substr(0, n), &calls);
        }
    }
    uint32_t state = 12345;
    const char alphabet[] = "<>/=[]{}\"\\ \nfunctionparameter:,";
    for (int round = 0; round < 2000; ++round) {
        std::string soup;
        for (int i = 0; i < 40; ++i) {
            state = state * 1664525u + 1013904223u;
            soup += alphabet[(state >> 16) % (sizeof(alphabet) - 1)];
        }
        std::vector<ToolCall> calls;
        (void)tool_calls_parse(ToolCallFormat::detect, soup, &calls);
    }
}

TEST(ReasoningSplit, WholeOutput) {
    ReasoningSplit s = reasoning_split(
        "Need weather.\n</think>\nChecking.\n<tool_call>\n<function=w>\n<parameter=c>\nParis\n</parameter>\n"
        "</function>\n</tool_call>\n",
        ReasoningStart::inside_think);
    EXPECT_EQ(s.reasoning, "Need weather.");
    EXPECT_EQ(s.content, "Checking.\n\n");
    ASSERT_EQ(s.tool_calls.size(), 1u);
    EXPECT_EQ(s.tool_calls[0].name, "w");
    EXPECT_EQ(s.tool_calls[0].arguments_json, R"({"c":"Paris"})");
    EXPECT_TRUE(s.tool_call_error.empty());
}

TEST(ReasoningSplit, OrphanCloseWhenThinkingWasOff) {
    ReasoningSplit s = reasoning_split("I reason anyway.\n</think>\nAnswer.", ReasoningStart::outside_think);
    EXPECT_EQ(s.reasoning, "I reason anyway.");
    EXPECT_EQ(s.content, "Answer.");
}

TEST(ReasoningSplit, Nano2ToolCallAndBrokenCall) {
    ReasoningSplit s =
        reasoning_split("<think>\nR\n</think>\n<TOOLCALL>[{\"name\": \"f\", \"arguments\": {}}]</TOOLCALL>",
                        ReasoningStart::outside_think);
    EXPECT_EQ(s.reasoning, "R");
    ASSERT_EQ(s.tool_calls.size(), 1u);
    s = reasoning_split("<tool_call>\n<function=f>\n", ReasoningStart::outside_think);
    EXPECT_TRUE(s.tool_calls.empty());
    EXPECT_NE(s.tool_call_error.find("function 'f'"), std::string::npos) << s.tool_call_error;
}

}  // namespace
}  // namespace nd
