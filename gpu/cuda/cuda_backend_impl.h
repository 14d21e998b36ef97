#pragma once
// The CUDA backend's class (cuda_backend.h), internal to gpu/cuda. Its pieces:
//   cuda_backend.cpp         creation, memory, weights (one device allocation per model), staging, sync
//   cuda_backend_graph.cpp   recording a decode step and replaying it as a CUDA graph
//   cuda_backend_ops.cpp     the element-wise, norm, RoPE, attention, Mamba and sampling ops
//   cuda_backend_matmul.cpp  matmul (gemv for decode, cuBLAS on dequantised tiles for prompts) and MoE
//
// Execution: every op validates its arguments on the host, resolves device pointers (weights by their
// host pointer, per-token values staged through pinned memory) and wraps the launch in a closure. Eagerly
// (prompts, tests, graphs off) the closure runs at once. While a one-token decode step is recorded
// (begin_forward(1) … sync()), the closures are kept with a signature of every argument; sync() replays
// the cached graph of that signature, or captures the closures into a new one. The values that change
// per token (token id, positions) are staged, so a replay only needs the staging buffer refreshed — the
// graph's first node copies it to the device.
#include <cublas_v2.h>
#include <cuda_runtime.h>

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <string>
#include <unordered_map>
#include <vector>

#include "gpu/cuda/cublas_loader.h"
#include "gpu/cuda/cuda_backend.h"
#include "gpu/cuda/cuda_kernels.h"

namespace nd::cuda {

// Scratch purposes: each op uses its own kinds, so buffers of one op never alias another's in flight.
enum ScratchKind {
    kScratchTile = 0,  // a dequantised weight tile (cuBLAS path)
    kScratchX16,       // activations converted to f16/bf16 (cuBLAS path)
    kScratchAttn,      // split-KV partials
    kScratchRoute,     // MoE ids and weights
    kScratchMoeX,      // MoE gathered rows / slot activations
    kScratchMoeH,      // MoE expert hidden rows
    kScratchMoeY,      // MoE expert outputs before scattering
    kScratchMoeSlots,  // MoE per-(token, expert) outputs
    kScratchTopK,      // top_k's per-tile best keys
    kScratchKinds
};

class CudaBackend final : public Backend {
public:
    static Status create(const CudaBackendOptions &options, std::unique_ptr<Backend> *out);
    ~CudaBackend() override;

    std::string name() const override { return m_name; }
    Status alloc(size_t n_bytes, void **out) override;
    void release(void *p) override;
    void upload(void *dst, const void *src_host, size_t n_bytes) override;
    void download(void *dst_host, const void *src, size_t n_bytes) override;
    void copy(void *dst, const void *src, size_t n_bytes) override;
    void fill_zero(void *dst, size_t n_bytes) override;
    Status prepare_weight(const Weight &w) override;
    Status prepare_weights(const std::vector<const Weight *> &weights) override;
    // 2048 tokens when the device has room for the larger work buffers (about 1 GiB more than 512 need
    // on Nemotron 3 Nano's widths), else 512. Per-batch work (every expert stack and weight dequantised
    // once per batch) is then spread over 4× the tokens: nano3-6L Q4_K pp4096 53k → 97k tok/s on the H100
    // (docs/benchmarks.md).
    int64_t preferred_batch() const override;
    void release_weights(const std::vector<const Weight *> &weights) override;
    size_t weight_arena_count() const;  // arenas still allocated (tests)
    void begin_forward(int64_t n_tokens) override;
    Status sync() override;

    void get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) override;
    void matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                int64_t ldy, const Weight *bias) override;
    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override;
    void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width, float eps,
                    float *y) override;
    void add(float *y, const float *x, int64_t count) override;
    void relu_sqr(float *x, int64_t count) override;
    void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                int64_t width) override;
    void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
              const RopeParams &p) override;
    void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                   int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                   float *out) override;
    void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                  const Weight &conv_b, const MambaShape &s, float *out) override;
    void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const Weight &dt_bias,
                  const Weight &a, const Weight &d, int64_t n, float *state, const MambaShape &s,
                  float *y) override;
    void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                          const MambaShape &s, float eps) override;
    void moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                 const Weight &down_exps, const float *x, int64_t n, float *out) override;
    void apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                         int64_t n_ids, float repeat, float frequency, float presence) override;
    void top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals) override;

private:
    CudaBackend() = default;

    // --- errors ---
    bool ok() const { return m_error.ok(); }
    void fail(Status s) {
        if (m_error.ok())
            m_error = std::move(s);
    }
    bool record(Status s) {
        if (!s.ok())
            fail(std::move(s));
        return ok();
    }

    // --- ops: run now, or keep for the decode graph ---
    // `sig` lists every argument the closure uses (pointers and sizes), so a cached graph is replayed only
    // for an identical step.
    void op(const char *what, std::initializer_list<uint64_t> sig, std::function<void()> launch);
    void check_launch(const char *what);

    // --- device views of weights ---
    const uint8_t *device_copy(const void *host, const char *name);
    DevMatrix matrix(const Weight &w);
    const float *vec(const Weight &w) { return reinterpret_cast<const float *>(device_copy(w.data, w.name)); }
    const float *vec_opt(const Weight *w) { return w && w->present() ? vec(*w) : nullptr; }
    Status check_matrix(const Weight &w, const char *op_name);

    // --- per-token values and scratch ---
    const int32_t *stage_ints(const int32_t *host, int64_t n);
    void *scratch(ScratchKind kind, size_t n_bytes);
    void free_retired();

    // --- matrices (cuda_backend_matmul.cpp) ---
    void matmul_device(const DevMatrix &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                       int64_t ldy, const float *bias, const char *what);
    void gemm(const DevMatrix &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
              int64_t ldy, const float *bias);
    void moe_slots(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x, int64_t n,
                   const int32_t *ids, const float *weights, float *out);
    // Strided batched products over equal-sized expert groups; false when the routing is too unbalanced.
    bool moe_batched(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x,
                     int64_t n, const int32_t *ids, const float *weights, float *out);
    void moe_grouped(const MoeRouting &r, const DevMatrix &up, const DevMatrix &down, const float *x,
                     int64_t n, const int32_t *ids, const float *weights, float *out);

    // --- the decode graph (cuda_backend_graph.cpp) ---
    void finish_recording();
    void run_recorded_eagerly();
    bool capture_and_launch();
    void clear_graphs();

    int m_device = 0;
    std::string m_name;
    cudaStream_t m_stream = nullptr;
    const CublasApi *m_blas = nullptr;  // cuBLAS, loaded at run time (cublas_loader.h)
    cublasHandle_t m_cublas = nullptr;
    Status m_error;

    // Device copies of weights by host pointer; the arenas own them.
    // The key is the host pointer, but host memory is reused (a model unmapped and another mapped at the
    // same address, a test's buffers): the size and a sampled fingerprint of the bytes say whether the copy
    // still matches.
    // Each prepare_weights call uploads into one arena, freed when none of its copies is in use any more
    // (all released, or replaced because their host memory now holds something else).
    struct DeviceCopy {
        uint8_t *data = nullptr;
        size_t bytes = 0;
        uint64_t fingerprint = 0;
        size_t arena = 0;  // index into m_arenas
    };
    struct Arena {
        void *base = nullptr;  // nullptr once freed
        size_t live = 0;       // copies in m_weights that point into it
    };
    std::unordered_map<const void *, DeviceCopy> m_weights;
    std::vector<Arena> m_arenas;
    void drop_copy(const DeviceCopy &c);

    // Pinned staging of per-token ints and its device mirror (same offsets).
    uint8_t *m_stage_host = nullptr;
    uint8_t *m_stage_dev = nullptr;
    size_t m_stage_cap = 0;
    size_t m_stage_used = 0;

    // Scratch buffers per kind; a replaced buffer is freed at the next sync (work may still use it).
    struct ScratchBuf {
        void *p = nullptr;
        size_t bytes = 0;
    };
    ScratchBuf m_scratch[kScratchKinds];
    std::vector<void *> m_retired_device;
    std::vector<void *> m_retired_pinned;

    // Pinned bounce for downloads recorded in a decode step (copied to their destinations after sync).
    uint8_t *m_bounce = nullptr;
    size_t m_bounce_cap = 0;
    size_t m_bounce_used = 0;
    struct PostCopy {
        void *dst = nullptr;
        const uint8_t *src = nullptr;
        size_t n = 0;
    };
    std::vector<PostCopy> m_post_copies;

    // Recording and graphs.
    bool m_graphs_enabled = true;
    bool m_recording = false;
    bool m_graph_unsafe = false;  // a buffer was replaced during this recording: run it eagerly
    uint64_t m_sig = 0;
    std::vector<std::function<void()>> m_recorded;
    std::vector<const char *> m_recorded_names;
    struct CachedGraph {
        uint64_t sig = 0;
        size_t stage_bytes = 0;
        cudaGraphExec_t exec = nullptr;
        uint64_t last_use = 0;
    };
    std::vector<CachedGraph> m_graphs;
    uint64_t m_steps = 0;

public:
    // Counters for tests and benchmarks: decode steps replayed from a cached graph / captured anew / eager.
    struct GraphCounters {
        uint64_t replayed = 0;
        uint64_t captured = 0;
        uint64_t eager = 0;
    };
    GraphCounters graph_counters() const { return m_counters; }

private:
    GraphCounters m_counters;

    // NEMODESK_CUDA_TRACE=1: every eagerly run op is timed with a pair of events; sync() adds the times up
    // per op name and the destructor prints the table to stderr (run with graphs off to see a decode step).
    // NEMODESK_CUDA_TRACE=decode: only one-token forward passes.
    struct TraceEvent {
        const char *what = nullptr;
        cudaEvent_t begin = nullptr;
        cudaEvent_t end = nullptr;
    };
    bool m_trace = false;
    bool m_trace_decode_only = false;
    bool m_trace_now = false;
    std::vector<TraceEvent> m_trace_pending;
    std::vector<cudaEvent_t> m_trace_free;
    struct TraceTotal {
        uint64_t count = 0;
        double ms = 0;
    };
    std::unordered_map<std::string, TraceTotal> m_trace_totals;
    cudaEvent_t trace_event();
    void trace_collect();
    void trace_print() const;
};

// Mixes one value into a running signature (FNV-1a over 8-byte words).
inline uint64_t sig_mix(uint64_t h, uint64_t v) {
    for (int i = 0; i < 8; ++i) {
        h ^= (v >> (8 * i)) & 0xffu;
        h *= 1099511628211ull;
    }
    return h;
}
inline uint64_t sig_ptr(const void *p) {
    return static_cast<uint64_t>(reinterpret_cast<uintptr_t>(p));
}

}  // namespace nd::cuda
