// The CUDA backend's element-wise, norm, RoPE, attention, Mamba and sampling ops (cuda_backend_impl.h):
// the same argument checks as the CPU backend (cpu_ops_check.h), device pointers resolved on the host, then
// one kernel launch each (gpu/cuda/cuda_*.cu).
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>

#include "gpu/cpu/cpu_ops_check.h"
#include "gpu/cuda/cuda_backend_impl.h"
#include "gpu/model/logit_select.h"

namespace nd::cuda {

void CudaBackend::get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) {
    if (!ok() || !record(check_matrix(embd, "get_rows")) || n <= 0)
        return;
    for (int64_t t = 0; t < n; ++t)
        if (ids[t] < 0 || ids[t] >= embd.n_out) {
            fail(ND_STATUS(StatusCode::invalid_argument, "get_rows: token id " + std::to_string(ids[t]) +
                                                             " out of range for '" + embd.name + "' (" +
                                                             std::to_string(embd.n_out) + " rows)"));
            return;
        }
    const DevMatrix m = matrix(embd);
    const int32_t *d_ids = stage_ints(ids, n);
    if (!ok())
        return;
    op("get_rows", {sig_ptr(m.data), sig_ptr(d_ids), static_cast<uint64_t>(n), sig_ptr(out)},
       [=, this] { cuda::get_rows(m, d_ids, n, out, m_stream); });
}

void CudaBackend::rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) {
    if (!ok() || !record(cpu::check_vector(w, width, "rms_norm")) || n <= 0)
        return;
    const float *dw = vec(w);
    uint32_t eps_bits = 0;
    std::memcpy(&eps_bits, &eps, 4);
    op("rms_norm",
       {sig_ptr(x), sig_ptr(dw), static_cast<uint64_t>(n), static_cast<uint64_t>(width), eps_bits,
        sig_ptr(y)},
       [=, this] { cuda::rms_norm(x, dw, n, width, eps, y, m_stream); });
}

void CudaBackend::layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width,
                             float eps, float *y) {
    if (!ok() || !record(cpu::check_vector(w, width, "layer_norm")) || n <= 0)
        return;
    const bool has_b = b && b->present();
    if (has_b && !record(cpu::check_vector(*b, width, "layer_norm")))
        return;
    const float *dw = vec(w), *db = has_b ? vec(*b) : nullptr;
    uint32_t eps_bits = 0;
    std::memcpy(&eps_bits, &eps, 4);
    op("layer_norm",
       {sig_ptr(x), sig_ptr(dw), sig_ptr(db), static_cast<uint64_t>(n), static_cast<uint64_t>(width),
        eps_bits, sig_ptr(y)},
       [=, this] { cuda::layer_norm(x, dw, db, n, width, eps, y, m_stream); });
}

void CudaBackend::add(float *y, const float *x, int64_t count) {
    if (ok() && count > 0)
        op("add", {sig_ptr(y), sig_ptr(x), static_cast<uint64_t>(count)},
           [=, this] { cuda::add(y, x, count, m_stream); });
}

void CudaBackend::relu_sqr(float *x, int64_t count) {
    if (ok() && count > 0)
        op("relu_sqr", {sig_ptr(x), static_cast<uint64_t>(count)},
           [=, this] { cuda::relu_sqr(x, count, m_stream); });
}

void CudaBackend::swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                         int64_t width) {
    if (ok() && n > 0 && width > 0)
        op("swiglu",
           {sig_ptr(gate), static_cast<uint64_t>(ld_gate), sig_ptr(up), static_cast<uint64_t>(ld_up),
            static_cast<uint64_t>(n), static_cast<uint64_t>(width)},
           [=, this] { cuda::swiglu(gate, ld_gate, up, ld_up, n, width, m_stream); });
}

void CudaBackend::rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
                       const RopeParams &p) {
    if (!ok() || !record(cpu::check_rope(ldx, n_head, head_dim, p)) || n <= 0)
        return;
    RopeArgs a;
    a.mode = p.mode;
    a.n_rot = p.n_rot;
    a.freq_base = p.freq_base;
    a.freq_scale = p.freq_scale;
    a.freq_factors =
        p.freq_factors ? reinterpret_cast<const float *>(device_copy(p.freq_factors, "rope_freqs")) : nullptr;
    const int32_t *d_pos = stage_ints(pos, n);
    if (!ok())
        return;
    uint64_t fb = 0, fs = 0;
    std::memcpy(&fb, &a.freq_base, 4);
    std::memcpy(&fs, &a.freq_scale, 4);
    op("rope",
       {sig_ptr(x), static_cast<uint64_t>(ldx), static_cast<uint64_t>(n), static_cast<uint64_t>(n_head),
        static_cast<uint64_t>(head_dim), sig_ptr(d_pos), static_cast<uint64_t>(a.mode),
        static_cast<uint64_t>(a.n_rot), fb, fs, sig_ptr(a.freq_factors)},
       [=, this] { cuda::rope(x, ldx, n, n_head, head_dim, d_pos, a, m_stream); });
}

void CudaBackend::attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                            int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                            float *out) {
    if (!ok() || !record(cpu::check_attention(cache, pos0, ldq, ldk, ldv, n, s)) || n <= 0)
        return;
    const int32_t pos0_i = static_cast<int32_t>(pos0);
    const int32_t *d_pos0 = stage_ints(&pos0_i, 1);
    const int64_t work_floats = attention_work_floats(n, cache.n_ctx, s);
    auto *work = static_cast<float *>(
        scratch(kScratchAttn, static_cast<size_t>(std::max<int64_t>(work_floats, 1)) * 4));
    if (!ok())
        return;
    AttentionArgs a;
    a.k_cache = cache.k;
    a.v_cache = cache.v;
    a.kv_type = cache.type;
    a.n_ctx = cache.n_ctx;
    a.pos0 = d_pos0;
    a.q = q;
    a.ldq = ldq;
    a.k = k;
    a.ldk = ldk;
    a.v = v;
    a.ldv = ldv;
    a.n = n;
    a.shape = s;
    a.out = out;
    a.work = work;
    uint32_t scale_bits = 0;
    std::memcpy(&scale_bits, &s.scale, 4);
    op("attention",
       {sig_ptr(cache.k), sig_ptr(cache.v), static_cast<uint64_t>(cache.type),
        static_cast<uint64_t>(cache.n_ctx), sig_ptr(d_pos0), sig_ptr(q), static_cast<uint64_t>(ldq),
        sig_ptr(k), static_cast<uint64_t>(ldk), sig_ptr(v), static_cast<uint64_t>(ldv),
        static_cast<uint64_t>(n), static_cast<uint64_t>(s.n_head), static_cast<uint64_t>(s.n_head_kv),
        static_cast<uint64_t>(s.head_dim_k), static_cast<uint64_t>(s.head_dim_v), scale_bits, sig_ptr(out),
        sig_ptr(work)},
       [=, this] { cuda::attention(a, m_stream); });
}

namespace {

// Batches of at least one full chunk take the chunked SSD kernel (cuda_ssm_scan_chunked.cu). The sequential
// kernel costs ~1.25 µs per token whatever the batch (one dependent chain per state row; gpu/dev/NOTES.md),
// the chunked one a fixed four launches per 1024 tokens plus matrix products that keep every SM busy. Below
// one chunk its 64-row tiles would be mostly padding and the sequential kernel takes under ~80 µs anyway;
// decode (n = 1) stays sequential, so a recorded decode graph never needs the chunked path's scratch.
// Not measured yet: the crossover on an H100 may well be lower (gpu/dev/ssm_scan_bench.cu times both).
constexpr int64_t kSsmScanChunkedMinTokens = kSsdChunkTokens;

uint64_t mamba_sig(const MambaShape &s) {
    return static_cast<uint64_t>(s.d_inner) * 1000003u + static_cast<uint64_t>(s.d_state) * 10007u +
           static_cast<uint64_t>(s.n_group) * 101u + static_cast<uint64_t>(s.n_head) * 7u +
           static_cast<uint64_t>(s.d_conv);
}
}  // namespace

void CudaBackend::ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                           const Weight &conv_b, const MambaShape &s, float *out) {
    if (!ok() || !record(cpu::check_ssm_conv(ld_in, conv_w, conv_b, s)) || n <= 0)
        return;
    const float *w = vec(conv_w), *b = vec(conv_b);
    op("ssm_conv",
       {sig_ptr(in), static_cast<uint64_t>(ld_in), static_cast<uint64_t>(n), sig_ptr(conv_state), sig_ptr(w),
        sig_ptr(b), mamba_sig(s), sig_ptr(out)},
       [=, this] { cuda::ssm_conv(in, ld_in, n, conv_state, w, b, s, out, m_stream); });
}

void CudaBackend::ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                           const Weight &dt_bias, const Weight &a, const Weight &d, int64_t n, float *state,
                           const MambaShape &s, float *y) {
    if (!ok() || !record(cpu::check_ssm_scan(ld_xbc, dt_bias, a, d, s)) || n <= 0)
        return;
    const float *db = vec(dt_bias), *da = vec(a), *dd = vec(d);
    if (n >= kSsmScanChunkedMinTokens) {
        // No scratch kind of its own yet (ScratchKind): it borrows the attention partials' buffer. Ops run
        // in stream order and no op uses both, so the two uses never overlap.
        const int64_t work_floats = cuda::ssm_scan_chunked_work_floats(n, s);
        auto *work = static_cast<float *>(scratch(kScratchAttn, static_cast<size_t>(work_floats) * 4));
        if (!ok())
            return;
        op("ssm_scan",
           {sig_ptr(xbc), static_cast<uint64_t>(ld_xbc), sig_ptr(dt_raw), static_cast<uint64_t>(ld_dt),
            sig_ptr(db), sig_ptr(da), sig_ptr(dd), static_cast<uint64_t>(n), sig_ptr(state), mamba_sig(s),
            sig_ptr(y), sig_ptr(work)},
           [=, this] {
               cuda::ssm_scan_chunked(xbc, ld_xbc, dt_raw, ld_dt, db, da, dd, n, state, s, y, work, m_stream);
           });
        return;
    }
    op("ssm_scan",
       {sig_ptr(xbc), static_cast<uint64_t>(ld_xbc), sig_ptr(dt_raw), static_cast<uint64_t>(ld_dt),
        sig_ptr(db), sig_ptr(da), sig_ptr(dd), static_cast<uint64_t>(n), sig_ptr(state), mamba_sig(s),
        sig_ptr(y)},
       [=, this] { cuda::ssm_scan(xbc, ld_xbc, dt_raw, ld_dt, db, da, dd, n, state, s, y, m_stream); });
}

void CudaBackend::gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                                   const MambaShape &s, float eps) {
    if (!ok() || !record(cpu::check_group_norm(ld_z, w, s)) || n <= 0)
        return;
    const float *dw = vec(w);
    uint32_t eps_bits = 0;
    std::memcpy(&eps_bits, &eps, 4);
    op("gated_group_norm",
       {sig_ptr(y), sig_ptr(z), static_cast<uint64_t>(ld_z), static_cast<uint64_t>(n), sig_ptr(dw),
        mamba_sig(s), eps_bits},
       [=, this] { cuda::gated_group_norm(y, z, ld_z, n, dw, s, eps, m_stream); });
}

// --- sampling (cuda_top_k.cu) ---------------------------------------------------------------------------

void CudaBackend::apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                                  int64_t n_ids, float repeat, float frequency, float presence) {
    // As the host twin: ids outside [0, n_vocab) are skipped (padding), so nothing here is an error.
    if (!ok() || n_ids <= 0 || n_vocab <= 0)
        return;
    // Per-step values, staged like get_rows' token ids: a replayed decode graph reads the new ones.
    const int32_t *d_ids = stage_ints(ids, n_ids);
    const int32_t *d_counts = stage_ints(counts, n_ids);
    if (!ok())
        return;
    uint32_t repeat_bits = 0, frequency_bits = 0, presence_bits = 0;
    std::memcpy(&repeat_bits, &repeat, 4);
    std::memcpy(&frequency_bits, &frequency, 4);
    std::memcpy(&presence_bits, &presence, 4);
    op("apply_penalties",
       {sig_ptr(logits), static_cast<uint64_t>(n_vocab), sig_ptr(d_ids), sig_ptr(d_counts),
        static_cast<uint64_t>(n_ids), repeat_bits, frequency_bits, presence_bits},
       [=, this] {
           cuda::apply_penalties(logits, n_vocab, d_ids, d_counts, n_ids, repeat, frequency, presence,
                                 m_stream);
       });
}

void CudaBackend::top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals) {
    if (!ok())
        return;
    if (n <= 0 || n > INT32_MAX || k < 1 || k > std::min(n, kTopKMax)) {
        fail(ND_STATUS(StatusCode::invalid_argument,
                       "top_k: k " + std::to_string(k) + " of " + std::to_string(n) +
                           " logits (needs 1 <= k <= min(n, " + std::to_string(kTopKMax) + "), n < 2^31)"));
        return;
    }
    const int64_t work_bytes = top_k_work_bytes(n, k);
    void *work = scratch(kScratchTopK, static_cast<size_t>(work_bytes));
    if (!ok())
        return;
    op("top_k",
       {sig_ptr(logits), static_cast<uint64_t>(n), static_cast<uint64_t>(k), sig_ptr(out_ids),
        sig_ptr(out_vals), sig_ptr(work)},
       [=, this] { cuda::top_k(logits, n, k, out_ids, out_vals, work, m_stream); });
}

}  // namespace nd::cuda
