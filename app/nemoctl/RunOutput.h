#pragma once
// Where `nemoctl run` puts generated text: the answer streams to stdout as it comes; reasoning (between
// <think> and </think>, split by the engine's ReasoningParser) goes to stderr, dimmed when stderr is a
// terminal, or nowhere with --hide-reasoning; with --json nothing streams and one object is printed at
// the end. Also the stats line and the JSON object.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "gpu/chat/reasoning_parser.h"
#include "gpu/session/generate.h"

namespace nd::cli {

enum class ReasoningOutput { stderrStream = 1, hidden };
enum class OutputMode { stream = 1, json };

class RunOutput {
public:
    // `start`: nullopt for a raw completion (no reasoning split: all text is the answer).
    RunOutput(OutputMode mode, ReasoningOutput reasoning, std::optional<ReasoningStart> start);
    void piece(std::string_view text);  // from generate()'s callback
    void finish();                      // end of the turn: what the parser still holds
    const std::string &content() const { return m_content; }
    const std::string &reasoning() const { return m_reasoning; }
    const std::string &toolCallText() const { return m_toolCalls; }

private:
    void route(ReasoningChannel channel, std::string_view text);
    void closeDim();

    OutputMode m_mode;
    ReasoningOutput m_reasoningOutput;
    std::optional<ReasoningParser> m_parser;
    bool m_dim = false;            // stderr is a terminal
    bool m_dimOpen = false;        // an escape sequence is open on stderr
    bool m_stderrMidLine = false;  // reasoning on stderr did not end with a newline
    std::string m_content, m_reasoning, m_toolCalls;
};

// "prompt 12 tokens (345.6 t/s), generated 64 tokens (23.4 t/s), stop: length, seed 42" on stderr.
void printStats(const GenerateResult &r);

struct RunJsonInput {
    const GenerateResult *result = nullptr;
    const RunOutput *output = nullptr;
    std::string model;
    std::string device;
};
// The --json object (one line): text, reasoning, tokens, counts, timings, stop reason, seed.
std::string runJson(const RunJsonInput &in);

}  // namespace nd::cli
