// MoE for prompts on the CUDA backend (cuda_backend_impl.h): the experts' products as strided batched
// cuBLAS calls instead of two products per expert.
//
// After routing, the (token, expert) pairs are grouped by expert on the host (one small download of the
// chosen ids). Each expert gets the same number of rows, P = the most any expert received, so the
// gathered activations form one [n_expert][P][n_in] tensor: rows past an expert's count repeat token 0 and
// their results are never read. Per chunk of experts, the weights are dequantised into one f16 tile
// (quantized types; F16/BF16/F32 stacks are used in place) and multiplied in one
// cublasGemmStridedBatchedEx; relu² and the down projection follow the same way; the outputs are gathered
// back into (token, expert) order and combined with the routing weights. About a dozen launches per layer
// instead of ~5 per expert. When the routing is very unbalanced (the padding would more than quadruple the
// work), the per-expert path (moe_grouped) is used instead.
#include <algorithm>
#include <string>
#include <vector>

#include "gpu/cuda/cuda_backend_impl.h"
#include "gpu/cuda/cuda_check.h"

namespace nd::cuda {

namespace {
constexpr int64_t kChunkTileElems = int64_t{128} << 20;  // 256 MiB of f16 weights per chunk of experts

cudaDataType tile_cuda_type(TileType t) {
    return t == TileType::f32 ? CUDA_R_32F : t == TileType::bf16 ? CUDA_R_16BF : CUDA_R_16F;
}
TileType tile_for(GgmlType t) {
    return t == GgmlType::f32 ? TileType::f32 : t == GgmlType::bf16 ? TileType::bf16 : TileType::f16;
}
int64_t tile_bytes(TileType t) {
    return t == TileType::f32 ? 4 : 2;
}
}  // namespace

bool CudaBackend::moe_batched(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x,
                              int64_t n, const int32_t *ids, const float *weights, float *out) {
    const int64_t k = r.n_used, pairs = n * k, X = r.n_expert, ff = up.n_out, E = down.n_out, n_in = up.n_in;
    std::vector<int32_t> chosen(static_cast<size_t>(pairs));
    download(chosen.data(), ids, chosen.size() * 4);
    if (!ok())
        return true;
    std::vector<int64_t> count(static_cast<size_t>(X), 0);
    for (int32_t e : chosen) {
        if (e < 0 || e >= X) {
            fail(ND_STATUS(StatusCode::internal, "moe: the router chose expert " + std::to_string(e)));
            return true;
        }
        ++count[static_cast<size_t>(e)];
    }
    int64_t P = 0;
    for (int64_t c : count)
        P = std::max(P, c);
    if (P * X > 4 * pairs + 64 * X)
        return false;  // too unbalanced for equal-sized batches
    // rows[e * P + i]: the token of expert e's i-th pair (token 0 for padding); pos[s]: where pair s landed.
    std::vector<int32_t> idx(static_cast<size_t>(X * P + pairs), 0);
    std::vector<int64_t> fill(static_cast<size_t>(X), 0);
    for (int64_t s = 0; s < pairs; ++s) {
        const auto e = static_cast<size_t>(chosen[static_cast<size_t>(s)]);
        const int64_t row = static_cast<int64_t>(e) * P + fill[e]++;
        idx[static_cast<size_t>(row)] = static_cast<int32_t>(s / k);
        idx[static_cast<size_t>(X * P + s)] = static_cast<int32_t>(row);
    }
    const int32_t *d_rows = stage_ints(idx.data(), X * P + pairs);
    const int32_t *d_pos = d_rows + X * P;
    const TileType tu = tile_for(up.type), td = tile_for(down.type);
    const int64_t rows_all = X * P;
    auto *xg = static_cast<float *>(scratch(kScratchMoeX, static_cast<size_t>(rows_all * n_in) * 4));
    auto *hg = static_cast<float *>(scratch(kScratchMoeH, static_cast<size_t>(rows_all * ff) * 4));
    auto *yg = static_cast<float *>(scratch(kScratchMoeY, static_cast<size_t>(rows_all * E) * 4));
    auto *ys = static_cast<float *>(scratch(kScratchMoeSlots, static_cast<size_t>(pairs * E) * 4));
    // Converted activations (f16/bf16) of the larger of the two products, and the dequantised weight chunk.
    void *xc = scratch(kScratchX16, static_cast<size_t>(rows_all * std::max(n_in, ff)) * 2);
    const int64_t per_expert = std::max(up.n_out * up.n_in, down.n_out * down.n_in);
    const int64_t chunk = std::clamp<int64_t>(kChunkTileElems / std::max<int64_t>(per_expert, 1), 1, X);
    const bool need_tile = up.type != GgmlType::f32 && up.type != GgmlType::f16 && up.type != GgmlType::bf16;
    void *tile =
        need_tile || (down.type != GgmlType::f32 && down.type != GgmlType::f16 && down.type != GgmlType::bf16)
            ? scratch(kScratchTile, static_cast<size_t>(chunk * per_expert) * 2)
            : nullptr;
    if (!ok())
        return true;
    op("moe gather", {}, [=, this] { gather_rows(x, n_in, d_rows, rows_all, n_in, xg, m_stream); });
    // One projection over every expert: in [X][P][width_in] → res [X][P][width_out].
    auto project = [&](const DevMatrix &w, TileType tt, const float *in, int64_t width_in, float *res,
                       int64_t width_out, const char *what) {
        const void *b = in;
        if (tt != TileType::f32) {
            op(what, {}, [=, this] { convert_rows(in, width_in, rows_all, width_in, tt, xc, m_stream); });
            b = xc;
        }
        const bool direct = w.type == GgmlType::f32 || w.type == GgmlType::f16 || w.type == GgmlType::bf16;
        const cudaDataType dt = tile_cuda_type(tt);
        for (int64_t e0 = 0; e0 < X; e0 += chunk) {
            const int64_t c = std::min(chunk, X - e0);
            const void *a = w.data + e0 * w.expert_bytes;
            if (!direct) {
                DevMatrix stack = w;  // the chunk's experts as one matrix of c · n_out rows
                op(what, {}, [=, this] { dequantize(stack, e0, 0, c * w.n_out, tt, tile, m_stream); });
                a = tile;
            }
            const long long stride_a = direct ? w.expert_bytes / tile_bytes(tt) : w.n_out * w.n_in;
            const int lda =
                direct ? static_cast<int>(w.row_bytes / tile_bytes(tt)) : static_cast<int>(w.n_in);
            const uint8_t *bp = static_cast<const uint8_t *>(b) + e0 * P * width_in * tile_bytes(tt);
            float *cp = res + e0 * P * width_out;
            op(what, {}, [=, this] {
                const float one = 1.0f, zero = 0.0f;
                m_blas->gemm_strided_batched_ex(
                    m_cublas, CUBLAS_OP_T, CUBLAS_OP_N, static_cast<int>(w.n_out), static_cast<int>(P),
                    static_cast<int>(w.n_in), &one, a, dt, lda, stride_a, bp, dt, static_cast<int>(width_in),
                    P * width_in, &zero, cp, CUDA_R_32F, static_cast<int>(width_out), P * width_out,
                    static_cast<int>(c), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT);
            });
        }
    };
    project(up, tu, xg, n_in, hg, ff, "moe up (batched)");
    op("moe relu²", {}, [=, this] { cuda::relu_sqr(hg, rows_all * ff, m_stream); });
    project(down, td, hg, ff, yg, E, "moe down (batched)");
    op("moe gather", {}, [=, this] { gather_rows(yg, E, d_pos, pairs, E, ys, m_stream); });
    op("moe combine", {}, [=, this] { moe_combine(ys, E, weights, n, k, E, out, m_stream); });
    return true;
}

}  // namespace nd::cuda
