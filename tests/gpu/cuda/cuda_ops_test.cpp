// The CUDA element-wise ops, norms and RoPE against the CPU backend (the reference), through nd::Backend,
// over odd widths (1, 3, 31, 33, 257, 4097), row strides larger than the width, y == x for the norms and
// every RopeMode with partial rotation and freq_factors; argmax_rows directly through the CUDA runtime.
//
// Tolerances: these ops are f32 on both sides; the GPU sums in a different order (tree reductions instead
// of the CPU's double sums) and uses CUDA's expf/sincosf (<= 2 ulp), so 1e-5 relative (max |diff| over
// max |want|) leaves a wide margin over the ~1e-6 expected.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "tests/gpu/cuda/cuda_test_util.h"

#if NEMODESK_HAVE_CUDA
#include <cuda_runtime.h>

#include "gpu/cuda/cuda_kernels.h"
#endif

namespace nd::test {
namespace {

constexpr double kTolF32 = 1e-5;
const int64_t kWidths[] = {1, 3, 31, 33, 257, 4097};

// Runs `op(backend, buffer)` on a copy of `init` on both backends and compares the buffers.
template <typename Op>
void compare_inplace(Backend &cuda, Backend &cpu, const std::vector<float> &init, Op op, double tol,
                     const std::string &what) {
    Buffer gb(cuda, init), cb(cpu, init);
    op(cuda, gb.f());
    op(cpu, cb.f());
    ASSERT_TRUE(cuda.sync().ok()) << what;
    ASSERT_TRUE(cpu.sync().ok()) << what;
    expect_close(gb.floats(init.size()), cb.floats(init.size()), tol, what);
}

TEST(CudaOps, AddAndReluSqr) {
    ND_BACKENDS_OR_SKIP();
    for (int64_t count :
         {int64_t{1}, int64_t{3}, int64_t{31}, int64_t{33}, int64_t{257}, int64_t{4097}, int64_t{1} << 20}) {
        const auto x = random_floats(static_cast<size_t>(count + 1), 11);
        const auto y = random_floats(static_cast<size_t>(count + 1), 12);
        // offset 1: the unaligned (scalar) path; offset 0: float4
        for (int64_t off : {0, 1}) {
            Buffer gx(cuda, x), cx(cpu, x);
            compare_inplace(
                cuda, cpu, y,
                [&](Backend &be, float *p) {
                    be.add(p + off, (&be == &cuda ? gx.f() : cx.f()) + off, count);
                },
                kTolF32, "add " + std::to_string(count) + " off " + std::to_string(off));
            compare_inplace(
                cuda, cpu, y, [&](Backend &be, float *p) { be.relu_sqr(p + off, count); }, kTolF32,
                "relu_sqr " + std::to_string(count) + " off " + std::to_string(off));
        }
    }
}

TEST(CudaOps, SwigluStrided) {
    ND_BACKENDS_OR_SKIP();
    for (int64_t width : kWidths) {
        for (int64_t n : {1, 5}) {
            for (int64_t pad : {0, 3, 4}) {
                const int64_t ld_g = width + pad, ld_u = width + 2 * pad + 1;
                const auto g = random_floats(static_cast<size_t>(n * ld_g), 21, -6.0f, 6.0f);
                const auto u = random_floats(static_cast<size_t>(n * ld_u), 22);
                Buffer gu(cuda, u), cu(cpu, u);
                compare_inplace(
                    cuda, cpu, g,
                    [&](Backend &be, float *p) {
                        be.swiglu(p, ld_g, &be == &cuda ? gu.f() : cu.f(), ld_u, n, width);
                    },
                    kTolF32, "swiglu w " + std::to_string(width) + " n " + std::to_string(n));
            }
        }
    }
}

TEST(CudaOps, NormsInPlaceAndOutOfPlace) {
    ND_BACKENDS_OR_SKIP();
    for (int64_t width : kWidths) {
        for (int64_t n : {1, 3, 70}) {
            const auto x = random_floats(static_cast<size_t>(n * width), 31, -2.0f, 3.0f);
            TestWeight w = make_vector(random_floats(static_cast<size_t>(width), 32, 0.5f, 1.5f), "norm.w");
            TestWeight b = make_vector(random_floats(static_cast<size_t>(width), 33), "norm.b");
            ASSERT_TRUE(cuda.prepare_weight(w.w).ok());
            ASSERT_TRUE(cuda.prepare_weight(b.w).ok());
            const std::string shape = " w " + std::to_string(width) + " n " + std::to_string(n);
            // y == x
            compare_inplace(
                cuda, cpu, x, [&](Backend &be, float *p) { be.rms_norm(p, w.w, n, width, 1e-6f, p); },
                kTolF32, "rms_norm in place" + shape);
            compare_inplace(
                cuda, cpu, x, [&](Backend &be, float *p) { be.layer_norm(p, w.w, &b.w, n, width, 1e-5f, p); },
                kTolF32, "layer_norm in place" + shape);
            // y != x, layer_norm without bias
            Buffer gx(cuda, x), cx(cpu, x);
            const std::vector<float> zeros(x.size(), 0.0f);
            compare_inplace(
                cuda, cpu, zeros,
                [&](Backend &be, float *p) {
                    be.rms_norm(&be == &cuda ? gx.f() : cx.f(), w.w, n, width, 1e-5f, p);
                },
                kTolF32, "rms_norm" + shape);
            compare_inplace(
                cuda, cpu, zeros,
                [&](Backend &be, float *p) {
                    be.layer_norm(&be == &cuda ? gx.f() : cx.f(), w.w, nullptr, n, width, 1e-5f, p);
                },
                kTolF32, "layer_norm no bias" + shape);
        }
    }
}

TEST(CudaOps, GatedGroupNorm) {
    ND_BACKENDS_OR_SKIP();
    struct Case {
        int64_t d_inner, n_group, n;
    };
    for (const Case c : {Case{8, 1, 1}, Case{96, 3, 4}, Case{1024, 8, 2}, Case{4097 * 2, 2, 3}}) {
        MambaShape s;
        s.d_inner = c.d_inner;
        s.n_group = c.n_group;
        s.n_head = c.n_group;
        s.d_state = 16;
        s.d_conv = 4;
        const int64_t ld_z = c.d_inner + 5;
        const auto y = random_floats(static_cast<size_t>(c.n * c.d_inner), 41, -3.0f, 3.0f);
        const auto z = random_floats(static_cast<size_t>(c.n * ld_z), 42, -4.0f, 4.0f);
        TestWeight w = make_vector(random_floats(static_cast<size_t>(c.d_inner), 43, 0.5f, 1.5f), "ssm_norm");
        ASSERT_TRUE(cuda.prepare_weight(w.w).ok());
        Buffer gz(cuda, z), cz(cpu, z);
        compare_inplace(
            cuda, cpu, y,
            [&](Backend &be, float *p) {
                be.gated_group_norm(p, &be == &cuda ? gz.f() : cz.f(), ld_z, c.n, w.w, s, 1e-5f);
            },
            kTolF32, "gated_group_norm Di " + std::to_string(c.d_inner) + " G " + std::to_string(c.n_group));
    }
}

TEST(CudaOps, RopeModesPartialAndFactors) {
    ND_BACKENDS_OR_SKIP();
    struct Case {
        int64_t n_head, head_dim, n_rot;
    };
    const std::vector<int32_t> positions = {0, 1, 7, 100, 511, 4095, 32767, 3};
    const int64_t n = static_cast<int64_t>(positions.size());
    for (RopeMode mode : {RopeMode::norm, RopeMode::neox}) {
        for (const Case c :
             {Case{4, 64, 64}, Case{3, 128, 64}, Case{2, 40, 40}, Case{5, 72, 32}, Case{1, 8, 8}}) {
            for (bool factors : {false, true}) {
                const int64_t ldx = c.n_head * c.head_dim + 7;  // stride > width
                const auto x = random_floats(static_cast<size_t>(n * ldx), 51);
                TestWeight ff = make_vector(random_floats(static_cast<size_t>(c.n_rot / 2), 52, 1.0f, 8.0f),
                                            "rope_freqs");
                ASSERT_TRUE(cuda.prepare_weight(ff.w).ok());
                RopeParams p;
                p.mode = mode;
                p.n_rot = c.n_rot;
                p.freq_base = 500000.0f;
                p.freq_scale = 0.25f;
                p.freq_factors = factors ? ff.w.f32() : nullptr;  // host: the backend maps it
                // Angles of large positions are large, and one ulp of a large angle is a sizeable error
                // in sin/cos; both sides build the same f32 angle, so only the sin/cos ulps differ.
                compare_inplace(
                    cuda, cpu, x,
                    [&](Backend &be, float *px) {
                        be.rope(px, ldx, n, c.n_head, c.head_dim, positions.data(), p);
                    },
                    kTolF32,
                    std::string(mode == RopeMode::neox ? "neox" : "norm") + " hd " +
                        std::to_string(c.head_dim) + " n_rot " + std::to_string(c.n_rot) +
                        (factors ? " factors" : ""));
            }
        }
    }
}

#if NEMODESK_HAVE_CUDA
// argmax_rows has no Backend op: the kernel is run directly on device 0.
TEST(CudaOps, ArgmaxRows) {
    int count = 0;
    if (cudaGetDeviceCount(&count) != cudaSuccess || count == 0)
        GTEST_SKIP() << "no CUDA device";
    for (int64_t width : kWidths) {
        const int64_t n = 6, ld = width + 3;
        std::vector<float> x = random_floats(static_cast<size_t>(n * ld), 61);
        // row 1: a tie at the maximum (the lower index wins); row 2: NaNs (never win); row 3: all −inf;
        // row 4: all NaN (0)
        if (width > 2) {
            x[1 * ld + width - 1] = 5.0f;
            x[1 * ld + 1] = 5.0f;
        }
        x[2 * ld + 0] = NAN;
        x[2 * ld + width - 1] = NAN;
        for (int64_t i = 0; i < width; ++i) {
            x[3 * ld + i] = -INFINITY;
            x[4 * ld + i] = NAN;
        }
        std::vector<int32_t> want(n);
        for (int64_t t = 0; t < n; ++t) {
            int32_t best = 0;
            bool found = false;
            for (int64_t i = 0; i < width; ++i) {
                const float v = x[t * ld + i];
                if (std::isnan(v))
                    continue;
                if (!found || v > x[t * ld + best]) {
                    best = static_cast<int32_t>(i);
                    found = true;
                }
            }
            want[t] = best;
        }
        float *dx = nullptr;
        int32_t *dout = nullptr;
        ASSERT_EQ(cudaMalloc(&dx, x.size() * sizeof(float)), cudaSuccess);
        ASSERT_EQ(cudaMalloc(&dout, n * sizeof(int32_t)), cudaSuccess);
        cudaMemcpy(dx, x.data(), x.size() * sizeof(float), cudaMemcpyHostToDevice);
        cuda::argmax_rows(dx, ld, n, width, dout, nullptr);
        EXPECT_EQ(cudaGetLastError(), cudaSuccess);
        std::vector<int32_t> got(n);
        EXPECT_EQ(cudaMemcpy(got.data(), dout, n * sizeof(int32_t), cudaMemcpyDeviceToHost), cudaSuccess);
        cudaFree(dx);
        cudaFree(dout);
        EXPECT_EQ(got, want) << "width " << width;
    }
}
#endif

}  // namespace
}  // namespace nd::test
