#pragma once
// Chat templates: the Jinja text a model ships in `tokenizer.chat_template`, rendered by our own
// interpreter of the Jinja subset real templates use (statements: if/elif/else, for with loop.* and
// else, set (incl. block set), macro/call, filter blocks, namespace(), break/continue (loopcontrols),
// whitespace control; expressions: literals, lists, dicts, tuples, slicing, attribute/item access,
// arithmetic, comparisons, `in`, `is` tests, `~`, the ternary `a if c else b`; the filters, tests and
// string/list/dict methods the real templates call). Rendering matches Hugging Face's environment
// (Jinja2 sandbox, trim_blocks, lstrip_blocks, loopcontrols, raise_exception, tojson with ensure_ascii=False,
// strftime_now) byte for byte: see tests/gpu/chat and tools/reference/render_template.py.
//
// A template is parsed once and rendered many times; a ChatTemplate is immutable and thread-safe to render.
// Rendering has budgets (output bytes, loop iterations, recursion depth) so a hostile template ends with an
// error, never a hang or unbounded memory.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "gpu/common/status.h"

namespace nd {

struct ChatTemplate;  // opaque

// Parse errors carry the template name, line and column: "Nemotron.jinja:12:8: expected 'endfor', got
// 'endif'".
Status chat_template_parse(std::string_view source, const std::string &name, ChatTemplate **out);
void chat_template_free(ChatTemplate *tmpl);
struct ChatTemplateDeleter {
    void operator()(ChatTemplate *t) const { chat_template_free(t); }
};
using ChatTemplatePtr = std::unique_ptr<ChatTemplate, ChatTemplateDeleter>;

struct ChatRenderOptions {
    uint64_t max_output_bytes = 64ull << 20;
    uint64_t max_steps = 50'000'000;  // statements + expression nodes evaluated
    int max_depth = 200;              // macro/call recursion and nesting
    // What strftime_now() sees, in seconds since the Unix epoch (local time zone); 0 = the real clock.
    // Tests pin it so renders are comparable.
    int64_t now_unix_s = 0;
};

// Renders with the variables in `vars` (an object: messages, tools, add_generation_prompt, enable_thinking,
// bos_token, eos_token, … whatever the caller passes). Errors carry the template name and line, and
// raise_exception(msg) gives its message: "Qwen.jinja:40: raise_exception: Conversation roles must
// alternate user/assistant".
Status chat_template_render(const ChatTemplate *tmpl, const nlohmann::ordered_json &vars, std::string *out,
                            const ChatRenderOptions &options = {});

// "nemotron3", "nemotron-nano2", "nemotron-mini", "llama3", "chatml", … from the template's text (known
// markers), or "" when unrecognised. `nemoctl info` shows it; the fallback below uses it.
std::string chat_template_family(std::string_view template_source);

}  // namespace nd
