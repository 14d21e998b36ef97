#pragma once
// CompareBackend: a Backend that runs every op on two backends — a reference (the CPU) and a tested one
// (CUDA, or a deliberately perturbed CPU) — and compares what each op wrote, so a difference in the logits
// is traced to the first op that introduces it instead of being guessed at from the end result.
//
// Memory: alloc() allocates on both and hands out the tested backend's pointer. A sorted map of the
// allocations translates any pointer into one (forward passes pass interior pointers such as
// `scratch.a + wq`) to the same offset in the reference's twin. upload/copy/fill_zero go to both;
// download returns the tested backend's bytes. Weights are host pointers, shared by both.
//
// Ops: each op runs on the reference (translated pointers) and on the tested backend; both are synced and
// every buffer the op writes (the contract in gpu/model/backend.h: matmul's y rows with their stride,
// attention's output and the KV cache rows it stored, ssm_conv's output and conv state, …) is downloaded
// from both and compared, one OpRecord per written buffer. With CompareResync::on (the default) the
// reference's result is then copied into the tested buffers, so every op is judged on identical inputs and
// one op's error does not show up again in every later op (and what download() returns — the logits — is
// then the reference's result).
//
// It presents itself as one plain backend (layer_split() is nullptr): wrapping a layer-split backend would
// compare its ops as if they all ran on one side.
//
// The tested backend is never put into graph-recording mode: begin_forward reaches it only for batches of
// more than one token (a CUDA backend records a one-token step and runs it at sync(), so there would be no
// per-op results to compare and the resync uploads would land in the middle of a recording).
#include <cstdint>
#include <initializer_list>
#include <map>
#include <string>
#include <vector>

#include "gpu/model/backend.h"

namespace nd::test {

enum class CompareResync { on = 1, off = 2 };

struct CompareOptions {
    CompareResync resync = CompareResync::on;
};

// One buffer written by one op call.
struct OpRecord {
    int64_t seq = 0;     // the op call's index (records of one call share it)
    std::string op;      // "matmul", "attention", …
    std::string output;  // which buffer the op wrote: "y", "out", "k cache", "v cache", "state", …
    std::string weight;  // the op's weight (GGUF name), "" for ops without one
    GgmlType weight_type = GgmlType::f32;
    std::string after;     // for ops without a weight: the last weight used before it (locates the layer)
    int64_t n_tokens = 0;  // rows of the op (add, relu_sqr: the forward pass's tokens): prompt or decode path
    int64_t count = 0;     // values compared
    double max_abs_diff = 0;
    double max_abs_ref = 0;
    int64_t worst = -1;  // index (row · width + column) of the largest difference
    double rel() const { return max_abs_ref > 0 ? max_abs_diff / max_abs_ref : max_abs_diff; }
};

class CompareBackend final : public Backend {
public:
    // Both backends are borrowed and must outlive this object.
    CompareBackend(Backend &reference, Backend &tested, CompareOptions options = {});
    ~CompareBackend() override;
    CompareBackend(const CompareBackend &) = delete;
    CompareBackend &operator=(const CompareBackend &) = delete;

    const std::vector<OpRecord> &report() const { return m_report; }
    void clear_report() { m_report.clear(); }

    std::string name() const override;
    Status alloc(size_t n_bytes, void **out) override;
    void release(void *p) override;
    void upload(void *dst, const void *src_host, size_t n_bytes) override;
    void download(void *dst_host, const void *src, size_t n_bytes) override;
    void copy(void *dst, const void *src, size_t n_bytes) override;
    void fill_zero(void *dst, size_t n_bytes) override;
    Status prepare_weight(const Weight &w) override;
    Status prepare_weights(const std::vector<const Weight *> &weights) override;
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

private:
    // A buffer an op wrote, in the tested backend's memory: rows of `width` elements, `stride` apart.
    struct Region {
        const char *output;
        void *p;
        int64_t rows, width, stride;
        KvType type = KvType::f32;  // f16 for an f16 KV cache (compared widened to f32)
    };
    struct Twin {
        void *ref;
        size_t bytes;
    };
    // The reference's address for a tested pointer (interior pointers included); nullptr and a recorded
    // failure when the pointer is not in an allocation made here.
    void *translate(const void *tested);
    template <class T>
    T *ref(T *p) {
        return static_cast<T *>(translate(p));
    }
    bool ok() const { return m_error.ok(); }
    void fail(Status s);
    // Syncs both, compares the regions (and resyncs them), advances the op index.
    void finish(const char *op, const Weight *w, int64_t n, std::initializer_list<Region> regions);
    void compare(const Region &r, OpRecord rec);

    Backend &m_ref;
    Backend &m_tested;
    CompareOptions m_options;
    std::map<uintptr_t, Twin> m_twins;  // keyed by the tested allocation's address
    std::vector<OpRecord> m_report;
    int64_t m_seq = 0;
    int64_t m_batch = 0;  // tokens of the current forward pass (the rows of add and relu_sqr)
    std::string m_last_weight;
    Status m_error;
};

// The `n` records with the largest relative difference as a table (one line each: op index, tokens, op,
// buffer, weight, max |Δ|, max |ref|, relative, worst index), largest first.
std::string compare_format_worst(const std::vector<OpRecord> &records, size_t n);

}  // namespace nd::test
