#pragma once
// The Mamba-2 mixer's own ops on the CPU (spec §2.4.1, §5.4): the causal depthwise conv with its state, the
// selective scan with its state, and the gated group RMSNorm. The projections around them are matmuls.
//
// Precision follows ggml's CPU ops: the conv sums its d_conv products in f32 in time order, then adds the
// bias and applies SiLU; softplus(x) = x > 20 ? x : log1pf(expf(x)); dA = expf(dt·A); the state update
// and the Σ S·C reduction are f32; y = Σ S·C + D·x; the group norm sums squares in double.
//
// Threads: the conv splits channels; the scan splits heads (each head's recurrence is sequential in time,
// and its P×N state stays in cache across the batch's tokens); the norm splits rows, or groups for one row.
#include <cmath>
#include <cstdint>

#include "gpu/model/backend.h"

namespace nd::cpu {

class ThreadPool;

inline float softplus(float x) {
    return x > 20.0f ? x : std::log1p(std::exp(x));
}

// in rows [n][conv_dim] (stride ld_in); conv_state [conv_dim][d_conv−1], updated; w [conv_dim][d_conv];
// bias [conv_dim]; out [n][conv_dim].
void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const float *w, const float *bias,
              const MambaShape &s, float *out, ThreadPool *pool);

// See Backend::ssm_scan. dt_bias, a, d: [n_head]; state [n_head][P][N].
void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const float *dt_bias,
              const float *a, const float *d, int64_t n, float *state, const MambaShape &s, float *y,
              ThreadPool *pool);

// y [n][Di] = group_rms_norm(y ⊙ SiLU(z)) ⊙ w, groups of Di/G; z rows stride ld_z; w [Di].
void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const float *w, const MambaShape &s,
                      float eps, ThreadPool *pool);

}  // namespace nd::cpu
