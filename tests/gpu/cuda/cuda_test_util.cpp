// tests/gpu/cuda/cuda_test_util.h
#include "cuda_test_util.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "gpu/gguf/ggml_quants.h"

namespace nd::test {

std::unique_ptr<Backend> cuda_backend_for_test(std::string *why_not) {
    CudaBackendOptions o;
    o.graphs = CudaGraphs::off;
    std::unique_ptr<Backend> be;
    const Status s = cuda_backend_create(o, &be);
    if (!s.ok()) {
        *why_not = s.describe();
        return nullptr;
    }
    return be;
}

Buffer::Buffer(Backend &be, size_t n_bytes) : m_be(be), m_bytes(n_bytes) {
    const Status s = be.alloc(n_bytes, &m_p);
    EXPECT_TRUE(s.ok()) << s.describe();
}

Buffer::Buffer(Backend &be, const std::vector<float> &host) : Buffer(be, host.size() * sizeof(float)) {
    if (m_p && !host.empty())
        be.upload(m_p, host.data(), host.size() * sizeof(float));
}

Buffer::~Buffer() {
    m_be.release(m_p);
}

std::vector<float> Buffer::floats(size_t count) const {
    std::vector<float> out(count);
    if (count)
        m_be.download(out.data(), m_p, count * sizeof(float));
    return out;
}

std::vector<uint8_t> Buffer::bytes() const {
    std::vector<uint8_t> out(m_bytes);
    if (m_bytes)
        m_be.download(out.data(), m_p, m_bytes);
    return out;
}

std::vector<float> random_floats(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> d(lo, hi);
    std::vector<float> v(n);
    for (float &x : v)
        x = d(rng);
    return v;
}

TestWeight make_weight(GgmlType type, int64_t n_in, int64_t n_out, int64_t n_expert, uint32_t seed,
                       float scale) {
    TestWeight t;
    const int64_t blk = ggml_type_block_size(type);
    const int64_t row_bytes = n_in / blk * ggml_type_block_bytes(type);
    t.bytes.resize(static_cast<size_t>(row_bytes * n_out * n_expert) + 64);
    const std::vector<float> values =
        random_floats(static_cast<size_t>(n_in * n_out * n_expert), seed, -scale, scale);
    for (int64_t r = 0; r < n_out * n_expert; ++r) {
        const Status s =
            ggml_quantize_row(type, values.data() + r * n_in, n_in, t.bytes.data() + r * row_bytes);
        EXPECT_TRUE(s.ok()) << s.describe();
    }
    t.w.type = type;
    t.w.n_in = n_in;
    t.w.n_out = n_out;
    t.w.n_expert = n_expert;
    t.w.row_bytes = row_bytes;
    t.w.data = t.bytes.data();
    t.w.name = "test.weight";
    return t;
}

TestWeight make_vector(const std::vector<float> &values, const char *name) {
    TestWeight t;
    t.bytes.resize(values.size() * sizeof(float) + 64);
    std::memcpy(t.bytes.data(), values.data(), values.size() * sizeof(float));
    t.w.type = GgmlType::f32;
    t.w.n_in = static_cast<int64_t>(values.size());
    t.w.n_out = 1;
    t.w.n_expert = 1;
    t.w.row_bytes = t.w.n_in * 4;
    t.w.data = t.bytes.data();
    t.w.name = name;
    return t;
}

double max_rel_diff(const std::vector<float> &got, const std::vector<float> &want, double floor) {
    if (got.size() != want.size())
        return INFINITY;
    double scale = floor, diff = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, static_cast<double>(std::fabs(want[i])));
        const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (std::isnan(d))
            return INFINITY;
        diff = std::max(diff, d);
    }
    return diff / scale;
}

void expect_close(const std::vector<float> &got, const std::vector<float> &want, double tol,
                  const std::string &what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    const double rel = max_rel_diff(got, want);
    if (rel <= tol)
        return;
    size_t worst = 0;
    double wd = -1;
    for (size_t i = 0; i < want.size(); ++i) {
        const double d = std::fabs(static_cast<double>(got[i]) - want[i]);
        if (!(d <= wd)) {
            wd = d;
            worst = i;
        }
    }
    ADD_FAILURE() << what << ": max relative difference " << rel << " > " << tol << " (worst at " << worst
                  << ": got " << got[worst] << ", want " << want[worst] << ", " << want.size() << " values)";
}

}  // namespace nd::test
