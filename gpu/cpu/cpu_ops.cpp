// Element-wise ops, norms and RoPE on the CPU (see cpu_ops.h). Rows are independent, so every op splits
// rows (or flat ranges) over the pool; a decode step's single row runs inline.
#include "gpu/cpu/cpu_ops.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "gpu/cpu/cpu_ops_simd.h"
#include "gpu/cpu/thread_pool.h"

namespace nd::cpu {

void parallel_for(ThreadPool *pool, int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)> &fn) {
    if (n <= 0)
        return;
    if (!pool || pool->size() == 1 || n <= grain) {
        fn(0, n);
        return;
    }
    pool->parallel_for(n, grain, fn);
}

int64_t grain_for(int64_t item_cost, int64_t target) {
    return std::max<int64_t>(1, target / std::max<int64_t>(1, item_cost));
}

void rms_norm(const float *x, const float *w, int64_t n, int64_t width, float eps, float *y,
              ThreadPool *pool) {
    const SimdKernels &k = simd_kernels();
    parallel_for(pool, n, grain_for(width), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            const float *xr = x + t * width;
            // ggml: mean = (float)(Σ double(x²) / n); scale = 1 / sqrtf(mean + eps).
            const float mean = static_cast<float>(k.sum_sq(xr, width) / static_cast<double>(width));
            const float scale = 1.0f / std::sqrt(mean + eps);
            k.scale_mul(y + t * width, xr, scale, w, width);
        }
    });
}

void layer_norm(const float *x, const float *w, const float *b, int64_t n, int64_t width, float eps, float *y,
                ThreadPool *pool) {
    parallel_for(pool, n, grain_for(2 * width), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t) {
            const float *xr = x + t * width;
            float *yr = y + t * width;
            // ggml_norm: the sum in double rounded to f32, the mean in f32; the centred squares summed in
            // double; then ⊙ w and + b as separate f32 ops.
            double sum = 0.0;
            for (int64_t i = 0; i < width; ++i)
                sum += static_cast<double>(xr[i]);
            const float mean = static_cast<float>(sum) / static_cast<float>(width);
            double var_sum = 0.0;
            for (int64_t i = 0; i < width; ++i) {
                const float v = xr[i] - mean;
                yr[i] = v;
                var_sum += static_cast<double>(v * v);
            }
            const float variance = static_cast<float>(var_sum / static_cast<double>(width));
            const float scale = 1.0f / std::sqrt(variance + eps);
            if (b) {
                for (int64_t i = 0; i < width; ++i)
                    yr[i] = yr[i] * scale * w[i] + b[i];
            } else {
                for (int64_t i = 0; i < width; ++i)
                    yr[i] = yr[i] * scale * w[i];
            }
        }
    });
}

void add(float *y, const float *x, int64_t count, ThreadPool *pool) {
    parallel_for(pool, count, 1 << 16, [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i)
            y[i] += x[i];
    });
}

void relu_sqr(float *x, int64_t count, ThreadPool *pool) {
    parallel_for(pool, count, 1 << 16, [&](int64_t i0, int64_t i1) {
        // max(x, 0) on the bits, not a branch (the signs are random, half the branches mispredicted) and
        // not a float select (which -ftrapping-math keeps the compiler from vectorizing): clearing every
        // value whose sign bit is set gives 0 for negatives, -0 and -inf, as x > 0 ? x : 0 does.
        float *p = x + i0;
        const int64_t n = i1 - i0;
        for (int64_t i = 0; i < n; ++i) {
            uint32_t bits;
            std::memcpy(&bits, &p[i], 4);
            bits &= ~static_cast<uint32_t>(static_cast<int32_t>(bits) >> 31);
            float r;
            std::memcpy(&r, &bits, 4);
            p[i] = r * r;
        }
    });
}

void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n, int64_t width,
            ThreadPool *pool) {
    const SimdKernels &k = simd_kernels();
    // exp dominates: split by rows, and by columns for the single row of decode.
    if (n == 1) {
        parallel_for(pool, width, 8192,
                     [&](int64_t i0, int64_t i1) { k.silu_mul(gate + i0, gate + i0, up + i0, i1 - i0); });
        return;
    }
    parallel_for(pool, n, grain_for(8 * width), [&](int64_t t0, int64_t t1) {
        for (int64_t t = t0; t < t1; ++t)
            k.silu_mul(gate + t * ld_gate, gate + t * ld_gate, up + t * ld_up, width);
    });
}

void rope_angles(int32_t pos, const RopeParams &p, float *cs) {
    // ggml_rope_cache_init with ext_factor 0 and attn_factor 1: θ starts at pos and is multiplied by
    // theta_scale once per pair, in f32; the factor divides θ before freq_scale multiplies it.
    const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_rot));
    float theta = static_cast<float>(pos);
    for (int64_t i = 0; i < p.n_rot / 2; ++i) {
        const float ff = p.freq_factors ? p.freq_factors[i] : 1.0f;
        const float angle = p.freq_scale * (theta / ff);
        cs[2 * i] = std::cos(angle);
        cs[2 * i + 1] = std::sin(angle);
        theta *= theta_scale;
    }
}

void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
          const RopeParams &p, ThreadPool *pool) {
    const int64_t half = p.n_rot / 2;
    parallel_for(pool, n, grain_for(n_head * p.n_rot * 4), [&](int64_t t0, int64_t t1) {
        thread_local std::vector<float> cs;
        cs.resize(static_cast<size_t>(std::max<int64_t>(2, p.n_rot)));
        for (int64_t t = t0; t < t1; ++t) {
            rope_angles(pos[t], p, cs.data());
            for (int64_t h = 0; h < n_head; ++h) {
                float *v = x + t * ldx + h * head_dim;
                // NEOX rotates (i, i + n_rot/2), NORM (2i, 2i + 1); both with angle i. Dims >= n_rot stay.
                const int64_t step = p.mode == RopeMode::neox ? 1 : 2;
                const int64_t off = p.mode == RopeMode::neox ? half : 1;
                for (int64_t i = 0; i < half; ++i) {
                    const float c = cs[2 * i], s = cs[2 * i + 1];
                    float *a = v + i * step;
                    const float x0 = a[0], x1 = a[off];
                    a[0] = x0 * c - x1 * s;
                    a[off] = x0 * s + x1 * c;
                }
            }
        }
    });
}

}  // namespace nd::cpu
