#pragma once
// Internal to gpu/chat's built-in family formats (chat_format.cpp, chat_format_families.cpp,
// chat_format_python.cpp): Python's view of JSON values — str(), repr(), str.strip(), truthiness and
// json.dumps as HF's tojson calls it — which the real templates print, and the five renderers.
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace nd::chat_format_detail {

using Json = nlohmann::ordered_json;

// A template error, with the message the user sees ("chat format nemotron3: …").
struct FormatError {
    std::string message;
};

// ---- Python's view of values (chat_format_python.cpp) ----
bool py_space_at(std::string_view text, size_t pos, size_t *len);
std::string py_strip(std::string_view text);
std::string py_string_repr(std::string_view s);
void check_depth(int depth);
std::string py_str(const Json &v, int depth = 0);
std::string py_repr(const Json &v, int depth = 0);
std::string str_of(const Json *v);
void json_string(std::string_view s, std::string *out);
void py_json(const Json &v, int indent, int level, std::string *out);
std::string tojson(const Json &v, int indent = -1);
bool truthy(const Json *v);
const Json *field(const Json *obj, std::string_view key);
bool is_mapping(const Json *v);
bool is_string(const Json *v);
bool is_list(const Json *v);
Json default_empty(const Json *v);
std::string role_of(const Json &message);
const Json &messages_of(const Json &vars);
std::string content_str(const Json &message);
std::string content_concat(const Json &message);
bool contains(std::string_view text, std::string_view what);
std::string replace_all(std::string s, std::string_view from, std::string_view to);
Json arguments_object(const Json *args);
const Json &function_of(const Json &call);

// ---- The families (chat_format_families.cpp); each throws FormatError ----
std::string render_nemotron3(const Json &vars);
std::string render_nano2(const Json &vars);
std::string render_llama3(const Json &vars);
std::string render_mini(const Json &vars);
std::string render_chatml(const Json &vars);

}  // namespace nd::chat_format_detail
