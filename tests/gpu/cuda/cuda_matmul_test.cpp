// The CUDA matrix ops against the CPU backend (the reference), through nd::Backend: matmul for every
// weight type on the gemv path (n <= 8) and the cuBLAS path (n > 8), odd shapes, bias, expert stacks and
// strides; get_rows for every type. With CUDA in the build, the launchers are also checked directly
// against the CPU dequantiser: dequantize (every tile type) and get_rows bit for bit, convert_rows bit for
// bit, gemv_experts against a double-precision product.
//
// Tolerances (max |got − want| over a scale, see kTol* below). The two backends do not compute the same
// thing, so the tolerance is set by the precision each side gives up:
//   - F32 weights, gemv: both sides multiply f32 by f32 and accumulate in f32, only in another order:
//     ~1e-6 expected, 1e-5 allowed.
//   - F16/BF16 weights: the CPU rounds x to f16/bf16 (ggml's dot type) while gemv keeps x in f32 and the
//     cuBLAS path rounds it to the tile type: a relative error of up to 2^-9 per element (bf16), ~1e-3 on
//     the sums; 1e-2 allowed.
//   - Quantized weights, gemv (n <= 8): both sides convert x to the type's ggml dot type (q8_0 / q8_1 /
//     q8_K) with the same bits and compute the same integer block dots and per-block f32 products; only
//     the order of the f32 sums differs: ~1e-6 expected, 1e-4 allowed.
//   - Quantized weights, cuBLAS path (n > 8): the weights are dequantised exactly, but the CPU quantises x
//     (a step of max|x|/127 per block): for x uniform in [-1, 1) that is an error of about
//     0.004·‖w‖ per dot product against a typical size of 0.58·‖w‖, so up to ~1.5e-2 at the worst of
//     thousands of outputs; 2e-2 allowed.
//   - The cuBLAS path (n > 8) multiplies f16/bf16 tiles, so F32 weights get the F16 tolerance there.
// The scale is max |want| but at least the largest sqrt(Σ_i (w_oi·x_ti)²) (the typical size of a dot
// product of random values), so that a single output that happens to be near 0 (n_out = 1) does not turn
// an absolute error of the expected size into a large relative one.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_types.h"
#include "tests/gpu/cuda/cuda_test_util.h"

#if NEMODESK_HAVE_CUDA
#include <cuda_runtime.h>

#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_quant.h"
#include "gpu/cuda/cuda_kernels.h"
#endif

namespace nd::test {
namespace {

constexpr double kTolF32 = 1e-5;
constexpr double kTolFactored = 1e-4;  // gemv_experts vs a double product: a·Σq·x + b·Σx, f32 sums
constexpr double kTolHalf = 1e-2;
constexpr double kTolQuant = 2e-2;
constexpr double kTolQuantGemv = 1e-4;  // the int8-activation gemv path: the CPU's numerics
constexpr int64_t kGemvMaxN = 8;        // cuda_kernels.h kGemvMaxRows: above it the backend uses cuBLAS

double tolerance(GgmlType type, int64_t n) {
    switch (type) {
        case GgmlType::f32:
            return n <= kGemvMaxN ? kTolF32 : kTolHalf;
        case GgmlType::f16:
        case GgmlType::bf16:
            return kTolHalf;
        default:
            return n <= kGemvMaxN ? kTolQuantGemv : kTolQuant;
    }
}

std::string type_name(GgmlType t) {
    return ggml_type_name(static_cast<uint32_t>(t));
}

// Elements per block as the tests choose widths: 1 for F32/F16/BF16, 32 or 256 for the quants.
int64_t block(GgmlType t) {
    return ggml_type_block_size(t);
}

// The host dequantisation of matrix `expert` (n_out, n_in).
std::vector<float> dequantized(const Weight &w, int64_t expert) {
    std::vector<float> out(static_cast<size_t>(w.n_out * w.n_in));
    for (int64_t o = 0; o < w.n_out; ++o) {
        const Status s = ggml_dequantize_row(w.type, w.data + (expert * w.n_out + o) * w.row_bytes, w.n_in,
                                             out.data() + o * w.n_in);
        EXPECT_TRUE(s.ok()) << s.describe();
    }
    return out;
}

// max over (t, o) of sqrt(Σ_i (w_oi·x_ti)²): the size a dot product of random values typically has.
double dot_scale(const std::vector<float> &wd, int64_t n_in, int64_t n_out, const std::vector<float> &x,
                 int64_t ldx, int64_t n) {
    double m = 1e-6;
    for (int64_t t = 0; t < n; ++t)
        for (int64_t o = 0; o < n_out; ++o) {
            double s = 0;
            for (int64_t i = 0; i < n_in; ++i) {
                const double p = static_cast<double>(wd[static_cast<size_t>(o * n_in + i)]) *
                                 x[static_cast<size_t>(t * ldx + i)];
                s += p * p;
            }
            m = std::max(m, std::sqrt(s));
        }
    return m;
}

struct MatmulCase {
    GgmlType type = GgmlType::f32;
    int64_t n_in = 0, n_out = 0, n = 1;
    int64_t n_expert = 1, expert = 0;
    int64_t ldx_pad = 0, ldy_pad = 0;
    bool bias = false;
    uint32_t seed = 1;
};

std::string describe(const MatmulCase &c) {
    return type_name(c.type) + " n_in " + std::to_string(c.n_in) + " n_out " + std::to_string(c.n_out) +
           " n " + std::to_string(c.n) +
           (c.n_expert > 1 ? " expert " + std::to_string(c.expert) + "/" + std::to_string(c.n_expert) : "") +
           " ldx+" + std::to_string(c.ldx_pad) + " ldy+" + std::to_string(c.ldy_pad) +
           (c.bias ? " bias" : "");
}

// y (n, ldy) starts as the same random values on both backends, so the comparison of the whole buffer
// also checks that the padding of each row is left alone.
void compare_matmul(Backend &cuda, Backend &cpu, const MatmulCase &c) {
    const std::string what = describe(c);
    SCOPED_TRACE(what);
    const TestWeight tw = make_weight(c.type, c.n_in, c.n_out, c.n_expert, c.seed);
    const TestWeight tb = make_vector(random_floats(static_cast<size_t>(c.n_out), c.seed + 1), "test.bias");
    for (Backend *be : {&cuda, &cpu}) {
        ASSERT_TRUE(be->prepare_weight(tw.w).ok());
        if (c.bias) {
            ASSERT_TRUE(be->prepare_weight(tb.w).ok());
        }
    }
    const int64_t ldx = c.n_in + c.ldx_pad, ldy = c.n_out + c.ldy_pad;
    const std::vector<float> x = random_floats(static_cast<size_t>(c.n * ldx), c.seed + 2);
    const std::vector<float> y0 = random_floats(static_cast<size_t>(c.n * ldy), c.seed + 3);
    Buffer gx(cuda, x), cx(cpu, x), gy(cuda, y0), cy(cpu, y0);
    cuda.matmul(tw.w, c.expert, gx.f(), ldx, c.n, gy.f(), ldy, c.bias ? &tb.w : nullptr);
    cpu.matmul(tw.w, c.expert, cx.f(), ldx, c.n, cy.f(), ldy, c.bias ? &tb.w : nullptr);
    const Status sg = cuda.sync(), sc = cpu.sync();
    ASSERT_TRUE(sg.ok()) << sg.describe();
    ASSERT_TRUE(sc.ok()) << sc.describe();
    const std::vector<float> got = gy.floats(y0.size()), want = cy.floats(y0.size());
    const double floor = dot_scale(dequantized(tw.w, c.expert), c.n_in, c.n_out, x, ldx, c.n);
    const double rel = max_rel_diff(got, want, floor);
    const double tol = tolerance(c.type, c.n);
    if (rel > tol)
        expect_close(got, want, tol,
                     what + " (scale floor " + std::to_string(floor) + ")");  // names the worst
    EXPECT_LE(rel, tol) << what;
}

// A mid-sized width of whole blocks for the type: 7 blocks (1792 for K-quants, 224 for the legacy quants),
// 129 for F32/F16/BF16.
int64_t typical_n_in(GgmlType t) {
    return block(t) == 1 ? 129 : 7 * block(t);
}

// Every type on both paths: n = 1, 2, 3, 8 (gemv) and 9, 33, 200 (cuBLAS), strided, with and without bias.
TEST(CudaMatmul, EveryTypeBothPaths) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 100;
    for (GgmlType type : kSupportedGgmlTypes) {
        for (int64_t n : {1, 2, 3, 8, 9, 33, 200}) {
            MatmulCase c;
            c.type = type;
            c.n_in = typical_n_in(type);
            c.n_out = 33;
            c.n = n;
            c.ldx_pad = n % 2 ? 3 : 0;
            c.ldy_pad = n % 2 ? 0 : 5;
            c.bias = n % 3 == 0;
            c.seed = seed++;
            compare_matmul(cuda, cpu, c);
        }
    }
}

// Odd shapes on the gemv path and one cuBLAS size: n_out = 1, 7, 33, 257; n_in = 1, 3 and 7 blocks
// (1, 31, 33, 129 for F32/F16/BF16).
TEST(CudaMatmul, OddShapes) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 1000;
    for (GgmlType type : kSupportedGgmlTypes) {
        const std::vector<int64_t> n_ins =
            block(type) == 1 ? std::vector<int64_t>{1, 31, 33, 129}
                             : std::vector<int64_t>{block(type), 3 * block(type), 7 * block(type)};
        for (int64_t n_in : n_ins)
            for (int64_t n_out : {1, 7, 33, 257})
                for (int64_t n : {1, 3, 12}) {
                    MatmulCase c;
                    c.type = type;
                    c.n_in = n_in;
                    c.n_out = n_out;
                    c.n = n;
                    c.ldx_pad = n == 3 ? 1 : 0;
                    c.ldy_pad = n == 3 ? 2 : 0;
                    c.bias = n_out == 7;
                    c.seed = seed++;
                    compare_matmul(cuda, cpu, c);
                }
    }
}

// A 3-D stack of 3 experts: expert 2 (and 1), both paths.
TEST(CudaMatmul, ExpertStack) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 5000;
    for (GgmlType type : kSupportedGgmlTypes) {
        for (int64_t n : {1, 4, 12}) {
            MatmulCase c;
            c.type = type;
            c.n_in = block(type) == 1 ? 64 : 2 * block(type);
            c.n_out = 19;
            c.n = n;
            c.n_expert = 3;
            c.expert = n == 4 ? 1 : 2;
            c.ldx_pad = 4;
            c.ldy_pad = 1;
            c.seed = seed++;
            compare_matmul(cuda, cpu, c);
        }
    }
}

// Decode-sized products (n_in 4096, n_out 512) where both paths' sums are long.
TEST(CudaMatmul, LongRows) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 7000;
    for (GgmlType type : kSupportedGgmlTypes)
        for (int64_t n : {1, 8, 16}) {
            MatmulCase c;
            c.type = type;
            c.n_in = 4096;
            c.n_out = 512;
            c.n = n;
            c.bias = n == 8;
            c.seed = seed++;
            compare_matmul(cuda, cpu, c);
        }
}

// get_rows gives ggml_dequantize_row's values on both backends: exactly equal.
TEST(CudaMatmul, GetRowsEveryType) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 9000;
    for (GgmlType type : kSupportedGgmlTypes) {
        for (int64_t n_in : {block(type) == 1 ? int64_t{33} : block(type), typical_n_in(type)}) {
            const std::string what = "get_rows " + type_name(type) + " n_in " + std::to_string(n_in);
            SCOPED_TRACE(what);
            const TestWeight tw = make_weight(type, n_in, 37, 1, seed++);
            ASSERT_TRUE(cuda.prepare_weight(tw.w).ok());
            ASSERT_TRUE(cpu.prepare_weight(tw.w).ok());
            const std::vector<int32_t> ids = {0, 36, 5, 5, 17};
            const auto n = static_cast<int64_t>(ids.size());
            Buffer gout(cuda, static_cast<size_t>(n * n_in) * 4),
                cout(cpu, static_cast<size_t>(n * n_in) * 4);
            cuda.get_rows(tw.w, ids.data(), n, gout.f());
            cpu.get_rows(tw.w, ids.data(), n, cout.f());
            ASSERT_TRUE(cuda.sync().ok());
            ASSERT_TRUE(cpu.sync().ok());
            expect_close(gout.floats(static_cast<size_t>(n * n_in)),
                         cout.floats(static_cast<size_t>(n * n_in)), 0.0, what);
        }
    }
}

#if NEMODESK_HAVE_CUDA

// --- the launchers directly, through the CUDA runtime --------------------------------------------------

// Device memory owned by a test.
class DevMem {
public:
    explicit DevMem(size_t bytes) { EXPECT_EQ(cudaMalloc(&m_p, bytes + 16), cudaSuccess); }
    template <class T>
    explicit DevMem(const std::vector<T> &host) : DevMem(host.size() * sizeof(T)) {
        EXPECT_EQ(cudaMemcpy(m_p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
    }
    ~DevMem() { cudaFree(m_p); }
    DevMem(const DevMem &) = delete;
    DevMem &operator=(const DevMem &) = delete;
    template <class T = void>
    T *p() const {
        return static_cast<T *>(m_p);
    }
    template <class T>
    std::vector<T> get(size_t count) const {
        std::vector<T> out(count);
        EXPECT_EQ(cudaMemcpy(out.data(), m_p, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
        return out;
    }

private:
    void *m_p = nullptr;
};

bool have_device() {
    int count = 0;
    return cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
}

cuda::DevMatrix dev_matrix(const Weight &w, const void *data) {
    cuda::DevMatrix m;
    m.type = w.type;
    m.data = static_cast<const uint8_t *>(data);
    m.n_in = w.n_in;
    m.n_out = w.n_out;
    m.row_bytes = w.row_bytes;
    m.expert_bytes = w.n_out * w.row_bytes;
    return m;
}

// dequantize to every tile type: ggml_dequantize_row's values, rounded like ggml_fp32_to_fp16/bf16.
TEST(CudaMatmulLaunchers, DequantizeIsExact) {
    if (!have_device())
        GTEST_SKIP() << "no CUDA device";
    uint32_t seed = 11000;
    for (GgmlType type : kSupportedGgmlTypes) {
        ASSERT_TRUE(cuda::matrix_type_supported(type)) << type_name(type);
        for (int64_t n_in : {block(type) == 1 ? int64_t{31} : block(type), typical_n_in(type)}) {
            const int64_t n_out = 11, n_expert = 2, expert = 1, row0 = 2, n_rows = 7;
            const TestWeight tw = make_weight(type, n_in, n_out, n_expert, seed++);
            const std::vector<float> want_all = dequantized(tw.w, expert);
            const std::vector<float> want(want_all.begin() + row0 * n_in,
                                          want_all.begin() + (row0 + n_rows) * n_in);
            DevMem dw(tw.bytes);
            DevMem tile(static_cast<size_t>(n_rows * n_in) * 4);
            for (cuda::TileType tt : {cuda::TileType::f32, cuda::TileType::f16, cuda::TileType::bf16}) {
                const std::string what = "dequantize " + type_name(type) + " n_in " + std::to_string(n_in) +
                                         " tile " + std::to_string(static_cast<int>(tt));
                cuda::dequantize(dev_matrix(tw.w, dw.p()), expert, row0, n_rows, tt, tile.p(), nullptr);
                ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess) << what;
                size_t bad = 0;
                if (tt == cuda::TileType::f32) {
                    const auto got = tile.get<float>(want.size());
                    for (size_t i = 0; i < want.size(); ++i)
                        bad += std::memcmp(&got[i], &want[i], 4) != 0;
                } else {
                    const auto got = tile.get<uint16_t>(want.size());
                    for (size_t i = 0; i < want.size(); ++i)
                        bad += got[i] != (tt == cuda::TileType::f16 ? ggml_fp32_to_fp16(want[i])
                                                                    : ggml_fp32_to_bf16(want[i]));
                }
                EXPECT_EQ(bad, 0u) << what;
            }
        }
    }
}

// get_rows through the launcher, ids in device memory, against ggml_dequantize_row bit for bit.
TEST(CudaMatmulLaunchers, GetRowsIsExact) {
    if (!have_device())
        GTEST_SKIP() << "no CUDA device";
    uint32_t seed = 12000;
    for (GgmlType type : kSupportedGgmlTypes) {
        const int64_t n_in = typical_n_in(type), n_out = 9;
        const TestWeight tw = make_weight(type, n_in, n_out, 1, seed++);
        const std::vector<float> rows = dequantized(tw.w, 0);
        const std::vector<int32_t> ids = {8, 0, 3, 3};
        DevMem dw(tw.bytes), di(ids), dout(ids.size() * static_cast<size_t>(n_in) * 4);
        cuda::get_rows(dev_matrix(tw.w, dw.p()), di.p<int32_t>(), static_cast<int64_t>(ids.size()),
                       dout.p<float>(), nullptr);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        const auto got = dout.get<float>(ids.size() * static_cast<size_t>(n_in));
        for (size_t t = 0; t < ids.size(); ++t)
            EXPECT_EQ(std::memcmp(got.data() + t * static_cast<size_t>(n_in), rows.data() + ids[t] * n_in,
                                  static_cast<size_t>(n_in) * 4),
                      0)
                << type_name(type) << " row " << t;
    }
}

// convert_rows rounds like ggml_fp32_to_fp16/bf16 (nearest even, overflow to inf, subnormal halves).
TEST(CudaMatmulLaunchers, ConvertRowsIsExact) {
    if (!have_device())
        GTEST_SKIP() << "no CUDA device";
    const int64_t n = 3, width = 37, ldx = 41;
    std::vector<float> x = random_floats(static_cast<size_t>(n * ldx), 13000, -4.0f, 4.0f);
    x[0] = 70000.0f, x[1] = 1e-7f, x[2] = -3.0e-8f, x[3] = 65519.0f;
    DevMem dx(x), dout(static_cast<size_t>(n * width) * 2);
    for (cuda::TileType tt : {cuda::TileType::f16, cuda::TileType::bf16}) {
        cuda::convert_rows(dx.p<float>(), ldx, n, width, tt, dout.p(), nullptr);
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
        const auto got = dout.get<uint16_t>(static_cast<size_t>(n * width));
        for (int64_t t = 0; t < n; ++t)
            for (int64_t c = 0; c < width; ++c) {
                const float v = x[static_cast<size_t>(t * ldx + c)];
                EXPECT_EQ(got[static_cast<size_t>(t * width + c)],
                          tt == cuda::TileType::f16 ? ggml_fp32_to_fp16(v) : ggml_fp32_to_bf16(v))
                    << "tile " << static_cast<int>(tt) << " value " << v;
            }
    }
}

// The CPU backend's product of one weight row with one activation row (quantized types): x converted to
// the dot type (act_quantize_row), then the scalar kernel.
float cpu_exact_dot(GgmlType type, const uint8_t *wrow, int64_t row_bytes, const float *x, int64_t n_in) {
    const cpu::ActLayout l = cpu::act_layout(cpu::act_format_for(type), n_in);
    std::vector<uint8_t> xq(static_cast<size_t>(l.row_bytes));
    cpu::act_quantize_row(l, x, xq.data());
    cpu::DotArgs a;
    a.w = wrow;
    a.w_row_bytes = row_bytes;
    a.n_in = n_in;
    a.xq = xq.data();
    a.xq_row_bytes = l.row_bytes;
    a.layout = l;
    a.n_tok = 1;
    float y = 0;
    a.y = &y;
    a.ldy = 1;
    cpu::dot_table_scalar().kernel[cpu::dot_type_index(type)](a, 0, 1);
    return y;
}

// gemv_experts: slot s uses experts[s] on x row s / x_div. F32/F16/BF16: against a double product of the
// same weights and x (only the f32 summation order differs, 1e-4); quantized types: against the CPU
// backend's numerics (cpu_exact_dot), with the scale floor of dot_scale, 1e-4.
TEST(CudaMatmulLaunchers, GemvExperts) {
    if (!have_device())
        GTEST_SKIP() << "no CUDA device";
    uint32_t seed = 14000;
    for (GgmlType type : kSupportedGgmlTypes) {
        for (int64_t x_div : {1, 2}) {
            const int64_t n_in = typical_n_in(type), n_out = 21, n_expert = 4, n_slots = 6;
            const int64_t ldx = n_in + 3, ldy = n_out + 2;
            const TestWeight tw = make_weight(type, n_in, n_out, n_expert, seed++);
            const std::vector<int32_t> experts = {3, 0, 2, 2, 1, 3};
            const std::vector<float> x = random_floats(static_cast<size_t>(n_slots * ldx), seed++);
            DevMem dw(tw.bytes), de(experts), dx(x), dy(static_cast<size_t>(n_slots * ldy) * 4);
            const int64_t act_bytes = cuda::gemv_act_bytes(type, n_in, (n_slots + x_div - 1) / x_div);
            DevMem act(static_cast<size_t>(act_bytes));
            cuda::gemv_experts(dev_matrix(tw.w, dw.p()), de.p<int32_t>(), n_slots, dx.p<float>(), ldx, x_div,
                               dy.p<float>(), ldy, act_bytes > 0 ? act.p() : nullptr, nullptr);
            ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
            const auto y = dy.get<float>(static_cast<size_t>(n_slots * ldy));
            std::vector<float> got, want;
            double floor = 1e-6;
            const bool quant = block(type) != 1;
            for (int64_t s = 0; s < n_slots; ++s) {
                const int32_t e = experts[static_cast<size_t>(s)];
                const std::vector<float> wd = dequantized(tw.w, e);
                const float *xs = x.data() + (s / x_div) * ldx;
                for (int64_t o = 0; o < n_out; ++o) {
                    double acc = 0, sq = 0;
                    for (int64_t i = 0; i < n_in; ++i) {
                        const double p = static_cast<double>(wd[static_cast<size_t>(o * n_in + i)]) * xs[i];
                        acc += p;
                        sq += p * p;
                    }
                    floor = std::max(floor, std::sqrt(sq));
                    if (quant)
                        acc = cpu_exact_dot(type, tw.w.data + (e * n_out + o) * tw.w.row_bytes,
                                            tw.w.row_bytes, xs, n_in);
                    want.push_back(static_cast<float>(acc));
                    got.push_back(y[static_cast<size_t>(s * ldy + o)]);
                }
            }
            const std::string what = "gemv_experts " + type_name(type) + " x_div " + std::to_string(x_div);
            if (quant)
                EXPECT_LE(max_rel_diff(got, want, floor), kTolQuantGemv) << what;
            else
                expect_close(got, want, kTolFactored, what);
        }
    }
}

#endif  // NEMODESK_HAVE_CUDA

}  // namespace
}  // namespace nd::test
