// The BPE model (Hugging Face / llama.cpp semantics: the lowest-rank merge first, leftmost among equal
// ranks) and llama.cpp's SentencePiece-style model (the highest-scoring merged piece first).
#include <limits>
#include <queue>
#include <string_view>
#include <vector>

#include "gpu/tokenizer/tokenizer_impl.h"
#include "gpu/tokenizer/tokenizer_text.h"

namespace nd::tok {

namespace {

// Initial symbols of a non-byte-level piece: one per character (an invalid byte is a character of its own),
// with byte fallback and (fused) unknown tokens as Hugging Face builds them.
void char_symbols(const Tokenizer &t, std::string_view piece, std::vector<int32_t> *symbols) {
    int32_t pending_unk = -1;
    for (size_t i = 0; i < piece.size();) {
        size_t len = utf8_char_len(piece, i);
        if (len == 0)
            len = 1;
        const std::string_view ch = piece.substr(i, len);
        i += len;
        const int32_t id = t.model_to_id.find(ch);
        if (id >= 0) {
            if (pending_unk >= 0) {
                symbols->push_back(pending_unk);
                pending_unk = -1;
            }
            symbols->push_back(id);
            continue;
        }
        if (t.byte_fallback) {
            bool all = true;
            for (const char b : ch)
                all = all && t.byte_token[static_cast<uint8_t>(b)] >= 0;
            if (all) {
                if (pending_unk >= 0) {
                    symbols->push_back(pending_unk);
                    pending_unk = -1;
                }
                for (const char b : ch)
                    symbols->push_back(t.byte_token[static_cast<uint8_t>(b)]);
                continue;
            }
        }
        if (t.unk >= 0) {
            if (pending_unk >= 0 && !t.fuse_unk)
                symbols->push_back(pending_unk);
            pending_unk = t.unk;
        }
        // No unknown token: Hugging Face drops the character.
    }
    if (pending_unk >= 0)
        symbols->push_back(pending_unk);
}

// Merges by keeping each adjacent pair's merge and rescanning for the minimum: cheap for the short
// symbol runs of ordinary words.
void merge_small(const Tokenizer &t, std::vector<int32_t> *syms) {
    std::vector<int32_t> &s = *syms;
    thread_local std::vector<Merge> pair;
    pair.resize(s.size());
    for (size_t i = 0; i + 1 < s.size(); ++i)
        pair[i] = t.merges.find(s[i], s[i + 1]);
    while (s.size() > 1) {
        size_t best = s.size();
        int32_t best_rank = std::numeric_limits<int32_t>::max();
        for (size_t i = 0; i + 1 < s.size(); ++i) {
            if (pair[i].rank >= 0 && pair[i].rank < best_rank) {
                best_rank = pair[i].rank;
                best = i;
            }
        }
        if (best == s.size())
            break;
        s[best] = pair[best].result;
        s.erase(s.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        pair.erase(pair.begin() + static_cast<std::ptrdiff_t>(best) + 1);
        if (best > 0)
            pair[best - 1] = t.merges.find(s[best - 1], s[best]);
        if (best + 1 < s.size())
            pair[best] = t.merges.find(s[best], s[best + 1]);
    }
}

// The same order with a heap and a linked list: O(n log n) for long pieces (a megabyte without spaces).
void merge_large(const Tokenizer &t, std::vector<int32_t> *syms) {
    std::vector<int32_t> &s = *syms;
    const int32_t n = static_cast<int32_t>(s.size());
    std::vector<int32_t> prev(n), next(n);
    std::vector<uint8_t> alive(n, 1);
    for (int32_t i = 0; i < n; ++i) {
        prev[i] = i - 1;
        next[i] = i + 1 < n ? i + 1 : -1;
    }
    struct Item {
        int32_t rank;
        int32_t pos;
        bool operator<(const Item &o) const { return rank != o.rank ? rank > o.rank : pos > o.pos; }
    };
    std::priority_queue<Item> queue;
    for (int32_t i = 0; i + 1 < n; ++i) {
        const Merge m = t.merges.find(s[i], s[i + 1]);
        if (m.rank >= 0)
            queue.push({m.rank, i});
    }
    while (!queue.empty()) {
        const Item top = queue.top();
        queue.pop();
        if (!alive[top.pos] || next[top.pos] < 0)
            continue;
        const int32_t right = next[top.pos];
        const Merge m = t.merges.find(s[top.pos], s[right]);
        if (m.rank != top.rank)
            continue;  // stale: one side has changed since this entry was queued
        s[top.pos] = m.result;
        alive[right] = 0;
        next[top.pos] = next[right];
        if (next[right] >= 0)
            prev[next[right]] = top.pos;
        if (prev[top.pos] >= 0) {
            const Merge l = t.merges.find(s[prev[top.pos]], s[top.pos]);
            if (l.rank >= 0)
                queue.push({l.rank, prev[top.pos]});
        }
        if (next[top.pos] >= 0) {
            const Merge r = t.merges.find(s[top.pos], s[next[top.pos]]);
            if (r.rank >= 0)
                queue.push({r.rank, top.pos});
        }
    }
    std::vector<int32_t> out;
    for (int32_t i = 0; i >= 0 && i < n; i = next[i])
        out.push_back(s[i]);
    s.swap(out);
}

}  // namespace

void bpe_encode_piece(const Tokenizer &t, std::string_view piece, std::vector<int32_t> *ids) {
    if (piece.empty())
        return;
    if (t.ignore_merges) {
        const int32_t id = t.model_to_id.find(piece);
        if (id >= 0) {
            ids->push_back(id);
            return;
        }
    }
    thread_local std::vector<int32_t> symbols;
    symbols.clear();
    if (t.byte_level) {
        for (const char b : piece) {
            const int32_t id = t.byte_token[static_cast<uint8_t>(b)];
            if (id >= 0)
                symbols.push_back(id);
            else if (t.unk >= 0)
                symbols.push_back(t.unk);
        }
    } else {
        char_symbols(t, piece, &symbols);
    }
    if (symbols.size() <= 64)
        merge_small(t, &symbols);
    else
        merge_large(t, &symbols);
    ids->insert(ids->end(), symbols.begin(), symbols.end());
}

void spm_encode_piece(const Tokenizer &t, std::string_view text, std::vector<int32_t> *ids) {
    struct Symbol {
        int32_t prev;
        int32_t next;
        uint32_t start;
        uint32_t len;
    };
    std::vector<Symbol> sym;
    for (size_t i = 0; i < text.size();) {
        size_t len = utf8_char_len(text, i);
        if (len == 0)
            len = 1;
        const int32_t index = static_cast<int32_t>(sym.size());
        sym.push_back({index - 1, i + len < text.size() ? index + 1 : -1, static_cast<uint32_t>(i),
                       static_cast<uint32_t>(len)});
        i += len;
    }
    struct Bigram {
        int32_t left;
        int32_t right;
        float score;
        uint32_t size;
        bool operator<(const Bigram &o) const {
            return score < o.score || (score == o.score && left > o.left);
        }
    };
    std::priority_queue<Bigram> queue;
    auto try_add = [&](int32_t left, int32_t right) {
        if (left < 0 || right < 0)
            return;
        const std::string_view merged = text.substr(sym[left].start, sym[left].len + sym[right].len);
        const int32_t id = t.model_to_id.find(merged);
        if (id < 0)
            return;
        queue.push({left, right, t.score[id], static_cast<uint32_t>(merged.size())});
    };
    for (int32_t i = 1; i < static_cast<int32_t>(sym.size()); ++i)
        try_add(i - 1, i);
    while (!queue.empty()) {
        const Bigram b = queue.top();
        queue.pop();
        Symbol &left = sym[b.left];
        Symbol &right = sym[b.right];
        if (left.len == 0 || right.len == 0 || left.len + right.len != b.size || left.next != b.right)
            continue;
        left.len += right.len;
        right.len = 0;
        left.next = right.next;
        if (right.next >= 0)
            sym[right.next].prev = b.left;
        try_add(left.prev, b.left);
        try_add(b.left, left.next);
    }
    for (int32_t i = sym.empty() ? -1 : 0; i >= 0; i = sym[i].next) {
        const std::string_view piece = text.substr(sym[i].start, sym[i].len);
        const int32_t id = t.model_to_id.find(piece);
        if (id >= 0) {
            ids->push_back(id);
            continue;
        }
        // A character outside the vocabulary: its bytes, or the unknown token.
        for (const char c : piece) {
            const int32_t byte_id = t.byte_token[static_cast<uint8_t>(c)];
            if (byte_id >= 0) {
                ids->push_back(byte_id);
            } else if (t.unk >= 0) {
                ids->push_back(t.unk);
                break;
            }
        }
    }
}

}  // namespace nd::tok
