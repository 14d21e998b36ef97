#pragma once
// Hugging Face normalizers: NFC/NFD/NFKC/NFKD (utf8proc), Lowercase, Prepend, Replace, Strip,
// StripAccents and Sequence. Invalid UTF-8 passes through untouched (only valid runs are normalised).
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/tokenizer/tokenizer_regex.h"

namespace nd::tok {

struct NormalizerStep {
    enum class Kind { nfc = 1, nfd, nfkc, nfkd, lowercase, prepend, replace, strip, strip_accents };
    Kind kind = Kind::nfc;
    std::string text;                      // prepend: what; replace: the content put in
    std::shared_ptr<const Regex> pattern;  // replace
    bool strip_left = false;
    bool strip_right = false;
};

struct Normalizer {
    std::vector<NormalizerStep> steps;  // empty: the identity
    bool empty() const { return steps.empty(); }
    void apply(std::string_view in, std::string *out) const;
    std::string describe() const;  // "NFC", "Prepend+Replace"
};

}  // namespace nd::tok
