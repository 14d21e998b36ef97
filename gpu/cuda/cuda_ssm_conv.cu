// Mamba-2 causal depthwise conv with state (backend.h ssm_conv, spec §2.4.1 step 2; CPU twin
// gpu/cpu/cpu_mamba.cpp ssm_conv).
//
//   in         (n, conv_dim)        rows stride ld_in: the raw xBC of the batch
//   conv_state (conv_dim, dc − 1)   the last dc − 1 raw inputs per channel, oldest first; updated
//   conv_w     (conv_dim, dc)       ggml {dc, conv_dim}
//   conv_b     (conv_dim)
//   out        (n, conv_dim)        contiguous: SiLU(b[c] + Σ_k w[c][k] · window_c[t + k]),
//                                   window_c = [state[c][0 .. dc−1), in[0 .. n)[c]]
//
// Launch: conv_kernel has a thread per channel (blocks of 256 over conv_dim, so a warp reads 32
// consecutive channels of a row) and grid.y over chunks of kTokensPerBlock tokens; each thread loops over
// its chunk. The state is rewritten only after every read of it: by the same thread at the end of
// conv_kernel when the batch is one chunk (decode), else by state_kernel, launched after it on the same
// stream. A thread only ever touches its own channel's state, so there are no races.
//
// Precision: f32; the dc products are rounded and summed in k order from 0, then the bias is added, with
// the IEEE-rounded intrinsics (no FMA contraction), as the CPU twin computes it: the pre-activation is
// bit-identical. SiLU(x) = x / (1 + expf(−x)); CUDA's expf and the CPU's (SIMD) exp may differ by an ulp.
#include "gpu/cuda/cuda_common.cuh"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

namespace {

constexpr int kConvThreads = 256;
constexpr int64_t kTokensPerBlock = 64;

__device__ __forceinline__ float conv_silu(float x) {
    return x / (1.0f + expf(-x));
}

// Token t0 + i, channel c, for i < the chunk's length. Window element j (0 ≤ j < ns + n) is the state for
// j < ns, else input row j − ns.
__global__ void conv_kernel(const float *__restrict__ in, int64_t ld_in, int64_t n,
                            float *__restrict__ conv_state, const float *__restrict__ conv_w,
                            const float *__restrict__ conv_b, int64_t conv_dim, int64_t dc,
                            float *__restrict__ out, bool update_state) {
    const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= conv_dim)
        return;
    const int64_t ns = dc - 1;
    const float *w = conv_w + c * dc;       // (dc)
    const float *st = conv_state + c * ns;  // (ns)
    const float bias = conv_b[c];
    for (int64_t t0 = static_cast<int64_t>(blockIdx.y) * kTokensPerBlock; t0 < n;
         t0 += static_cast<int64_t>(gridDim.y) * kTokensPerBlock) {
        const int64_t t1 = t0 + kTokensPerBlock < n ? t0 + kTokensPerBlock : n;
        for (int64_t t = t0; t < t1; ++t) {
            float sum = 0.0f;
            for (int64_t k = 0; k < dc; ++k) {
                const int64_t j = t + k;  // window index
                const float v = j < ns ? st[j] : in[(j - ns) * ld_in + c];
                sum = __fadd_rn(sum, __fmul_rn(v, w[k]));  // no FMA: the CPU build contracts none
            }
            out[t * conv_dim + c] = conv_silu(__fadd_rn(sum, bias));
        }
    }
    if (update_state) {
        // The new state is the window's last ns entries; ascending j reads index j + n >= j before it is
        // overwritten (only this thread reads this channel's state).
        float *sw = conv_state + c * ns;
        for (int64_t j = 0; j < ns; ++j) {
            const int64_t src = j + n;
            sw[j] = src < ns ? sw[src] : in[(src - ns) * ld_in + c];
        }
    }
}

__global__ void state_kernel(const float *__restrict__ in, int64_t ld_in, int64_t n,
                             float *__restrict__ conv_state, int64_t conv_dim, int64_t ns) {
    const int64_t c = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (c >= conv_dim)
        return;
    float *sw = conv_state + c * ns;
    for (int64_t j = 0; j < ns; ++j) {
        const int64_t src = j + n;
        sw[j] = src < ns ? sw[src] : in[(src - ns) * ld_in + c];
    }
}

}  // namespace

void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const float *conv_w,
              const float *conv_b, const MambaShape &s, float *out, cudaStream_t stream) {
    const int64_t conv_dim = s.conv_dim(), dc = s.d_conv;
    if (n <= 0 || conv_dim <= 0)
        return;
    const int64_t chunks = (n + kTokensPerBlock - 1) / kTokensPerBlock;
    const dim3 grid(grid_for(conv_dim, kConvThreads), static_cast<unsigned>(chunks < 65535 ? chunks : 65535));
    const bool one_chunk = grid.y == 1;
    conv_kernel<<<grid, kConvThreads, 0, stream>>>(in, ld_in, n, conv_state, conv_w, conv_b, conv_dim, dc,
                                                   out, one_chunk);
    if (!one_chunk && dc > 1)
        state_kernel<<<grid_for(conv_dim, kConvThreads), kConvThreads, 0, stream>>>(in, ld_in, n, conv_state,
                                                                                    conv_dim, dc - 1);
}

}  // namespace nd::cuda
