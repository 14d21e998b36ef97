#pragma once
// Shared by the CUDA op tests: both backends, buffers on a backend, and comparison with a tolerance.
// Each test runs an op through nd::Backend on the CPU backend (the reference) and on the CUDA backend and
// compares; without a CUDA device the test is skipped (CTest reports it as skipped).
#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/cuda/cuda_backend.h"
#include "gpu/model/backend.h"

namespace nd::test {

// The CUDA backend on device 0 (graphs off: ops run eagerly), or nullptr with the reason.
std::unique_ptr<Backend> cuda_backend_for_test(std::string *why_not);

// Declares `Backend &cuda` and `Backend &cpu` in the test body, or skips the test without a GPU.
#define ND_BACKENDS_OR_SKIP()                                              \
    std::string nd_why_not_;                                               \
    auto nd_cuda_owner_ = ::nd::test::cuda_backend_for_test(&nd_why_not_); \
    if (!nd_cuda_owner_)                                                   \
        GTEST_SKIP() << "no CUDA backend: " << nd_why_not_;                \
    auto nd_cpu_owner_ = ::nd::cpu_backend_create();                       \
    ::nd::Backend &cuda = *nd_cuda_owner_;                                 \
    ::nd::Backend &cpu = *nd_cpu_owner_;                                   \
    (void)cuda;                                                            \
    (void)cpu

// A buffer in a backend's memory, released with it.
class Buffer {
public:
    Buffer(Backend &be, size_t n_bytes);
    Buffer(Backend &be, const std::vector<float> &host);  // uploaded
    ~Buffer();
    Buffer(const Buffer &) = delete;
    Buffer &operator=(const Buffer &) = delete;
    float *f() const { return static_cast<float *>(m_p); }
    void *p() const { return m_p; }
    std::vector<float> floats(size_t count) const;  // downloads
    std::vector<uint8_t> bytes() const;

private:
    Backend &m_be;
    void *m_p = nullptr;
    size_t m_bytes = 0;
};

// Uniform values in [lo, hi), deterministic per seed.
std::vector<float> random_floats(size_t n, uint32_t seed, float lo = -1.0f, float hi = 1.0f);

// A weight of `type` [n_out][n_in] (× n_expert) made from random values (quantized with the writer's
// quantiser), owning its bytes.
struct TestWeight {
    std::vector<uint8_t> bytes;
    Weight w;
};
TestWeight make_weight(GgmlType type, int64_t n_in, int64_t n_out, int64_t n_expert, uint32_t seed,
                       float scale = 1.0f);
// A 1-D F32 weight.
TestWeight make_vector(const std::vector<float> &values, const char *name = "vector");

// max |got − want| / max(max |want|, floor), the measure the conformance tables use.
double max_rel_diff(const std::vector<float> &got, const std::vector<float> &want, double floor = 1e-6);
// EXPECT that max_rel_diff(got, want) <= tol, naming `what` and the worst index on failure.
void expect_close(const std::vector<float> &got, const std::vector<float> &want, double tol,
                  const std::string &what);

}  // namespace nd::test
