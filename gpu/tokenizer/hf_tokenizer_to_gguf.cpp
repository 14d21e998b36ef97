// tokenizer.json -> tokenizer.ggml.* metadata, the way llama.cpp's convert_hf_to_gguf.py and gguf-py's
// SpecialVocab write it (see the header for what is read and what cannot be expressed). Written from the
// behaviour of those scripts, not from their code.
#include "gpu/tokenizer/hf_tokenizer_to_gguf.h"

#include "gpu/tokenizer/tokenizer.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

namespace nd {
namespace {

using json = nlohmann::json;
using Metadata = std::vector<std::pair<std::string, GgufWriteValue>>;

constexpr uint64_t kMaxJsonBytes = 1ull << 30;  // real tokenizer.json files are < 50 MB
constexpr int64_t kMaxVocab = 1 << 24;          // ids and merge ranks stay exact in f32 below this
constexpr float kScoreNotMerged = -1e9f;        // tokens no merge produces (see the header)

// A conversion error: caught at the API boundary and turned into a Status naming the file.
struct ConvertError : std::runtime_error {
    StatusCode code;
    ConvertError(StatusCode c, const std::string &m) : std::runtime_error(m), code(c) {}
};
[[noreturn]] void fail(const std::string &what) {
    throw ConvertError(StatusCode::invalid_argument, what);
}
[[noreturn]] void unsupported(const std::string &what) {
    throw ConvertError(StatusCode::unsupported, what);
}

GgufWriteValue str_value(std::string s) {
    GgufWriteValue v;
    v.type = GgufType::string;
    v.s = std::move(s);
    return v;
}
GgufWriteValue u32_value(uint32_t x) {
    GgufWriteValue v;
    v.type = GgufType::uint32;
    v.u = x;
    return v;
}
GgufWriteValue bool_value(bool b) {
    GgufWriteValue v;
    v.type = GgufType::boolean;
    v.u = b ? 1 : 0;
    return v;
}
GgufWriteValue array_value(GgufType elem_type, std::vector<GgufWriteValue> elems) {
    GgufWriteValue v;
    v.type = GgufType::array;
    v.elem_type = elem_type;
    v.elems = std::move(elems);
    return v;
}

std::optional<json> read_json(const std::filesystem::path &path, bool required) {
    std::error_code ec;
    const auto size = std::filesystem::file_size(path, ec);
    if (ec) {
        if (required)
            throw ConvertError(StatusCode::not_found, "cannot read: " + ec.message());
        return std::nullopt;
    }
    if (size > kMaxJsonBytes)
        fail(path.filename().string() + " is " + std::to_string(size >> 20) +
             " MiB; a tokenizer is far smaller");
    std::ifstream in(path, std::ios::binary);
    if (!in)
        throw ConvertError(StatusCode::io_error, "cannot open " + path.string());
    std::string text(size, '\0');
    in.read(text.data(), static_cast<std::streamsize>(size));
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded())
        fail(path.filename().string() + " is not valid JSON");
    return j;
}

std::string json_string(const json &j, const char *key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// Escapes control characters so regexes written with real "\r"/"\n" characters compare equal to the
// same regex written with escapes (deepseek-v3's file has both).
std::string canonical_regex(const std::string &re) {
    std::string out;
    for (char c : re) {
        if (c == '\r')
            out += "\\r";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\t')
            out += "\\t";
        else
            out += c;
    }
    return out;
}

// The pre-tokenizer regexes of the vocabularies llama.cpp knows, as tokenizer.json files write them.
const char *const kRegexGpt2 =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char *const kRegexLlama3 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char *const kRegexQwen2 =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char *const kRegexTekken =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char *const kRegexGpt4o =
    R"([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?i:'s|'t|'re|'ve|'m|'ll|'d)?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?i:'s|'t|'re|'ve|'m|'ll|'d)?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char *const kRegexDeepseekV3Digits = R"(\p{N}{1,3})";
const char *const kRegexDeepseekV3Cjk = "[\u4e00-\u9fa5\u3040-\u309f\u30a0-\u30ff]+";
const char *const kRegexDeepseekV3Words =
    R"([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";

struct KnownChain {
    const char *pre;
    std::vector<const char *> regexes;
};
const std::vector<KnownChain> &known_chains() {
    static const std::vector<KnownChain> chains = {
        {"gpt-2", {kRegexGpt2}},
        {"llama-bpe", {kRegexLlama3}},
        {"qwen2", {kRegexQwen2}},
        {"tekken", {kRegexTekken}},
        {"gpt-4o", {kRegexGpt4o}},
        {"deepseek-v3", {kRegexDeepseekV3Digits, kRegexDeepseekV3Cjk, kRegexDeepseekV3Words}},
    };
    return chains;
}

// The regexes a byte-level pre-tokenizer chain applies, in order. Anything GGUF's pre-tokenizer names cannot
// carry (Digits, Whitespace, prefix spaces, …) is an error that says which step.
void collect_regexes(const json &pt, std::vector<std::string> *regexes, bool *byte_level) {
    const std::string type = json_string(pt, "type");
    if (type == "Sequence") {
        auto it = pt.find("pretokenizers");
        if (it == pt.end() || !it->is_array())
            fail("pre_tokenizer Sequence has no 'pretokenizers' list");
        for (const auto &step : *it)
            collect_regexes(step, regexes, byte_level);
    } else if (type == "Split") {
        const auto pattern = pt.find("pattern");
        std::string re;
        if (pattern != pt.end() && pattern->is_object() && pattern->contains("Regex") &&
            (*pattern)["Regex"].is_string())
            re = (*pattern)["Regex"].get<std::string>();
        else
            unsupported("pre_tokenizer Split without a Regex pattern cannot be expressed in GGUF");
        const std::string behavior = json_string(pt, "behavior");
        const bool invert = pt.value("invert", false);
        // Isolated keeps matches and the text between them; Removed+invert keeps the matches only, which is
        // the same for regexes that match every character (all of the known ones end in \s+).
        if (!((behavior == "Isolated" && !invert) || (behavior == "Removed" && invert)))
            unsupported("pre_tokenizer Split with behavior '" + behavior + "'" +
                        (invert ? " (inverted)" : "") + " cannot be expressed in GGUF");
        regexes->push_back(canonical_regex(re));
    } else if (type == "ByteLevel") {
        if (pt.value("add_prefix_space", false))
            unsupported("pre_tokenizer ByteLevel with add_prefix_space=true cannot be expressed in GGUF");
        if (pt.value("use_regex", true))
            regexes->push_back(kRegexGpt2);
        *byte_level = true;
    } else {
        unsupported("pre_tokenizer '" + type + "' cannot be expressed in GGUF");
    }
}

std::string identify_pre(const json &tok) {
    const auto pt = tok.find("pre_tokenizer");
    if (pt == tok.end() || !pt->is_object())
        unsupported("a byte-level BPE file without a pre_tokenizer cannot be expressed in GGUF");
    std::vector<std::string> regexes;
    bool byte_level = false;
    collect_regexes(*pt, &regexes, &byte_level);
    if (!byte_level)
        unsupported("pre_tokenizer has no ByteLevel step; only byte-level BPE converts to model 'gpt2'");
    for (const auto &chain : known_chains()) {
        if (chain.regexes.size() != regexes.size())
            continue;
        bool same = true;
        for (size_t i = 0; i < regexes.size() && same; ++i)
            same = regexes[i] == canonical_regex(chain.regexes[i]);
        if (same)
            return chain.pre;
    }
    std::string quoted;
    for (const auto &re : regexes)
        quoted += (quoted.empty() ? "" : ", ") + ("'" + re + "'");
    unsupported(
        "the pre-tokenizer regexes [" + quoted +
        "] match no pre-tokenizer llama.cpp knows (llama-bpe, qwen2, tekken, gpt-2, gpt-4o, deepseek-v3)");
}

// Normalizers: what a byte-level file may carry (NFC is dropped like llama.cpp drops it) and what an
// SPM-style file must carry (Replace " " -> "▁", optionally after Prepend "▁": the space prefix).
void check_bpe_normalizer(const json &n, HfToGgufReport *report) {
    if (n.is_null())
        return;
    const std::string type = json_string(n, "type");
    if (type == "Sequence") {
        for (const auto &step : n.value("normalizers", json::array()))
            check_bpe_normalizer(step, report);
    } else if (type == "NFC") {
        report->dropped.push_back(
            "normalizer NFC (llama.cpp's converter drops it too; text that NFC changes "
            "tokenizes differently through GGUF)");
    } else {
        unsupported("normalizer '" + type + "' cannot be expressed in GGUF");
    }
}

bool is_replace_space(const json &n) {
    const auto pattern = n.find("pattern");
    return json_string(n, "type") == "Replace" && pattern != n.end() && pattern->is_object() &&
           pattern->value("String", std::string()) == " " && json_string(n, "content") == "\xE2\x96\x81";
}

// Returns add_space_prefix for an SPM-style file, or nullopt when the file is not SPM-style.
std::optional<bool> spm_space_prefix(const json &tok) {
    const json &model = tok["model"];
    if (!model.value("byte_fallback", false))
        return std::nullopt;
    const json n = tok.value("normalizer", json());
    const json pt = tok.value("pre_tokenizer", json());
    if (pt.is_object() && json_string(pt, "type") == "Metaspace") {
        if (!n.is_null())
            unsupported("normalizer '" + json_string(n, "type") +
                        "' with a Metaspace pre_tokenizer cannot be expressed");
        if (pt.value("split", false))
            unsupported(
                "pre_tokenizer Metaspace with split=true cannot be expressed in GGUF (SentencePiece never "
                "splits)");
        if (json_string(pt, "replacement") != "\xE2\x96\x81")
            unsupported("pre_tokenizer Metaspace with a replacement other than U+2581 cannot be expressed");
        const std::string scheme = json_string(pt, "prepend_scheme");
        return scheme.empty() ? pt.value("add_prefix_space", true) : scheme != "never";
    }
    if (!pt.is_null())
        return std::nullopt;
    if (n.is_object() && is_replace_space(n))
        return false;
    if (n.is_object() && json_string(n, "type") == "Sequence") {
        const json steps = n.value("normalizers", json::array());
        if (steps.size() == 2 && json_string(steps[0], "type") == "Prepend" &&
            json_string(steps[0], "prepend") == "\xE2\x96\x81" && is_replace_space(steps[1]))
            return true;
        if (steps.size() == 1 && is_replace_space(steps[0]))
            return false;
    }
    unsupported(
        "normalizer '" + json_string(n, "type") +
        "' cannot be expressed in GGUF (SentencePiece-style files need Replace(' ', U+2581), optionally "
        "after Prepend(U+2581))");
}

// gguf-py writes merges as "a b"; newer files store [a, b] pairs, whose spaces become U+0120 ('Ġ').
std::string merge_text(const json &m, size_t index) {
    if (m.is_string()) {
        const std::string s = m.get<std::string>();
        if (s.find(' ') == std::string::npos)
            fail("model.merges[" + std::to_string(index) + "] '" + s + "' has no space");
        return s;
    }
    if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
        auto part = [](const std::string &p) {
            std::string out;
            for (char c : p)
                out += c == ' ' ? std::string("\xC4\xA0") : std::string(1, c);
            return out;
        };
        return part(m[0].get<std::string>()) + " " + part(m[1].get<std::string>());
    }
    fail("model.merges[" + std::to_string(index) + "] is neither \"a b\" nor [\"a\", \"b\"]");
}

// The token content with the merge's two halves joined (for SPM scores).
std::string merge_result(const std::string &merge) {
    const size_t sp = merge.find(' ');
    return merge.substr(0, sp) + merge.substr(sp + 1);
}

bool looks_special(const std::string &t) {  // llama.cpp's does_token_look_special
    auto wrapped = [&](const char *a, const char *b) {
        const std::string sa(a), sb(b);
        return t.size() >= sa.size() + sb.size() && t.compare(0, sa.size(), sa) == 0 &&
               t.compare(t.size() - sb.size(), sb.size(), sb) == 0;
    };
    return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || wrapped("<|", "|>") ||
           wrapped("<\xEF\xBD\x9C", "\xEF\xBD\x9C>") || wrapped("<unused", ">");
}

bool is_byte_token(const std::string &t) {
    auto hex = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
    };
    return t.size() == 6 && t.compare(0, 3, "<0x") == 0 && hex(t[3]) && hex(t[4]) && t[5] == '>';
}

struct AddedToken {
    int64_t id;
    std::string content;
    bool special;
};

// Special token ids, add_bos/add_eos and the chat template, as gguf-py's SpecialVocab derives them:
// tokenizer_config.json names the tokens (bos_token, eos_token, …: a string or {"content": …}) and they are
// looked up among the added tokens; the post-processor's TemplateProcessing says whether BOS/EOS are added
// (a config's add_bos_token/add_eos_token overrides it); config.json's *_token_id fill what is still unset.
// Without a tokenizer_config.json (our convention, since SpecialVocab then sets no ids at all): BOS and EOS
// are the template's leading and trailing special tokens, UNK is model.unk_token.
void add_special_metadata(const json &tok, const std::filesystem::path &dir,
                          const std::vector<AddedToken> &added, int64_t n_vocab, Metadata *md,
                          HfToGgufReport *report) {
    static const char *const kTypes[] = {"bos", "eos", "unk", "sep", "pad", "cls", "mask"};
    std::optional<json> config = read_json(dir / "tokenizer_config.json", false);
    if (config && !config->is_object())
        config.reset();
    if (config)
        report->sources.push_back("tokenizer_config.json");
    std::map<std::string, std::string> names;  // type -> token content
    if (config) {
        for (const char *typ : kTypes) {
            const auto it = config->find(std::string(typ) + "_token");
            if (it == config->end())
                continue;
            if (it->is_string())
                names[typ] = it->get<std::string>();
            else if (it->is_object() && it->contains("content") && (*it)["content"].is_string())
                names[typ] = (*it)["content"].get<std::string>();
        }
        if (!names.count("bos") && names.count("cls"))
            names["bos"] = names["cls"];
        if (!names.count("eos") && names.count("sep"))
            names["eos"] = names["sep"];
    }
    std::map<std::string, bool> add;
    const json pp = tok.value("post_processor", json());
    std::vector<json> processors;
    if (pp.is_object())
        processors = pp.contains("processors") && pp["processors"].is_array()
                         ? pp["processors"].get<std::vector<json>>()
                         : std::vector<json>{pp};
    for (const auto &proc : processors) {
        const std::string type = json_string(proc, "type");
        if (type == "RobertaProcessing") {
            add["bos"] = add["eos"] = add["sep"] = true;
        } else if (type == "TemplateProcessing") {
            const json single = proc.value("single", json::array());
            if (!single.is_array() || single.size() < 2)
                continue;
            auto special_id = [](const json &item) {
                const auto st = item.find("SpecialToken");
                return st != item.end() && st->is_object() ? json_string(*st, "id") : std::string();
            };
            const std::string first = special_id(single.front()), last = special_id(single.back());
            if (!first.empty()) {
                if (!names.count("bos"))
                    names["bos"] = first;
                add["bos"] = first == names["bos"] || (names.count("cls") && first == names["cls"]);
            }
            if (!last.empty()) {
                if (!names.count("eos"))
                    names["eos"] = last;
                add["eos"] = last == names["eos"];
            }
            // The pair template "[first] A [sep] [eos] B [last]" says whether a separator is added.
            const json pair = proc.value("pair", json::array());
            if (!pair.is_array() || pair.empty())
                continue;
            const size_t begin = !first.empty() && special_id(pair.front()) == first ? 1 : 0;
            const size_t end =
                !last.empty() && special_id(pair.back()) == last ? pair.size() - 1 : pair.size();
            if (end < begin + 3)
                continue;
            auto sequence_id = [](const json &item) {
                const auto seq = item.find("Sequence");
                return seq != item.end() && seq->is_object() ? json_string(*seq, "id") : std::string();
            };
            if (sequence_id(pair[begin]) != "A" || sequence_id(pair[end - 1]) != "B")
                continue;
            auto is_sep = [&](const std::string &id) {
                return !id.empty() && ((names.count("sep") && id == names["sep"]) ||
                                       (names.count("eos") && id == names["eos"]));
            };
            bool add_sep = is_sep(special_id(pair[begin + 1])) && last.empty();
            if (end - begin == 4 && is_sep(special_id(pair[begin + 2])))
                add_sep = true;
            add["sep"] = add_sep;
        }
    }
    if (config) {
        for (const char *typ : kTypes) {
            const auto it = config->find(std::string("add_") + typ + "_token");
            if (it != config->end() && it->is_boolean())
                add[typ] = it->get<bool>();
        }
    }
    std::map<std::string, int64_t> ids;
    for (const auto &[typ, name] : names) {
        for (const auto &a : added) {
            if (a.content == name) {
                if (a.id < n_vocab)
                    ids[typ] = a.id;
                break;
            }
        }
    }
    if (!ids.count("unk") && !config) {
        const std::string unk = json_string(tok["model"], "unk_token");
        const auto &vocab = tok["model"]["vocab"];
        if (!unk.empty() && vocab.contains(unk))
            ids["unk"] = vocab[unk].get<int64_t>();
    }
    if (auto cfg = read_json(dir / "config.json", false); cfg && cfg->is_object()) {
        for (const char *typ : kTypes) {
            const auto it = cfg->find(std::string(typ) + "_token_id");
            if (!ids.count(typ) && it != cfg->end() && it->is_number_integer() && it->get<int64_t>() >= 0 &&
                it->get<int64_t>() < n_vocab)
                ids[typ] = it->get<int64_t>();
        }
    }
    static const std::map<std::string, std::string> kIdKeys = {
        {"bos", "tokenizer.ggml.bos_token_id"},     {"eos", "tokenizer.ggml.eos_token_id"},
        {"unk", "tokenizer.ggml.unknown_token_id"}, {"sep", "tokenizer.ggml.seperator_token_id"},
        {"pad", "tokenizer.ggml.padding_token_id"}, {"mask", "tokenizer.ggml.mask_token_id"},
    };  // "seperator" is gguf-py's spelling; there is no key for cls
    for (const char *typ : kTypes) {
        if (ids.count(typ) && kIdKeys.count(typ))
            md->emplace_back(kIdKeys.at(typ), u32_value(static_cast<uint32_t>(ids[typ])));
    }
    for (const char *typ : {"bos", "eos", "sep"}) {
        if (add.count(typ))
            md->emplace_back(std::string("tokenizer.ggml.add_") + typ + "_token", bool_value(add[typ]));
    }
    // Chat template: tokenizer_config.json's chat_template (a string, or a list of {name, template}), else a
    // chat_template.jinja next to it.
    if (config && config->contains("chat_template")) {
        const json &ct = (*config)["chat_template"];
        if (ct.is_string()) {
            md->emplace_back("tokenizer.chat_template", str_value(ct.get<std::string>()));
        } else if (ct.is_array()) {
            for (const auto &t : ct) {
                const std::string name = json_string(t, "name"), text = json_string(t, "template");
                if (name.empty() || text.empty())
                    continue;
                md->emplace_back(
                    name == "default" ? "tokenizer.chat_template" : "tokenizer.chat_template." + name,
                    str_value(text));
            }
        }
    } else if (config) {
        std::ifstream in(dir / "chat_template.jinja", std::ios::binary);
        if (in) {
            std::ostringstream text;
            text << in.rdbuf();
            md->emplace_back("tokenizer.chat_template", str_value(text.str()));
            report->sources.push_back("chat_template.jinja");
        }
    }
}

}  // namespace

static void convert(const std::string &path, Metadata *md, HfToGgufReport *report) {
    const std::filesystem::path file(path);
    const json tok = *read_json(file, /*required=*/true);
    report->sources.push_back(file.filename().string());
    if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object())
        fail("has no 'model' object: not a Hugging Face tokenizer.json");
    const json &model = tok["model"];
    const std::string model_type = json_string(model, "type");
    if (model_type != "BPE")
        unsupported("model type '" + model_type +
                    "' cannot be expressed in GGUF by this converter (BPE only)");
    const auto vocab_it = model.find("vocab");
    if (vocab_it == model.end() || !vocab_it->is_object())
        fail("model.vocab is not an object of token -> id");

    // Ids: the model's vocabulary, then added tokens (which may reuse or extend it).
    std::vector<AddedToken> added;
    int64_t max_id = -1;
    for (const auto &[piece, id] : vocab_it->items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= kMaxVocab)
            fail("model.vocab['" + piece + "'] is not an id in [0, " + std::to_string(kMaxVocab) + ")");
        max_id = std::max(max_id, id.get<int64_t>());
    }
    for (const auto &a : tok.value("added_tokens", json::array())) {
        if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
            !a["content"].is_string())
            fail("added_tokens[" + std::to_string(added.size()) +
                 "] needs an integer 'id' and a string 'content'");
        const int64_t id = a["id"].get<int64_t>();
        if (id < 0 || id >= kMaxVocab)
            fail("added_tokens[" + std::to_string(added.size()) + "] id " + std::to_string(id) +
                 " is out of range");
        added.push_back({id, a["content"].get<std::string>(), a.value("special", false)});
        max_id = std::max(max_id, id);
    }
    if (max_id < 0)
        fail("has an empty vocabulary");
    int64_t n_vocab = max_id + 1;
    // config.json's vocab_size pads the vocabulary (the converter uses it as the token count).
    if (auto cfg = read_json(file.parent_path() / "config.json", false); cfg && cfg->is_object()) {
        report->sources.push_back("config.json");
        const auto vs = cfg->find("vocab_size");
        if (vs != cfg->end() && vs->is_number_integer() && vs->get<int64_t>() > n_vocab &&
            vs->get<int64_t>() < kMaxVocab)
            n_vocab = vs->get<int64_t>();
    }
    // Hostile ids: a few huge ids must not make us allocate millions of padding tokens.
    const int64_t n_entries = static_cast<int64_t>(vocab_it->size() + added.size());
    if (n_vocab > 4 * n_entries + 4096)
        fail("ids go up to " + std::to_string(n_vocab - 1) + " but there are only " +
             std::to_string(n_entries) + " tokens");

    std::vector<std::string> tokens(static_cast<size_t>(n_vocab));
    std::vector<int32_t> types(static_cast<size_t>(n_vocab), static_cast<int32_t>(TokenType::unused));
    std::vector<bool> present(static_cast<size_t>(n_vocab), false);
    for (const auto &[piece, id] : vocab_it->items()) {
        const auto i = static_cast<size_t>(id.get<int64_t>());
        tokens[i] = piece;
        types[i] = static_cast<int32_t>(TokenType::normal);
        present[i] = true;
    }
    const std::optional<bool> space_prefix = spm_space_prefix(tok);
    const bool spm = space_prefix.has_value();
    for (const auto &a : added) {
        const auto i = static_cast<size_t>(a.id);
        std::string content = a.content;
        TokenType type = TokenType::control;
        if (!a.special && !looks_special(content)) {
            type = TokenType::user_defined;
            // llama.cpp matches user-defined tokens in raw text: their U+2581 stands for a space.
            size_t at = 0;
            while ((at = content.find("\xE2\x96\x81", at)) != std::string::npos)
                content.replace(at, 3, " ");
        }
        tokens[i] = content;
        types[i] = static_cast<int32_t>(type);
        present[i] = true;
    }
    for (int64_t i = 0; i < n_vocab; ++i) {
        if (!present[static_cast<size_t>(i)]) {
            tokens[static_cast<size_t>(i)] = "[PAD" + std::to_string(i) + "]";
            ++report->n_padding;
        } else if (spm && types[static_cast<size_t>(i)] == static_cast<int32_t>(TokenType::normal) &&
                   is_byte_token(tokens[static_cast<size_t>(i)])) {
            types[static_cast<size_t>(i)] = static_cast<int32_t>(TokenType::byte);
        }
    }

    std::vector<std::string> merges;
    const json merges_json = model.value("merges", json::array());
    if (!merges_json.is_array())
        fail("model.merges is not a list");
    merges.reserve(merges_json.size());
    for (size_t r = 0; r < merges_json.size(); ++r)
        merges.push_back(merge_text(merges_json[r], r));

    report->model = spm ? "llama" : "gpt2";
    md->emplace_back("tokenizer.ggml.model", str_value(report->model));
    if (spm) {
        report->pre = "default";  // what llama.cpp's converter writes for SentencePiece vocabularies
    } else {
        check_bpe_normalizer(tok.value("normalizer", json()), report);
        report->pre = identify_pre(tok);
    }
    md->emplace_back("tokenizer.ggml.pre", str_value(report->pre));
    std::vector<GgufWriteValue> token_values;
    token_values.reserve(tokens.size());
    for (auto &t : tokens)
        token_values.push_back(str_value(std::move(t)));
    md->emplace_back("tokenizer.ggml.tokens", array_value(GgufType::string, std::move(token_values)));

    if (spm) {
        if (merges.size() >= static_cast<size_t>(kMaxVocab))
            unsupported(std::to_string(merges.size()) +
                        " merges: ranks above 2^24 cannot be exact f32 scores");
        // score = -(rank of the first merge producing the token): highest score first == lowest rank first.
        std::unordered_map<std::string, int64_t> first_rank;
        first_rank.reserve(merges.size());
        for (size_t r = 0; r < merges.size(); ++r)
            first_rank.emplace(merge_result(merges[r]), static_cast<int64_t>(r));
        // The token texts were moved into the tokens array just written; read them back from there.
        const auto &written = md->back().second.elems;
        std::vector<GgufWriteValue> scores;
        scores.reserve(static_cast<size_t>(n_vocab));
        for (int64_t i = 0; i < n_vocab; ++i) {
            GgufWriteValue v;
            v.type = GgufType::float32;
            v.f = kScoreNotMerged;
            if (types[static_cast<size_t>(i)] == static_cast<int32_t>(TokenType::normal)) {
                const auto it = first_rank.find(written[static_cast<size_t>(i)].s);
                if (it != first_rank.end())
                    v.f = -static_cast<double>(it->second);
            }
            scores.push_back(v);
        }
        md->emplace_back("tokenizer.ggml.scores", array_value(GgufType::float32, std::move(scores)));
    }
    std::vector<GgufWriteValue> type_values;
    type_values.reserve(types.size());
    for (int32_t t : types) {
        GgufWriteValue v;
        v.type = GgufType::int32;
        v.i = t;
        type_values.push_back(v);
    }
    md->emplace_back("tokenizer.ggml.token_type", array_value(GgufType::int32, std::move(type_values)));
    if (!spm) {  // llama.cpp's SentencePiece path never writes merges; its scores carry the order
        std::vector<GgufWriteValue> merge_values;
        merge_values.reserve(merges.size());
        for (auto &m : merges)
            merge_values.push_back(str_value(std::move(m)));
        md->emplace_back("tokenizer.ggml.merges", array_value(GgufType::string, std::move(merge_values)));
    }
    add_special_metadata(tok, file.parent_path(), added, n_vocab, md, report);
    if (spm)
        md->emplace_back("tokenizer.ggml.add_space_prefix", bool_value(*space_prefix));
    report->n_vocab = static_cast<int32_t>(n_vocab);
}

Status hf_tokenizer_to_gguf(const std::string &tokenizer_json_path, Metadata *metadata,
                            HfToGgufReport *report) {
    if (!metadata)
        return ND_STATUS(StatusCode::invalid_argument, "hf_tokenizer_to_gguf: metadata is null");
    HfToGgufReport local;
    HfToGgufReport *r = report ? report : &local;
    *r = HfToGgufReport{};
    Metadata md;
    try {
        convert(tokenizer_json_path, &md, r);
    } catch (const ConvertError &e) {
        return ND_STATUS(e.code, tokenizer_json_path + ": " + e.what());
    } catch (const json::exception &e) {
        return ND_STATUS(StatusCode::invalid_argument,
                         tokenizer_json_path + ": unexpected JSON shape: " + e.what());
    } catch (const std::bad_alloc &) {
        return ND_STATUS(StatusCode::out_of_memory, tokenizer_json_path + ": out of memory while converting");
    } catch (const std::exception &e) {
        return ND_STATUS(StatusCode::internal, tokenizer_json_path + ": " + e.what());
    }
    *metadata = std::move(md);
    return Status::success();
}

Status hf_tokenizer_to_gguf(const std::string &tokenizer_json_path, Metadata *metadata) {
    return hf_tokenizer_to_gguf(tokenizer_json_path, metadata, nullptr);
}

}  // namespace nd
