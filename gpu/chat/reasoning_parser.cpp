// The streaming reasoning / content / tool-call splitter (see reasoning_parser.h for the whitespace rules).
// Everything is decided on bytes already seen: the held buffer keeps only what could still become a
// marker (plus, in reasoning, one "\n" that a following "</think>" would swallow), so feeding a text in
// any split gives the same channels as feeding it whole.
#include "gpu/chat/reasoning_parser.h"

namespace nd {
namespace {

enum MarkerKind { kThinkClose = 1, kToolOpen = 2, kToolClose = 3 };

bool is_space(char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r';
}

bool starts_with_at(std::string_view text, size_t pos, std::string_view marker) {
    return !marker.empty() && text.size() - pos >= marker.size() &&
           text.compare(pos, marker.size(), marker) == 0;
}

// The text from `pos` to the end is a proper prefix of `marker` (the marker may still complete).
bool is_partial_at(std::string_view text, size_t pos, std::string_view marker) {
    size_t rest = text.size() - pos;
    return rest < marker.size() && marker.compare(0, rest, text.substr(pos)) == 0;
}

}  // namespace

ReasoningParser::ReasoningParser(ReasoningStart start, ReasoningMarkers markers)
    : m_markers(std::move(markers))
    , m_channel(start == ReasoningStart::inside_think ? ReasoningChannel::reasoning
                                                      : ReasoningChannel::content) {}

// The earliest marker active in the current channel that lies wholly in `held`, unless a possible marker
// starts before it (then nothing is decided yet). *hold_from: where the undecided tail begins.
ReasoningParser::Match ReasoningParser::find_marker(std::string_view held, size_t *hold_from) const {
    struct Candidate {
        std::string_view text;
        int kind;
        size_t tool_index;
    };
    std::vector<Candidate> active;
    if (m_channel == ReasoningChannel::tool_call) {
        if (m_tool_index < m_markers.tool_close.size())
            active.push_back({m_markers.tool_close[m_tool_index], kToolClose, m_tool_index});
    } else {
        active.push_back({m_markers.think_close, kThinkClose, 0});
        for (size_t i = 0; i < m_markers.tool_open.size(); ++i)
            active.push_back({m_markers.tool_open[i], kToolOpen, i});
    }
    for (size_t pos = 0; pos < held.size(); ++pos) {
        Match best;
        for (const Candidate &c : active) {
            if (starts_with_at(held, pos, c.text) && c.text.size() > best.length)
                best = Match{pos, c.text.size(), c.kind, c.tool_index};
        }
        if (best.length > 0) {
            *hold_from = held.size();
            return best;
        }
        for (const Candidate &c : active) {
            if (is_partial_at(held, pos, c.text)) {
                *hold_from = pos;
                return {};
            }
        }
    }
    *hold_from = held.size();
    return {};
}

void ReasoningParser::emit(ReasoningChannel channel, std::string_view text,
                           std::vector<ReasoningDelta> *out) {
    if (text.empty())
        return;
    if (out->size() > m_out_begin && out->back().channel == channel) {
        out->back().text.append(text);
        return;
    }
    out->push_back(ReasoningDelta{channel, std::string(text)});
}

// At the very start a "<think>" (after optional whitespace) opens reasoning. Returns false while the
// start is still undecided (only whitespace and a prefix of "<think>" seen).
bool ReasoningParser::consume_start(std::string_view *rest) {
    const std::string &open = m_markers.think_open;
    size_t first = 0;
    while (first < rest->size() && is_space((*rest)[first]))
        ++first;
    if (open.empty()) {
        m_at_start = false;
        return true;
    }
    if (first == rest->size() || is_partial_at(*rest, first, open))
        return false;
    m_at_start = false;
    if (starts_with_at(*rest, first, open)) {
        rest->remove_prefix(first + open.size());
        m_channel = ReasoningChannel::reasoning;
        m_drop_newline = true;
    }
    return true;
}

// Decides as much of m_held as possible. Works on a view and erases the decided prefix once at the end,
// so a long text with many markers costs linear time, not a copy per marker.
void ReasoningParser::drain(bool final, std::vector<ReasoningDelta> *out) {
    std::string_view rest = m_held;
    drain_view(final, &rest, out);
    m_held.erase(0, m_held.size() - rest.size());
}

void ReasoningParser::drain_view(bool final, std::string_view *rest, std::vector<ReasoningDelta> *out) {
    for (;;) {
        if (m_at_start && !consume_start(rest)) {
            if (!final)
                return;
            m_at_start = false;  // end of stream: the held whitespace is plain text
        }
        if (m_drop_newline && !rest->empty()) {
            if ((*rest)[0] == '\n')
                rest->remove_prefix(1);
            m_drop_newline = false;
        }
        if (rest->empty())
            return;
        size_t hold_from = 0;
        Match match = find_marker(*rest, &hold_from);
        bool in_reasoning = m_channel == ReasoningChannel::reasoning;
        if (match.pos == std::string::npos) {
            // A "\n" that ends the reasoning text may be the framing newline before "</think>".
            if (!final && in_reasoning && hold_from > 0 && (*rest)[hold_from - 1] == '\n')
                --hold_from;
            if (final)
                hold_from = rest->size();
            emit(m_channel, rest->substr(0, hold_from), out);
            rest->remove_prefix(hold_from);
            return;
        }
        std::string_view before = rest->substr(0, match.pos);
        if (in_reasoning && !before.empty() && before.back() == '\n')
            before.remove_suffix(1);
        emit(m_channel, before, out);
        switch (match.kind) {
            case kThinkClose:
                m_channel = ReasoningChannel::content;
                m_drop_newline = true;
                break;
            case kToolOpen:
                m_channel_before_tool =
                    m_channel == ReasoningChannel::reasoning ? ReasoningChannel::content : m_channel;
                m_tool_index = match.tool_index;
                m_channel = ReasoningChannel::tool_call;
                break;
            case kToolClose:
                m_channel = m_channel_before_tool;
                break;
            default:
                break;
        }
        rest->remove_prefix(match.pos + match.length);
    }
}

void ReasoningParser::push(std::string_view piece, std::vector<ReasoningDelta> *out) {
    m_out_begin = out->size();
    m_held.append(piece);
    drain(false, out);
}

void ReasoningParser::finish(std::vector<ReasoningDelta> *out) {
    m_out_begin = out->size();
    drain(true, out);
}

ReasoningStart reasoning_start_for_prompt(std::string_view prompt, const ReasoningMarkers &markers) {
    while (!prompt.empty() && is_space(prompt.back()))
        prompt.remove_suffix(1);
    std::string_view open = markers.think_open;
    bool inside = !open.empty() && prompt.size() >= open.size() &&
                  prompt.compare(prompt.size() - open.size(), open.size(), open) == 0;
    return inside ? ReasoningStart::inside_think : ReasoningStart::outside_think;
}

ReasoningSplit reasoning_split(std::string_view text, ReasoningStart start,
                               const nlohmann::ordered_json *tools, const ReasoningMarkers &markers) {
    if (start == ReasoningStart::outside_think && !markers.think_close.empty()) {
        size_t close = text.find(markers.think_close);
        size_t open = markers.think_open.empty() ? std::string_view::npos : text.find(markers.think_open);
        if (close != std::string_view::npos && (open == std::string_view::npos || close < open))
            start = ReasoningStart::inside_think;
    }
    ReasoningParser parser(start, markers);
    std::vector<ReasoningDelta> deltas;
    parser.push(text, &deltas);
    parser.finish(&deltas);
    ReasoningSplit split;
    for (const ReasoningDelta &d : deltas) {
        switch (d.channel) {
            case ReasoningChannel::reasoning:
                split.reasoning += d.text;
                break;
            case ReasoningChannel::content:
                split.content += d.text;
                break;
            case ReasoningChannel::tool_call:
                split.tool_call_text += d.text;
                break;
        }
    }
    if (!split.tool_call_text.empty()) {
        Status st = tool_calls_parse(ToolCallFormat::detect, split.tool_call_text, &split.tool_calls, tools);
        if (!st.ok())
            split.tool_call_error = st.message;
    }
    return split;
}

// ---- Tool calls -------------------------------------------------------------------------------------
namespace {

constexpr int kMaxJsonDepth = 128;  // deeper tool arguments are refused, not recursed into
constexpr size_t kMaxToolCalls = 4096;

std::string excerpt(std::string_view text, size_t pos) {
    std::string_view rest = text.substr(pos, 24);
    std::string shown(rest);
    for (char &c : shown) {
        if (c == '\n')
            c = ' ';
    }
    return "'" + shown + (text.size() - pos > 24 ? "…'" : "'");
}

void skip_space(std::string_view text, size_t *pos) {
    while (*pos < text.size() && is_space(text[*pos]))
        ++*pos;
}

std::string_view trim_view(std::string_view s) {
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

// The end (one past) of the JSON array/object starting at `pos`, found by bracket counting outside
// strings; npos when unterminated. *too_deep when nesting exceeds kMaxJsonDepth.
size_t json_value_end(std::string_view text, size_t pos, bool *too_deep) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = pos; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\')
                ++i;
            else if (c == '"')
                in_string = false;
            continue;
        }
        if (c == '"') {
            in_string = true;
        } else if (c == '[' || c == '{') {
            if (++depth > kMaxJsonDepth) {
                *too_deep = true;
                return std::string_view::npos;
            }
        } else if (c == ']' || c == '}') {
            if (--depth == 0)
                return i + 1;
        }
    }
    return std::string_view::npos;
}

const nlohmann::ordered_json *find_schema_type(const nlohmann::ordered_json *tools, const std::string &name,
                                               const std::string &param) {
    if (tools == nullptr || !tools->is_array())
        return nullptr;
    for (const auto &tool : *tools) {
        const nlohmann::ordered_json *fn = &tool;
        if (tool.is_object() && tool.contains("function") && tool["function"].is_object())
            fn = &tool["function"];
        if (!fn->is_object() || !fn->contains("name") || (*fn)["name"] != name)
            continue;
        auto params = fn->find("parameters");
        if (params == fn->end() || !params->is_object())
            return nullptr;
        auto props = params->find("properties");
        if (props == params->end() || !props->is_object())
            return nullptr;
        auto field = props->find(param);
        if (field == props->end() || !field->is_object())
            return nullptr;
        auto type = field->find("type");
        return type == field->end() ? nullptr : &*type;
    }
    return nullptr;
}

bool schema_says_string_only(const nlohmann::ordered_json *type) {
    if (type == nullptr)
        return false;
    if (type->is_string())
        return *type == "string";
    if (!type->is_array() || type->empty())
        return false;
    for (const auto &t : *type) {
        if (t != "string")
            return false;
    }
    return true;
}

// An XML parameter value as JSON: text for string parameters, else the JSON it spells (Python's
// True/False/None too, as the template's `| string` writes them), else text.
nlohmann::ordered_json xml_value_to_json(std::string_view value, const nlohmann::ordered_json *type) {
    if (schema_says_string_only(type))
        return std::string(value);
    std::string_view v = trim_view(value);
    if (v == "True")
        return true;
    if (v == "False")
        return false;
    if (v == "None")
        return nullptr;
    if (!v.empty()) {
        bool too_deep = false;
        if ((v.front() == '[' || v.front() == '{') && json_value_end(v, 0, &too_deep) != v.size())
            return std::string(value);
        auto parsed = nlohmann::ordered_json::parse(v, nullptr, false);
        if (!parsed.is_discarded())
            return parsed;
    }
    return std::string(value);
}

Status parse_xml_call(std::string_view text, size_t *pos, size_t index, const nlohmann::ordered_json *tools,
                      ToolCall *call) {
    const std::string where = "tool call " + std::to_string(index + 1) + ": ";
    constexpr std::string_view kOpen = "<function=";
    constexpr std::string_view kClose = "</function>";
    constexpr std::string_view kParamOpen = "<parameter=";
    constexpr std::string_view kParamClose = "</parameter>";
    if (!starts_with_at(text, *pos, kOpen))
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "expected '<function=NAME>', got " + excerpt(text, *pos));
    size_t name_begin = *pos + kOpen.size();
    size_t name_end = text.find_first_of(">\n", name_begin);
    if (name_end == std::string_view::npos || text[name_end] != '>')
        return ND_STATUS(StatusCode::invalid_argument, where + "'<function=' without a closing '>'");
    call->name = std::string(trim_view(text.substr(name_begin, name_end - name_begin)));
    if (call->name.empty())
        return ND_STATUS(StatusCode::invalid_argument, where + "empty function name in '<function=>'");
    nlohmann::ordered_json args = nlohmann::ordered_json::object();
    *pos = name_end + 1;
    for (;;) {
        skip_space(text, pos);
        if (starts_with_at(text, *pos, kClose)) {
            *pos += kClose.size();
            break;
        }
        if (!starts_with_at(text, *pos, kParamOpen)) {
            std::string got = *pos >= text.size() ? std::string("the end of the text") : excerpt(text, *pos);
            return ND_STATUS(StatusCode::invalid_argument, where + "function '" + call->name +
                                                               "': expected '<parameter=NAME>' or "
                                                               "'</function>', got " +
                                                               got);
        }
        size_t pname_begin = *pos + kParamOpen.size();
        size_t pname_end = text.find_first_of(">\n", pname_begin);
        if (pname_end == std::string_view::npos || text[pname_end] != '>')
            return ND_STATUS(StatusCode::invalid_argument,
                             where + "function '" + call->name + "': '<parameter=' without a closing '>'");
        std::string pname(trim_view(text.substr(pname_begin, pname_end - pname_begin)));
        if (pname.empty())
            return ND_STATUS(StatusCode::invalid_argument,
                             where + "function '" + call->name + "': empty parameter name");
        size_t value_begin = pname_end + 1;
        size_t value_end = text.find(kParamClose, value_begin);
        if (value_end == std::string_view::npos)
            return ND_STATUS(
                StatusCode::invalid_argument,
                where + "function '" + call->name + "': parameter '" + pname + "' has no '</parameter>'");
        // The template frames each value as "\n" VALUE "\n".
        std::string_view value = text.substr(value_begin, value_end - value_begin);
        if (!value.empty() && value.front() == '\n')
            value.remove_prefix(1);
        if (!value.empty() && value.back() == '\n')
            value.remove_suffix(1);
        args[pname] = xml_value_to_json(value, find_schema_type(tools, call->name, pname));
        *pos = value_end + kParamClose.size();
    }
    call->arguments_json = args.dump();
    return Status::success();
}

// One {"name": …, "arguments": …} object (Nano 2 list items; Hermes-style bodies).
Status json_call_from_object(const nlohmann::ordered_json &obj, size_t index, ToolCall *call) {
    const std::string where = "tool call " + std::to_string(index + 1) + ": ";
    if (!obj.is_object())
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "expected an object {\"name\": …, \"arguments\": …}, got " + obj.dump());
    auto name = obj.find("name");
    if (name == obj.end() || !name->is_string() || name->get<std::string>().empty())
        return ND_STATUS(StatusCode::invalid_argument, where + "missing or non-string \"name\"");
    call->name = name->get<std::string>();
    auto args = obj.find("arguments");
    if (args == obj.end())
        args = obj.find("parameters");  // Llama 3's spelling
    if (args == obj.end() || args->is_null()) {
        call->arguments_json = "{}";
    } else if (args->is_object()) {
        call->arguments_json = args->dump();
    } else if (args->is_string()) {
        auto inner = nlohmann::ordered_json::parse(args->get<std::string>(), nullptr, false);
        if (inner.is_discarded() || !inner.is_object())
            return ND_STATUS(
                StatusCode::invalid_argument,
                where + "function '" + call->name + "': \"arguments\" is a string that is no JSON object");
        call->arguments_json = inner.dump();
    } else {
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "function '" + call->name + "': \"arguments\" must be an object");
    }
    return Status::success();
}

Status parse_json_calls(std::string_view text, size_t *pos, std::vector<ToolCall> *out) {
    size_t index = out->size();
    const std::string where = "tool call " + std::to_string(index + 1) + ": ";
    bool too_deep = false;
    size_t end = json_value_end(text, *pos, &too_deep);
    if (too_deep)
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "JSON nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    if (end == std::string_view::npos)
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "unterminated JSON starting " + excerpt(text, *pos));
    auto value = nlohmann::ordered_json::parse(text.substr(*pos, end - *pos), nullptr, false);
    if (value.is_discarded())
        return ND_STATUS(StatusCode::invalid_argument,
                         where + "invalid JSON starting " + excerpt(text, *pos));
    *pos = end;
    if (!value.is_array())
        value = nlohmann::ordered_json::array({value});
    for (const auto &item : value) {
        if (out->size() >= kMaxToolCalls)
            return ND_STATUS(StatusCode::invalid_argument,
                             "more than " + std::to_string(kMaxToolCalls) + " tool calls");
        ToolCall call;
        Status st = json_call_from_object(item, out->size(), &call);
        if (!st.ok())
            return st;
        out->push_back(std::move(call));
    }
    return Status::success();
}

}  // namespace

Status tool_calls_parse(ToolCallFormat format, std::string_view text, std::vector<ToolCall> *out,
                        const nlohmann::ordered_json *tools) {
    size_t pos = 0;
    for (;;) {
        skip_space(text, &pos);
        if (pos >= text.size())
            return Status::success();
        if (out->size() >= kMaxToolCalls)
            return ND_STATUS(StatusCode::invalid_argument,
                             "more than " + std::to_string(kMaxToolCalls) + " tool calls");
        char c = text[pos];
        bool xml = format == ToolCallFormat::nemotron3_xml || (format == ToolCallFormat::detect && c == '<');
        bool json = format == ToolCallFormat::nano2_json ||
                    (format == ToolCallFormat::detect && (c == '[' || c == '{'));
        Status st;
        if (xml) {
            ToolCall call;
            st = parse_xml_call(text, &pos, out->size(), tools, &call);
            if (st.ok())
                out->push_back(std::move(call));
        } else if (json) {
            if (c != '[' && c != '{')
                return ND_STATUS(StatusCode::invalid_argument,
                                 "tool call " + std::to_string(out->size() + 1) +
                                     ": expected a JSON list '[', got " + excerpt(text, pos));
            st = parse_json_calls(text, &pos, out);
        } else {
            return ND_STATUS(StatusCode::invalid_argument, "tool call " + std::to_string(out->size() + 1) +
                                                               ": expected '<function=', '[' or '{', got " +
                                                               excerpt(text, pos));
        }
        if (!st.ok())
            return st;
    }
}

}  // namespace nd
