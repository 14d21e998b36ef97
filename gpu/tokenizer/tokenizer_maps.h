#pragma once
// Flat open-addressing hash maps for the encoder's hot path: piece bytes -> token id, and a pair of token
// ids -> merge (rank, result). No per-lookup allocation; keys live in the map's own arena.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace nd::tok {

inline uint64_t hash_bytes(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ (s.size() * 0x100000001B3ull);
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
        uint64_t w;
        std::memcpy(&w, s.data() + i, 8);
        h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
        h ^= h >> 31;
    }
    uint64_t tail = 0;
    if (s.size() > i)
        std::memcpy(&tail, s.data() + i, s.size() - i);
    h = (h ^ tail) * 0x94D049BB133111EBull;
    return h ^ (h >> 29);
}

inline uint64_t hash_u64(uint64_t x) {
    x ^= x >> 33;
    x *= 0xFF51AFD7ED558CCDull;
    x ^= x >> 33;
    x *= 0xC4CEB9FE1A85EC53ull;
    return x ^ (x >> 33);
}

class StringIdMap {
public:
    // Sizes an empty map for n keys (a map that has keys keeps them and ignores this).
    void reserve(size_t n) {
        if (m_size > 0)
            return;
        size_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
    }
    // false when the key is already present (the first id stays).
    bool insert(std::string_view key, int32_t id) {
        if ((m_size + 1) * 2 > m_slots.size())
            grow();
        const uint64_t h = hash_bytes(key);
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            Slot &s = m_slots[i];
            if (s.id < 0) {
                s.hash = h;
                s.offset = static_cast<uint32_t>(m_arena.size());
                s.length = static_cast<uint32_t>(key.size());
                s.id = id;
                m_arena.append(key);
                ++m_size;
                return true;
            }
            if (s.hash == h && key_of(s) == key)
                return false;
        }
    }
    int32_t find(std::string_view key) const {
        if (m_size == 0)
            return -1;
        const uint64_t h = hash_bytes(key);
        for (size_t i = h & m_mask;; i = (i + 1) & m_mask) {
            const Slot &s = m_slots[i];
            if (s.id < 0)
                return -1;
            if (s.hash == h && key_of(s) == key)
                return s.id;
        }
    }
    size_t size() const { return m_size; }

private:
    struct Slot {
        uint64_t hash = 0;
        uint32_t offset = 0;
        uint32_t length = 0;
        int32_t id = -1;
    };
    std::string_view key_of(const Slot &s) const {
        return std::string_view(m_arena).substr(s.offset, s.length);
    }
    void grow() {
        std::vector<Slot> old;
        old.swap(m_slots);
        const size_t cap = old.empty() ? 16 : old.size() * 2;
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
        for (const Slot &s : old) {
            if (s.id < 0)
                continue;
            size_t i = s.hash & m_mask;
            while (m_slots[i].id >= 0)
                i = (i + 1) & m_mask;
            m_slots[i] = s;
        }
    }
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    size_t m_size = 0;
    std::string m_arena;
};

struct Merge {
    int32_t rank = -1;
    int32_t result = -1;
};

class PairMergeMap {
public:
    // Sizes an empty map for n keys (a map that has keys keeps them and ignores this).
    void reserve(size_t n) {
        if (m_size > 0)
            return;
        size_t cap = 16;
        while (cap < n * 2)
            cap <<= 1;
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
    }
    // false when the pair is already present (the first, lowest rank, stays).
    bool insert(int32_t a, int32_t b, Merge merge) {
        if ((m_size + 1) * 2 > m_slots.size())
            grow();
        const uint64_t key = pack(a, b);
        for (size_t i = hash_u64(key) & m_mask;; i = (i + 1) & m_mask) {
            Slot &s = m_slots[i];
            if (s.merge.rank < 0) {
                s.key = key;
                s.merge = merge;
                ++m_size;
                return true;
            }
            if (s.key == key)
                return false;
        }
    }
    // rank -1 when there is no such merge.
    Merge find(int32_t a, int32_t b) const {
        if (m_size == 0 || a < 0 || b < 0)
            return {};
        const uint64_t key = pack(a, b);
        for (size_t i = hash_u64(key) & m_mask;; i = (i + 1) & m_mask) {
            const Slot &s = m_slots[i];
            if (s.merge.rank < 0)
                return {};
            if (s.key == key)
                return s.merge;
        }
    }
    size_t size() const { return m_size; }

private:
    struct Slot {
        uint64_t key = 0;
        Merge merge;
    };
    static uint64_t pack(int32_t a, int32_t b) {
        return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
    }
    void grow() {
        std::vector<Slot> old;
        old.swap(m_slots);
        const size_t cap = old.empty() ? 16 : old.size() * 2;
        m_slots.assign(cap, Slot{});
        m_mask = cap - 1;
        for (const Slot &s : old) {
            if (s.merge.rank < 0)
                continue;
            size_t i = hash_u64(s.key) & m_mask;
            while (m_slots[i].merge.rank >= 0)
                i = (i + 1) & m_mask;
            m_slots[i] = s;
        }
    }
    std::vector<Slot> m_slots;
    size_t m_mask = 0;
    size_t m_size = 0;
};

}  // namespace nd::tok
