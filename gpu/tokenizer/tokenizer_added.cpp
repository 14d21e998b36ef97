// Leftmost-longest literal matching of added tokens.
#include "gpu/tokenizer/tokenizer_added.h"

#include <utf8proc.h>

#include <algorithm>

#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

void AddedTokenMatcher::build(std::vector<AddedToken> tokens) {
    m_tokens = std::move(tokens);
    m_nodes.assign(1, Node{});
    m_root_children.assign(256, -1);
    std::fill(std::begin(m_first_byte), std::end(m_first_byte), false);
    for (size_t t = 0; t < m_tokens.size(); ++t) {
        const std::string &content = m_tokens[t].content;
        // Longer contents are not looked for in text: the walk at each position is bounded by this, so a
        // hostile vocabulary cannot make matching quadratic in practice (real added tokens are short).
        if (content.empty() || content.size() > kMaxMatchedBytes)
            continue;
        int32_t node = 0;
        for (size_t k = 0; k < content.size(); ++k) {
            const auto b = static_cast<uint8_t>(content[k]);
            int32_t next = k == 0 ? m_root_children[b] : child(node, b);
            if (next < 0) {
                next = static_cast<int32_t>(m_nodes.size());
                Node n;
                n.byte = b;
                if (k == 0) {
                    m_root_children[b] = next;
                } else {
                    n.next_sibling = m_nodes[node].first_child;
                    m_nodes[node].first_child = next;
                }
                m_nodes.push_back(n);
            }
            node = next;
        }
        // A duplicate content keeps the first token (the lower id in file order).
        if (m_nodes[node].token < 0)
            m_nodes[node].token = static_cast<int32_t>(t);
        m_first_byte[static_cast<uint8_t>(content[0])] = true;
    }
}

bool AddedTokenMatcher::has_stripping() const {
    return std::any_of(m_tokens.begin(), m_tokens.end(),
                       [](const AddedToken &t) { return t.lstrip || t.rstrip; });
}

int32_t AddedTokenMatcher::child(int32_t node, uint8_t byte) const {
    for (int32_t c = m_nodes[node].first_child; c >= 0; c = m_nodes[c].next_sibling)
        if (m_nodes[c].byte == byte)
            return c;
    return -1;
}

int32_t AddedTokenMatcher::longest_at(std::string_view text, size_t pos, size_t *len) const {
    int32_t node = m_root_children[static_cast<uint8_t>(text[pos])];
    int32_t best = -1;
    size_t k = pos + 1;
    while (node >= 0) {
        if (m_nodes[node].token >= 0) {
            best = m_nodes[node].token;
            *len = k - pos;
        }
        if (k >= text.size())
            break;
        node = child(node, static_cast<uint8_t>(text[k]));
        ++k;
    }
    return best;
}

namespace {

bool is_word_char(uint32_t cp) {
    if (cp == '_')
        return true;
    switch (utf8proc_category(static_cast<utf8proc_int32_t>(cp))) {
        case UTF8PROC_CATEGORY_LU:
        case UTF8PROC_CATEGORY_LL:
        case UTF8PROC_CATEGORY_LT:
        case UTF8PROC_CATEGORY_LM:
        case UTF8PROC_CATEGORY_LO:
        case UTF8PROC_CATEGORY_ND:
        case UTF8PROC_CATEGORY_NL:
        case UTF8PROC_CATEGORY_NO:
            return true;
        default:
            return false;
    }
}

// The code point ending at `end` (exclusive); false when the bytes there are not a character.
bool char_before(std::string_view text, size_t end, uint32_t *cp, size_t *len) {
    size_t start = end;
    while (start > 0 && end - start < 4) {
        --start;
        if ((static_cast<uint8_t>(text[start]) & 0xC0) != 0x80)
            break;
    }
    if (start == end)
        return false;
    *len = utf8_char_len(text, start, cp);
    return *len == end - start;
}

}  // namespace

void AddedTokenMatcher::split(std::string_view text, bool parse_special, std::vector<Part> *parts) const {
    parts->clear();
    if (m_tokens.empty()) {
        if (!text.empty())
            parts->push_back({0, text.size(), -1});
        return;
    }
    size_t consumed = 0;  // end of the previous match
    size_t pos = 0;
    while (pos < text.size()) {
        if (!m_first_byte[static_cast<uint8_t>(text[pos])]) {
            ++pos;
            continue;
        }
        size_t len = 0;
        const int32_t t = longest_at(text, pos, &len);
        if (t < 0) {
            ++pos;
            continue;
        }
        const AddedToken &token = m_tokens[t];
        size_t start = pos;
        size_t stop = pos + len;
        pos = stop;  // a rejected match is skipped as a whole, as Aho-Corasick's iterator does
        if (!parse_special && token.special)
            continue;
        if (token.single_word) {
            uint32_t cp = 0;
            size_t clen = 0;
            const bool word_before = start > 0 && char_before(text, start, &cp, &clen) && is_word_char(cp);
            const bool word_after =
                stop < text.size() && utf8_char_len(text, stop, &cp) != 0 && is_word_char(cp);
            if (word_before || word_after)
                continue;
        }
        if (token.lstrip) {
            size_t s = start;
            uint32_t cp = 0;
            size_t clen = 0;
            while (s > consumed && char_before(text, s, &cp, &clen) && is_unicode_white_space(cp))
                s -= clen;
            start = std::max(s, consumed);
        }
        if (token.rstrip) {
            uint32_t cp = 0;
            size_t clen = 0;
            while (stop < text.size() && (clen = utf8_char_len(text, stop, &cp)) != 0 &&
                   is_unicode_white_space(cp))
                stop += clen;
            pos = stop;
        }
        if (consumed < start)
            parts->push_back({consumed, start, -1});
        parts->push_back({start, stop, token.id});
        consumed = stop;
    }
    if (consumed < text.size())
        parts->push_back({consumed, text.size(), -1});
}

}  // namespace nd::tok
