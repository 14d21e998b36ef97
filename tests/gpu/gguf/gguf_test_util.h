#pragma once
// Shared by the gguf and model tests: a temporary directory removed at the end of the test, file helpers,
// and a byte builder for hand-made (and deliberately broken) GGUF files.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "temp_dir.h"

namespace nd::test {

inline std::vector<uint8_t> read_bytes(const std::string &path) {
    std::ifstream in(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

inline void write_bytes(const std::string &path, const std::vector<uint8_t> &bytes) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char *>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
}

// Little-endian byte builder: raw GGUF pieces with nothing checked, so tests can write any lie.
class RawBytes {
public:
    template <typename T>
    RawBytes &put(T v) {
        const size_t at = m_b.size();
        m_b.resize(at + sizeof(T));
        std::memcpy(m_b.data() + at, &v, sizeof(T));
        return *this;
    }
    RawBytes &str(const std::string &s) {
        put<uint64_t>(s.size());
        m_b.insert(m_b.end(), s.begin(), s.end());
        return *this;
    }
    RawBytes &header(uint32_t version, uint64_t n_tensors, uint64_t n_kv) {
        m_b.insert(m_b.end(), {'G', 'G', 'U', 'F'});
        return put(version).put(n_tensors).put(n_kv);
    }
    RawBytes &pad(size_t alignment) {
        while (m_b.size() % alignment != 0)
            m_b.push_back(0);
        return *this;
    }
    RawBytes &zeros(size_t n) {
        m_b.insert(m_b.end(), n, 0);
        return *this;
    }
    size_t size() const { return m_b.size(); }
    std::vector<uint8_t> &bytes() { return m_b; }

private:
    std::vector<uint8_t> m_b;
};

// NEMODESK_REQUIRE_REFERENCE=1 turns "reference missing" skips into failures.
inline bool reference_required() {
    const char *v = std::getenv("NEMODESK_REQUIRE_REFERENCE");
    return v && std::string(v) == "1";
}

}  // namespace nd::test

#define ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(message) \
    do {                                           \
        if (::nd::test::reference_required())      \
            FAIL() << (message);                   \
        GTEST_SKIP() << (message);                 \
    } while (false)
