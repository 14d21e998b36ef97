// See format_reference.h. The cache lives in ND_REFERENCE_CACHE_DIR (set by format.cmake).
#include "format_reference.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <unistd.h>

#ifndef ND_REFERENCE_CACHE_DIR
#define ND_REFERENCE_CACHE_DIR "chat_format_reference_cache"
#endif

namespace nd::test {
namespace fs = std::filesystem;

namespace {

std::string script_path() {
    return std::string(ND_SOURCE_DIR) + "/tools/reference/render_template.py";
}

bool read_file(const std::string &path, std::string *out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream ss;
    ss << in.rdbuf();
    *out = ss.str();
    return true;
}

bool write_file(const std::string &path, const std::string &text) {
    std::ofstream out(path, std::ios::binary);
    out << text;
    return static_cast<bool>(out);
}

std::string fnv1a_hex(const std::string &text) {
    uint64_t h = 1469598103934665603ull;
    for (unsigned char c : text) {
        h ^= c;
        h *= 1099511628211ull;
    }
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
    return buf;
}

std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s) {
        if (c == '\'')
            out += "'\\''";
        else
            out += c;
    }
    return out + "'";
}

bool load_cached(const std::string &base, ReferenceRender *r) {
    if (read_file(base + ".out", &r->text)) {
        r->ok = true;
        return true;
    }
    if (read_file(base + ".out.err", &r->error)) {
        r->ok = false;
        return true;
    }
    return false;
}

}  // namespace

std::string reference_missing() {
    static const std::string missing = [] {
        if (!fs::exists(script_path()))
            return std::string("no ") + script_path();
        if (!fs::exists(reference_template_path("NVIDIA-Nemotron-3-Nano-30B-A3B-BF16.jinja")))
            return std::string("no llama.cpp templates under tools/reference/llama.cpp");
        if (std::system("python3 -c 'import jinja2' >/dev/null 2>&1") != 0)
            return std::string("python3 with jinja2 (python3-jinja2) is not installed");
        return std::string();
    }();
    return missing;
}

std::string reference_template_path(const std::string &name) {
    return std::string(ND_SOURCE_DIR) + "/tools/reference/llama.cpp/models/templates/" + name;
}

std::vector<ReferenceRender> reference_render(const std::string &template_path,
                                              const std::vector<nlohmann::ordered_json> &vars_list,
                                              std::string *failure) {
    std::string template_text, script_text;
    if (!read_file(template_path, &template_text) || !read_file(script_path(), &script_text)) {
        *failure = "cannot read " + template_path + " or the script";
        return {};
    }
    const fs::path cache = ND_REFERENCE_CACHE_DIR;
    std::error_code ec;
    fs::create_directories(cache, ec);
    // Python writes under names of this process's own, renamed into place when complete, so tests run in
    // parallel (ctest -j) never read a half-written render or delete each other's files.
    const std::string tag = ".tmp" + std::to_string(static_cast<long>(getpid()));
    std::vector<ReferenceRender> results(vars_list.size());
    std::vector<std::string> bases(vars_list.size());
    std::vector<size_t> pending;
    nlohmann::json manifest = nlohmann::json::array();
    for (size_t i = 0; i < vars_list.size(); ++i) {
        const std::string vars_text = vars_list[i].dump();
        bases[i] = (cache / fnv1a_hex(template_text + '\0' + vars_text + '\0' + script_text)).string();
        if (load_cached(bases[i], &results[i]))
            continue;
        if (!write_file(bases[i] + tag + ".vars.json", vars_text)) {
            *failure = "cannot write to " + cache.string();
            return {};
        }
        pending.push_back(i);
        manifest.push_back(
            {{"template", template_path}, {"vars", bases[i] + tag + ".vars.json"}, {"out", bases[i] + tag}});
    }
    if (pending.empty())
        return results;
    const std::string manifest_path = (cache / ("manifest" + tag + ".json")).string();
    write_file(manifest_path, manifest.dump());
    const std::string command =
        "python3 " + shell_quote(script_path()) + " --batch " + shell_quote(manifest_path);
    const int rc = std::system(command.c_str());
    fs::remove(manifest_path, ec);
    for (size_t i : pending) {
        fs::remove(bases[i] + tag + ".vars.json", ec);
        if (fs::exists(bases[i] + tag))
            fs::rename(bases[i] + tag, bases[i] + ".out", ec);
        else if (fs::exists(bases[i] + tag + ".err"))
            fs::rename(bases[i] + tag + ".err", bases[i] + ".out.err", ec);
    }
    if (rc != 0) {
        *failure = "the reference failed: " + command;
        return {};
    }
    for (size_t i : pending) {
        if (!load_cached(bases[i], &results[i])) {
            *failure = "the reference wrote nothing for " + bases[i];
            return {};
        }
    }
    return results;
}

}  // namespace nd::test
