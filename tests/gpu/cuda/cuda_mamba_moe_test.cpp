// The Mamba-2 ops (ssm_conv, ssm_scan, gated_group_norm) and the MoE FFN on the CUDA backend against the
// CPU backend (the reference), over prefill batches of 1, 2, 5, 64 and 300 tokens followed by decode steps
// that carry the conv and scan states across calls (the states are downloaded and compared too), several
// (n_group, n_head, head_dim, d_state, d_conv) shapes with odd channel counts, and MoE routings of 4..128
// experts, top-1..8, with and without selection bias, normalisation, scale and group-limited routing,
// experts of F32, F16, Q8_0 and Q4_K. With CUDA in the build, moe_route's kernel is also compared with
// cpu::moe_route directly (identical ids, weights within 1e-6), ties and NaN logits included.
//
// Tolerances (max |got − want| / max |want|, see cuda_test_util.h):
// - ssm_conv 1e-5, its state exactly: the pre-activation sum is computed with the same unfused f32
//   operations in the same order, so only SiLU's expf (an ulp or two) differs; the state is a copy.
// - ssm_scan 2e-5 for y and the state on the sequential kernel (batches under kChunkedScanFrom tokens): the
//   Σ over d_state runs in another order than the CPU's SIMD lanes and expf/log1pf may differ by an ulp,
//   and the difference is carried through the recurrence (the CPU's own test against double allows the
//   same). Batches of kChunkedScanFrom tokens or more take the chunked SSD kernel
//   (cuda_ssm_scan_chunked.cu), which reassociates the f32 sums over a whole chunk (decays as exp of summed
//   logs, a state's terms in another order): 1e-4 of max |want| plus 1e-5, for that batch and the decode
//   steps that carry its state. Its host twin (tests/gpu/cpu/ssm_chunked_reference_test.cpp) stays within
//   ~1e-6 of the CPU. The long prompts (64 … 2048 tokens, two passes of the kernel at 2048) run on their own
//   shapes, Nemotron 3 Nano's (nh 64, P 64, N 128, G 8) among them; with CUDA in the build the chunked kernel
//   is also compared with the sequential kernel directly (both on the device, 1000 tokens).
// - gated_group_norm 1e-5: f32 with a double (CPU) or f32-tree (GPU) sum of squares.
// - moe_ffn: the routing is bit-identical on both backends (same f32 sigmoid, same comparisons), so the
//   same experts are chosen; what differs is the experts' arithmetic. F32 experts 1e-5 (summation order
//   only). F16 experts 1e-2: the CPU rounds the activations to f16 before its dot products (ggml's dot
//   type), the GPU keeps them f32. Q8_0 and Q4_K 2e-2: the CPU quantizes the activations to Q8_0 / Q8_K
//   (about 0.4% per value), through two products with relu² between them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "cuda_test_util.h"
#include "gpu/cpu/cpu_moe.h"

#if defined(NEMODESK_HAVE_CUDA)
#include <cuda_runtime.h>

#include "gpu/cuda/cuda_kernels.h"
#endif

namespace nd::test {
namespace {

MambaShape mamba_shape(int64_t n_group, int64_t n_head, int64_t head_dim, int64_t d_state, int64_t d_conv) {
    MambaShape s;
    s.n_group = n_group;
    s.n_head = n_head;
    s.d_inner = n_head * head_dim;
    s.d_state = d_state;
    s.d_conv = d_conv;
    return s;
}

std::string shape_name(const MambaShape &s) {
    return std::string("G") + std::to_string(s.n_group) + " nh" + std::to_string(s.n_head) + " P" +
           std::to_string(s.head_dim()) + " N" + std::to_string(s.d_state) + " dc" + std::to_string(s.d_conv);
}

// (n_group, n_head, head_dim, d_state, d_conv): the generated test models' small shapes (odd channel
// counts: conv_dim = nh·P + 2·G·N), d_state past one warp (48, 128) and past the register path (320).
const std::vector<MambaShape> kShapes = {
    mamba_shape(1, 1, 4, 8, 4),     mamba_shape(1, 3, 5, 16, 2),   mamba_shape(2, 4, 10, 24, 3),
    mamba_shape(8, 8, 7, 8, 4),     mamba_shape(4, 8, 64, 16, 4),  mamba_shape(2, 6, 33, 48, 3),
    mamba_shape(8, 16, 64, 128, 4), mamba_shape(1, 2, 16, 320, 2),
};

// The batches of one sequence: a prefill of `prefill` tokens, then four decode steps.
std::vector<int64_t> batches(int64_t prefill) {
    return {prefill, 1, 1, 1, 1};
}
const int64_t kPrefills[] = {1, 2, 5, 64, 300};

// Batches from this many tokens take the chunked scan (CudaBackend::ssm_scan's kSsmScanChunkedMinTokens).
constexpr int64_t kChunkedScanFrom = 64;
#if defined(NEMODESK_HAVE_CUDA)
static_assert(kChunkedScanFrom == cuda::kSsdChunkTokens, "the dispatch threshold is one chunk");
#endif

// The tolerance of a sequence whose state went through the chunked scan: 1e-4 of max |want| plus 1e-5, as
// a relative tolerance for expect_close (which divides by max(max |want|, 1e-6)).
double chunked_tolerance(const std::vector<float> &want) {
    double scale = 1e-6;
    for (float v : want)
        scale = std::max(scale, static_cast<double>(std::fabs(v)));
    return 1e-4 + 1e-5 / scale;
}

// Scan tolerance for a sequence, given whether any of its batches so far took the chunked path.
double scan_tolerance(bool chunked, const std::vector<float> &want) {
    return chunked ? chunked_tolerance(want) : 2e-5;
}

std::vector<float> floats_of(const Buffer &b, int64_t count) {
    return b.floats(static_cast<size_t>(count));
}

TEST(CudaMamba, ConvMatchesCpuAcrossPrefillAndDecode) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 100;
    for (const MambaShape &s : kShapes) {
        const int64_t C = s.conv_dim(), dc = s.d_conv, ns = dc - 1, ld = C + 3;
        TestWeight w = make_weight(GgmlType::f32, dc, C, 1, ++seed, 0.5f);
        TestWeight b = make_vector(random_floats(static_cast<size_t>(C), ++seed), "ssm_conv1d.bias");
        ASSERT_TRUE(cuda.prepare_weight(w.w).ok());
        ASSERT_TRUE(cuda.prepare_weight(b.w).ok());
        for (int64_t prefill : kPrefills) {
            const std::string what = shape_name(s) + " prefill " + std::to_string(prefill);
            // A non-zero starting state, so the first tokens' windows read it.
            const auto state0 = random_floats(static_cast<size_t>(C * ns), ++seed);
            Buffer st_cpu(cpu, state0), st_cuda(cuda, state0);
            for (int64_t n : batches(prefill)) {
                const auto in = random_floats(static_cast<size_t>(n * ld), ++seed, -2.0f, 2.0f);
                Buffer in_cpu(cpu, in), in_cuda(cuda, in);
                Buffer out_cpu(cpu, static_cast<size_t>(n * C) * sizeof(float));
                Buffer out_cuda(cuda, static_cast<size_t>(n * C) * sizeof(float));
                cpu.ssm_conv(in_cpu.f(), ld, n, st_cpu.f(), w.w, b.w, s, out_cpu.f());
                cuda.ssm_conv(in_cuda.f(), ld, n, st_cuda.f(), w.w, b.w, s, out_cuda.f());
                ASSERT_TRUE(cpu.sync().ok());
                const Status st = cuda.sync();
                ASSERT_TRUE(st.ok()) << st.describe();
                expect_close(floats_of(out_cuda, n * C), floats_of(out_cpu, n * C), 1e-5,
                             "ssm_conv " + what + " n " + std::to_string(n));
                ASSERT_EQ(floats_of(st_cuda, C * ns), floats_of(st_cpu, C * ns))
                    << "conv state " << what << " after a batch of " << n;
            }
        }
    }
}

TEST(CudaMamba, ScanMatchesCpuAcrossPrefillAndDecode) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 200;
    for (const MambaShape &s : kShapes) {
        const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner;
        const int64_t ld_x = s.conv_dim() + 1, ld_dt = nh + 3;
        TestWeight dt_bias =
            make_vector(random_floats(static_cast<size_t>(nh), ++seed, -1.0f, 0.5f), "dt_bias");
        TestWeight d = make_vector(random_floats(static_cast<size_t>(nh), ++seed), "ssm_d");
        std::vector<float> a_vals(static_cast<size_t>(nh));
        for (int64_t h = 0; h < nh; ++h)  // A = −exp(A_log): from slow (−0.1) to fast (−8) decay
            a_vals[static_cast<size_t>(h)] =
                -std::exp(-2.3f + 4.4f * static_cast<float>(h) / static_cast<float>(nh));
        TestWeight a = make_vector(a_vals, "ssm_a");
        for (const TestWeight *v : {&dt_bias, &d, &a})
            ASSERT_TRUE(cuda.prepare_weight(v->w).ok());
        for (int64_t prefill : kPrefills) {
            const std::string what = shape_name(s) + " prefill " + std::to_string(prefill);
            const auto state0 = random_floats(static_cast<size_t>(nh * P * N), ++seed, -0.5f, 0.5f);
            Buffer st_cpu(cpu, state0), st_cuda(cuda, state0);
            bool chunked = false;  // a batch of this sequence took the chunked scan
            for (int64_t n : batches(prefill)) {
                chunked = chunked || n >= kChunkedScanFrom;
                const auto xbc = random_floats(static_cast<size_t>(n * ld_x), ++seed);
                auto dt_raw = random_floats(static_cast<size_t>(n * ld_dt), ++seed, -3.0f, 1.0f);
                dt_raw[static_cast<size_t>((n - 1) * ld_dt)] = 25.0f;  // softplus's x > 20 branch
                Buffer x_cpu(cpu, xbc), x_cuda(cuda, xbc), dt_cpu(cpu, dt_raw), dt_cuda(cuda, dt_raw);
                Buffer y_cpu(cpu, static_cast<size_t>(n * Di) * sizeof(float));
                Buffer y_cuda(cuda, static_cast<size_t>(n * Di) * sizeof(float));
                cpu.ssm_scan(x_cpu.f(), ld_x, dt_cpu.f(), ld_dt, dt_bias.w, a.w, d.w, n, st_cpu.f(), s,
                             y_cpu.f());
                cuda.ssm_scan(x_cuda.f(), ld_x, dt_cuda.f(), ld_dt, dt_bias.w, a.w, d.w, n, st_cuda.f(), s,
                              y_cuda.f());
                ASSERT_TRUE(cpu.sync().ok());
                const Status st = cuda.sync();
                ASSERT_TRUE(st.ok()) << st.describe();
                const std::string step = what + " n " + std::to_string(n);
                const auto y_want = floats_of(y_cpu, n * Di), st_want = floats_of(st_cpu, nh * P * N);
                expect_close(floats_of(y_cuda, n * Di), y_want, scan_tolerance(chunked, y_want),
                             "ssm_scan y " + step);
                expect_close(floats_of(st_cuda, nh * P * N), st_want, scan_tolerance(chunked, st_want),
                             "ssm_scan state " + step);
            }
        }
    }
}

// Long prompts, all on the chunked scan: one chunk exactly (64), one token past it (65), a partial last
// chunk (257), a pass of 16 chunks less 24 tokens (1000) and two passes (2048), each followed by two decode
// steps on the sequential kernel from the state the chunked one left. Shapes: head_dim not a multiple of
// the 64-column tile (5, 33, 80: Nemotron Nano 9B v2's), d_state past one 64 tile and not a multiple of 16
// (48, 130, 320), one to eight groups, and Nemotron 3 Nano's mixer (G 8, nh 64, P 64, N 128). dt spans
// ~5e-5 to 25 (dt_raw −10 … 3, and one 25: softplus's x > 20 branch); A from −0.01 to −16.
TEST(CudaMamba, ChunkedScanMatchesCpuOnLongPrompts) {
    ND_BACKENDS_OR_SKIP();
    const std::vector<MambaShape> shapes = {
        mamba_shape(1, 3, 5, 16, 4),   mamba_shape(2, 6, 33, 48, 4),   mamba_shape(3, 6, 80, 130, 4),
        mamba_shape(1, 2, 16, 320, 4), mamba_shape(8, 64, 64, 128, 4),
    };
    uint32_t seed = 600;
    for (const MambaShape &s : shapes) {
        const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner;
        const int64_t ld_x = s.conv_dim() + 5, ld_dt = nh + 1;
        TestWeight dt_bias =
            make_vector(random_floats(static_cast<size_t>(nh), ++seed, -2.0f, 0.5f), "dt_bias");
        TestWeight d = make_vector(random_floats(static_cast<size_t>(nh), ++seed), "ssm_d");
        std::vector<float> a_vals(static_cast<size_t>(nh));
        for (int64_t h = 0; h < nh; ++h)  // A = −exp(A_log): −0.01 … −16
            a_vals[static_cast<size_t>(h)] = -std::exp(
                -4.6f + 7.4f * static_cast<float>(h) / static_cast<float>(std::max<int64_t>(nh - 1, 1)));
        TestWeight a = make_vector(a_vals, "ssm_a");
        for (const TestWeight *v : {&dt_bias, &d, &a})
            ASSERT_TRUE(cuda.prepare_weight(v->w).ok());
        for (int64_t prefill : {int64_t{64}, int64_t{65}, int64_t{257}, int64_t{1000}, int64_t{2048}}) {
            const std::string what = shape_name(s) + " prefill " + std::to_string(prefill);
            const auto state0 = random_floats(static_cast<size_t>(nh * P * N), ++seed, -0.5f, 0.5f);
            Buffer st_cpu(cpu, state0), st_cuda(cuda, state0);
            for (int64_t n : {prefill, int64_t{1}, int64_t{1}}) {
                const auto xbc = random_floats(static_cast<size_t>(n * ld_x), ++seed);
                auto dt_raw = random_floats(static_cast<size_t>(n * ld_dt), ++seed, -10.0f, 3.0f);
                dt_raw[static_cast<size_t>((n / 2) * ld_dt + nh / 2)] = 25.0f;
                Buffer x_cpu(cpu, xbc), x_cuda(cuda, xbc), dt_cpu(cpu, dt_raw), dt_cuda(cuda, dt_raw);
                Buffer y_cpu(cpu, static_cast<size_t>(n * Di) * sizeof(float));
                Buffer y_cuda(cuda, static_cast<size_t>(n * Di) * sizeof(float));
                cpu.ssm_scan(x_cpu.f(), ld_x, dt_cpu.f(), ld_dt, dt_bias.w, a.w, d.w, n, st_cpu.f(), s,
                             y_cpu.f());
                cuda.ssm_scan(x_cuda.f(), ld_x, dt_cuda.f(), ld_dt, dt_bias.w, a.w, d.w, n, st_cuda.f(), s,
                              y_cuda.f());
                ASSERT_TRUE(cpu.sync().ok());
                const Status st = cuda.sync();
                ASSERT_TRUE(st.ok()) << what << ": " << st.describe();
                const std::string step = what + " n " + std::to_string(n);
                const auto y_want = floats_of(y_cpu, n * Di), st_want = floats_of(st_cpu, nh * P * N);
                expect_close(floats_of(y_cuda, n * Di), y_want, chunked_tolerance(y_want),
                             "chunked scan y " + step);
                expect_close(floats_of(st_cuda, nh * P * N), st_want, chunked_tolerance(st_want),
                             "chunked scan state " + step);
            }
        }
    }
}

TEST(CudaMamba, GatedGroupNormMatchesCpu) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 300;
    for (const MambaShape &s : kShapes) {
        const int64_t Di = s.d_inner, ld_z = Di + 5;
        TestWeight w = make_vector(random_floats(static_cast<size_t>(Di), ++seed), "ssm_norm.weight");
        ASSERT_TRUE(cuda.prepare_weight(w.w).ok());
        for (int64_t n : {int64_t{1}, int64_t{5}, int64_t{64}}) {
            const auto y0 = random_floats(static_cast<size_t>(n * Di), ++seed, -2.0f, 2.0f);
            const auto z = random_floats(static_cast<size_t>(n * ld_z), ++seed, -3.0f, 3.0f);
            Buffer y_cpu(cpu, y0), y_cuda(cuda, y0), z_cpu(cpu, z), z_cuda(cuda, z);
            cpu.gated_group_norm(y_cpu.f(), z_cpu.f(), ld_z, n, w.w, s, 1e-5f);
            cuda.gated_group_norm(y_cuda.f(), z_cuda.f(), ld_z, n, w.w, s, 1e-5f);
            ASSERT_TRUE(cpu.sync().ok());
            const Status st = cuda.sync();
            ASSERT_TRUE(st.ok()) << st.describe();
            expect_close(floats_of(y_cuda, n * Di), floats_of(y_cpu, n * Di), 1e-5,
                         "gated_group_norm " + shape_name(s) + " n " + std::to_string(n));
        }
    }
}

// --- MoE ----------------------------------------------------------------------------------------------

struct MoeCase {
    int64_t n_expert, n_used;
    bool bias, normalize;
    float scale;
    int64_t n_group, n_group_used;
};

std::string case_name(const MoeCase &c) {
    return std::string("E") + std::to_string(c.n_expert) + " k" + std::to_string(c.n_used) +
           (c.bias ? " bias" : "") + (c.normalize ? " norm" : "") + " scale " + std::to_string(c.scale) +
           " groups " + std::to_string(c.n_group) + "/" + std::to_string(c.n_group_used);
}

const std::vector<MoeCase> kMoeCases = {
    {4, 1, false, false, 1.0f, 1, 1}, {4, 2, true, true, 1.0f, 1, 1},     {8, 3, true, true, 2.5f, 2, 1},
    {16, 4, false, true, 1.0f, 4, 2}, {32, 6, true, false, 2.5f, 1, 1},   {64, 8, true, true, 2.5f, 8, 4},
    {128, 6, true, true, 2.5f, 1, 1}, {128, 8, false, false, 1.0f, 8, 3},
};

// Relative tolerance for the experts' type (see the top of the file).
double moe_tolerance(GgmlType type) {
    switch (type) {
        case GgmlType::f32:
            return 1e-5;
        case GgmlType::f16:
            return 1e-2;
        default:
            return 2e-2;
    }
}

TEST(CudaMoe, FfnMatchesCpu) {
    ND_BACKENDS_OR_SKIP();
    uint32_t seed = 400;
    for (GgmlType type : {GgmlType::f32, GgmlType::f16, GgmlType::q8_0, GgmlType::q4_k}) {
        // K-quants need rows of 256; the others take odd multiples of their block.
        const bool k_quant = type == GgmlType::q4_k;
        const int64_t n_in = k_quant ? 256 : 96, ff = k_quant ? 256 : 160;
        for (const MoeCase &c : kMoeCases) {
            if (k_quant && c.n_expert > 64 && c.n_used != 8)
                continue;  // keeps the quantising in make_weight short; E 128 still runs once
            const std::string what = ggml_type_name(static_cast<uint32_t>(type)) + " " + case_name(c);
            TestWeight up = make_weight(type, n_in, ff, c.n_expert, ++seed, 1.0f / std::sqrt(float(n_in)));
            TestWeight down = make_weight(type, ff, n_in, c.n_expert, ++seed, 1.0f / std::sqrt(float(ff)));
            TestWeight bias = make_vector(random_floats(static_cast<size_t>(c.n_expert), ++seed, -0.3f, 0.3f),
                                          "exp_probs_b.bias");
            for (const TestWeight *w : {&up, &down, &bias})
                ASSERT_TRUE(cuda.prepare_weight(w->w).ok());
            MoeRouting r;
            r.n_expert = c.n_expert;
            r.n_used = c.n_used;
            r.selection_bias = c.bias ? bias.w.f32() : nullptr;  // host pointer: the CUDA backend maps it
            r.normalize = c.normalize;
            r.scale = c.scale;
            r.n_group = c.n_group;
            r.n_group_used = c.n_group_used;
            for (int64_t n : {int64_t{1}, int64_t{2}, int64_t{7}, int64_t{33}, int64_t{64}}) {
                const auto logits = random_floats(static_cast<size_t>(n * c.n_expert), ++seed, -4.0f, 4.0f);
                const auto x = random_floats(static_cast<size_t>(n * n_in), ++seed, -2.0f, 2.0f);
                Buffer l_cpu(cpu, logits), l_cuda(cuda, logits), x_cpu(cpu, x), x_cuda(cuda, x);
                Buffer o_cpu(cpu, static_cast<size_t>(n * n_in) * sizeof(float));
                Buffer o_cuda(cuda, static_cast<size_t>(n * n_in) * sizeof(float));
                cpu.moe_ffn(l_cpu.f(), r, up.w, down.w, x_cpu.f(), n, o_cpu.f());
                cuda.moe_ffn(l_cuda.f(), r, up.w, down.w, x_cuda.f(), n, o_cuda.f());
                ASSERT_TRUE(cpu.sync().ok());
                const Status st = cuda.sync();
                ASSERT_TRUE(st.ok()) << what << ": " << st.describe();
                expect_close(floats_of(o_cuda, n * n_in), floats_of(o_cpu, n * n_in), moe_tolerance(type),
                             "moe_ffn " + what + " n " + std::to_string(n));
            }
        }
    }
}

#if defined(NEMODESK_HAVE_CUDA)

// NaN-aware equality for weights: both NaN, or within 1e-6 relative (they are in fact bit-identical).
bool weight_close(float got, float want) {
    if (std::isnan(want))
        return std::isnan(got);
    return std::fabs(got - want) <= 1e-6 * std::max(1.0f, std::fabs(want));
}

template <typename T>
struct DevArray {
    T *p = nullptr;
    explicit DevArray(size_t count) {
        EXPECT_EQ(cudaMalloc(&p, std::max<size_t>(count, 1) * sizeof(T)), cudaSuccess);
    }
    DevArray(const std::vector<T> &host) : DevArray(host.size()) {
        EXPECT_EQ(cudaMemcpy(p, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice), cudaSuccess);
    }
    ~DevArray() { cudaFree(p); }
    DevArray(const DevArray &) = delete;
    DevArray &operator=(const DevArray &) = delete;
    std::vector<T> get(size_t count) const {
        std::vector<T> h(count);
        EXPECT_EQ(cudaMemcpy(h.data(), p, count * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
        return h;
    }
};

// Runs the kernel and the CPU routing on the same logits and compares ids and weights.
void check_route(const MoeCase &c, const std::vector<float> &logits, const std::vector<float> &bias,
                 int64_t n, const std::string &what) {
    MoeRouting r;
    r.n_expert = c.n_expert;
    r.n_used = c.n_used;
    r.selection_bias = c.bias ? bias.data() : nullptr;
    r.normalize = c.normalize;
    r.scale = c.scale;
    r.n_group = c.n_group;
    r.n_group_used = c.n_group_used;
    const size_t slots = static_cast<size_t>(n * r.n_used);
    std::vector<int32_t> want_ids(slots);
    std::vector<float> want_w(slots);
    cpu::moe_route(logits.data(), r, n, want_ids.data(), want_w.data());

    DevArray<float> d_logits(logits), d_bias(bias), d_w(slots);
    DevArray<int32_t> d_ids(slots);
    cuda::MoeRouteArgs a;
    a.logits = d_logits.p;
    a.n = n;
    a.n_expert = r.n_expert;
    a.n_used = r.n_used;
    a.selection_bias = c.bias ? d_bias.p : nullptr;
    a.normalize = r.normalize;
    a.scale = r.scale;
    a.n_group = r.n_group;
    a.n_group_used = r.n_group_used;
    a.ids = d_ids.p;
    a.weights = d_w.p;
    cuda::moe_route(a, nullptr);
    ASSERT_EQ(cudaGetLastError(), cudaSuccess) << what;
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess) << what;
    const auto got_ids = d_ids.get(slots);
    const auto got_w = d_w.get(slots);
    for (size_t i = 0; i < slots; ++i) {
        ASSERT_EQ(got_ids[i], want_ids[i]) << what << ": token " << i / r.n_used << " slot " << i % r.n_used;
        ASSERT_TRUE(weight_close(got_w[i], want_w[i]))
            << what << ": token " << i / r.n_used << " slot " << i % r.n_used << " weight " << got_w[i]
            << " want " << want_w[i];
    }
}

// The two scan kernels on the same device data: cuda::ssm_scan_chunked against cuda::ssm_scan (which the
// backend no longer uses for long batches), 1000 tokens from a non-zero state, y and the final state.
TEST(CudaMamba, ChunkedKernelMatchesSequentialKernel) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        cudaGetLastError();  // clear the sticky "no device" error
        GTEST_SKIP() << "no CUDA device";
    }
    uint32_t seed = 700;
    for (const MambaShape &s : {mamba_shape(2, 6, 33, 48, 4), mamba_shape(8, 16, 64, 128, 4)}) {
        const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner, n = 1000;
        const int64_t ld_x = s.conv_dim() + 2, ld_dt = nh + 3;
        const std::string what = shape_name(s) + " n " + std::to_string(n);
        const auto xbc = random_floats(static_cast<size_t>(n * ld_x), ++seed);
        const auto dt_raw = random_floats(static_cast<size_t>(n * ld_dt), ++seed, -6.0f, 2.0f);
        const auto dt_bias = random_floats(static_cast<size_t>(nh), ++seed, -1.0f, 0.5f);
        const auto d = random_floats(static_cast<size_t>(nh), ++seed);
        std::vector<float> a(static_cast<size_t>(nh));
        for (int64_t h = 0; h < nh; ++h)
            a[static_cast<size_t>(h)] =
                -std::exp(-2.3f + 4.4f * static_cast<float>(h) / static_cast<float>(nh));
        const auto state0 = random_floats(static_cast<size_t>(nh * P * N), ++seed, -0.5f, 0.5f);
        const size_t n_state = state0.size(), n_y = static_cast<size_t>(n * Di);
        DevArray<float> d_x(xbc), d_dt(dt_raw), d_bias(dt_bias), d_a(a), d_d(d);
        DevArray<float> st_seq(state0), st_chk(state0), y_seq(n_y), y_chk(n_y);
        DevArray<float> work(static_cast<size_t>(cuda::ssm_scan_chunked_work_floats(n, s)));
        cuda::ssm_scan(d_x.p, ld_x, d_dt.p, ld_dt, d_bias.p, d_a.p, d_d.p, n, st_seq.p, s, y_seq.p, nullptr);
        cuda::ssm_scan_chunked(d_x.p, ld_x, d_dt.p, ld_dt, d_bias.p, d_a.p, d_d.p, n, st_chk.p, s, y_chk.p,
                               work.p, nullptr);
        ASSERT_EQ(cudaGetLastError(), cudaSuccess) << what;
        ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess) << what;
        const auto y_want = y_seq.get(n_y), st_want = st_seq.get(n_state);
        expect_close(y_chk.get(n_y), y_want, chunked_tolerance(y_want), "chunked kernel y " + what);
        expect_close(st_chk.get(n_state), st_want, chunked_tolerance(st_want),
                     "chunked kernel state " + what);
    }
}

TEST(CudaMoe, RouteKernelMatchesCpuRouting) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0) {
        cudaGetLastError();  // clear the sticky "no device" error
        GTEST_SKIP() << "no CUDA device";
    }
    uint32_t seed = 500;
    const int64_t n = 37;
    std::vector<MoeCase> cases = kMoeCases;
    cases.push_back({256, 8, true, true, 2.5f, 8, 4});  // DeepSeek-like
    cases.push_back({512, 8, true, true, 1.0f, 1, 1});
    cases.push_back({512, 22, false, true, 1.0f, 16, 2});
    cases.push_back({5, 5, true, false, 1.0f, 1, 1});  // every expert
    cases.push_back({96, 7, true, true, 1.0f, 3, 3});  // every group
    for (const MoeCase &c : cases) {
        const size_t n_logits = static_cast<size_t>(n * c.n_expert);
        const auto bias = random_floats(static_cast<size_t>(c.n_expert), ++seed, -0.3f, 0.3f);

        // Plain random logits.
        check_route(c, random_floats(n_logits, ++seed, -6.0f, 6.0f), bias, n, case_name(c) + " random");

        // Many exact ties: logits on a coarse grid (and a bias of ties too), so the lower-index rule and
        // the group scores' ties decide.
        auto tied = random_floats(n_logits, ++seed, -3.0f, 3.0f);
        for (float &v : tied)
            v = std::round(v * 2.0f) / 2.0f;
        std::vector<float> tied_bias(bias.size());
        for (size_t i = 0; i < bias.size(); ++i)
            tied_bias[i] = i % 3 == 0 ? 0.125f : 0.0f;
        check_route(c, tied, tied_bias, n, case_name(c) + " ties");

        // Non-finite logits: NaN first, NaN elsewhere, ±inf, a whole row of NaN, all equal.
        auto odd = random_floats(n_logits, ++seed, -3.0f, 3.0f);
        const float nan = std::numeric_limits<float>::quiet_NaN(),
                    inf = std::numeric_limits<float>::infinity();
        const int64_t E = c.n_expert;
        for (int64_t t = 0; t < n; ++t) {
            float *row = odd.data() + t * E;
            switch (t % 6) {
                case 0:
                    row[0] = nan;
                    break;
                case 1:
                    row[E / 2] = nan;
                    row[E - 1] = inf;
                    break;
                case 2:
                    row[E / 3] = -inf;
                    row[0] = inf;
                    break;
                case 3:
                    std::fill(row, row + E, nan);
                    break;
                case 4:
                    std::fill(row, row + E, 0.25f);
                    break;
                default:
                    row[E - 1] = nan;
                    row[0] = nan;
                    break;
            }
        }
        check_route(c, odd, bias, n, case_name(c) + " non-finite");
    }
}

#endif  // NEMODESK_HAVE_CUDA

}  // namespace
}  // namespace nd::test
