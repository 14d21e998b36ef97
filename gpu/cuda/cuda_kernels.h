#pragma once
// The launchers of the CUDA backend's kernels: one op per .cu file in gpu/cuda/, each with its CPU twin in
// gpu/cpu/ (the reference) and a test that compares them (tests/gpu/cuda/). The backend
// (cuda_backend.cpp) owns memory, streams and graphs and calls these; kernels never allocate.
//
// Every launcher enqueues on `stream` and returns at once; a launch error is picked up by the backend
// (cudaGetLastError after each op). Every pointer is device memory unless its comment says host.
// Layouts follow gpu/model/backend.h: an activation matrix [n][width] is row-major, row stride given.
//
// Values that change from one decoded token to the next (token ids, positions, the attention start
// position) are read by the kernels from device memory, never passed by value: a decode step is a CUDA
// graph captured once and replayed with new values in a staging buffer (cuda_backend_graph.cpp).
#include <cuda_runtime.h>

#include <cstdint>

#include "gpu/gguf/gguf_types.h"
#include "gpu/model/backend.h"

namespace nd::cuda {

// --- matrices: cuda_gemv.cu, cuda_gemv_experts.cu, cuda_dequant.cu, cuda_get_rows.cu ------------------

// A weight matrix (or a stack of expert matrices) in device memory, in its GGUF type: n_out rows of
// row_bytes, n_in elements each; expert e starts at data + e * expert_bytes.
struct DevMatrix {
    GgmlType type = GgmlType::f32;
    const uint8_t *data = nullptr;
    int64_t n_in = 0;
    int64_t n_out = 0;
    int64_t row_bytes = 0;
    int64_t expert_bytes = 0;
};

// Whether the kernels below handle this type (every type of kSupportedGgmlTypes).
bool matrix_type_supported(GgmlType type);

// Most activation rows one gemv call multiplies (each weight is read once for all of them).
constexpr int kGemvMaxRows = 8;

// Device scratch the quantized activations of n_rows rows of n_in elements need for gemv/gemv_experts
// with a weight of `type` (16-byte aligned); 0 for F32/F16/BF16 (those read x as f32).
int64_t gemv_act_bytes(GgmlType type, int64_t n_in, int64_t n_rows);

// Matrix-vector products for decode and small batches: y[t][o] = Σ_i W[o][i] · x[t][i] (+ bias[o]) for
// t < n (1..kGemvMaxRows), o < n_out. x [n][ldx], y [n][ldy]; bias [n_out] or nullptr; `expert` picks the
// matrix of a stack. F32/F16/BF16: f32 x, dequantised weights, f32 accumulation. Quantized types: x is
// first converted into act_scratch (gemv_act_bytes(type, n_in, n) bytes) to the type's ggml dot type
// exactly as the CPU backend does, then integer block dot products combined in f32 as the CPU's kernels
// (act_scratch nullptr: the f32 path).
void gemv(const DevMatrix &w, int64_t expert, const float *x, int64_t ldx, int n, float *y, int64_t ldy,
          const float *bias, void *act_scratch, cudaStream_t stream);

// The MoE form (decode and small batches): n_slots independent products, slot s using expert
// experts[s] (device) on activation row s / x_div: y[s][o] = Σ_i W_{experts[s]}[o][i] · x[s / x_div][i].
// x rows stride ldx, y [n_slots][ldy]. x_div = n_used for the up projection (every expert of a token
// reads the token's row), 1 for the down projection (each slot its own row). act_scratch: as gemv, for
// the ceil(n_slots / x_div) distinct x rows (gemv_act_bytes(type, n_in, ceil(n_slots / x_div))).
void gemv_experts(const DevMatrix &w, const int32_t *experts, int64_t n_slots, const float *x, int64_t ldx,
                  int64_t x_div, float *y, int64_t ldy, void *act_scratch, cudaStream_t stream);

// Element type of a dequantised tile for cuBLAS.
enum class TileType { f16 = 1, bf16 = 2, f32 = 3 };

// Rows row0 .. row0+n_rows-1 of matrix `expert` as a dense tile out[n_rows][n_in] of `tile` elements
// (f16/bf16 as raw 16-bit values), exactly the values ggml_dequantize_row gives (rounded to the tile type).
void dequantize(const DevMatrix &w, int64_t expert, int64_t row0, int64_t n_rows, TileType tile, void *out,
                cudaStream_t stream);

// x [n][ldx] f32 → out [n][width] contiguous, f16 or bf16 (round to nearest even), for cuBLAS.
void convert_rows(const float *x, int64_t ldx, int64_t n, int64_t width, TileType tile, void *out,
                  cudaStream_t stream);

// out[t][:] = row ids[t] of the embedding matrix as f32; ids device, validated by the backend.
void get_rows(const DevMatrix &embd, const int32_t *ids, int64_t n, float *out, cudaStream_t stream);

// --- element-wise and norms: cuda_elementwise.cu, cuda_norm.cu ------------------------------------

// y[i] += x[i], i < count.
void add(float *y, const float *x, int64_t count, cudaStream_t stream);
// y[t][o] += bias[o] for t < n, o < width (rows stride ldy): the bias of a cuBLAS product.
void add_bias(float *y, int64_t ldy, int64_t n, int64_t width, const float *bias, cudaStream_t stream);
// x = relu(x)², count values.
void relu_sqr(float *x, int64_t count, cudaStream_t stream);
// gate[t][i] = silu(gate[t][i]) · up[t][i]; rows stride ld_gate / ld_up.
void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n, int64_t width,
            cudaStream_t stream);
// Per row of width: y = x / sqrt(mean(x²) + eps) ⊙ w. y may equal x. Rows contiguous (stride width).
void rms_norm(const float *x, const float *w, int64_t n, int64_t width, float eps, float *y,
              cudaStream_t stream);
// Per row: y = (x − mean) / sqrt(var + eps) ⊙ w (+ b when b). y may equal x.
void layer_norm(const float *x, const float *w, const float *b, int64_t n, int64_t width, float eps, float *y,
                cudaStream_t stream);
// Mamba-2 gated grouped norm (backend.h gated_group_norm): y [n][Di] in place, z rows stride ld_z, w [Di].
void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const float *w, const MambaShape &s,
                      float eps, cudaStream_t stream);

// --- RoPE: cuda_rope.cu -----------------------------------------------------------------------------
struct RopeArgs {
    RopeMode mode = RopeMode::norm;
    int64_t n_rot = 0;
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;
    const float *freq_factors = nullptr;  // device [n_rot/2] or nullptr
};
// In place on x [n][n_head * head_dim] (row stride ldx); token t at position pos[t] (device). Angles as
// ggml's CPU computes them (theta built by repeated f32 multiplication), so they match the CPU twin.
void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
          const RopeArgs &a, cudaStream_t stream);

// --- attention: cuda_attention.cu -------------------------------------------------------------------
struct AttentionArgs {
    void *k_cache = nullptr;  // [n_ctx][n_head_kv * head_dim_k] of kv_type
    void *v_cache = nullptr;  // [n_ctx][n_head_kv * head_dim_v]
    KvType kv_type = KvType::f32;
    int64_t n_ctx = 0;
    const int32_t *pos0 = nullptr;  // device, one value: the position of the first token of the batch
    const float *q = nullptr;       // [n][H * hd_k], stride ldq
    int64_t ldq = 0;
    const float *k = nullptr;  // [n][Hkv * hd_k], stride ldk: written to cache rows pos0..
    int64_t ldk = 0;
    const float *v = nullptr;  // [n][Hkv * hd_v], stride ldv
    int64_t ldv = 0;
    int64_t n = 0;
    AttentionShape shape;
    float *out = nullptr;   // [n][H * hd_v] contiguous
    float *work = nullptr;  // attention_work_floats(...) floats of scratch (split-KV partial results)
};
// Scratch floats attention() needs for n tokens over a cache of n_ctx rows (depends only on these, so a
// captured decode graph keeps one size whatever the position).
int64_t attention_work_floats(int64_t n, int64_t n_ctx, const AttentionShape &s);
// Writes k, v into the cache rows pos0..pos0+n−1, then causal softmax(q·Kᵀ·scale)·V over rows
// 0..pos0+t for token t (backend.h attention). GQA: query head h reads KV head h / (H / Hkv).
void attention(const AttentionArgs &a, cudaStream_t stream);
// The tensor-core prefill (cuda_attention_tc.cu) that attention() uses, after storing the batch's rows,
// for an f16 cache, head dims 64 or 128 (K = V) and batches of at least kAttentionTcMinTokens: below that
// the f32 tiled kernel is as fast, and the small batches of decode and tests stay on it.
constexpr int64_t kAttentionTcMinTokens = 64;
bool attention_prefill_tc_supported(const AttentionArgs &a);
void attention_prefill_tc(const AttentionArgs &a, cudaStream_t stream);

// --- Mamba-2: cuda_ssm_conv.cu, cuda_ssm_scan.cu, cuda_ssm_scan_chunked.cu ---------------------------
// backend.h ssm_conv; conv_w [conv_dim][d_conv] (ggml {d_conv, conv_dim}), conv_b [conv_dim], both f32.
void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const float *conv_w,
              const float *conv_b, const MambaShape &s, float *out, cudaStream_t stream);
// backend.h ssm_scan; dt_bias [nh], a [nh], d [nh] f32.
void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const float *dt_bias,
              const float *a, const float *d, int64_t n, float *state, const MambaShape &s, float *y,
              cudaStream_t stream);
// The same op in the chunked SSD form for long prompts: chunks of kSsdChunkTokens tokens as small matrix
// products, the state carried from chunk to chunk (cuda_ssm_scan_chunked.cu; agrees with ssm_scan to f32
// reassociation). work: ssm_scan_chunked_work_floats(n, s) floats of device scratch (bounded: the sequence
// is processed in passes of at most 16 chunks).
constexpr int64_t kSsdChunkTokens = 64;
int64_t ssm_scan_chunked_work_floats(int64_t n, const MambaShape &s);
void ssm_scan_chunked(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                      const float *dt_bias, const float *a, const float *d, int64_t n, float *state,
                      const MambaShape &s, float *y, float *work, cudaStream_t stream);

// --- MoE: cuda_moe.cu -------------------------------------------------------------------------------
struct MoeRouteArgs {
    const float *logits = nullptr;  // [n][n_expert] router logits
    int64_t n = 0;
    int64_t n_expert = 0;
    int64_t n_used = 0;
    const float *selection_bias = nullptr;  // device [n_expert] or nullptr
    bool normalize = false;
    float scale = 1.0f;
    int64_t n_group = 1;
    int64_t n_group_used = 1;
    int32_t *ids = nullptr;    // out [n][n_used]: chosen experts in top-k order
    float *weights = nullptr;  // out [n][n_used]
};
// Routing exactly as cpu::moe_route (sigmoid, bias for selection only, group-limited top-k, ties to the
// lower index, optional normalisation, scale).
void moe_route(const MoeRouteArgs &a, cudaStream_t stream);
// out[t][:] = Σ_j weights[t][j] · y[t * n_used + j][:] for j in top-k order; y rows stride ldy,
// out [n][width] contiguous (overwritten).
void moe_combine(const float *y, int64_t ldy, const float *weights, int64_t n, int64_t n_used, int64_t width,
                 float *out, cudaStream_t stream);
// out[i][:] = x[rows[i]][:] for i < n (x rows stride ldx, out [n][width] contiguous); rows device.
void gather_rows(const float *x, int64_t ldx, const int32_t *rows, int64_t n, int64_t width, float *out,
                 cudaStream_t stream);
// dst[rows[i]][:] = src[i][:] for i < n (src [n][width] contiguous, dst rows stride ldd); rows device.
void scatter_rows(const float *src, const int32_t *rows, int64_t n, int64_t width, float *dst, int64_t ldd,
                  cudaStream_t stream);

// --- sampling: cuda_argmax.cu -----------------------------------------------------------------------
// out[t] = the index of the largest logits[t][i] (ties: the lower index) for t < n, rows stride ld.
void argmax_rows(const float *logits, int64_t ld, int64_t n, int64_t width, int32_t *out,
                 cudaStream_t stream);

// --- sampling: cuda_top_k.cu (CPU twins: gpu/model/backend_sampling.cpp, arithmetic logit_select.h) -----
// logits[ids[i]] = logit_penalized(logits[ids[i]], counts[i], repeat, frequency, presence) for i < n_ids
// with 0 <= ids[i] < n_vocab (others skipped: padding); ids distinct. ids, counts device. Bit-exact.
void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts, int64_t n_ids,
                     float repeat, float frequency, float presence, cudaStream_t stream);
// Device scratch top_k needs (depends only on n and k, so a captured decode graph keeps one size).
int64_t top_k_work_bytes(int64_t n, int64_t k);
// The k best of logits[0, n) after logit_sanitize, best first by logit_better (ties: the lower id):
// out_ids (k) int32, out_vals (k) f32, exactly as the host's partial_sort. 1 <= k <= min(n, kTopKMax),
// n < 2^31; work: top_k_work_bytes(n, k) bytes. Two launches whose sizes depend only on (n, k).
void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals, void *work,
           cudaStream_t stream);

}  // namespace nd::cuda
