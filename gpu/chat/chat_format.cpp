// The families' built-in prompt formats, written to give byte for byte what the real templates render
// (NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja, NVIDIA-Nemotron-Nano-v2.jinja,
// meta-llama-Llama-3.1-8B-Instruct.jinja, Qwen2.5-style ChatML; tests/gpu/chat/format_reference_test.cpp
// compares them). Nemotron-Mini has no reference template here: its format follows spec §3.5 and the
// layout of its model card's template (system block, "<extra_id_1>Role\n" turns).
// Each renderer mirrors its template's control flow step by step, including its quirks (Nemotron 3
// opens no user turn for a tool message that comes first; Llama 3.1 JSON-quotes tool results), so a
// change there is easy to follow here. Python's str(), str.strip() and json.dumps are reproduced below.
#include "gpu/chat/chat_format.h"

#include <cstdint>
#include <cstdio>

#include "gpu/chat/chat_format_internal.h"

namespace nd {

using namespace chat_format_detail;  // NOLINT(google-build-using-namespace): this file is their front

std::string_view chat_family_name(ChatFamily family) {
    switch (family) {
        case ChatFamily::nemotron3:
            return "nemotron3";
        case ChatFamily::nemotron_nano2:
            return "nemotron-nano2";
        case ChatFamily::nemotron_mini:
            return "nemotron-mini";
        case ChatFamily::llama3:
            return "llama3";
        case ChatFamily::chatml:
            return "chatml";
    }
    return "unknown";
}

bool chat_family_from_name(std::string_view name, ChatFamily *out) {
    for (ChatFamily f : {ChatFamily::nemotron3, ChatFamily::nemotron_nano2, ChatFamily::nemotron_mini,
                         ChatFamily::llama3, ChatFamily::chatml}) {
        if (chat_family_name(f) == name) {
            *out = f;
            return true;
        }
    }
    return false;
}

Status chat_format_render(ChatFamily family, const nlohmann::ordered_json &vars, std::string *out) {
    if (!vars.is_object())
        return ND_STATUS(StatusCode::invalid_argument, "chat format: the variables must be a JSON object");
    try {
        switch (family) {
            case ChatFamily::nemotron3:
                *out = render_nemotron3(vars);
                break;
            case ChatFamily::nemotron_nano2:
                *out = render_nano2(vars);
                break;
            case ChatFamily::nemotron_mini:
                *out = render_mini(vars);
                break;
            case ChatFamily::llama3:
                *out = render_llama3(vars);
                break;
            case ChatFamily::chatml:
                *out = render_chatml(vars);
                break;
            default:
                return ND_STATUS(StatusCode::invalid_argument, "chat format: unknown family");
        }
    } catch (const FormatError &e) {
        return ND_STATUS(StatusCode::invalid_argument,
                         "chat format " + std::string(chat_family_name(family)) + ": " + e.message);
    } catch (const std::exception &e) {  // nlohmann type errors on odd variables
        return ND_STATUS(StatusCode::invalid_argument,
                         "chat format " + std::string(chat_family_name(family)) + ": " + e.what());
    }
    return Status::success();
}

}  // namespace nd
