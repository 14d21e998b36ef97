// Python reference renders with a content-keyed cache (see template_reference.h).
#include "chat/template_reference.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

namespace nd::test {

namespace fs = std::filesystem;

std::string read_file_or_empty(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

std::string templates_dir() {
    return std::string(ND_SOURCE_DIR) + "/tools/reference/llama.cpp/models/templates";
}
std::string fixtures_dir() {
    return std::string(ND_SOURCE_DIR) + "/tests/gpu/chat/fixtures";
}

std::vector<std::string> list_files(const std::string &dir, const std::string &suffix) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto &entry : fs::directory_iterator(dir, ec)) {
        std::string name = entry.path().filename().string();
        if (name.size() > suffix.size() &&
            name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0) {
            names.push_back(name);
        }
    }
    std::sort(names.begin(), names.end());
    return names;
}

std::string reference_unavailable_reason() {
    if (list_files(templates_dir(), ".jinja").empty()) {
        return "no templates in " + templates_dir() + " (run tools/reference/setup.sh)";
    }
    if (std::system("python3 -c 'import jinja2' >/dev/null 2>&1") != 0)
        return "python3 with jinja2 is not available";
    return "";
}

static uint64_t fnv1a(const std::string &bytes, uint64_t h = 14695981039346656037ull) {
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::vector<ReferenceRender> reference_render_all(
    const std::vector<std::pair<std::string, std::string>> &pairs) {
    std::string script_path = std::string(ND_SOURCE_DIR) + "/tools/reference/render_template.py";
    uint64_t script_hash = fnv1a(read_file_or_empty(script_path));
    fs::create_directories(ND_TEMPLATE_CACHE_DIR);
    std::vector<std::string> outs;
    nlohmann::json manifest = nlohmann::json::array();
    for (const auto &[tmpl, vars] : pairs) {
        uint64_t h = fnv1a(read_file_or_empty(vars), fnv1a(read_file_or_empty(tmpl), script_hash));
        char name[32];
        std::snprintf(name, sizeof name, "%016llx", static_cast<unsigned long long>(h));
        std::string out = std::string(ND_TEMPLATE_CACHE_DIR) + "/" + name + ".out";
        outs.push_back(out);
        if (!fs::exists(out) && !fs::exists(out + ".err")) {
            manifest.push_back({{"template", tmpl}, {"vars", vars}, {"out", out}});
        }
    }
    if (!manifest.empty()) {
        std::string manifest_path = std::string(ND_TEMPLATE_CACHE_DIR) + "/manifest.json";
        std::ofstream(manifest_path) << manifest.dump();
        std::string cmd = "NEMODESK_TEMPLATE_NOW_UNIX_S=" + std::to_string(kPinnedNowUnixS) + " python3 '" +
                          script_path + "' --batch '" + manifest_path + "'";
        if (std::system(cmd.c_str()) != 0)
            return {};
    }
    std::vector<ReferenceRender> results;
    for (const auto &out : outs) {
        ReferenceRender r;
        if (fs::exists(out)) {
            r.ok = true;
            r.text = read_file_or_empty(out);
        } else {
            r.text = read_file_or_empty(out + ".err");
        }
        results.push_back(std::move(r));
    }
    return results;
}

}  // namespace nd::test
