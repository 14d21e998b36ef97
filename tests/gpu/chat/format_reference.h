#pragma once
// Renders chat templates with the Python reference (tools/reference/render_template.py: Jinja2 the way
// Hugging Face configures it) for conformance tests. Results are cached in the build folder, keyed by the
// template text, the variables and the script, so only new scenarios start Python.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace nd::test {

struct ReferenceRender {
    bool ok = false;
    std::string text;   // the render when ok
    std::string error;  // Jinja2's error otherwise
};

// Empty when python3 with jinja2, the script and the llama.cpp templates are here; else why not.
std::string reference_missing();

// The llama.cpp copy of a template: tools/reference/llama.cpp/models/templates/NAME.
std::string reference_template_path(const std::string &name);

// Renders every vars object with the template at `template_path`, in one Python process for those not
// cached. An empty result vector means Python itself failed (the reason is in *failure).
std::vector<ReferenceRender> reference_render(const std::string &template_path,
                                              const std::vector<nlohmann::ordered_json> &vars_list,
                                              std::string *failure);

}  // namespace nd::test

// Skips (or fails, with NEMODESK_REQUIRE_REFERENCE=1) when the reference is missing.
#define ND_REQUIRE_REFERENCE()                                                                         \
    do {                                                                                               \
        std::string nd_missing_ = ::nd::test::reference_missing();                                     \
        if (!nd_missing_.empty()) {                                                                    \
            const char *nd_req_ = std::getenv("NEMODESK_REQUIRE_REFERENCE");                           \
            if (nd_req_ != nullptr && std::string(nd_req_) == "1")                                     \
                FAIL() << "reference required but missing: " << nd_missing_;                           \
            GTEST_SKIP() << "reference missing (" << nd_missing_ << "); run tools/reference/setup.sh"; \
        }                                                                                              \
    } while (0)
