#pragma once
// Pre-tokenizers: split a normalised segment into the pieces the model encodes one by one. Hugging Face
// semantics (Split with each delimiter behavior and invert, ByteLevel, Digits, Metaspace, Whitespace,
// WhitespaceSplit, Punctuation, Sequence), and the regex lists llama.cpp uses for GGUF pre types.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/tokenizer/tokenizer_regex.h"

namespace nd::tok {

enum class SplitBehavior { removed = 1, isolated, merged_with_previous, merged_with_next, contiguous };

struct PreTokStep {
    enum class Kind { split = 1, byte_level, metaspace };
    Kind kind = Kind::split;
    // split (Digits, Whitespace, WhitespaceSplit, Punctuation and ByteLevel's regex become splits too)
    std::shared_ptr<const Regex> pattern;
    SplitBehavior behavior = SplitBehavior::isolated;
    bool invert = false;
    // byte_level: prepend a space to a piece that does not start with one
    bool add_prefix_space = false;
    // metaspace
    std::string replacement;  // "▁"
    enum class Prepend { always = 1, first, never } prepend = Prepend::always;
    bool metaspace_split = true;
};

// A callable taking (std::string_view piece, bool first) without std::function's allocation.
class PieceSink {
public:
    template <class F>
    PieceSink(F &f)
        : m_object(&f), m_call([](void *o, std::string_view p, bool first) {  // NOLINT
            (*static_cast<F *>(o))(p, first);
        }) {}
    void operator()(std::string_view piece, bool first) const { m_call(m_object, piece, first); }

private:
    void *m_object;
    void (*m_call)(void *, std::string_view, bool);
};

struct PreTokenizer {
    std::vector<PreTokStep> steps;
    std::vector<std::string> names;  // "Split", "ByteLevel", … for tokenizer_pre_name()
    // Runs the steps on `text`; `first` says the piece starts the input (Metaspace's "first" scheme).
    // Empty pieces are dropped, as Hugging Face drops them.
    // Bytes that are not UTF-8 are pieces of their own: no pattern matches them and no delimiter
    // behavior may drop them (they are encoded byte by byte).
    void run(std::string_view text, bool first, const PieceSink &sink) const;

private:
    void run_from(size_t step, std::string_view text, bool first, const PieceSink &sink) const;
};

// The GPT-2 pattern ByteLevel(use_regex) splits with.
extern const char *const kGpt2Pattern;

// Steps for a GGUF tokenizer.ggml.pre name (regex splits, Isolated); false for an unknown name.
struct GgufPreType {
    std::vector<std::string> patterns;
    bool ignore_merges = false;
    bool add_bos = false;
};
bool gguf_pre_type(std::string_view name, GgufPreType *out);
std::string gguf_pre_supported_list();

// Compiles a pattern or throws TokError naming `what`.
std::shared_ptr<const Regex> compile_or_throw(std::string_view pattern, Regex::Syntax syntax,
                                              const std::string &what);

}  // namespace nd::tok
