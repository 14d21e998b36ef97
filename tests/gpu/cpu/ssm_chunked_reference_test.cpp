// The chunked (SSD, state-space duality) form of the Mamba-2 scan, written as plain host loops, against the
// CPU backend's sequential ssm_scan. This is the algorithm gpu/cuda/cuda_ssm_scan_chunked.cu translates
// (same phases, same f32 arithmetic, same way of forming the decays); it proves the maths here, where there
// is no GPU. Spec §2.4.1 steps 4-6 and §5.3.
//
// Per head h (group g = h / (nh/G)) and chunk of tokens 0..len−1 (len ≤ chunk):
//   dt_t = softplus(dt_raw[t][h] + dt_bias[h]), l_t = dt_t · a[h] (the log of the sequential scan's dA)
//   seg(t, s) = Σ_{k=s+1..t} l_k for s ≤ t, summed directly (never a difference of cumulative sums: no
//               cancellation, and exp(seg) ≤ 1 never overflows); cum(t) = Σ_{k=0..t} l_k
//   y_t    = Σ_{s≤t} (C_t·B_s) exp(seg(t,s)) dt_s x_s + exp(cum(t)) S_prev C_t + D x_t
//   S_next = exp(cum(len−1)) S_prev + Σ_s exp(seg(len−1,s)) dt_s x_s ⊗ B_s
// computed in three phases as on the GPU: every chunk's own state (parallel over chunks), the states passed
// from chunk to chunk (sequential, n/chunk steps), then every chunk's outputs (parallel over chunks).
//
// Cases: odd head_dim, 1..8 groups, d_state 16/64/128, n = 1, 63, 64, 65, 300, 1000, a non-zero starting
// state, dt from ~5e-5 (dt_raw −10) to 25 (softplus's x > 20 branch), A from −0.01 to −16. y and the final
// state must agree within 1e-4 of max |reference| (plus 1e-6 absolute): f32 reassociation only.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/cpu/cpu_mamba.h"
#include "gpu/model/backend.h"

namespace nd::test {
namespace {

// The chunked scan: the same contract as Backend::ssm_scan (state read and written, y [n][Di]).
void ssd_chunked_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                      const float *dt_bias, const float *a, const float *d, int64_t n, float *state,
                      const MambaShape &s, float *y, int64_t chunk) {
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, G = s.n_group, Di = s.d_inner;
    const int64_t n_chunks = (n + chunk - 1) / chunk;
    const size_t PN = static_cast<size_t>(P * N);
    std::vector<float> dt(static_cast<size_t>(chunk)), l(static_cast<size_t>(chunk));
    std::vector<float> seg(static_cast<size_t>(chunk * chunk));  // seg[t][s], s ≤ t
    std::vector<float> states(static_cast<size_t>(n_chunks) * PN);
    std::vector<float> decay(static_cast<size_t>(n_chunks));
    std::vector<float> cb(static_cast<size_t>(chunk * chunk));

    for (int64_t h = 0; h < nh; ++h) {
        const int64_t g = h / (nh / G);  // repeat_interleave, not modulo (spec §2.4.1 step 5)
        const float A = a[h], D = d[h];
        const float *x_of = xbc + h * P;
        const float *B_of = xbc + Di + g * N;
        const float *C_of = xbc + Di + G * N + g * N;

        // Per chunk: dt, l and the segment sums, as every GPU block recomputes them.
        auto chunk_decays = [&](int64_t t0, int64_t len) {
            for (int64_t k = 0; k < len; ++k) {
                dt[k] = cpu::softplus(dt_raw[(t0 + k) * ld_dt + h] + dt_bias[h]);
                l[k] = dt[k] * A;
            }
            for (int64_t sc = 0; sc < len; ++sc) {  // column running sums down t
                float r = 0.0f;
                seg[sc * chunk + sc] = 0.0f;
                for (int64_t t = sc + 1; t < len; ++t) {
                    r += l[t];
                    seg[t * chunk + sc] = r;
                }
            }
        };

        // Phase 1: each chunk's own state S_loc[p][i] = Σ_s exp(seg(len−1, s)) dt_s x_s[p] B_s[i], and its
        // decay exp(cum(len−1)).
        for (int64_t c = 0; c < n_chunks; ++c) {
            const int64_t t0 = c * chunk, len = std::min(chunk, n - t0);
            chunk_decays(t0, len);
            float *S = states.data() + static_cast<size_t>(c) * PN;
            std::fill(S, S + PN, 0.0f);
            for (int64_t sc = 0; sc < len; ++sc) {
                const float w = std::exp(seg[(len - 1) * chunk + sc]) * dt[sc];
                const float *row = xbc + (t0 + sc) * ld_xbc;
                for (int64_t p = 0; p < P; ++p) {
                    const float xw = w * x_of[(t0 + sc) * ld_xbc + p];
                    for (int64_t i = 0; i < N; ++i)
                        S[p * N + i] += xw * row[Di + g * N + i];
                }
            }
            float cum = 0.0f;
            for (int64_t k = 0; k < len; ++k)
                cum += l[k];
            decay[c] = std::exp(cum);
        }

        // Phase 2: pass the state from chunk to chunk. states[c] becomes the state entering chunk c.
        float *Sh = state + h * P * N;
        for (int64_t c = 0; c < n_chunks; ++c) {
            float *S = states.data() + static_cast<size_t>(c) * PN;
            for (size_t e = 0; e < PN; ++e) {
                const float loc = S[e];
                S[e] = Sh[e];
                Sh[e] = std::fma(decay[c], Sh[e], loc);
            }
        }

        // Phase 3: outputs. Intra-chunk (C·Bᵀ ⊙ decay mask ⊙ dt)·X, then the entering state's part.
        for (int64_t c = 0; c < n_chunks; ++c) {
            const int64_t t0 = c * chunk, len = std::min(chunk, n - t0);
            chunk_decays(t0, len);
            const float *S = states.data() + static_cast<size_t>(c) * PN;
            for (int64_t t = 0; t < len; ++t)
                for (int64_t sc = 0; sc <= t; ++sc) {
                    float v = 0.0f;
                    for (int64_t i = 0; i < N; ++i)
                        v += C_of[(t0 + t) * ld_xbc + i] * B_of[(t0 + sc) * ld_xbc + i];
                    cb[t * chunk + sc] = v;
                }
            float cum = 0.0f;
            for (int64_t t = 0; t < len; ++t) {
                cum += l[t];
                const float ec = std::exp(cum);
                const float *Ct = C_of + (t0 + t) * ld_xbc;
                for (int64_t p = 0; p < P; ++p) {
                    float intra = 0.0f;
                    for (int64_t sc = 0; sc <= t; ++sc)
                        intra += cb[t * chunk + sc] * std::exp(seg[t * chunk + sc]) * dt[sc] *
                                 x_of[(t0 + sc) * ld_xbc + p];
                    float inter = 0.0f;
                    for (int64_t i = 0; i < N; ++i)
                        inter += ec * Ct[i] * S[p * N + i];
                    const float xv = x_of[(t0 + t) * ld_xbc + p];
                    y[(t0 + t) * Di + h * P + p] = (intra + inter) + xv * D;
                }
            }
        }
    }
}

MambaShape mamba_shape(int64_t n_group, int64_t n_head, int64_t head_dim, int64_t d_state) {
    MambaShape s;
    s.n_group = n_group;
    s.n_head = n_head;
    s.d_inner = n_head * head_dim;
    s.d_state = d_state;
    s.d_conv = 4;
    return s;
}

std::vector<float> uniform(size_t n, uint32_t seed, float lo, float hi) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> dist(lo, hi);
    std::vector<float> v(n);
    for (float &x : v)
        x = dist(rng);
    return v;
}

// max |got − want| / max |want| (the tolerance is on this, plus an absolute floor).
void expect_close_rel(const std::vector<float> &got, const std::vector<float> &want, double rel, double abs,
                      const std::string &what, double *worst) {
    ASSERT_EQ(got.size(), want.size()) << what;
    double scale = 0.0, diff = 0.0;
    size_t at = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        scale = std::max(scale, double(std::fabs(want[i])));
        const double dv = std::fabs(double(got[i]) - double(want[i]));
        if (!(dv <= diff)) {  // NaN is worse than anything
            diff = dv;
            at = i;
        }
    }
    if (worst)
        *worst = std::max(*worst, diff / std::max(scale, 1e-30));
    EXPECT_TRUE(diff <= rel * scale + abs) << what << ": max |diff| " << diff << " at " << at << " (got "
                                           << got[at] << ", want " << want[at] << "), max |want| " << scale;
}

// A 1-D F32 weight over `v` (which must outlive it).
Weight vector_weight(const std::vector<float> &v) {
    Weight w;
    w.type = GgmlType::f32;
    w.n_in = static_cast<int64_t>(v.size());
    w.row_bytes = w.n_in * 4;
    w.data = reinterpret_cast<const uint8_t *>(v.data());
    w.name = "test.vector";
    return w;
}

struct Case {
    MambaShape s;
    int64_t chunk;
};

// (G, nh, P, N): odd head dims (5, 7, 33), one to eight groups, d_state 16, 64, 128.
const std::vector<Case> kCases = {
    {mamba_shape(1, 1, 4, 16), 64}, {mamba_shape(2, 4, 5, 16), 64},   {mamba_shape(4, 8, 7, 64), 64},
    {mamba_shape(3, 6, 9, 64), 64}, {mamba_shape(8, 8, 33, 128), 64}, {mamba_shape(2, 4, 64, 128), 64},
    {mamba_shape(2, 4, 5, 16), 16}, {mamba_shape(4, 8, 7, 64), 128},
};
const int64_t kLengths[] = {1, 63, 64, 65, 300, 1000};

TEST(SsmChunkedReference, MatchesSequentialScan) {
    CpuBackendOptions o;
    o.n_threads = 2;
    auto be = cpu_backend_create(o);
    uint32_t seed = 7000;
    double worst_y = 0.0, worst_state = 0.0;
    for (const Case &cs : kCases) {
        const MambaShape &s = cs.s;
        const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner;
        const int64_t ld_x = s.conv_dim() + 3, ld_dt = nh + 1;
        // A = −exp(A_log) from −0.01 (almost no decay) to −16 (fast decay), spread over the heads.
        std::vector<float> a(static_cast<size_t>(nh));
        for (int64_t h = 0; h < nh; ++h)
            a[h] = -std::exp(-4.6f +
                             7.4f * static_cast<float>(h) / static_cast<float>(std::max<int64_t>(nh - 1, 1)));
        const auto dt_bias = uniform(static_cast<size_t>(nh), ++seed, -2.0f, 0.5f);
        const auto d = uniform(static_cast<size_t>(nh), ++seed, -1.0f, 1.0f);
        const Weight w_bias = vector_weight(dt_bias), w_a = vector_weight(a), w_d = vector_weight(d);
        for (int64_t n : kLengths) {
            const std::string what = std::string("G") + std::to_string(s.n_group) + " nh" +
                                     std::to_string(nh) + " P" + std::to_string(P) + " N" +
                                     std::to_string(N) + " chunk " + std::to_string(cs.chunk) + " n " +
                                     std::to_string(n);
            const auto xbc = uniform(static_cast<size_t>(n * ld_x), ++seed, -1.0f, 1.0f);
            // dt_raw spans softplus's range: tiny dt (−10 → 4.5e-5), typical, and the x > 20 branch (dt 25).
            auto dt_raw = uniform(static_cast<size_t>(n * ld_dt), ++seed, -10.0f, 3.0f);
            std::mt19937 pick(++seed);
            for (int64_t k = 0; k < std::max<int64_t>(1, n / 50); ++k)
                dt_raw[pick() % dt_raw.size()] = 25.0f;
            const auto state0 = uniform(static_cast<size_t>(nh * P * N), ++seed, -0.5f, 0.5f);

            std::vector<float> st_want = state0, st_got = state0;
            std::vector<float> y_want(static_cast<size_t>(n * Di)), y_got(static_cast<size_t>(n * Di));
            be->ssm_scan(xbc.data(), ld_x, dt_raw.data(), ld_dt, w_bias, w_a, w_d, n, st_want.data(), s,
                         y_want.data());
            ASSERT_TRUE(be->sync().ok()) << what;
            ssd_chunked_scan(xbc.data(), ld_x, dt_raw.data(), ld_dt, dt_bias.data(), a.data(), d.data(), n,
                             st_got.data(), s, y_got.data(), cs.chunk);
            expect_close_rel(y_got, y_want, 1e-4, 1e-6, "y " + what, &worst_y);
            expect_close_rel(st_got, st_want, 1e-4, 1e-6, "state " + what, &worst_state);
        }
    }
    std::printf("chunked vs sequential, worst max|diff|/max|ref|: y %.2e, state %.2e\n", worst_y,
                worst_state);
}

// A sequence split across calls (the state carried between them) gives what one call gives: the chunked
// path starts from the state it is handed.
TEST(SsmChunkedReference, ContinuesFromTheStateItIsGiven) {
    const MambaShape s = mamba_shape(2, 4, 7, 16);
    const int64_t nh = s.n_head, P = s.head_dim(), N = s.d_state, Di = s.d_inner, n = 200, split = 77;
    const int64_t ld_x = s.conv_dim(), ld_dt = nh;
    const auto xbc = uniform(static_cast<size_t>(n * ld_x), 1, -1.0f, 1.0f);
    const auto dt_raw = uniform(static_cast<size_t>(n * ld_dt), 2, -4.0f, 1.0f);
    const auto dt_bias = uniform(static_cast<size_t>(nh), 3, -1.0f, 0.5f);
    const auto d = uniform(static_cast<size_t>(nh), 4, -1.0f, 1.0f);
    const std::vector<float> a = {-0.05f, -0.5f, -2.0f, -8.0f};
    const auto state0 = uniform(static_cast<size_t>(nh * P * N), 5, -0.5f, 0.5f);
    std::vector<float> st_one = state0, st_two = state0;
    std::vector<float> y_one(static_cast<size_t>(n * Di)), y_two(static_cast<size_t>(n * Di));
    ssd_chunked_scan(xbc.data(), ld_x, dt_raw.data(), ld_dt, dt_bias.data(), a.data(), d.data(), n,
                     st_one.data(), s, y_one.data(), 64);
    ssd_chunked_scan(xbc.data(), ld_x, dt_raw.data(), ld_dt, dt_bias.data(), a.data(), d.data(), split,
                     st_two.data(), s, y_two.data(), 64);
    ssd_chunked_scan(xbc.data() + split * ld_x, ld_x, dt_raw.data() + split * ld_dt, ld_dt, dt_bias.data(),
                     a.data(), d.data(), n - split, st_two.data(), s, y_two.data() + split * Di, 64);
    expect_close_rel(y_two, y_one, 1e-4, 1e-6, "y split at 77", nullptr);
    expect_close_rel(st_two, st_one, 1e-4, 1e-6, "state split at 77", nullptr);
}

}  // namespace
}  // namespace nd::test
