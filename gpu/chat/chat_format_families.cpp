// The five built-in family formats; the Python helpers are in chat_format_python.cpp.
// Comments quote the template lines each step mirrors.
#include <initializer_list>
#include <string>

#include "gpu/chat/chat_format_internal.h"

namespace nd::chat_format_detail {

// ---- Nemotron 3 (spec §4.4) -------------------------------------------------------------------------

// render_extra_keys(json_dict, handled_keys)
void nemotron3_extra_keys(const Json *dict, std::initializer_list<std::string_view> handled,
                          std::string *out) {
    if (!is_mapping(dict))
        return;
    for (const auto &[key, value] : dict->items()) {
        bool skip = false;
        for (std::string_view h : handled)
            skip = skip || key == h;
        if (skip)
            continue;
        std::string text = value.is_object() || value.is_array() ? tojson(value) : py_str(value);
        *out += "\n<" + key + ">" + text + "</" + key + ">";
    }
}

void nemotron3_tools(const Json &tools, std::string *out) {
    *out += "# Tools\n\nYou have access to the following functions:\n\n<tools>";
    for (const Json &entry : tools) {
        const Json *tool = field(&entry, "function") != nullptr ? field(&entry, "function") : &entry;
        *out += "\n<function>\n<name>" + str_of(field(tool, "name")) + "</name>";
        if (const Json *d = field(tool, "description"))
            *out += "\n<description>" + py_strip(py_str(*d)) + "</description>";
        *out += "\n<parameters>";
        const Json *params = field(tool, "parameters");
        const Json *props = field(params, "properties");
        if (is_mapping(params) && is_mapping(props)) {
            for (const auto &[name, fields] : props->items()) {
                *out += "\n<parameter>\n<name>" + name + "</name>";
                if (const Json *t = field(&fields, "type"))
                    *out += "\n<type>" + py_str(*t) + "</type>";
                if (const Json *d = field(&fields, "description"))
                    *out += "\n<description>" + py_strip(py_str(*d)) + "</description>";
                if (const Json *e = field(&fields, "enum"))
                    *out += "\n<enum>" + tojson(*e) + "</enum>";
                nemotron3_extra_keys(&fields, {"name", "type", "description", "enum"}, out);
                *out += "\n</parameter>";
            }
        }
        nemotron3_extra_keys(params, {"type", "properties", "required"}, out);
        if (const Json *req = field(params, "required"))
            *out += "\n<required>" + tojson(*req) + "</required>";
        *out += "\n</parameters>";
        nemotron3_extra_keys(tool, {"type", "name", "description", "parameters"}, out);
        *out += "\n</function>";
    }
    *out +=
        "\n</tools>\n\nIf you choose to call a function ONLY reply in the following format with NO "
        "suffix:\n\n"
        "<tool_call>\n<function=example_function_name>\n<parameter=example_parameter_1>\nvalue_1\n</"
        "parameter>\n"
        "<parameter=example_parameter_2>\nThis is the value for the second parameter\nthat can "
        "span\nmultiple "
        "lines\n</parameter>\n</function>\n</tool_call>\n\n<IMPORTANT>\nReminder:\n- Function calls MUST "
        "follow "
        "the specified format: an inner <function=...></function> block must be nested within "
        "<tool_call></tool_call> XML tags\n- Required parameters MUST be specified\n- You may provide "
        "optional "
        "reasoning for your function call in natural language BEFORE the function call, but NOT after\n- If "
        "there is no function call available, answer the question like normal with your current knowledge "
        "and "
        "do not tell the user about function calls\n</IMPORTANT>";
}

void nemotron3_assistant(const Json &message, bool truncated, std::string *out) {
    // content: "<think>\n{reasoning}\n</think>\n{content}", or the content with "<think></think>" prepended
    // when it has no think markers.
    const Json *reasoning = field(&message, "reasoning_content");
    Json content;
    if (is_string(reasoning) && !py_strip(reasoning->get<std::string>()).empty()) {
        content = "<think>\n" + reasoning->get<std::string>() + "\n</think>\n" +
                  py_str(default_empty(field(&message, "content")));
    } else {
        content = default_empty(field(&message, "content"));
        if (content.is_string()) {
            const std::string &c = content.get_ref<const std::string &>();
            if (!contains(c, "<think>") && !contains(c, "</think>"))
                content = "<think></think>" + c;
        }
    }
    const Json *calls = field(&message, "tool_calls");
    if (is_list(calls) && !calls->empty()) {
        *out += "<|im_start|>assistant\n";
        if (content.is_string() && !py_strip(content.get<std::string>()).empty()) {
            if (!truncated) {
                *out += py_strip(content.get<std::string>()) + "\n";
            } else {
                std::string c = content.get<std::string>();
                if (size_t close = c.rfind("</think>"); close != std::string::npos)
                    c = c.substr(close + 8);
                else if (size_t open = c.find("<think>"); open != std::string::npos)
                    c = c.substr(0, open);
                *out += "<think></think>" + py_strip(c) + "\n";
            }
        } else {
            *out += "<think></think>";
        }
        for (const Json &call : *calls) {
            const Json &fn = function_of(call);
            *out += "<tool_call>\n<function=" + str_of(field(&fn, "name")) + ">\n";
            if (const Json *args = field(&fn, "arguments")) {
                const Json arguments = arguments_object(args);  // the loop must not iterate a temporary
                for (const auto &[name, value] : arguments.items()) {
                    std::string text = value.is_object() || value.is_array() ? tojson(value) : py_str(value);
                    *out += "<parameter=" + name + ">\n" + text + "\n</parameter>\n";
                }
            }
            *out += "</function>\n</tool_call>\n";
        }
        *out += "<|im_end|>\n";
        return;
    }
    std::string c = py_str(default_empty(&content));
    if (!truncated) {
        *out += "<|im_start|>assistant\n" + py_strip(c) + "<|im_end|>\n";
        return;
    }
    if (contains(c, "<think>") && contains(c, "</think>"))
        c = "<think></think>" + c.substr(c.rfind("</think>") + 8);
    c = py_strip(c);
    *out += "<|im_start|>assistant\n" + c + "<|im_end|>\n";
}

std::string render_nemotron3(const Json &vars) {
    const Json &messages = messages_of(vars);
    if (messages.empty())
        throw FormatError{"no messages"};
    const Json *thinking_var = field(&vars, "enable_thinking");
    const bool enable_thinking = thinking_var == nullptr || truthy(thinking_var);
    const Json *truncate_var = field(&vars, "truncate_history_thinking");
    const bool truncate = truncate_var == nullptr || truthy(truncate_var);

    size_t first = 0;
    std::string system_message;
    if (role_of(messages[0]) == "system") {
        system_message = content_concat(messages[0]);
        first = 1;
    }
    // last_user_idx, relative to the messages after the system one.
    long last_user = -1;
    for (size_t i = first; i < messages.size(); ++i) {
        if (role_of(messages[i]) == "user")
            last_user = static_cast<long>(i - first);
    }
    std::string out = "<|im_start|>system\n" + system_message;
    const Json *tools = field(&vars, "tools");
    if (is_list(tools) && !tools->empty()) {
        if (!system_message.empty())
            out += "\n\n";
        nemotron3_tools(*tools, &out);
    }
    out += "<|im_end|>\n";

    for (size_t i = first; i < messages.size(); ++i) {
        const Json &message = messages[i];
        const std::string role = role_of(message);
        const long index = static_cast<long>(i - first);
        if (role == "assistant") {
            nemotron3_assistant(message, truncate && index < last_user, &out);
        } else if (role == "user" || role == "system") {
            out += "<|im_start|>" + role + "\n" + content_str(message) + "<|im_end|>\n";
        } else if (role == "tool") {
            // `loop.previtem` is undefined for the first message: no user turn is opened then.
            if (i > first && role_of(messages[i - 1]) != "tool")
                out += "<|im_start|>user\n";
            out += "<tool_response>\n" + content_str(message) + "\n</tool_response>\n";
            if (i + 1 == messages.size() || role_of(messages[i + 1]) != "tool")
                out += "<|im_end|>\n";
        } else {
            out += "<|im_start|>" + role + "\n" + content_concat(message) + "<|im_end|>\n";
        }
    }
    if (truthy(field(&vars, "add_generation_prompt")))
        out +=
            enable_thinking ? "<|im_start|>assistant\n<think>\n" : "<|im_start|>assistant\n<think></think>";
    return out;
}

// ---- Nemotron Nano 2 (spec §4.5) --------------------------------------------------------------------

std::string nano2_calls(const Json &calls) {
    std::string out = "<TOOLCALL>[";
    for (size_t i = 0; i < calls.size(); ++i) {
        const Json &fn = function_of(calls[i]);
        const Json *name = field(&fn, "name");
        if (!is_string(name))
            throw FormatError{"a tool call has no \"name\" string"};
        out += "{\"name\": \"" + name->get<std::string>() + "\", \"arguments\": ";
        const Json *args = field(&fn, "arguments");
        if (args == nullptr)
            throw FormatError{"tool call \"" + name->get<std::string>() + "\" has no \"arguments\""};
        out += args->is_string() ? args->get<std::string>() : tojson(*args);
        out += i + 1 < calls.size() ? "}, " : "}";
    }
    return out + "]</TOOLCALL>";
}

std::string nano2_strip_switches(const Json *content) {
    return py_strip(replace_all(replace_all(py_str(default_empty(content)), "/think", ""), "/no_think", ""));
}

std::string render_nano2(const Json &vars) {
    const Json &all = messages_of(vars);
    if (all.empty())
        throw FormatError{"no messages"};
    // The last /think or /no_think in a system or user message switches thinking.
    bool enable_thinking = true;
    for (const Json &m : all) {
        std::string role = role_of(m);
        if (role != "user" && role != "system")
            continue;
        const Json *content = field(&m, "content");
        if (content != nullptr && !content->is_string())
            throw FormatError{"the content of a \"" + role + "\" message must be a string"};
        std::string text = str_of(content);
        if (contains(text, "/think"))
            enable_thinking = true;
        else if (contains(text, "/no_think"))
            enable_thinking = false;
    }
    std::string out = "<SPECIAL_10>System\n";
    std::string system;
    size_t first = 0;
    if (role_of(all[0]) == "system") {
        system = nano2_strip_switches(field(&all[0], "content"));
        out += system;
        first = 1;
    }
    const Json *tools = field(&vars, "tools");
    if (truthy(tools)) {
        if (!system.empty())
            out += "\n\n";
        out += "You can use the following tools to assist the user if required:\n<AVAILABLE_TOOLS>[";
        if (!tools->is_array())
            throw FormatError{"\"tools\" must be a list"};
        for (size_t i = 0; i < tools->size(); ++i) {
            const Json &tool = (*tools)[i];
            const Json *fn = field(&tool, "function");
            out += tojson(fn != nullptr ? *fn : tool) + (i + 1 < tools->size() ? ", " : "");
        }
        out +=
            "]</AVAILABLE_TOOLS>\n\nIf you decide to call any tool(s), use the following format:\n"
            "<TOOLCALL>[{{\"name\": \"tool_name1\", \"arguments\": \"tool_args1\"}}, "
            "{{\"name\": \"tool_name2\", \"arguments\": \"tool_args2\"}}]</TOOLCALL>\n\n"
            "The user will execute tool-calls and return responses from tool(s) in this format:\n"
            "<TOOL_RESPONSE>[{{\"tool_response1\"}}, {{\"tool_response2\"}}]</TOOL_RESPONSE>\n\n"
            "Based on the tool responses, you can call additional tools if needed, correct tool calls if any "
            "errors are found, or just respond to the user.";
    }
    out += "\n\n";
    size_t last = all.size();
    if (first == all.size())
        throw FormatError{"no messages after the system message"};
    bool last_is_assistant = role_of(all.back()) == "assistant";
    std::string last_content;
    const Json *last_calls = nullptr;
    if (last_is_assistant) {
        last_content = py_strip(py_str(default_empty(field(&all.back(), "content"))));
        last_calls = field(&all.back(), "tool_calls");
        last = all.size() - 1;
    }
    for (size_t i = first; i < last; ++i) {
        const Json &m = all[i];
        const std::string role = role_of(m);
        if (role == "user") {
            out += "<SPECIAL_11>User\n" + nano2_strip_switches(field(&m, "content")) + "\n";
        } else if (role == "tool") {
            if (i == first || role_of(all[i - 1]) != "tool")
                out += "<SPECIAL_11>User\n<TOOL_RESPONSE>[";
            out += content_str(m);
            bool next_is_tool = i + 1 < last && role_of(all[i + 1]) == "tool";
            out += next_is_tool ? ", " : "]</TOOL_RESPONSE>";
        } else if (role == "assistant") {
            const Json *raw = field(&m, "content");
            Json content = raw != nullptr ? *raw : Json();
            if (truthy(&content) && content.is_string() && contains(content.get<std::string>(), "</think>")) {
                std::string c = content.get<std::string>();
                size_t close = c.find("</think>");
                std::string after = c.substr(close + 8);
                if (size_t next = after.find("</think>"); next != std::string::npos)
                    after = after.substr(0, next);
                content = py_strip(after);
            }
            std::string text =
                raw == nullptr || !content.is_null() ? py_strip(py_str(default_empty(&content))) : "";
            out += "<SPECIAL_11>Assistant\n" + text;
            const Json *calls = field(&m, "tool_calls");
            if (truthy(calls)) {
                if (!py_strip(py_str(default_empty(&content))).empty())
                    out += "\n";
                out += nano2_calls(*calls);
            }
            out += "\n<SPECIAL_12>\n";
        }
    }
    const char *think = enable_thinking ? "<think>\n" : "<think></think>";
    if (truthy(field(&vars, "add_generation_prompt"))) {
        out += std::string("<SPECIAL_11>Assistant\n") + think + last_content;
    } else {
        if (!last_content.empty()) {
            out += std::string("<SPECIAL_11>Assistant\n") + think + last_content;
            const Json *cont = field(&vars, "continue_final_message");
            if (cont == nullptr || (cont->is_boolean() && !cont->get<bool>()))
                out += "\n<SPECIAL_12>\n";
        }
        if (last_calls != nullptr && is_list(last_calls) && !last_calls->empty())
            out += "<SPECIAL_11>Assistant\n" + nano2_calls(*last_calls) + "<SPECIAL_12>\n\n";
    }
    return out;
}

// ---- Llama 3.1 ---------------------------------------------------------------------------------------

void llama3_tool_list(const Json &tools, std::string *out) {
    for (const Json &t : tools)
        *out += tojson(t, 4) + "\n\n";
}

std::string render_llama3(const Json &vars) {
    const Json &all = messages_of(vars);
    std::string out = str_of(field(&vars, "bos_token"));
    const Json *tools =
        field(&vars, "custom_tools") != nullptr ? field(&vars, "custom_tools") : field(&vars, "tools");
    if (tools != nullptr && tools->is_null())
        tools = nullptr;
    if (tools != nullptr && !tools->is_array())
        throw FormatError{"\"tools\" must be a list"};
    const Json *in_user_var = field(&vars, "tools_in_user_message");
    const bool tools_in_user = in_user_var == nullptr || truthy(in_user_var);
    const Json *date = field(&vars, "date_string");
    const std::string date_string = date == nullptr ? "26 Jul 2024" : py_str(*date);
    const Json *builtin = field(&vars, "builtin_tools");
    if (builtin != nullptr && !builtin->is_array())
        throw FormatError{"\"builtin_tools\" must be a list"};

    size_t first = 0;
    std::string system_message;
    if (!all.empty() && role_of(all[0]) == "system") {
        system_message = py_strip(content_str(all[0]));
        first = 1;
    }
    out += "<|start_header_id|>system<|end_header_id|>\n\n";
    if (builtin != nullptr || tools != nullptr)
        out += "Environment: ipython\n";
    if (builtin != nullptr) {
        std::string names;
        for (const Json &b : *builtin) {
            if (b.is_string() && b == "code_interpreter")
                continue;
            names += (names.empty() ? "" : ", ") + py_str(b);
        }
        out += "Tools: " + names + "\n\n";
    }
    out += "Cutting Knowledge Date: December 2023\nToday Date: " + date_string + "\n\n";
    const std::string kRespond =
        "Respond in the format {\"name\": function name, \"parameters\": dictionary of argument name and its "
        "value}.Do not use variables.\n\n";
    if (tools != nullptr && !tools_in_user) {
        out +=
            "You have access to the following functions. To call a function, please respond with JSON for a "
            "function call." +
            kRespond;
        llama3_tool_list(*tools, &out);
    }
    out += system_message + "<|eot_id|>";
    if (tools_in_user && tools != nullptr) {
        if (first == all.size())
            throw FormatError{
                "Cannot put tools in the first user message when there's no first user message!"};
        std::string first_user = py_strip(content_str(all[first]));
        ++first;
        out +=
            "<|start_header_id|>user<|end_header_id|>\n\nGiven the following functions, please respond with "
            "a "
            "JSON for a function call with its proper arguments that best answers the given prompt.\n\n" +
            kRespond;
        llama3_tool_list(*tools, &out);
        out += first_user + "<|eot_id|>";
    }
    for (size_t i = first; i < all.size(); ++i) {
        const Json &m = all[i];
        const std::string role = role_of(m);
        const Json *calls = field(&m, "tool_calls");
        if (!(role == "ipython" || role == "tool" || calls != nullptr)) {
            out += "<|start_header_id|>" + role + "<|end_header_id|>\n\n" + py_strip(content_str(m)) +
                   "<|eot_id|>";
        } else if (calls != nullptr) {
            if (!calls->is_array() || calls->size() != 1)
                throw FormatError{"This model only supports single tool-calls at once!"};
            const Json *fn = field(&(*calls)[0], "function");
            if (fn == nullptr)
                throw FormatError{"a tool call has no \"function\""};
            const std::string name = str_of(field(fn, "name"));
            bool is_builtin = false;
            if (builtin != nullptr) {
                for (const Json &b : *builtin)
                    is_builtin = is_builtin || (b.is_string() && b == name);
            }
            out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
            if (is_builtin) {
                out += "<|python_tag|>" + name + ".call(";
                bool first_arg = true;
                const Json arguments = arguments_object(field(fn, "arguments"));
                for (const auto &[arg, value] : arguments.items()) {
                    if (!value.is_string())
                        throw FormatError{"built-in tool argument '" + arg + "' must be a string"};
                    out += (first_arg ? "" : ", ") + arg + "=\"" + value.get<std::string>() + "\"";
                    first_arg = false;
                }
                out += ")";
            } else {
                const Json *args = field(fn, "arguments");
                out += "{\"name\": \"" + name + "\", \"parameters\": " + (args ? tojson(*args) : "") + "}";
            }
            out += builtin != nullptr ? "<|eom_id|>" : "<|eot_id|>";
        } else {
            out += "<|start_header_id|>ipython<|end_header_id|>\n\n";
            const Json *content = field(&m, "content");
            // A string is iterable too, so the template JSON-quotes string results.
            bool iterable =
                content != nullptr && (content->is_object() || content->is_array() || content->is_string());
            out += iterable ? tojson(*content) : str_of(content);
            out += "<|eot_id|>";
        }
    }
    if (truthy(field(&vars, "add_generation_prompt")))
        out += "<|start_header_id|>assistant<|end_header_id|>\n\n";
    return out;
}

// ---- Nemotron-Mini (spec §3.5; no reference template here) -------------------------------------------

std::string render_mini(const Json &vars) {
    const Json &all = messages_of(vars);
    const Json *tools = field(&vars, "tools");
    const bool has_tools = truthy(tools) && tools->is_array();
    std::string out = "<extra_id_0>System";
    for (const Json &m : all) {
        if (role_of(m) == "system") {
            out += "\n" + py_strip(content_concat(m));
            if (has_tools)
                out += "\n";
        }
    }
    if (has_tools) {
        for (const Json &t : *tools)
            out += "\n<tool> " + tojson(t) + " </tool>";
    }
    out += "\n\n";
    for (const Json &m : all) {
        const std::string role = role_of(m);
        if (role == "user")
            out += "<extra_id_1>User\n" + py_strip(content_concat(m)) + "\n";
        else if (role == "assistant")
            out += "<extra_id_1>Assistant\n" + py_strip(py_str(default_empty(field(&m, "content")))) + "\n";
        else if (role == "tool")
            out += "<extra_id_1>Tool\n" + py_strip(content_concat(m)) + "\n";
    }
    if (truthy(field(&vars, "add_generation_prompt")))
        out += "<extra_id_1>Assistant\n";
    return out;
}

// ---- ChatML (Qwen2.5's layout, without its default system message) ------------------------------------

std::string render_chatml(const Json &vars) {
    const Json &all = messages_of(vars);
    const Json *tools = field(&vars, "tools");
    const bool has_tools = is_list(tools) && !tools->empty();
    std::string out;
    size_t first = 0;
    if (has_tools) {
        out += "<|im_start|>system\n";
        if (!all.empty() && role_of(all[0]) == "system") {
            out += content_concat(all[0]);
            first = 1;
        }
        out +=
            "\n\n# Tools\n\nYou may call one or more functions to assist with the user query.\n\nYou are "
            "provided with function signatures within <tools></tools> XML tags:\n<tools>";
        for (const Json &t : *tools)
            out += "\n" + tojson(t);
        out +=
            "\n</tools>\n\nFor each function call, return a json object with function name and arguments "
            "within <tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, "
            "\"arguments\": "
            "<args-json-object>}\n</tool_call><|im_end|>\n";
    }
    for (size_t i = first; i < all.size(); ++i) {
        const Json &m = all[i];
        const std::string role = role_of(m);
        const Json *calls = field(&m, "tool_calls");
        if (role == "tool") {
            if (i == 0 || role_of(all[i - 1]) != "tool")
                out += "<|im_start|>user";
            out += "\n<tool_response>\n" + content_str(m) + "\n</tool_response>";
            if (i + 1 == all.size() || role_of(all[i + 1]) != "tool")
                out += "<|im_end|>\n";
        } else if (role == "assistant" && truthy(calls)) {
            out += "<|im_start|>assistant";
            if (const Json *c = field(&m, "content"); truthy(c))
                out += "\n" + py_str(*c);
            if (is_list(calls)) {
                for (const Json &call : *calls) {
                    const Json &fn = function_of(call);
                    // Qwen2.5 writes `arguments | tojson` even when they are a string already.
                    const Json *args = field(&fn, "arguments");
                    out += "\n<tool_call>\n{\"name\": \"" + str_of(field(&fn, "name")) +
                           "\", \"arguments\": " + (args == nullptr ? std::string() : tojson(*args)) +
                           "}\n</tool_call>";
                }
            }
            out += "<|im_end|>\n";
        } else {
            out += "<|im_start|>" + role + "\n" + content_str(m) + "<|im_end|>\n";
        }
    }
    if (truthy(field(&vars, "add_generation_prompt")))
        out += "<|im_start|>assistant\n";
    return out;
}

}  // namespace nd::chat_format_detail
