#pragma once
// Added and special tokens written literally in the text: found first, leftmost-longest (Hugging Face's
// Aho-Corasick semantics), with lstrip/rstrip/single_word, before the rest is normalised and split.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace nd::tok {

struct AddedToken {
    int32_t id = -1;
    std::string content;   // what is matched (already normalised for normalized tokens)
    bool special = false;  // not matched when parse_special is off
    bool lstrip = false;
    bool rstrip = false;
    bool single_word = false;
};

// A byte trie over the token contents.
class AddedTokenMatcher {
public:
    static constexpr size_t kMaxMatchedBytes = 256;
    void build(std::vector<AddedToken> tokens);
    bool empty() const { return m_tokens.empty(); }
    bool has_stripping() const;  // any lstrip/rstrip token (they absorb whitespace around them)

    struct Part {
        size_t start;
        size_t end;
        int32_t id;  // -1: ordinary text
    };
    // Splits `text` into ordinary text and matched tokens, in order, covering every byte except the
    // whitespace that lstrip/rstrip tokens absorb. parse_special off: special tokens stay text.
    void split(std::string_view text, bool parse_special, std::vector<Part> *parts) const;

private:
    struct Node {
        int32_t first_child = -1;  // children are a linked list: few tokens share prefixes
        int32_t next_sibling = -1;
        int32_t token = -1;  // index into m_tokens when a token ends here
        uint8_t byte = 0;
    };
    int32_t child(int32_t node, uint8_t byte) const;
    // Longest token starting at `pos`, or -1.
    int32_t longest_at(std::string_view text, size_t pos, size_t *len) const;

    std::vector<AddedToken> m_tokens;
    std::vector<Node> m_nodes;
    std::vector<int32_t> m_root_children;  // by first byte, for speed
    bool m_first_byte[256] = {};
};

}  // namespace nd::tok
