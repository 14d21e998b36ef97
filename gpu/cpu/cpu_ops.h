#pragma once
// The CPU backend's element-wise ops, norms and RoPE (cpu_ops.cpp), on host memory. Arguments are checked
// by the backend (cpu_backend.cpp) before these run; these only compute. `pool` may be nullptr (run on the
// calling thread); small inputs run inline anyway, since waking the pool costs more than one decode row.
//
// Arithmetic mirrors ggml's CPU backend where it changes results: norm sums in double, RoPE angles built
// by repeated multiplication in f32, SiLU as x / (1 + expf(-x)).
#include <cmath>
#include <cstdint>
#include <functional>

#include "gpu/model/backend.h"

namespace nd::cpu {

class ThreadPool;

// fn(begin, end) over [0, n) in chunks of `grain` items, on the pool when there is more than one chunk.
void parallel_for(ThreadPool *pool, int64_t n, int64_t grain,
                  const std::function<void(int64_t, int64_t)> &fn);
// Items per chunk so that one chunk is about `target` units of work when an item costs `item_cost` units.
int64_t grain_for(int64_t item_cost, int64_t target = 32768);

inline float silu(float x) {
    return x / (1.0f + std::exp(-x));
}

// y[t] = x[t] / sqrt(mean(x[t]²) + eps) ⊙ w; x, y [n][width] (y may equal x); w [width].
void rms_norm(const float *x, const float *w, int64_t n, int64_t width, float eps, float *y,
              ThreadPool *pool);
// y[t] = (x[t] − mean) / sqrt(var + eps) ⊙ w (+ b when b is not null); y may equal x.
void layer_norm(const float *x, const float *w, const float *b, int64_t n, int64_t width, float eps, float *y,
                ThreadPool *pool);
void add(float *y, const float *x, int64_t count, ThreadPool *pool);
void relu_sqr(float *x, int64_t count, ThreadPool *pool);
// gate[t][i] = silu(gate[t][i]) · up[t][i] for i < width.
void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n, int64_t width,
            ThreadPool *pool);
// RoPE in place on x [n][n_head · head_dim] (stride ldx), token t at position pos[t] (see backend.h).
void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
          const RopeParams &p, ThreadPool *pool);
// cos/sin of the n_rot/2 angles of position `pos`, as ggml builds them: cs[2i] = cos θ_i, cs[2i+1] = sin θ_i.
void rope_angles(int32_t pos, const RopeParams &p, float *cs);

}  // namespace nd::cpu
