// tokenizer.json sections: normalizer, pre_tokenizer and decoder, each mapped to our steps.
#include "gpu/tokenizer/tokenizer_hf_parts.h"

#include <algorithm>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

const json *find_member(const json &object, const char *key) {
    if (!object.is_object())
        return nullptr;
    const auto it = object.find(key);
    if (it == object.end() || it->is_null())
        return nullptr;
    return &*it;
}

std::string get_string(const json &object, const char *key, const std::string &where,
                       const std::string &fallback) {
    const json *v = find_member(object, key);
    if (!v)
        return fallback;
    if (!v->is_string())
        throw TokError(where + "." + key + " is " + v->type_name() + ", expected a string");
    return v->get<std::string>();
}

bool get_bool(const json &object, const char *key, const std::string &where, bool fallback) {
    const json *v = find_member(object, key);
    if (!v)
        return fallback;
    if (!v->is_boolean())
        throw TokError(where + "." + key + " is " + v->type_name() + ", expected true or false");
    return v->get<bool>();
}

int64_t get_int(const json &object, const char *key, const std::string &where, int64_t fallback) {
    const json *v = find_member(object, key);
    if (!v)
        return fallback;
    if (!v->is_number_integer())
        throw TokError(where + "." + key + " is " + v->type_name() + ", expected an integer");
    return v->get<int64_t>();
}

namespace {

std::string node_type(const json &node, const std::string &where) {
    if (!node.is_object())
        throw TokError(where + " is " + node.type_name() + ", expected an object");
    const std::string type = get_string(node, "type", where, "");
    if (type.empty())
        throw TokError(where + ".type is missing");
    return type;
}

const json &get_array(const json &node, const char *key, const std::string &where) {
    const json *v = find_member(node, key);
    if (!v || !v->is_array())
        throw TokError(where + "." + key + " is missing or not an array");
    return *v;
}

// {"String": "x"} or {"Regex": "x"} -> compiled pattern.
std::shared_ptr<const Regex> parse_pattern(const json &node, const std::string &where) {
    const json *pattern = find_member(node, "pattern");
    if (!pattern || !pattern->is_object() || pattern->size() != 1)
        throw TokError(where + ".pattern is missing or not {\"String\": …} / {\"Regex\": …}");
    const auto it = pattern->begin();
    if (!it->is_string())
        throw TokError(where + ".pattern." + it.key() + " is not a string");
    const std::string text = it->get<std::string>();
    if (it.key() == "String")
        return compile_or_throw(text, Regex::Syntax::literal, where + ".pattern");
    if (it.key() == "Regex")
        return compile_or_throw(text, Regex::Syntax::regex, where + ".pattern");
    throw TokError(where + ".pattern kind '" + it.key() + "' is not String or Regex");
}

SplitBehavior parse_behavior(const json &node, const std::string &where, const char *fallback) {
    const std::string b = get_string(node, "behavior", where, fallback);
    if (b == "Removed")
        return SplitBehavior::removed;
    if (b == "Isolated")
        return SplitBehavior::isolated;
    if (b == "MergedWithPrevious")
        return SplitBehavior::merged_with_previous;
    if (b == "MergedWithNext")
        return SplitBehavior::merged_with_next;
    if (b == "Contiguous")
        return SplitBehavior::contiguous;
    throw TokError(where + ".behavior '" + b +
                   "' is not one of Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous");
}

PreTokStep split_step(std::shared_ptr<const Regex> pattern, SplitBehavior behavior, bool invert) {
    PreTokStep step;
    step.kind = PreTokStep::Kind::split;
    step.pattern = std::move(pattern);
    step.behavior = behavior;
    step.invert = invert;
    return step;
}

constexpr const char *kPunctuation = "[\\p{P}!-/:-@\\[-`{-~]";

PreTokStep::Prepend parse_prepend_scheme(const json &node, const std::string &where) {
    if (const json *legacy = find_member(node, "add_prefix_space");
        legacy && !find_member(node, "prepend_scheme")) {
        if (!legacy->is_boolean())
            throw TokError(where + ".add_prefix_space is not true or false");
        return legacy->get<bool>() ? PreTokStep::Prepend::always : PreTokStep::Prepend::never;
    }
    const std::string scheme = get_string(node, "prepend_scheme", where, "always");
    if (scheme == "always")
        return PreTokStep::Prepend::always;
    if (scheme == "first")
        return PreTokStep::Prepend::first;
    if (scheme == "never")
        return PreTokStep::Prepend::never;
    throw TokError(where + ".prepend_scheme '" + scheme + "' is not always, first or never");
}

std::string parse_replacement(const json &node, const std::string &where) {
    const std::string r = get_string(node, "replacement", where, "\xE2\x96\x81");
    uint32_t cp = 0;
    if (r.empty() || utf8_char_len(r, 0, &cp) != r.size())
        throw TokError(where + ".replacement " + quote_for_message(r) + " is not one character");
    return r;
}

}  // namespace

void parse_normalizer(const json &node, const std::string &where, Normalizer *out) {
    const std::string type = node_type(node, where);
    NormalizerStep step;
    if (type == "Sequence") {
        const json &list = get_array(node, "normalizers", where);
        for (size_t i = 0; i < list.size(); ++i)
            parse_normalizer(list[i], where + ".normalizers[" + std::to_string(i) + "]", out);
        return;
    } else if (type == "NFC") {
        step.kind = NormalizerStep::Kind::nfc;
    } else if (type == "NFD") {
        step.kind = NormalizerStep::Kind::nfd;
    } else if (type == "NFKC") {
        step.kind = NormalizerStep::Kind::nfkc;
    } else if (type == "NFKD") {
        step.kind = NormalizerStep::Kind::nfkd;
    } else if (type == "Lowercase") {
        step.kind = NormalizerStep::Kind::lowercase;
    } else if (type == "StripAccents") {
        step.kind = NormalizerStep::Kind::strip_accents;
    } else if (type == "Prepend") {
        step.kind = NormalizerStep::Kind::prepend;
        step.text = get_string(node, "prepend", where, "");
    } else if (type == "Replace") {
        step.kind = NormalizerStep::Kind::replace;
        step.pattern = parse_pattern(node, where);
        step.text = get_string(node, "content", where, "");
    } else if (type == "Strip") {
        step.kind = NormalizerStep::Kind::strip;
        step.strip_left = get_bool(node, "strip_left", where, true);
        step.strip_right = get_bool(node, "strip_right", where, true);
    } else {
        throw TokError(
            where + ": normalizer '" + type +
            "' is not supported (supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, StripAccents, "
            "Prepend, Replace, Strip)");
    }
    out->steps.push_back(std::move(step));
}

void parse_pre_tokenizer(const json &node, const std::string &where, PreTokenizer *out, bool *byte_level) {
    const std::string type = node_type(node, where);
    if (type == "Sequence") {
        const json &list = get_array(node, "pretokenizers", where);
        for (size_t i = 0; i < list.size(); ++i)
            parse_pre_tokenizer(list[i], where + ".pretokenizers[" + std::to_string(i) + "]", out,
                                byte_level);
        return;
    }
    if (*byte_level)
        throw TokError(where + ": pre-tokenizer '" + type + "' after ByteLevel is not supported");
    out->names.push_back(type);
    if (type == "Split") {
        out->steps.push_back(split_step(parse_pattern(node, where), parse_behavior(node, where, "Isolated"),
                                        get_bool(node, "invert", where, false)));
    } else if (type == "ByteLevel") {
        PreTokStep step;
        step.kind = PreTokStep::Kind::byte_level;
        step.add_prefix_space = get_bool(node, "add_prefix_space", where, true);
        out->steps.push_back(step);
        if (get_bool(node, "use_regex", where, true))
            out->steps.push_back(split_step(compile_or_throw(kGpt2Pattern, Regex::Syntax::regex, where),
                                            SplitBehavior::isolated, false));
        *byte_level = true;
    } else if (type == "Digits") {
        const bool individual = get_bool(node, "individual_digits", where, false);
        out->steps.push_back(
            split_step(compile_or_throw(individual ? "\\p{N}" : "\\p{N}+", Regex::Syntax::regex, where),
                       individual ? SplitBehavior::isolated : SplitBehavior::contiguous, false));
    } else if (type == "Metaspace") {
        PreTokStep step;
        step.kind = PreTokStep::Kind::metaspace;
        step.replacement = parse_replacement(node, where);
        step.prepend = parse_prepend_scheme(node, where);
        step.metaspace_split = get_bool(node, "split", where, true);
        out->steps.push_back(step);
    } else if (type == "Whitespace") {
        out->steps.push_back(split_step(compile_or_throw("\\w+|[^\\w\\s]+", Regex::Syntax::regex, where),
                                        SplitBehavior::removed, true));
    } else if (type == "WhitespaceSplit") {
        out->steps.push_back(
            split_step(compile_or_throw("\\s+", Regex::Syntax::regex, where), SplitBehavior::removed, false));
    } else if (type == "Punctuation") {
        out->steps.push_back(split_step(compile_or_throw(kPunctuation, Regex::Syntax::regex, where),
                                        parse_behavior(node, where, "Isolated"), false));
    } else if (type == "BertPreTokenizer") {
        out->steps.push_back(
            split_step(compile_or_throw("\\s+", Regex::Syntax::regex, where), SplitBehavior::removed, false));
        out->steps.push_back(split_step(compile_or_throw(kPunctuation, Regex::Syntax::regex, where),
                                        SplitBehavior::isolated, false));
    } else if (type == "CharDelimiterSplit") {
        const std::string delimiter = get_string(node, "delimiter", where, "");
        uint32_t cp = 0;
        if (delimiter.empty() || utf8_char_len(delimiter, 0, &cp) != delimiter.size())
            throw TokError(where + ".delimiter is not one character");
        out->steps.push_back(split_step(compile_or_throw(delimiter, Regex::Syntax::literal, where),
                                        SplitBehavior::removed, false));
    } else {
        throw TokError(
            where + ": pre-tokenizer '" + type +
            "' is not supported (supported: Sequence, Split, ByteLevel, Digits, Metaspace, Whitespace, "
            "WhitespaceSplit, Punctuation, BertPreTokenizer, CharDelimiterSplit)");
    }
}

void parse_decoder(const json &node, const std::string &where, Decoder *out) {
    const std::string type = node_type(node, where);
    if (type == "Sequence") {
        const json &list = get_array(node, "decoders", where);
        for (size_t i = 0; i < list.size(); ++i)
            parse_decoder(list[i], where + ".decoders[" + std::to_string(i) + "]", out);
        return;
    }
    // Steps after a Fuse see the whole text; before it, one token at a time.
    const bool fused = !out->whole.empty() ||
                       std::any_of(out->per_token.begin(), out->per_token.end(),
                                   [](const DecoderStep &s) { return s.kind == DecoderStep::Kind::fuse; });
    DecoderStep step;
    if (type == "ByteLevel") {
        step.kind = DecoderStep::Kind::byte_level;
    } else if (type == "ByteFallback") {
        step.kind = DecoderStep::Kind::byte_fallback;
    } else if (type == "Fuse") {
        step.kind = DecoderStep::Kind::fuse;
    } else if (type == "Replace") {
        step.kind = DecoderStep::Kind::replace;
        const json *pattern = find_member(node, "pattern");
        if (!pattern || !pattern->is_object() || !find_member(*pattern, "String"))
            throw TokError(where + ".pattern: only {\"String\": …} is supported in a Replace decoder");
        step.pattern = get_string(*pattern, "String", where + ".pattern", "");
        step.content = get_string(node, "content", where, "");
    } else if (type == "Strip") {
        step.kind = DecoderStep::Kind::strip;
        step.content = get_string(node, "content", where, " ");
        uint32_t cp = 0;
        if (step.content.empty() || utf8_char_len(step.content, 0, &cp) != step.content.size())
            throw TokError(where + ".content is not one character");
        const int64_t start = get_int(node, "start", where, 0);
        const int64_t stop = get_int(node, "stop", where, 0);
        if (start < 0 || stop < 0 || start > 1'000'000 || stop > 1'000'000)
            throw TokError(where + ".start/.stop must be between 0 and 1000000");
        step.strip_start = static_cast<size_t>(start);
        step.strip_stop = static_cast<size_t>(stop);
    } else if (type == "Metaspace") {
        step.kind = DecoderStep::Kind::metaspace;
        step.replacement = parse_replacement(node, where);
        step.prepend = parse_prepend_scheme(node, where) != PreTokStep::Prepend::never;
        if (!fused)
            out->first_token_rule = out->first_token_rule || step.prepend;
    } else {
        throw TokError(
            where + ": decoder '" + type +
            "' is not supported (supported: Sequence, ByteLevel, ByteFallback, Fuse, Replace, Strip, "
            "Metaspace)");
    }
    if (fused)
        out->whole.push_back(std::move(step));
    else
        out->per_token.push_back(std::move(step));
}

}  // namespace nd::tok
