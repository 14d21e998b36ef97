#pragma once
// The ops a forward pass is written in (gpu/model/forward_*.cpp), executed by a backend: the CPU
// (gpu/cpu/cpu_backend.h, always built, the reference) or CUDA (later). The forward passes are described
// once, in terms of these ops, and never touch memory themselves.
//
// Memory: activation buffers, KV caches and recurrent states are float (or f16 for an f16 KV cache)
// buffers that the backend allocates and its ops address (host memory on the CPU, device memory on a GPU).
// Weights are the model's tensors in place (host pointers into the GGUF mapping); a backend that needs
// them elsewhere copies them in prepare_weights() and finds its copy by the host pointer.
//
// Errors: ops do not return a status; a backend records its first failure and reports it from sync()
// (a GPU reports asynchronous faults there anyway). After a failure, further ops are no-ops.
//
// Layouts: an activation "matrix" [n][width] is row-major with rows of `width` floats (row stride = width
// unless a stride parameter says otherwise); token t of a batch is row t.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_types.h"

namespace nd {

// A weight tensor of the model, in place. 1-D vectors (norms, biases, ssm_a, ssm_d, dt_bias, the
// correction bias) are always F32 here: the loader converts other types once at load (they are tiny).
// Matrices keep their GGUF type. `n_in` is ne[0], `n_out` ne[1], `n_expert` ne[2] (1 for matrices).
struct Weight {
    GgmlType type = GgmlType::f32;
    int64_t n_in = 0;
    int64_t n_out = 1;
    int64_t n_expert = 1;
    int64_t row_bytes = 0;
    const uint8_t *data = nullptr;  // host; nullptr when the tensor is absent (optional tensors)
    const char *name = "";          // GGUF tensor name, for messages

    bool present() const { return data != nullptr; }
    const float *f32() const { return reinterpret_cast<const float *>(data); }  // 1-D F32 vectors
};

enum class RopeMode { norm = 0, neox = 2 };  // ggml's ids: NORM rotates (2i, 2i+1), NEOX (i, i + n_rot/2)

struct RopeParams {
    RopeMode mode = RopeMode::norm;
    int64_t n_rot = 0;  // rotated dims per head (from the start of the head); the rest pass through
    float freq_base = 10000.0f;
    float freq_scale = 1.0f;              // 1/factor for linear scaling
    const float *freq_factors = nullptr;  // Llama 3.1 rope_freqs (n_rot/2 values, host F32) or nullptr
};

enum class KvType { f32 = 0, f16 = 1 };

// One attention layer's cache: K rows [n_ctx][n_head_kv * head_dim_k], V rows [n_ctx][n_head_kv *
// head_dim_v], of kv_type elements, in backend memory. Row p holds position p.
struct KvLayer {
    void *k = nullptr;
    void *v = nullptr;
    KvType type = KvType::f32;
    int64_t n_ctx = 0;
};

// The shape of an attention call.
struct AttentionShape {
    int64_t n_head = 0;
    int64_t n_head_kv = 0;  // query head h uses KV head h / (n_head / n_head_kv)
    int64_t head_dim_k = 0;
    int64_t head_dim_v = 0;
    float scale = 1.0f;  // applied to q·k (1/sqrt(head_dim_k))
};

// The shape of a Mamba-2 layer (spec §2.4.1).
struct MambaShape {
    int64_t d_inner = 0;  // Di = n_head * head_dim
    int64_t d_state = 0;  // N
    int64_t n_group = 0;  // G; head h uses group h / (n_head / G)
    int64_t n_head = 0;   // nh
    int64_t d_conv = 0;   // dc
    int64_t conv_dim() const { return d_inner + 2 * n_group * d_state; }
    int64_t head_dim() const { return n_head ? d_inner / n_head : 0; }
    int64_t d_in_proj() const { return 2 * d_inner + 2 * n_group * d_state + n_head; }
};

// MoE routing (spec §2.4.4): sigmoid gating, bias for selection only, optional normalisation and scale.
struct MoeRouting {
    int64_t n_expert = 0;
    int64_t n_used = 0;                     // k
    const float *selection_bias = nullptr;  // exp_probs_b (n_expert, host F32) or nullptr
    bool normalize = false;                 // expert_weights_norm
    float scale = 1.0f;                     // expert_weights_scale
    int64_t n_group = 1;                    // expert_group_count (group-limited routing when > 1)
    int64_t n_group_used = 1;
};

class Backend;

// A model split layer-wise between two backends (--gpu-layers N, as llama.cpp's -ngl): the embedding
// lookup and the first layers on `host`, the last `device_layers` layers and the output on `device`. The
// forward pass moves the residual stream across once per batch. device_layers >= the model's layer count
// puts everything on `device`; 0 everything on `host`.
struct LayerSplit {
    Backend *host = nullptr;
    Backend *device = nullptr;
    int64_t device_layers = 0;
};

class Backend {
public:
    virtual ~Backend() = default;
    virtual std::string name() const = 0;  // "cpu (avx512-vnni, 2 threads)"
    // Tokens per forward pass a prompt is best evaluated in when the user does not say: the CPU gains
    // nothing past 512; a GPU amortises per-batch work (dequantised expert stacks) over larger batches.
    virtual int64_t preferred_batch() const { return 512; }

    // --- memory -------------------------------------------------------------------------------------
    // Zero-filled. An error (out of memory, with the size) is a Status, not an op failure.
    virtual Status alloc(size_t n_bytes, void **out) = 0;
    virtual void release(void *p) = 0;
    virtual void upload(void *dst, const void *src_host, size_t n_bytes) = 0;
    virtual void download(void *dst_host, const void *src, size_t n_bytes) = 0;
    virtual void copy(void *dst, const void *src, size_t n_bytes) = 0;  // backend to backend memory
    virtual void fill_zero(void *dst, size_t n_bytes) = 0;
    // Make a model's weight usable by the ops (CPU: nothing). Called once per weight at session creation.
    virtual Status prepare_weight(const Weight &w) = 0;
    // All of a model's weights at once (each tensor once), so a GPU can place them in one allocation and
    // refuse a model that does not fit with the numbers. Default: prepare_weight for each.
    virtual Status prepare_weights(const std::vector<const Weight *> &weights) {
        for (const Weight *w : weights)
            if (Status s = prepare_weight(*w); !s.ok())
                return s;
        return Status::success();
    }
    // The model these weights belong to is going away: a backend holding copies frees them (CPU: nothing).
    // No op may use them afterwards; preparing them again uploads them again.
    virtual void release_weights(const std::vector<const Weight *> &weights) { (void)weights; }
    // A forward pass of n tokens begins; the next sync() ends it. A GPU backend records a one-token step
    // and replays it as a graph; the CPU ignores it.
    virtual void begin_forward(int64_t n_tokens) { (void)n_tokens; }
    // Waits for queued work; returns the first failure since the last sync (and clears it).
    virtual Status sync() = 0;
    // A backend made of two (gpu/session/split_backend.h) says how the layers are divided; the forward
    // pass then runs each part on its own backend. A plain backend runs everything itself: nullptr.
    virtual const LayerSplit *layer_split() const { return nullptr; }

    // --- ops ----------------------------------------------------------------------------------------
    // out[t] = row ids[t] of the embedding matrix (any type), as f32. ids are host memory, validated by
    // the caller (0 <= id < n_out).
    virtual void get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) = 0;
    // y[t][o] = Σ_i W[o][i]·x[t][i] (+ bias[o] when bias is present): x [n][ldx], y [n][ldy]. For a 3-D
    // stack, `expert` picks the matrix.
    virtual void matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                        int64_t ldy, const Weight *bias = nullptr) = 0;
    // y = x / sqrt(mean(x²) + eps) ⊙ w, per row of `width`; y may equal x.
    virtual void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) = 0;
    // y = (x − mean) / sqrt(var + eps) ⊙ w + b (b optional), per row; y may equal x.
    virtual void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width,
                            float eps, float *y) = 0;
    // y[i] += x[i] for i < count (the residual).
    virtual void add(float *y, const float *x, int64_t count) = 0;
    // x = relu(x)² in place (count values).
    virtual void relu_sqr(float *x, int64_t count) = 0;
    // gate = silu(gate) ⊙ up, per row: gate [n][width] stride ld_gate, up [n][width] stride ld_up.
    virtual void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                        int64_t width) = 0;
    // RoPE in place on x [n][n_head * head_dim] (row stride ldx), token t at position pos[t] (host).
    // Follows ggml's float arithmetic (theta = pos · freq_scale · base^(−2i/n_rot) built by repeated
    // multiplication in f32) so angles match llama.cpp's.
    virtual void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
                      const RopeParams &p) = 0;
    // Causal attention of a batch of n tokens at positions pos0..pos0+n−1: writes k, v (rows [n][Hkv·hd],
    // strides ldk/ldv) into the cache rows pos0.., then for each token and head computes
    // softmax(q·Kᵀ·scale) over cache rows 0..pos0+t and the weighted sum of V rows. q [n][H·hd_k] stride
    // ldq; out [n][H·hd_v] contiguous. The caller has checked pos0 + n <= cache.n_ctx.
    virtual void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                           int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                           float *out) = 0;
    // Mamba-2 causal depthwise conv (spec §2.4.1 step 2, §5.4): input xBC rows [n][conv_dim] with stride
    // ld_in; conv_state [conv_dim][d_conv−1] (time fastest: the last d_conv−1 raw inputs, oldest first),
    // updated; out [n][conv_dim] = SiLU(bias + Σ_k w[c][k]·window) contiguous. conv_w is {d_conv, conv_dim}.
    virtual void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                          const Weight &conv_b, const MambaShape &s, float *out) = 0;
    // Mamba-2 selective scan (spec §2.4.1 steps 4-6): x = xbc[:, 0:Di], B = xbc[:, Di:Di+GN],
    // C = xbc[:, Di+GN:Di+2GN] (rows of xbc have stride ld_xbc); dt_raw rows stride ld_dt; dt = softplus(
    // dt_raw + dt_bias); state [nh][P][N] f32, updated; y [n][Di] = Σ_n S·C + D·x, contiguous.
    virtual void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                          const Weight &dt_bias, const Weight &a, const Weight &d, int64_t n, float *state,
                          const MambaShape &s, float *y) = 0;
    // y = grouped_rms_norm(y ⊙ SiLU(z)) ⊙ w, groups of d_inner / n_group (spec §2.4.1 step 7); y [n][Di]
    // in place, z rows stride ld_z.
    virtual void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                                  const MambaShape &s, float eps) = 0;
    // MoE FFN (spec §2.4.4-2.4.5, without the shared expert): router_logits [n][n_expert] (f32) → top-k and
    // weights → out[t] = Σ_j w_j · down_e(relu²(up_e(x[t]))) over the k experts (summed in top-k order).
    // x [n][n_in] contiguous, out [n][n_in of down's output] contiguous (overwritten).
    virtual void moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                         const Weight &down_exps, const float *x, int64_t n, float *out) = 0;

    // --- sampling (gpu/model/logit_select.h has the arithmetic) --------------------------------------
    // So that a decode step sends the host the few logits its sampler can choose from, not the vocabulary.
    // The host implementations (backend_sampling.cpp) download, compute and upload: the CPU's twin; a GPU
    // overrides them with kernels.
    //
    // For each i < n_ids with 0 <= ids[i] < n_vocab (host arrays; other ids are skipped, so a caller can
    // pad to a fixed length): logits[ids[i]] = logit_penalized(logits[ids[i]], counts[i], repeat,
    // frequency, presence). ids are distinct.
    virtual void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                                 int64_t n_ids, float repeat, float frequency, float presence);
    // The k best of logits[0, n) after logit_sanitize, best first by logit_better: out_ids[k] (int32) and
    // out_vals[k] (f32) in backend memory. 1 <= k <= min(n, kTopKMax).
    virtual void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals);
};

}  // namespace nd
