// ReasoningParser: channels, markers split at every byte position, whitespace framing, hold-back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "gpu/chat/reasoning_parser.h"

namespace nd {
namespace {

using Json = nlohmann::ordered_json;
using Channels = std::vector<std::pair<ReasoningChannel, std::string>>;

// Feeds `pieces`, then merges adjacent deltas of one channel (across pushes) into one sequence.
Channels run(ReasoningStart start, const std::vector<std::string> &pieces,
             const ReasoningMarkers &markers = {}) {
    ReasoningParser parser(start, markers);
    std::vector<ReasoningDelta> deltas;
    for (const std::string &p : pieces)
        parser.push(p, &deltas);
    parser.finish(&deltas);
    Channels merged;
    for (const ReasoningDelta &d : deltas) {
        EXPECT_FALSE(d.text.empty()) << "empty delta";
        if (!merged.empty() && merged.back().first == d.channel)
            merged.back().second += d.text;
        else
            merged.emplace_back(d.channel, d.text);
    }
    return merged;
}

Channels whole(ReasoningStart start, const std::string &text) {
    return run(start, {text});
}

std::string show(const Channels &c) {
    std::string s;
    for (const auto &[ch, text] : c) {
        s += ch == ReasoningChannel::reasoning ? 'R' : ch == ReasoningChannel::content ? 'C' : 'T';
        s += '[';
        s += text;
        s += "] ";
    }
    return s;
}

constexpr auto R = ReasoningChannel::reasoning;
constexpr auto C = ReasoningChannel::content;
constexpr auto T = ReasoningChannel::tool_call;
constexpr auto kInside = ReasoningStart::inside_think;
constexpr auto kOutside = ReasoningStart::outside_think;

TEST(ReasoningParser, OrphanCloseEndsReasoningWhenStartingInside) {
    EXPECT_EQ(whole(kInside, "The user asks.\n</think>\nBerlin."),
              (Channels{{R, "The user asks."}, {C, "Berlin."}}));
}

TEST(ReasoningParser, ThinkAtStartOpensReasoningWhenStartingOutside) {
    EXPECT_EQ(whole(kOutside, "<think>\nPlan.\n</think>\nAnswer"), (Channels{{R, "Plan."}, {C, "Answer"}}));
    EXPECT_EQ(whole(kOutside, " \n<think>Plan</think>Answer"), (Channels{{R, "Plan"}, {C, "Answer"}}));
}

TEST(ReasoningParser, EmptyReasoning) {
    EXPECT_EQ(whole(kOutside, "<think></think>Hello"), (Channels{{C, "Hello"}}));
    EXPECT_EQ(whole(kInside, "</think>Hello"), (Channels{{C, "Hello"}}));
    EXPECT_EQ(whole(kInside, "\n</think>\n\nHello"), (Channels{{C, "\nHello"}}));
}

TEST(ReasoningParser, ThinkLaterIsText) {
    EXPECT_EQ(whole(kOutside, "Hi <think> x"), (Channels{{C, "Hi <think> x"}}));
}

TEST(ReasoningParser, RedundantThinkAtStartInsideIsDropped) {
    EXPECT_EQ(whole(kInside, "<think>\nR\n</think>\nC"), (Channels{{R, "R"}, {C, "C"}}));
}

TEST(ReasoningParser, OrphanCloseOutsideIsDroppedFromContent) {
    EXPECT_EQ(whole(kOutside, "R</think>\nC"), (Channels{{C, "RC"}}));
}

TEST(ReasoningParser, OnlyOneFramingNewlineIsRemoved) {
    EXPECT_EQ(whole(kInside, "\nR\n\n</think>\n\nC\n"), (Channels{{R, "\nR\n"}, {C, "\nC\n"}}));
}

TEST(ReasoningParser, ToolCallEndsReasoningImplicitly) {
    EXPECT_EQ(whole(kInside, "R\n<tool_call>\n<function=f>\n</function>\n</tool_call>\n"),
              (Channels{{R, "R"}, {T, "\n<function=f>\n</function>\n"}, {C, "\n"}}));
    EXPECT_EQ(whole(kInside, "R<TOOLCALL>[{\"name\":\"f\"}]</TOOLCALL>"),
              (Channels{{R, "R"}, {T, "[{\"name\":\"f\"}]"}}));
}

TEST(ReasoningParser, ToolCallAfterContent) {
    EXPECT_EQ(whole(kInside, "R</think>\nLet me look.\n<tool_call>X</tool_call>\n<tool_call>Y</tool_call>"),
              (Channels{{R, "R"}, {C, "Let me look.\n"}, {T, "X"}, {C, "\n"}, {T, "Y"}}));
}

TEST(ReasoningParser, ToolCloseMustMatchOpener) {
    // Inside <TOOLCALL> only </TOOLCALL> closes; "</tool_call>" is body text.
    EXPECT_EQ(whole(kOutside, "<TOOLCALL>a</tool_call>b</TOOLCALL>c"),
              (Channels{{T, "a</tool_call>b"}, {C, "c"}}));
}

TEST(ReasoningParser, UnclosedToolCallIsFlushedAtFinish) {
    EXPECT_EQ(whole(kOutside, "<tool_call>\n<function=f>\n</tool_"),
              (Channels{{T, "\n<function=f>\n</tool_"}}));
}

TEST(ReasoningParser, UnfinishedMarkerPrefixIsFlushedAsText) {
    EXPECT_EQ(whole(kOutside, "a < b </thin and </think"), (Channels{{C, "a < b </thin and </think"}}));
    EXPECT_EQ(whole(kInside, "abc\n"), (Channels{{R, "abc\n"}}));
    EXPECT_EQ(whole(kOutside, "  \n"), (Channels{{C, "  \n"}}));
    EXPECT_EQ(whole(kOutside, "<thi"), (Channels{{C, "<thi"}}));
}

TEST(ReasoningParser, HoldsBackOnlyAPossibleMarkerPrefix) {
    ReasoningParser parser(kOutside);
    std::vector<ReasoningDelta> out;
    parser.push("Hello", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "Hello");
    out.clear();
    parser.push(" world <", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, " world ");
    out.clear();
    parser.push("b>", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "<b>");
    out.clear();
    parser.push("x</thi", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "x");
    out.clear();
    parser.push("s>", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "</this>");
}

TEST(ReasoningParser, ReasoningHoldsATrailingNewline) {
    ReasoningParser parser(kInside);
    std::vector<ReasoningDelta> out;
    parser.push("step one\n", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "step one");
    out.clear();
    parser.push("step two", &out);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_EQ(out[0].text, "\nstep two");
    EXPECT_EQ(out[0].channel, R);
}

TEST(ReasoningParser, DeltasOfOnePushAreMergedPerChannel) {
    ReasoningParser parser(kInside);
    std::vector<ReasoningDelta> out;
    parser.push("a", &out);
    parser.push("b</think>c<tool_call>d</tool_call>e", &out);
    // The first push's "a" stays its own delta; the second push gives one delta per channel run.
    ASSERT_EQ(out.size(), 5u);
    EXPECT_EQ(out[0].text, "a");
    EXPECT_EQ(out[1].text, "b");
    EXPECT_EQ(out[2].text, "c");
    EXPECT_EQ(out[3].channel, T);
    EXPECT_EQ(out[3].text, "d");
    EXPECT_EQ(out[4].text, "e");
}

TEST(ReasoningParser, StartForPrompt) {
    EXPECT_EQ(reasoning_start_for_prompt("<|im_start|>assistant\n<think>\n"), kInside);
    EXPECT_EQ(reasoning_start_for_prompt("<|im_start|>assistant\n<think></think>"), kOutside);
    EXPECT_EQ(reasoning_start_for_prompt(""), kOutside);
}

// Every 2-way and 3-way split, and byte by byte, gives the one-piece result.
const std::vector<std::string> &split_cases() {
    static const std::vector<std::string> cases = {
        "The user asks.\n</think>\nBerlin.",
        "<think>\nPlan.\n</think>\nAnswer",
        " \n<think></think>Hi",
        "<think>\n</think>\n",
        "R\n<tool_call>\n<function=f>\n<parameter=a>\n1\n</parameter>\n</function>\n</tool_call>\n",
        "R</think><TOOLCALL>[{\"name\":\"f\",\"arguments\":{}}]</TOOLCALL>",
        "a < b </thin and </think",
        "x\n\n</think>\n\ny<tool_call>z</tool_cal",
        "Grüße \xe4\xb8\xad\n</think>\n\xf0\x9f\x98\x80",
        "<<think>></think>><</think>",
    };
    return cases;
}

TEST(ReasoningParser, EverySplitMatchesWhole) {
    for (ReasoningStart start : {kInside, kOutside}) {
        for (const std::string &text : split_cases()) {
            const Channels expected = whole(start, text);
            std::vector<std::string> bytes;
            for (char c : text)
                bytes.emplace_back(1, c);
            ASSERT_EQ(run(start, bytes), expected)
                << "byte by byte: " << text << "\nexpected " << show(expected);
            for (size_t i = 0; i <= text.size(); ++i) {
                ASSERT_EQ(run(start, {text.substr(0, i), text.substr(i)}), expected)
                    << text << " split at " << i;
                for (size_t j = i; j <= text.size(); ++j) {
                    ASSERT_EQ(run(start, {text.substr(0, i), text.substr(i, j - i), text.substr(j)}),
                              expected)
                        << text << " split at " << i << ", " << j;
                }
            }
        }
    }
}

TEST(ReasoningParser, CustomMarkersSharingAPrefixSplitConsistently) {
    ReasoningMarkers markers;
    markers.think_close = "[/T]";
    markers.tool_open = {"[CALL]", "[CALL_LONG]"};
    markers.tool_close = {"[/CALL]", "[/CALL_LONG]"};
    const std::string text = "r[CALL_LONG]x[/CALL]y[/CALL_LONG]y[/T]z[CALL]w[/CALL";
    const Channels expected = run(kInside, {text}, markers);
    EXPECT_EQ(expected, (Channels{{R, "r"}, {T, "x[/CALL]y"}, {C, "yz"}, {T, "w[/CALL"}}));
    for (size_t i = 0; i <= text.size(); ++i)
        EXPECT_EQ(run(kInside, {text.substr(0, i), text.substr(i)}, markers), expected) << "split at " << i;
}

// Random texts built from marker fragments, cut into random pieces: always the one-piece result.
TEST(ReasoningParser, RandomFragmentsSplitAnywhere) {
    const std::vector<std::string> fragments = {
        "<think>", "</think>", "<tool_call>", "</tool_call>", "<TOOLCALL>", "</TOOLCALL>", "<",    "</",
        "\n",      " ",        "a",           "\xc3\xa9",     "<thi",       "</tool",      "\n\n", "think>"};
    uint32_t state = 7;
    auto next = [&](uint32_t n) {
        state = state * 1664525u + 1013904223u;
        return (state >> 8) % n;
    };
    for (int round = 0; round < 400; ++round) {
        std::string text;
        for (uint32_t k = 0, len = 1 + next(24); k < len; ++k)
            text += fragments[next(static_cast<uint32_t>(fragments.size()))];
        for (ReasoningStart start : {kInside, kOutside}) {
            const Channels expected = whole(start, text);
            for (int cut = 0; cut < 8; ++cut) {
                std::vector<std::string> pieces;
                for (size_t pos = 0; pos < text.size();) {
                    size_t len = std::min<size_t>(text.size() - pos, next(9));
                    pieces.push_back(text.substr(pos, len));
                    pos += len;
                }
                ASSERT_EQ(run(start, pieces), expected) << Json(text).dump();
            }
        }
    }
}

// A long output full of markers is split in one pass (no copy per marker): 200k markers in 2.6 MB.
TEST(ReasoningParser, ManyMarkersInOneLongText) {
    std::string text;
    for (int i = 0; i < 100000; ++i)
        text += "ab</think>cd<tool_call>x</tool_call>";
    ReasoningSplit split = reasoning_split(text, ReasoningStart::inside_think);
    EXPECT_EQ(split.reasoning, "ab");
    EXPECT_EQ(split.tool_call_text.size(), 100000u);
    EXPECT_EQ(split.content.size(), 2u + 4u * 99999u);  // "cd", then "ab" + "cd" (orphan </think> dropped)
}

}  // namespace
}  // namespace nd
