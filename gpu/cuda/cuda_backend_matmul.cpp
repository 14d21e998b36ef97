// Matrix products and MoE on the CUDA backend (cuda_backend_impl.h).
//
// matmul: up to kGemvMaxRows activation rows go through the gemv kernels (decode: every weight byte read
// once; for quantized weights the activations are first converted to the type's ggml dot type exactly as
// the CPU does — cuda_quantize_act.cu — and the block dots are integer, so decode matches the CPU twin to
// f32 rounding); more rows through cuBLAS — F32 weights with SGEMM (full f32), F16/BF16
// weights directly with the activations converted to the same type, quantized weights dequantised to f16
// tiles of up to kTileElems elements first (f32 accumulation throughout). A prompt's activations are
// converted once per product; the tile is re-used row block by row block.
//
// moe_ffn: routing on the device (cuda_moe.cu). Few (token, expert) pairs — always a decode step — use the
// expert-indexed gemv on every pair (no host round trip, so the step can be a graph). Many pairs (a
// prompt) are grouped by expert on the host after one small download of the chosen ids and go through
// strided batched cuBLAS products (cuda_backend_moe.cpp), or, when the routing is very unbalanced, one
// product per expert (moe_grouped).
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_ops_check.h"
#include "gpu/cuda/cuda_backend_impl.h"
#include "gpu/cuda/cuda_check.h"

namespace nd::cuda {

namespace {
// 128 MiB of f16 per dequantised tile: most matrices in one product (a 3072 × 14432 projection is 44 M
// elements; cuBLAS is slower on three thirds of it), only output matrices in several.
constexpr int64_t kTileElems = int64_t{64} << 20;
constexpr int64_t kMoeSlotPairs = 64;  // (token, expert) pairs handled by the slot gemv
}  // namespace

void CudaBackend::matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                         int64_t ldy, const Weight *bias) {
    if (!ok() || !record(cpu::check_matmul(w, expert, ldx, ldy, bias)) || n <= 0)
        return;
    const DevMatrix m = matrix(w);
    const float *b = vec_opt(bias);
    if (ok())
        matmul_device(m, expert, x, ldx, n, y, ldy, b, "matmul");
}

void CudaBackend::matmul_device(const DevMatrix &m, int64_t expert, const float *x, int64_t ldx, int64_t n,
                                float *y, int64_t ldy, const float *bias, const char *what) {
    if (n <= kGemvMaxRows) {
        const int rows = static_cast<int>(n);
        const int64_t act_bytes = cuda::gemv_act_bytes(m.type, m.n_in, n);
        void *act = act_bytes > 0 ? scratch(kScratchX16, static_cast<size_t>(act_bytes)) : nullptr;
        op(what,
           {sig_ptr(m.data), static_cast<uint64_t>(m.type), static_cast<uint64_t>(m.n_in),
            static_cast<uint64_t>(m.n_out), static_cast<uint64_t>(expert), sig_ptr(x),
            static_cast<uint64_t>(ldx), static_cast<uint64_t>(n), sig_ptr(y), static_cast<uint64_t>(ldy),
            sig_ptr(bias), sig_ptr(act)},
           [=, this] { cuda::gemv(m, expert, x, ldx, rows, y, ldy, bias, act, m_stream); });
        return;
    }
    gemm(m, expert, x, ldx, n, y, ldy, bias);
}

void CudaBackend::gemm(const DevMatrix &m, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                       int64_t ldy, const float *bias) {
    // cuBLAS is column-major: Yᵀ (n_out × n, ldc = ldy) = op(W) · Xᵀ with W's rows read as columns (lda = the
    // row length in elements, transposed) and X's rows as columns (ldb = ldx).
    const uint8_t *wd = m.data + expert * m.expert_bytes;
    const int mo = static_cast<int>(m.n_out), nn = static_cast<int>(n), k = static_cast<int>(m.n_in);
    const float one = 1.0f, zero = 0.0f;
    if (m.type == GgmlType::f32) {
        const int lda = static_cast<int>(m.row_bytes / 4);
        op("matmul (cuBLAS f32)",
           {sig_ptr(wd), sig_ptr(x), static_cast<uint64_t>(ldx), static_cast<uint64_t>(n), sig_ptr(y)},
           [=, this] {
               m_blas->sgemm(m_cublas, CUBLAS_OP_T, CUBLAS_OP_N, mo, nn, k, &one,
                             reinterpret_cast<const float *>(wd), lda, x, static_cast<int>(ldx), &zero, y,
                             static_cast<int>(ldy));
           });
    } else {
        const bool bf = m.type == GgmlType::bf16;
        const TileType tt = bf ? TileType::bf16 : TileType::f16;
        const cudaDataType dt = bf ? CUDA_R_16BF : CUDA_R_16F;
        void *xh = scratch(kScratchX16, static_cast<size_t>(n * m.n_in) * 2);
        if (!ok())
            return;
        op("matmul (convert)",
           {sig_ptr(x), static_cast<uint64_t>(ldx), static_cast<uint64_t>(n), sig_ptr(xh)},
           [=, this] { convert_rows(x, ldx, n, m.n_in, tt, xh, m_stream); });
        if (m.type == GgmlType::f16 || bf) {
            const int lda = static_cast<int>(m.row_bytes / 2);
            op("matmul (cuBLAS f16)", {sig_ptr(wd), sig_ptr(xh), static_cast<uint64_t>(n), sig_ptr(y)},
               [=, this] {
                   m_blas->gemm_ex(m_cublas, CUBLAS_OP_T, CUBLAS_OP_N, mo, nn, k, &one, wd, dt, lda, xh, dt,
                                   k, &zero, y, CUDA_R_32F, static_cast<int>(ldy), CUBLAS_COMPUTE_32F,
                                   CUBLAS_GEMM_DEFAULT);
               });
        } else {
            const int64_t rows_per_tile =
                std::clamp<int64_t>(kTileElems / std::max<int64_t>(m.n_in, 1), 1, m.n_out);
            void *tile = scratch(kScratchTile, static_cast<size_t>(rows_per_tile * m.n_in) * 2);
            if (!ok())
                return;
            for (int64_t r0 = 0; r0 < m.n_out; r0 += rows_per_tile) {
                const int64_t r = std::min(rows_per_tile, m.n_out - r0);
                op("matmul (dequantize)",
                   {sig_ptr(wd), static_cast<uint64_t>(r0), static_cast<uint64_t>(r), sig_ptr(tile)},
                   [=, this] { dequantize(m, expert, r0, r, TileType::f16, tile, m_stream); });
                float *yr = y + r0;
                op("matmul (cuBLAS tile)",
                   {sig_ptr(tile), sig_ptr(xh), static_cast<uint64_t>(n), sig_ptr(yr)}, [=, this] {
                       m_blas->gemm_ex(m_cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(r), nn, k, &one,
                                       tile, CUDA_R_16F, k, xh, CUDA_R_16F, k, &zero, yr, CUDA_R_32F,
                                       static_cast<int>(ldy), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
                   });
            }
        }
    }
    if (bias)
        op("matmul (bias)", {sig_ptr(y), static_cast<uint64_t>(ldy), static_cast<uint64_t>(n), sig_ptr(bias)},
           [=, this] { add_bias(y, ldy, n, m.n_out, bias, m_stream); });
}

// --- MoE ------------------------------------------------------------------------------------------------

void CudaBackend::moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                          const Weight &down_exps, const float *x, int64_t n, float *out) {
    if (!ok() || !record(cpu::check_moe(r, up_exps, down_exps)) || n <= 0)
        return;
    const DevMatrix up = matrix(up_exps), down = matrix(down_exps);
    const float *bias = r.selection_bias
                            ? reinterpret_cast<const float *>(device_copy(r.selection_bias, "exp_probs_b"))
                            : nullptr;
    const int64_t k = r.n_used;
    auto *route = static_cast<uint8_t *>(scratch(kScratchRoute, static_cast<size_t>(n * k) * 8 + 256));
    if (!ok())
        return;
    auto *ids = reinterpret_cast<int32_t *>(route);
    auto *weights = reinterpret_cast<float *>(route + (static_cast<size_t>(n * k) * 4 + 255) / 256 * 256);
    MoeRouteArgs a;
    a.logits = router_logits;
    a.n = n;
    a.n_expert = r.n_expert;
    a.n_used = k;
    a.selection_bias = bias;
    a.normalize = r.normalize;
    a.scale = r.scale;
    a.n_group = r.n_group;
    a.n_group_used = r.n_group_used;
    a.ids = ids;
    a.weights = weights;
    uint32_t scale_bits = 0;
    std::memcpy(&scale_bits, &r.scale, 4);
    op("moe_route",
       {sig_ptr(router_logits), static_cast<uint64_t>(n), static_cast<uint64_t>(r.n_expert),
        static_cast<uint64_t>(k), sig_ptr(bias), static_cast<uint64_t>(r.normalize), scale_bits,
        static_cast<uint64_t>(r.n_group), static_cast<uint64_t>(r.n_group_used), sig_ptr(ids),
        sig_ptr(weights)},
       [=, this] { moe_route(a, m_stream); });
    if (m_recording || n * k <= kMoeSlotPairs)
        moe_slots(r, up, down, x, n, ids, weights, out);
    else if (!moe_batched(r, up, down, x, n, ids, weights, out))
        moe_grouped(r, up, down, x, n, ids, weights, out);
}

void CudaBackend::moe_slots(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x,
                            int64_t n, const int32_t *ids, const float *weights, float *out) {
    const int64_t k = r.n_used, slots = n * k, ff = up.n_out, E = down.n_out, n_in = up.n_in;
    auto *h = static_cast<float *>(scratch(kScratchMoeH, static_cast<size_t>(slots * ff) * 4));
    auto *ys = static_cast<float *>(scratch(kScratchMoeSlots, static_cast<size_t>(slots * E) * 4));
    // One scratch for both products' converted activations (used one after the other on the stream).
    const int64_t act_bytes = std::max(cuda::gemv_act_bytes(up.type, n_in, (slots + k - 1) / k),
                                       cuda::gemv_act_bytes(down.type, ff, slots));
    void *act = act_bytes > 0 ? scratch(kScratchX16, static_cast<size_t>(act_bytes)) : nullptr;
    if (!ok())
        return;
    op("moe up (gemv)",
       {sig_ptr(up.data), sig_ptr(ids), static_cast<uint64_t>(slots), sig_ptr(x), sig_ptr(h), sig_ptr(act)},
       [=, this] { gemv_experts(up, ids, slots, x, n_in, k, h, ff, act, m_stream); });
    op("moe relu²", {sig_ptr(h), static_cast<uint64_t>(slots * ff)},
       [=, this] { cuda::relu_sqr(h, slots * ff, m_stream); });
    op("moe down (gemv)",
       {sig_ptr(down.data), sig_ptr(ids), static_cast<uint64_t>(slots), sig_ptr(h), sig_ptr(ys),
        sig_ptr(act)},
       [=, this] { gemv_experts(down, ids, slots, h, ff, 1, ys, E, act, m_stream); });
    op("moe combine",
       {sig_ptr(ys), sig_ptr(weights), static_cast<uint64_t>(n), static_cast<uint64_t>(k), sig_ptr(out)},
       [=, this] { moe_combine(ys, E, weights, n, k, E, out, m_stream); });
}

void CudaBackend::moe_grouped(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x,
                              int64_t n, const int32_t *ids, const float *weights, float *out) {
    const int64_t k = r.n_used, slots = n * k, ff = up.n_out, E = down.n_out, n_in = up.n_in;
    // The chosen experts, on the host (eager mode only: this is a prompt).
    std::vector<int32_t> chosen(static_cast<size_t>(slots));
    download(chosen.data(), ids, chosen.size() * 4);
    if (!ok())
        return;
    std::vector<int64_t> count(static_cast<size_t>(r.n_expert) + 1, 0);
    for (int32_t e : chosen) {
        if (e < 0 || e >= r.n_expert) {
            fail(ND_STATUS(StatusCode::internal, "moe: the router chose expert " + std::to_string(e)));
            return;
        }
        ++count[static_cast<size_t>(e) + 1];
    }
    std::vector<int64_t> start(count);
    for (size_t e = 1; e < start.size(); ++e)
        start[e] += start[e - 1];
    // tokens[i]: the token row of pair i in expert order; pairs[i]: its slot (t * k + j) in the output.
    std::vector<int32_t> tokens(static_cast<size_t>(slots)), pairs(static_cast<size_t>(slots));
    std::vector<int64_t> fill(start.begin(), start.end() - 1);
    for (int64_t s = 0; s < slots; ++s) {
        const auto e = static_cast<size_t>(chosen[static_cast<size_t>(s)]);
        const auto at = static_cast<size_t>(fill[e]++);
        tokens[at] = static_cast<int32_t>(s / k);
        pairs[at] = static_cast<int32_t>(s);
    }
    // One staging call: a second could wrap the staging buffer over the first.
    tokens.insert(tokens.end(), pairs.begin(), pairs.end());
    const int32_t *d_tokens = stage_ints(tokens.data(), 2 * slots);
    const int32_t *d_pairs = d_tokens + slots;
    int64_t most = 0;
    for (int64_t e = 0; e < r.n_expert; ++e)
        most = std::max(most, count[static_cast<size_t>(e) + 1]);
    auto *xg = static_cast<float *>(scratch(kScratchMoeX, static_cast<size_t>(most * n_in) * 4));
    auto *hg = static_cast<float *>(scratch(kScratchMoeH, static_cast<size_t>(most * ff) * 4));
    auto *yg = static_cast<float *>(scratch(kScratchMoeY, static_cast<size_t>(most * E) * 4));
    auto *ys = static_cast<float *>(scratch(kScratchMoeSlots, static_cast<size_t>(slots * E) * 4));
    if (!ok())
        return;
    for (int64_t e = 0; e < r.n_expert && ok(); ++e) {
        const int64_t c = count[static_cast<size_t>(e) + 1], off = start[static_cast<size_t>(e)];
        if (c == 0)
            continue;
        const int32_t *rows = d_tokens + off, *dst = d_pairs + off;
        op("moe gather", {}, [=, this] { gather_rows(x, n_in, rows, c, n_in, xg, m_stream); });
        matmul_device(up, e, xg, n_in, c, hg, ff, nullptr, "moe up");
        op("moe relu²", {}, [=, this] { cuda::relu_sqr(hg, c * ff, m_stream); });
        matmul_device(down, e, hg, ff, c, yg, E, nullptr, "moe down");
        op("moe scatter", {}, [=, this] { scatter_rows(yg, dst, c, E, ys, E, m_stream); });
    }
    op("moe combine", {}, [=, this] { moe_combine(ys, E, weights, n, k, E, out, m_stream); });
}

}  // namespace nd::cuda
