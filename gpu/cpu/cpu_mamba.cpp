// Mamba-2 conv, scan and gated group norm on the CPU (see cpu_mamba.h).
#include "gpu/cpu/cpu_mamba.h"

#include <algorithm>
#include <vector>

#include "gpu/cpu/cpu_ops.h"
#include "gpu/cpu/cpu_ops_simd.h"

namespace nd::cpu {

void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const float *w, const float *bias,
              const MambaShape &s, float *out, ThreadPool *pool) {
    const SimdKernels &kern = simd_kernels();
    const int64_t dc = s.d_conv, ns = dc - 1, conv_dim = s.conv_dim();
    // Channel c's window is [state[c][0..ns), in[0..n)[c]]; output t is Σ_k w[c][k]·window[t + k], summed in
    // k order in f32 like ggml's ssm_conv, then + bias and SiLU.
    parallel_for(pool, conv_dim, std::max<int64_t>(256, grain_for(n * dc, 16384)),
                 [&](int64_t c0, int64_t c1) {
                     const int64_t cb = c1 - c0;
                     // Tokens whose window reaches into the state: per channel, with the state read directly.
                     const int64_t n_head = std::min(n, ns);
                     for (int64_t t = 0; t < n_head; ++t) {
                         float *o = out + t * conv_dim;
                         for (int64_t c = c0; c < c1; ++c) {
                             const float *wc = w + c * dc;
                             const float *st = conv_state + c * ns;
                             float sum = 0.0f;
                             for (int64_t k = 0; k < ns - t; ++k)
                                 sum += st[t + k] * wc[k];
                             for (int64_t k = ns - t; k < dc; ++k)
                                 sum += in[(t + k - ns) * ld_in + c] * wc[k];
                             o[c] = sum + bias[c];
                         }
                     }
                     // The other tokens read only the batch: channels innermost and contiguous, against the
                     // weights transposed to [dc][block], so the compiler vectorises across channels.
                     if (n > n_head) {
                         thread_local std::vector<float> wt;
                         wt.resize(static_cast<size_t>(dc * cb));
                         for (int64_t c = 0; c < cb; ++c)
                             for (int64_t k = 0; k < dc; ++k)
                                 wt[static_cast<size_t>(k * cb + c)] = w[(c0 + c) * dc + k];
                         for (int64_t t = n_head; t < n; ++t) {
                             float *o = out + t * conv_dim + c0;
                             const float *x0 = in + (t - ns) * ld_in + c0;
                             for (int64_t c = 0; c < cb; ++c)
                                 o[c] = x0[c] * wt[static_cast<size_t>(c)];
                             for (int64_t k = 1; k < dc; ++k) {
                                 const float *xk = x0 + k * ld_in;
                                 const float *wk = wt.data() + k * cb;
                                 for (int64_t c = 0; c < cb; ++c)
                                     o[c] += xk[c] * wk[c];
                             }
                             for (int64_t c = 0; c < cb; ++c)
                                 o[c] += bias[c0 + c];
                         }
                     }
                     for (int64_t t = 0; t < n; ++t)
                         kern.silu(out + t * conv_dim + c0, out + t * conv_dim + c0, cb);
                     // The new state is the window's last ns entries. Ascending j reads index j + n >= j
                     // before it is overwritten.
                     for (int64_t c = c0; c < c1; ++c) {
                         float *st = conv_state + c * ns;
                         for (int64_t j = 0; j < ns; ++j) {
                             const int64_t src = j + n;
                             st[j] = src < ns ? st[src] : in[(src - ns) * ld_in + c];
                         }
                     }
                 });
}

void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const float *dt_bias,
              const float *a, const float *d, int64_t n, float *state, const MambaShape &s, float *y,
              ThreadPool *pool) {
    const SimdKernels &k = simd_kernels();
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, G = s.n_group, Di = s.d_inner;
    const int64_t heads_per_group = nh / G;
    // One task per head: its recurrence runs through the batch in order, its state [P][N] stays in cache.
    parallel_for(pool, nh, grain_for(n * P * N, 16384), [&](int64_t h0, int64_t h1) {
        for (int64_t h = h0; h < h1; ++h) {
            const int64_t g = h / heads_per_group;  // repeat_interleave, not modulo (spec §6.1)
            float *sh = state + h * P * N;
            for (int64_t t = 0; t < n; ++t) {
                const float *row = xbc + t * ld_xbc;
                const float *x = row + h * P;
                const float *B = row + Di + g * N;
                const float *C = row + Di + G * N + g * N;
                const float dt = softplus(dt_raw[t * ld_dt + h] + dt_bias[h]);
                const float dA = std::exp(dt * a[h]);
                k.scan_head(sh, x, B, C, dA, dt, d[h], P, N, y + t * Di + h * P);
            }
        }
    });
}

void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const float *w, const MambaShape &s,
                      float eps, ThreadPool *pool) {
    const SimdKernels &k = simd_kernels();
    const int64_t G = s.n_group, gs = s.d_inner / s.n_group;
    parallel_for(pool, n * G, grain_for(8 * gs), [&](int64_t i0, int64_t i1) {
        for (int64_t i = i0; i < i1; ++i) {
            const int64_t t = i / G, off = (i % G) * gs;
            float *yg = y + t * s.d_inner + off;
            const float *zg = z + t * ld_z + off;
            k.silu_mul(yg, zg, yg, gs);
            const float mean = static_cast<float>(k.sum_sq(yg, gs) / static_cast<double>(gs));
            const float scale = 1.0f / std::sqrt(mean + eps);
            k.scale_mul(yg, yg, scale, w + off, gs);
        }
    });
}

}  // namespace nd::cpu
