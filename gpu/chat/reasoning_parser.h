#pragma once
// Splits a model's streamed output into reasoning, answer and tool calls (spec §4.4 and §6.10):
//   - the prompt may already be inside <think> (Nemotron 3 with thinking on ends the prompt with
//     "<think>\n"): construct with ReasoningStart::inside_think and an orphan "</think>" closes it;
//   - "<tool_call>" (or Nano 2's "<TOOLCALL>") while reasoning is open ends the reasoning implicitly;
//   - markers may arrive split across pieces ("</thi" + "nk>"): text that could still be the start of a
//     marker is held back until it is decided, and nothing else is delayed.
// Pieces are raw text, as TokenStreamDecoder produces it.
#include <string>
#include <string_view>
#include <vector>

namespace nd {

enum class ReasoningStart { outside_think = 1, inside_think = 2 };

enum class ReasoningChannel { reasoning = 1, content = 2, tool_call = 3 };

struct ReasoningDelta {
    ReasoningChannel channel = ReasoningChannel::content;
    std::string text;  // markers themselves are never included
};

struct ReasoningMarkers {
    std::string think_open = "<think>";
    std::string think_close = "</think>";
    std::vector<std::string> tool_open = {"<tool_call>", "<TOOLCALL>"};
    std::vector<std::string> tool_close = {"</tool_call>", "</TOOLCALL>"};
};

class ReasoningParser {
public:
    explicit ReasoningParser(ReasoningStart start, ReasoningMarkers markers = {});
    // Appends the deltas this piece decides (adjacent deltas of one channel are merged).
    void push(std::string_view piece, std::vector<ReasoningDelta> *out);
    // End of stream: whatever was held back, in its channel.
    void finish(std::vector<ReasoningDelta> *out);

private:
    ReasoningMarkers m_markers;
    ReasoningChannel m_channel;
    ReasoningChannel m_channel_before_tool = ReasoningChannel::content;
    std::string m_held;
};

}  // namespace nd
