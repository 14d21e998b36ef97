// The matrix-product driver (cpu_matmul.h): convert the activations once into a scratch buffer shared by
// the pool's threads, then split the output rows over the threads and run the active ISA's kernel.
//
//   x (n_tok, ldx) f32 → xq (n_tok, layout.row_bytes) in the dot type → y (n_tok, ldy) f32
#include "gpu/cpu/cpu_matmul.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <memory>
#include <vector>

#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/thread_pool.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::cpu {

namespace {

// Converting less than this many elements is not worth waking the other threads for.
constexpr int64_t kParallelQuantizeElements = 32 * 1024;

const DotTable &active_table() {
#if defined(__x86_64__) || defined(_M_X64)
    switch (cpu_isa_active()) {
        case CpuIsa::avx512:
            return dot_table_avx512();
        case CpuIsa::avx2:
            return dot_table_avx2();
        case CpuIsa::scalar:
            break;
    }
#endif
    return dot_table_scalar();
}

// Per calling thread, grown as needed and kept: decode calls matmul hundreds of times per token.
struct Scratch {
    std::unique_ptr<uint8_t[]> mem;
    size_t size = 0;

    uint8_t *get(size_t bytes) {
        if (bytes + 64 > size) {
            size = bytes + 64;
            mem.reset(new uint8_t[size]);
        }
        const auto addr = reinterpret_cast<uintptr_t>(mem.get());
        return mem.get() + ((64 - addr % 64) % 64);
    }
};

void fill_nan(float *y, int64_t ldy, int64_t n_tok, int64_t n_out) {
    for (int64_t t = 0; t < n_tok; ++t)
        for (int64_t r = 0; r < n_out; ++r)
            y[t * ldy + r] = std::numeric_limits<float>::quiet_NaN();
}

bool valid(const WeightMatrix &w) {
    const int64_t bs = ggml_type_block_size(w.type);
    return dot_type_index(w.type) >= 0 && bs > 0 && w.n_in > 0 && w.n_in % bs == 0 && w.data != nullptr &&
           w.row_bytes >= ggml_row_bytes(w.type, w.n_in);
}

void run(ThreadPool *pool, const std::function<void(int, int)> &fn) {
    if (pool && pool->size() > 1)
        pool->run(fn);
    else
        fn(0, 1);
}

}  // namespace

WeightMatrix weight_expert(const WeightMatrix &stack, int64_t expert) {
    WeightMatrix w = stack;
    w.data = stack.data + expert * stack.n_out * stack.row_bytes;
    return w;
}

int64_t matmul_activation_bytes(GgmlType weight_type, int64_t n_in, int64_t n_tok) {
    const ActFormat f = act_format_for(weight_type);
    if (f == ActFormat::f32)
        return 0;  // the kernels read the caller's rows
    return act_layout(f, n_in).row_bytes * n_tok;
}

void matmul(const WeightMatrix &w, const float *x, int64_t ldx, int64_t n_tok, float *y, int64_t ldy,
            ThreadPool *pool) {
    if (n_tok <= 0 || w.n_out <= 0)
        return;
    // A malformed matrix (an unsupported type, a width that is not whole blocks) cannot be multiplied; the
    // API has no status, so the output says so loudly with NaN rather than crashing or reading past data.
    if (!valid(w)) {
        fill_nan(y, ldy, n_tok, w.n_out);
        return;
    }
    const DotTable &table = active_table();
    DotArgs a;
    a.w = w.data;
    a.w_row_bytes = w.row_bytes;
    a.n_in = w.n_in;
    a.n_tok = n_tok;
    a.y = y;
    a.ldy = ldy;
    a.layout = act_layout(act_format_for(w.type), w.n_in);
    if (a.layout.format == ActFormat::f32) {
        a.xq = reinterpret_cast<const uint8_t *>(x);
        a.xq_row_bytes = ldx * 4;
    } else {
        thread_local Scratch scratch;
        uint8_t *xq = scratch.get(static_cast<size_t>(a.layout.row_bytes * n_tok));
        const ActLayout &l = a.layout;
        if (n_tok * w.n_in < kParallelQuantizeElements || !pool || pool->size() == 1) {
            for (int64_t t = 0; t < n_tok; ++t)
                table.quantize(l, x + t * ldx, xq + t * l.row_bytes, 0, l.nb);
        } else if (n_tok == 1) {
            run(pool, [&](int i, int n) {
                int64_t b0, b1;
                split_range(l.nb, i, n, 1, &b0, &b1);
                table.quantize(l, x, xq, b0, b1);
            });
        } else {
            run(pool, [&](int i, int n) {
                int64_t t0, t1;
                split_range(n_tok, i, n, 1, &t0, &t1);
                for (int64_t t = t0; t < t1; ++t)
                    table.quantize(l, x + t * ldx, xq + t * l.row_bytes, 0, l.nb);
            });
        }
        a.xq = xq;
        a.xq_row_bytes = l.row_bytes;
    }
    const DotKernel kernel = table.kernel[dot_type_index(w.type)];
    if (!pool || pool->size() == 1) {
        kernel(a, 0, w.n_out);
        return;
    }
    // Rows in chunks handed out dynamically (about 4 per thread, whole row tiles): a thread the OS
    // delays does not hold up the others with a fixed half of the work.
    const int64_t tile = table.row_tile;
    const int64_t per = (w.n_out + 4 * pool->size() - 1) / (4 * pool->size());
    const int64_t grain = std::max<int64_t>(tile, (per + tile - 1) / tile * tile);
    pool->parallel_for(w.n_out, grain, [&](int64_t r0, int64_t r1) { kernel(a, r0, r1); });
}

void matmul_reference(const WeightMatrix &w, const float *x, int64_t ldx, int64_t n_tok, float *y,
                      int64_t ldy) {
    if (n_tok <= 0 || w.n_out <= 0)
        return;
    if (!valid(w)) {
        fill_nan(y, ldy, n_tok, w.n_out);
        return;
    }
    std::vector<float> row(static_cast<size_t>(w.n_in));
    for (int64_t r = 0; r < w.n_out; ++r) {
        if (!ggml_dequantize_row(w.type, w.data + r * w.row_bytes, w.n_in, row.data()).ok()) {
            for (int64_t t = 0; t < n_tok; ++t)
                y[t * ldy + r] = std::numeric_limits<float>::quiet_NaN();
            continue;
        }
        for (int64_t t = 0; t < n_tok; ++t) {
            double s = 0;
            for (int64_t k = 0; k < w.n_in; ++k)
                s += static_cast<double>(row[static_cast<size_t>(k)]) * x[t * ldx + k];
            y[t * ldy + r] = static_cast<float>(s);
        }
    }
}

}  // namespace nd::cpu
