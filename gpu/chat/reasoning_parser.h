#pragma once
// Splits a model's streamed output into reasoning, answer and tool calls (spec §4.4 and §6.10):
//   - the prompt may already be inside <think> (Nemotron 3 with thinking on ends the prompt with
//     "<think>\n"): construct with ReasoningStart::inside_think and an orphan "</think>" closes it;
//   - "<tool_call>" (or Nano 2's "<TOOLCALL>") while reasoning is open ends the reasoning implicitly;
//   - markers may arrive split across pieces ("</thi" + "nk>"): text that could still be the start of a
//     marker is held back until it is decided, and nothing else is delayed.
// Pieces are raw text, as TokenStreamDecoder produces it.
//
// Whitespace (chosen so that a parsed turn re-renders exactly through Nemotron 3's reasoning_content path,
// which writes "<think>\n{reasoning}\n</think>\n{content}"):
//   - one "\n" right after a "<think>" seen in the output is dropped (the prompt's own "<think>\n" already
//     carries it when starting inside_think);
//   - one "\n" right before the marker that ends reasoning ("</think>" or a tool-call opener) is dropped;
//     it is the one reasoning channel byte that is held back even though it is no marker prefix;
//   - one "\n" right after "</think>" is dropped from the content.
//   - "<think>" opens reasoning only at the very start of the output (after optional whitespace, which is
//     then dropped); later it is ordinary text. An orphan "</think>" while outside reasoning (thinking off
//     but the model reasoned anyway) is dropped from the content; reasoning_split() goes further and
//     treats the text before it as reasoning, which a stream cannot do after the fact.
// Tool-call text (between the markers, markers excluded) goes to the tool_call channel; consecutive calls
// concatenate there, which tool_calls_parse() accepts (both formats are self-delimiting).
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpu/common/status.h"

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
    std::vector<std::string> tool_close = {"</tool_call>", "</TOOLCALL>"};  // paired with tool_open by index
};

class ReasoningParser {
public:
    explicit ReasoningParser(ReasoningStart start, ReasoningMarkers markers = {});
    // Appends the deltas this piece decides (adjacent deltas of one channel are merged).
    void push(std::string_view piece, std::vector<ReasoningDelta> *out);
    // End of stream: whatever was held back, in its channel.
    void finish(std::vector<ReasoningDelta> *out);
    // The channel the next decided text goes to.
    ReasoningChannel channel() const { return m_channel; }

private:
    struct Match {
        size_t pos = std::string::npos;
        size_t length = 0;
        int kind = 0;  // see reasoning_parser.cpp
        size_t tool_index = 0;
    };
    Match find_marker(std::string_view held, size_t *hold_from) const;
    void emit(ReasoningChannel channel, std::string_view text, std::vector<ReasoningDelta> *out);
    bool consume_start(std::string_view *rest);
    void drain(bool final, std::vector<ReasoningDelta> *out);
    void drain_view(bool final, std::string_view *rest, std::vector<ReasoningDelta> *out);

    ReasoningMarkers m_markers;
    ReasoningChannel m_channel;
    ReasoningChannel m_channel_before_tool = ReasoningChannel::content;
    std::string m_held;
    size_t m_tool_index = 0;      // which tool_open opened the current call
    bool m_at_start = true;       // nothing but whitespace seen yet: a "<think>" may still open
    bool m_drop_newline = false;  // drop one "\n" at the start of the next text
    size_t m_out_begin = 0;       // deltas before this index in *out belong to an earlier call
};

// Where a stream starts, from the prompt that produced it: inside_think when the prompt (trailing
// whitespace ignored) ends with the think_open marker.
ReasoningStart reasoning_start_for_prompt(std::string_view prompt, const ReasoningMarkers &markers = {});

// One structured tool call: the function name and its arguments as a JSON object text.
struct ToolCall {
    std::string name;
    std::string arguments_json;  // "{\"city\":\"Paris\"}"
};

// The formats inside the tool-call markers:
//   nemotron3_xml: <function=NAME>\n<parameter=P>\nVALUE\n</parameter>\n</function> (Nemotron 3, spec §4.4)
//   nano2_json:    [{"name": …, "arguments": {…}}, …] (Nemotron Nano 2, spec §4.5)
//   detect:        per call, from its first character: '<' XML, '[' a list, '{' a single {"name","arguments"}
enum class ToolCallFormat { detect = 1, nemotron3_xml, nano2_json };

// Parses the tool_call channel text (one or more calls, concatenated) into calls. XML parameter values
// are typed with the tools' JSON schemas when `tools` (the request's tools array) is given: a "string"
// parameter stays text; otherwise a value that is valid JSON (or Python's True/False/None, as the
// template's `| string` writes them) becomes that JSON, and anything else a string. Malformed text is an
// invalid_argument error naming the call and what was expected; *out then holds the calls before it.
Status tool_calls_parse(ToolCallFormat format, std::string_view text, std::vector<ToolCall> *out,
                        const nlohmann::ordered_json *tools = nullptr);

// A whole output at once (non-streaming API, history): the streaming parser's channels, concatenated,
// plus the parsed tool calls. Starting outside_think, an orphan "</think>" before any "<think>" makes the
// text before it reasoning (the model reasoned although thinking was off).
struct ReasoningSplit {
    std::string reasoning;
    std::string content;
    std::string tool_call_text;  // raw bodies, concatenated
    std::vector<ToolCall> tool_calls;
    std::string tool_call_error;  // non-empty when tool_call_text did not fully parse
};
ReasoningSplit reasoning_split(std::string_view text, ReasoningStart start,
                               const nlohmann::ordered_json *tools = nullptr,
                               const ReasoningMarkers &markers = {});

}  // namespace nd
