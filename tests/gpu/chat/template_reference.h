#pragma once
// The reference side of the template conformance tests: finds the llama.cpp templates, the fixtures and
// Python's Jinja2, and renders (template, fixture) pairs with tools/reference/render_template.py in one
// batch, caching each result in the build folder under a hash of the template, the fixture and the script.
#include <cstdint>
#include <string>
#include <vector>

namespace nd::test {

inline constexpr int64_t kPinnedNowUnixS = 1767225600;  // 2026-01-01 00:00:00 UTC: strftime_now on both sides

struct ReferenceRender {
    bool ok = false;
    std::string text;  // the render, or Python's error
};

std::string read_file_or_empty(const std::string &path);
std::string templates_dir();  // tools/reference/llama.cpp/models/templates
std::string fixtures_dir();   // tests/gpu/chat/fixtures
std::vector<std::string> list_files(const std::string &dir, const std::string &suffix);  // sorted names
// Why the reference cannot run here ("" when it can): templates missing, python3 or jinja2 missing.
std::string reference_unavailable_reason();

// Renders every (template path, fixture path) pair; results in the same order.
std::vector<ReferenceRender> reference_render_all(
    const std::vector<std::pair<std::string, std::string>> &pairs);

}  // namespace nd::test
