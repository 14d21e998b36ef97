#pragma once
// Helpers for the interpreter's unit tests: render a template string with JSON variables, and a table
// row type for (template, variables, expected output) cases. Every expected string in the tables was
// written by hand and checked against Python's Jinja2 (tools/reference/render_template.py).
#include <cstdlib>
#include <ctime>
#include <string>

#include <gtest/gtest.h>

#include "gpu/chat/chat_template.h"

namespace nd::test {

struct JinjaCase {
    const char *source;
    const char *vars_json;
    const char *expected;
};

inline constexpr int64_t kJinjaTestNowUnixS = 1767225600;  // 2026-01-01 00:00:00 UTC

// The render, or "ERROR: " + the message.
inline std::string jinja_render(const std::string &source, const std::string &vars_json = "{}",
                                ChatRenderOptions options = {}) {
    ChatTemplate *raw = nullptr;
    Status st = chat_template_parse(source, "t.jinja", &raw);
    ChatTemplatePtr tmpl(raw);
    if (!st.ok())
        return "ERROR: " + st.message;
    if (options.now_unix_s == 0)
        options.now_unix_s = kJinjaTestNowUnixS;
    std::string out;
    st = chat_template_render(tmpl.get(), nlohmann::ordered_json::parse(vars_json), &out, options);
    if (!st.ok())
        return "ERROR: " + st.message;
    return out;
}

inline void expect_cases(const JinjaCase *cases, size_t n) {
    setenv("TZ", "UTC", 1);  // strftime_now renders local time
    tzset();
    for (size_t k = 0; k < n; ++k) {
        EXPECT_EQ(jinja_render(cases[k].source, cases[k].vars_json), cases[k].expected)
            << "template: " << cases[k].source;
    }
}

}  // namespace nd::test
