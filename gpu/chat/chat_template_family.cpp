// chat_template_family(): which known conversation format a template's text implements, from markers
// that only that family's templates contain. Used by `nemoctl info` and by the fallback renderer when a
// model's template cannot be used. Most specific first: Nemotron 3 is ChatML plus its reasoning rules.
#include <string_view>

#include "gpu/chat/chat_template.h"

namespace nd {

namespace {

bool has(std::string_view text, std::string_view marker) {
    return text.find(marker) != std::string_view::npos;
}

}  // namespace

std::string chat_template_family(std::string_view source) {
    if (has(source, "<SPECIAL_10>") || has(source, "<SPECIAL_11>"))
        return "nemotron-nano2";  // spec §4.5: System/User/Assistant after <SPECIAL_1x> markers
    if (has(source, "<extra_id_0>") || has(source, "<extra_id_1>"))
        return "nemotron-mini";  // spec §3.5
    if (has(source, "<|im_start|>")) {
        // Nemotron 3 Nano (spec §4.4): ChatML whose history keeps only the answer after </think>; the
        // variable that switches it is unique to that template family.
        if (has(source, "truncate_history_thinking"))
            return "nemotron3";
        return "chatml";
    }
    if (has(source, "<|start_header_id|>") && has(source, "<|eot_id|>"))
        return "llama3";
    return "";
}

}  // namespace nd
