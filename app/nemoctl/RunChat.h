#pragma once
// `nemoctl run`'s prompts: UTF-8 checks with the byte offset, the model's chat template with the
// thinking switch, and a conversation that keeps a session in step with its rendering so each turn of
// `run -i` evaluates only its new tokens. Plain C++ on the gpu/ engine (no Qt), to keep RunCommand.cpp
// about options and output.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "gpu/common/status.h"
#include "gpu/model/model.h"
#include "gpu/session/session.h"

namespace nd::cli {

// Byte offset of the first invalid UTF-8 sequence (bad lead or continuation byte, truncated, overlong,
// surrogate, above U+10FFFF), or nullopt when the text is valid.
std::optional<size_t> utf8InvalidOffset(std::string_view text);
// "invalid UTF-8 in the prompt at byte 17 (0xff)": nullopt when valid.
std::optional<std::string> utf8Problem(std::string_view text, std::string_view what);

// The raw bytes of the value of one of `names` ("--prompt", "--chat") on this process's command line
// (Qt decodes arguments and replaces invalid bytes, which would hide them): Linux /proc/self/cmdline;
// nullopt when unavailable or not found.
std::optional<std::string> rawOptionValue(const std::vector<std::string> &names);

// What a model's chat template offers.
struct ChatSetup {
    std::string source;          // tokenizer.chat_template ("" when absent: the family fallback decides)
    std::string name;            // for messages: "model.gguf:tokenizer.chat_template"
    std::string family;          // chat_template_family(): "nemotron3", "nemotron-nano2", "chatml", … or ""
    bool thinking = false;       // the template has a thinking switch (enable_thinking or Nano 2's /think)
    std::string bos, eos;        // the model's BOS/EOS token texts ("" when none)
    std::string fallbackFamily;  // --family: the built-in format when the template is absent or fails
};
ChatSetup chatSetup(const Model &model, const std::string &modelPath, const std::string &fallbackFamily);

// Renders messages (an array of {role, content, …}), with the generation prompt unless `history_only`;
// `think` sets enable_thinking (and Nano 2's "/no_think" in the system turn). *note: why a fallback
// format was used.
enum class RenderPart { withGenerationPrompt = 1, historyOnly };
Status chatRender(const ChatSetup &setup, const nlohmann::ordered_json &messages, bool think,
                  std::string *prompt, std::string *note, RenderPart part = RenderPart::withGenerationPrompt);

// Tokens of a prompt text: special tokens written in it are recognised (a rendered chat is made of
// them); BOS as the tokenizer's default says, unless the text already starts with it.
Status promptTokens(const Tokenizer *tokenizer, std::string_view text, std::vector<int32_t> *out);

// Interactive chat on one session: each turn the whole conversation is rendered again and only the
// tokens beyond what the session holds are evaluated. When the rendering changed earlier tokens (a
// template that drops past reasoning, a generated text that tokenizes differently), the session goes
// back to the longest common prefix: truncate() where the model has no recurrent layers, otherwise the
// snapshot taken during the previous turn where its history ended, before the generation prompt (Mamba
// state cannot be rolled back), otherwise it starts over and re-reads the conversation.
class Conversation {
public:
    explicit Conversation(Session *session);
    // Brings the session to a prefix of `full`; *suffix gets the rest (never empty). *note says when
    // earlier turns had to be re-read.
    Status prepare(const std::vector<int32_t> &full, std::vector<int32_t> *suffix, std::string *note);
    // Evaluates all but the last token of `suffix` and returns that one, for generate(). For recurrent
    // models it snapshots the state on the way, after `stable` tokens of the sequence (the conversation
    // without its generation prompt: what the next turn's rendering repeats), or at the end when
    // `stable` is not inside this turn's tokens.
    Status evalAllButLast(const std::vector<int32_t> &suffix, size_t stable, int32_t *last, double *seconds);

private:
    Session *m_session;
    bool m_recurrent = false;
    SessionSnapshot m_snapshot;
    bool m_haveSnapshot = false;
};

}  // namespace nd::cli
