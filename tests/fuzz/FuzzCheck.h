#pragma once
// Helpers shared by the fuzz targets: an invariant check that stops the run with a message (libFuzzer
// then saves the input as a crash), and a deterministic split of an input into chunks, so that the same
// input always exercises the same incremental-parsing path and a saved crash reproduces.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <vector>

// A violated invariant is a finding like a sanitizer report: print what failed where, then trap.
#define ND_FUZZ_CHECK(cond)                                                                         \
    do {                                                                                            \
        if (!(cond)) {                                                                              \
            std::fprintf(stderr, "fuzz invariant failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
            __builtin_trap();                                                                       \
        }                                                                                           \
    } while (false)

namespace nd::fuzz {

// FNV-1a: the seed for the chunking is a function of the whole input.
inline uint64_t hashBytes(const uint8_t *data, size_t size) {
    uint64_t h = 14695981039346656037ull;
    for (size_t i = 0; i < size; ++i) {
        h ^= data[i];
        h *= 1099511628211ull;
    }
    return h;
}

// Chunk lengths summing to `size`. Mostly short pieces (1-8 bytes, where a split lands inside a line
// end or a token), sometimes long ones, so inputs of every size get both kinds of boundary.
inline std::vector<size_t> chunkLengths(size_t size, uint64_t seed) {
    std::vector<size_t> lengths;
    uint64_t x = seed | 1;
    size_t done = 0;
    while (done < size) {
        x ^= x << 13;  // xorshift64
        x ^= x >> 7;
        x ^= x << 17;
        size_t n = (x & 3) == 0 ? 1 + (x >> 8) % 512 : 1 + (x >> 8) % 8;
        if (n > size - done)
            n = size - done;
        lengths.push_back(n);
        done += n;
    }
    return lengths;
}

}  // namespace nd::fuzz
