#pragma once
// Shared by the CPU op tests: random data, F32 weights the backend can take, and a comparison with a
// relative tolerance against the tests' double-precision reference loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/gguf/ggml_quants.h"
#include "gpu/model/backend.h"

namespace nd::test {

inline std::vector<float> random_vec(int64_t n, uint32_t seed, float scale = 1.0f, float offset = 0.0f) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.f, 1.f);
    std::vector<float> v(static_cast<size_t>(n));
    for (auto &x : v)
        x = offset + scale * nd(rng);
    return v;
}

// An F32 weight over owned storage (1-D: n_out = 1).
struct OwnedWeight {
    std::vector<float> values;
    Weight w;
    OwnedWeight() = default;
    OwnedWeight(std::vector<float> v, int64_t n_in, int64_t n_out = 1, int64_t n_expert = 1,
                const char *name = "test.weight")
        : values(std::move(v)) {
        w.type = GgmlType::f32;
        w.n_in = n_in;
        w.n_out = n_out;
        w.n_expert = n_expert;
        w.row_bytes = n_in * 4;
        w.data = reinterpret_cast<const uint8_t *>(values.data());
        w.name = name;
    }
    OwnedWeight(const OwnedWeight &) = delete;
    OwnedWeight &operator=(const OwnedWeight &) = delete;
    const float *f() const { return values.data(); }
};

// max |got − want| ≤ rel · max(1, max |want|), element by element, with the first bad index in the message.
inline void expect_close(const std::vector<float> &got, const std::vector<double> &want, double rel,
                         const std::string &what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    double scale = 1.0;
    for (double v : want)
        scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < got.size(); ++i) {
        if (!(std::fabs(static_cast<double>(got[i]) - want[i]) <= rel * scale)) {
            ADD_FAILURE() << what << ": index " << i << " got " << got[i] << " want " << want[i]
                          << " (tolerance " << rel * scale << ")";
            return;
        }
    }
}

inline double silu_d(double x) {
    return x / (1.0 + std::exp(-x));
}

inline std::unique_ptr<Backend> make_backend(int n_threads = 2) {
    CpuBackendOptions o;
    o.n_threads = n_threads;
    return cpu_backend_create(o);
}

}  // namespace nd::test
