#pragma once
// What a conversation becomes when a model's own template cannot be used (absent, or fails to parse or
// render): the family's known format, written in C++ (spec §3.5, §4.4, §4.5; Llama 3; plain ChatML).
// Also the single place that decides which template text and variables a model gets
// (chat_prompt_render), so the engine, the API and `nemoctl template` agree.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gpu/common/status.h"

namespace nd {

// Families with a built-in format. chat_format_family_names() lists them for messages.
enum class ChatFamily { nemotron3 = 1, nemotron_nano2, nemotron_mini, llama3, chatml };
std::string_view chat_family_name(ChatFamily family);
bool chat_family_from_name(std::string_view name, ChatFamily *out);

// Renders vars (messages, add_generation_prompt, enable_thinking, tools, …) in the family's format.
// nemotron3, nemotron-nano2 and llama3 give what their real templates give for every input those accept
// (tests/gpu/chat/format_reference_test.cpp), quirks included: Nano 2 switches thinking only with
// "/think" and "/no_think" in a system or user message (it ignores enable_thinking, like its template);
// Llama 3.1 prints `date_string` (default "26 Jul 2024", as its template) and no clock. chatml is
// Qwen2.5's layout without its default system message. nemotron-mini follows spec §3.5 (no reference
// template available). Where a template would fail, the format may be more lenient (tool-call arguments
// given as a JSON string are parsed) or fail with the same message; errors are invalid_argument.
Status chat_format_render(ChatFamily family, const nlohmann::ordered_json &vars, std::string *out);

struct ChatPromptResult {
    std::string text;
    bool used_fallback = false;  // true when the model's own template could not be used
    std::string note;            // why the fallback was used ("template.jinja:3:1: unknown tag 'foo'")
};

// The model's template when it parses and renders; otherwise the fallback family (`fallback_family` when
// given, else chat_template_family() of the template's markers) with a note. An error only when neither
// works: unsupported "…: no chat template and no known family: pass --family (…)"; an unknown
// `fallback_family` name is invalid_argument even when the template works.
Status chat_prompt_render(std::string_view template_source, const std::string &template_name,
                          const nlohmann::ordered_json &vars, std::string_view fallback_family,
                          ChatPromptResult *out);

}  // namespace nd
