// Fuzz target: the chat-template interpreter (gpu/chat/chat_template.h) on hostile template text.
// Input: the whole input is the template source; the variables are a fixed, realistic object (messages
// with tool calls, tools, flags), so the fuzzer spends its time on syntax and semantics.
// Promises checked beyond "no crash": parsing and rendering never throw across the API, a render that
// succeeds respects the output budget, rendering is deterministic (same input, same output or error),
// and the small budgets below bound time (libFuzzer's -timeout catches a render that runs away).
#include <cstddef>
#include <cstdint>
#include <string>

#include "FuzzCheck.h"
#include "gpu/chat/chat_template.h"

namespace {

const nlohmann::ordered_json &fuzzVars() {
    static const nlohmann::ordered_json vars = nlohmann::ordered_json::parse(R"({
      "messages": [
        {"role": "system", "content": "You are helpful."},
        {"role": "user", "content": "Weather in Paris? 🇫🇷"},
        {"role": "assistant", "content": "<think>\nlook it up\n</think>\n", "reasoning_content": "r",
         "tool_calls": [{"id": "call_1", "type": "function",
                         "function": {"name": "get_weather", "arguments": {"city": "Paris", "days": 2}}}]},
        {"role": "tool", "tool_call_id": "call_1", "name": "get_weather", "content": "21C"},
        {"role": "assistant", "content": null}
      ],
      "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather.",
                 "parameters": {"type": "object", "properties": {"city": {"type": "string"},
                 "unit": {"type": "string", "enum": ["c", "f"]}}, "required": ["city"]}}}],
      "add_generation_prompt": true, "enable_thinking": false, "bos_token": "<s>", "eos_token": "</s>",
      "n": 3, "x": 1.5, "flags": [true, false, null]
    })");
    return vars;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string source(reinterpret_cast<const char *>(data), size);
    nd::ChatTemplate *raw = nullptr;
    const nd::Status parsed = nd::chat_template_parse(source, "fuzz.jinja", &raw);
    nd::ChatTemplatePtr tmpl(raw);
    ND_FUZZ_CHECK(parsed.ok() == (tmpl != nullptr));
    if (!parsed.ok()) {
        ND_FUZZ_CHECK(!parsed.message.empty());
        return 0;
    }
    nd::ChatRenderOptions options;
    options.max_output_bytes = 1 << 20;
    options.max_steps = 200'000;
    options.max_depth = 40;
    options.now_unix_s = 1767225600;
    std::string first, second;
    const nd::Status a = nd::chat_template_render(tmpl.get(), fuzzVars(), &first, options);
    const nd::Status b = nd::chat_template_render(tmpl.get(), fuzzVars(), &second, options);
    ND_FUZZ_CHECK(a.ok() == b.ok());
    ND_FUZZ_CHECK(first == second);
    ND_FUZZ_CHECK(a.message == b.message);
    if (a.ok())
        ND_FUZZ_CHECK(first.size() <= options.max_output_bytes);
    return 0;
}
