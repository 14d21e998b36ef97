// chat_prompt_render: the model's own template first; when it is absent or fails, the family's built-in
// format, with a note saying why. Kept apart from chat_format.cpp so the family formats and their tests
// do not need the Jinja interpreter.
#include <string>

#include "gpu/chat/chat_format.h"
#include "gpu/chat/chat_template.h"

namespace nd {
namespace {

std::string family_list() {
    std::string names;
    for (ChatFamily f : {ChatFamily::nemotron3, ChatFamily::nemotron_nano2, ChatFamily::nemotron_mini,
                         ChatFamily::llama3, ChatFamily::chatml}) {
        names += (names.empty() ? "" : ", ") + std::string(chat_family_name(f));
    }
    return names;
}

// The model's template, parsed and rendered; a failure's message says which step failed.
Status render_model_template(std::string_view source, const std::string &name,
                             const nlohmann::ordered_json &vars, std::string *out) {
    ChatTemplate *raw = nullptr;
    Status st = chat_template_parse(source, name, &raw);
    ChatTemplatePtr tmpl(raw);
    if (!st.ok())
        return st;
    return chat_template_render(tmpl.get(), vars, out);
}

}  // namespace

Status chat_prompt_render(std::string_view template_source, const std::string &template_name,
                          const nlohmann::ordered_json &vars, std::string_view fallback_family,
                          ChatPromptResult *out) {
    *out = ChatPromptResult{};
    // An explicit family must name one we know, whether or not it ends up being needed: a typo in
    // --family should not wait for the first broken template to show.
    ChatFamily explicit_family{};
    if (!fallback_family.empty() && !chat_family_from_name(fallback_family, &explicit_family))
        return ND_STATUS(
            StatusCode::invalid_argument,
            "unknown chat family '" + std::string(fallback_family) + "' (known: " + family_list() + ")");
    std::string why;
    if (template_source.empty()) {
        why = template_name + ": the model has no chat template";
    } else {
        Status st = render_model_template(template_source, template_name, vars, &out->text);
        if (st.ok())
            return st;
        why = st.message;
    }
    ChatFamily family{};
    std::string from;
    if (!fallback_family.empty()) {
        family = explicit_family;
        from = "the requested";
    } else if (std::string detected = chat_template_family(template_source);
               !detected.empty() && chat_family_from_name(detected, &family)) {
        from = "the template's";
    } else {
        std::string head = template_source.empty() ? template_name + ": no chat template"
                                                   : why + "; no usable chat template";
        return ND_STATUS(StatusCode::unsupported,
                         head + " and no known family: pass --family (" + family_list() + ")");
    }
    out->text.clear();
    Status st = chat_format_render(family, vars, &out->text);
    if (!st.ok()) {
        out->text.clear();
        return ND_STATUS(st.code, why + "; the fallback failed too: " + st.message);
    }
    out->used_fallback = true;
    out->note = why + "; using " + from + " family format '" + std::string(chat_family_name(family)) + "'";
    return Status::success();
}

}  // namespace nd
