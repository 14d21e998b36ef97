// `nemoctl run`'s output: see RunOutput.h.
#include "RunOutput.h"

#include <unistd.h>

#include <cstdio>
#include <vector>

#include <nlohmann/json.hpp>

namespace nd::cli {
namespace {

void write(FILE *to, std::string_view text) {
    std::fwrite(text.data(), 1, text.size(), to);
    std::fflush(to);
}

double perSecond(int64_t n, double seconds) {
    return seconds > 0 ? static_cast<double>(n) / seconds : 0.0;
}

}  // namespace

RunOutput::RunOutput(OutputMode mode, ReasoningOutput reasoning, std::optional<ReasoningStart> start)
    : m_mode(mode), m_reasoningOutput(reasoning) {
    if (start)
        m_parser.emplace(*start);
    m_dim = isatty(STDERR_FILENO) == 1;
}

void RunOutput::piece(std::string_view text) {
    if (text.empty())
        return;
    if (!m_parser) {
        route(ReasoningChannel::content, text);
        return;
    }
    std::vector<ReasoningDelta> deltas;
    m_parser->push(text, &deltas);
    for (const ReasoningDelta &d : deltas)
        route(d.channel, d.text);
}

void RunOutput::finish() {
    if (m_parser) {
        std::vector<ReasoningDelta> deltas;
        m_parser->finish(&deltas);
        for (const ReasoningDelta &d : deltas)
            route(d.channel, d.text);
    }
    closeDim();
}

void RunOutput::route(ReasoningChannel channel, std::string_view text) {
    if (channel == ReasoningChannel::reasoning) {
        m_reasoning.append(text);
        if (m_mode == OutputMode::json || m_reasoningOutput == ReasoningOutput::hidden)
            return;
        if (m_dim && !m_dimOpen) {
            write(stderr, "\x1b[2m");
            m_dimOpen = true;
        }
        write(stderr, text);
        m_stderrMidLine = text.back() != '\n';
        return;
    }
    closeDim();
    if (channel == ReasoningChannel::tool_call) {
        // A plain terminal has no tool to call: the call is shown, markers included, as the model wrote it.
        m_toolCalls.append(text);
        if (m_mode == OutputMode::stream)
            write(stdout, "<tool_call>" + std::string(text) + "</tool_call>");
        return;
    }
    m_content.append(text);
    if (m_mode == OutputMode::stream)
        write(stdout, text);
}

// Ends the reasoning on stderr: the dim attribute off, and the line closed so that what follows on
// stderr (the stats line) starts on its own line.
void RunOutput::closeDim() {
    if (m_dimOpen) {
        write(stderr, "\x1b[0m");
        m_dimOpen = false;
    }
    if (m_stderrMidLine) {
        write(stderr, "\n");
        m_stderrMidLine = false;
    }
}

void printStats(const GenerateResult &r) {
    char line[256];
    std::snprintf(line, sizeof line,
                  "prompt %lld tokens (%.1f t/s), generated %lld tokens (%.1f t/s), stop: %s, seed %llu\n",
                  static_cast<long long>(r.prompt_tokens), perSecond(r.prompt_tokens, r.prompt_seconds),
                  static_cast<long long>(r.completion_tokens),
                  perSecond(r.completion_tokens, r.decode_seconds), stop_reason_name(r.stop_reason),
                  static_cast<unsigned long long>(r.seed));
    write(stderr, line);
}

std::string runJson(const RunJsonInput &in) {
    const GenerateResult &r = *in.result;
    nlohmann::ordered_json o;
    o["model"] = in.model;
    o["device"] = in.device;
    o["text"] = in.output->content();
    o["reasoning"] = in.output->reasoning();
    if (!in.output->toolCallText().empty())
        o["tool_call_text"] = in.output->toolCallText();
    o["tokens"] = r.tokens;
    o["prompt_tokens"] = r.prompt_tokens;
    o["completion_tokens"] = r.completion_tokens;
    o["timings"] = {{"prompt_ms", r.prompt_seconds * 1000.0},
                    {"decode_ms", r.decode_seconds * 1000.0},
                    {"prompt_tokens_per_second", perSecond(r.prompt_tokens, r.prompt_seconds)},
                    {"decode_tokens_per_second", perSecond(r.completion_tokens, r.decode_seconds)}};
    o["stop_reason"] = stop_reason_name(r.stop_reason);
    o["seed"] = r.seed;
    // The text is UTF-8 by construction (the stream decoder never splits a character); replace anyway
    // rather than throw if a byte-level vocabulary ever produced something else.
    return o.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

}  // namespace nd::cli
