// The CPU backend (cpu_backend.h): host memory, a thread pool, and the ops of backend.h. Each op checks
// what it can check cheaply (weight types and shapes, sizes that would index out of bounds) and records
// the first failure for sync() instead of crashing; after a failure the ops do nothing (backend.h). The
// arithmetic lives in cpu_ops / cpu_attention / cpu_mamba / cpu_moe and cpu_matmul.
#include "gpu/cpu/cpu_backend.h"

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "gpu/cpu/cpu_attention.h"
#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_mamba.h"
#include "gpu/cpu/cpu_matmul.h"
#include "gpu/cpu/cpu_moe.h"
#include "gpu/cpu/cpu_ops.h"
#include "gpu/cpu/cpu_ops_check.h"
#include "gpu/cpu/thread_pool.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd {

namespace {

using cpu::to_matrix;

class CpuBackend final : public Backend {
public:
    explicit CpuBackend(int n_threads) : m_pool(n_threads) {}

    std::string name() const override {
        return "cpu (" + std::string(cpu::cpu_isa_name(cpu::cpu_isa_active())) + ", " +
               std::to_string(m_pool.size()) + (m_pool.size() == 1 ? " thread)" : " threads)");
    }

    Status alloc(size_t n_bytes, void **out) override {
        *out = nullptr;
        // More than the machine's memory can never work (and with overcommit might only fail later, when
        // touched): say so up front.
        const uint64_t phys = physical_memory_bytes();
        if (phys && n_bytes > phys)
            return ND_STATUS(StatusCode::out_of_memory, "cannot allocate " + std::to_string(n_bytes) +
                                                            " bytes: the machine has " +
                                                            std::to_string(phys) + " bytes of memory");
        // aligned_alloc wants a multiple of the alignment; 0 bytes still gets a unique pointer.
        const size_t rounded = (n_bytes + 63) / 64 * 64 + (n_bytes == 0 ? 64 : 0);
        void *p = std::aligned_alloc(64, rounded);
        if (!p)
            return ND_STATUS(StatusCode::out_of_memory,
                             "out of memory allocating " + std::to_string(n_bytes) + " bytes of host memory");
        std::memset(p, 0, rounded);
        *out = p;
        return Status::success();
    }
    void release(void *p) override { std::free(p); }
    void upload(void *dst, const void *src, size_t n) override { copy_bytes(dst, src, n); }
    void download(void *dst, const void *src, size_t n) override { copy_bytes(dst, src, n); }
    void copy(void *dst, const void *src, size_t n) override { copy_bytes(dst, src, n); }
    void fill_zero(void *dst, size_t n) override {
        if (n && dst)
            std::memset(dst, 0, n);
    }
    Status prepare_weight(const Weight &w) override { return cpu::check_weight(w); }
    Status sync() override {
        Status s = m_error;
        m_error = Status::success();
        return s;
    }

    void get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) override {
        if (!ok() || !record(cpu::check_weight(embd)))
            return;
        for (int64_t t = 0; t < n; ++t) {
            if (ids[t] < 0 || ids[t] >= embd.n_out) {
                fail(ND_STATUS(StatusCode::invalid_argument, "get_rows: token id " + std::to_string(ids[t]) +
                                                                 " out of range for '" + embd.name + "' (" +
                                                                 std::to_string(embd.n_out) + " rows)"));
                return;
            }
            if (!record(ggml_dequantize_row(embd.type, embd.data + ids[t] * embd.row_bytes, embd.n_in,
                                            out + t * embd.n_in)))
                return;
        }
    }

    void matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                int64_t ldy, const Weight *bias) override {
        if (!ok() || !record(cpu::check_matmul(w, expert, ldx, ldy, bias)))
            return;
        cpu::matmul(cpu::weight_expert(to_matrix(w), expert), x, ldx, n, y, ldy, &m_pool);
        if (bias && bias->present()) {
            const float *b = bias->f32();
            for (int64_t t = 0; t < n; ++t)
                for (int64_t o = 0; o < w.n_out; ++o)
                    y[t * ldy + o] += b[o];
        }
    }

    void rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps, float *y) override {
        if (ok() && record(cpu::check_vector(w, width, "rms_norm")))
            cpu::rms_norm(x, w.f32(), n, width, eps, y, &m_pool);
    }
    void layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width, float eps,
                    float *y) override {
        if (!ok() || !record(cpu::check_vector(w, width, "layer_norm")))
            return;
        const bool has_b = b && b->present();
        if (has_b && !record(cpu::check_vector(*b, width, "layer_norm")))
            return;
        cpu::layer_norm(x, w.f32(), has_b ? b->f32() : nullptr, n, width, eps, y, &m_pool);
    }
    void add(float *y, const float *x, int64_t count) override {
        if (ok())
            cpu::add(y, x, count, &m_pool);
    }
    void relu_sqr(float *x, int64_t count) override {
        if (ok())
            cpu::relu_sqr(x, count, &m_pool);
    }
    void swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                int64_t width) override {
        if (ok())
            cpu::swiglu(gate, ld_gate, up, ld_up, n, width, &m_pool);
    }
    void rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim, const int32_t *pos,
              const RopeParams &p) override {
        if (ok() && record(cpu::check_rope(ldx, n_head, head_dim, p)))
            cpu::rope(x, ldx, n, n_head, head_dim, pos, p, &m_pool);
    }
    void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k,
                   int64_t ldk, const float *v, int64_t ldv, int64_t n, const AttentionShape &s,
                   float *out) override {
        if (ok() && record(cpu::check_attention(cache, pos0, ldq, ldk, ldv, n, s)))
            cpu::attention(cache, pos0, q, ldq, k, ldk, v, ldv, n, s, out, &m_pool);
    }
    void ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state, const Weight &conv_w,
                  const Weight &conv_b, const MambaShape &s, float *out) override {
        if (ok() && record(cpu::check_ssm_conv(ld_in, conv_w, conv_b, s)))
            cpu::ssm_conv(in, ld_in, n, conv_state, conv_w.f32(), conv_b.f32(), s, out, &m_pool);
    }
    void ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt, const Weight &dt_bias,
                  const Weight &a, const Weight &d, int64_t n, float *state, const MambaShape &s,
                  float *y) override {
        if (ok() && record(cpu::check_ssm_scan(ld_xbc, dt_bias, a, d, s)))
            cpu::ssm_scan(xbc, ld_xbc, dt_raw, ld_dt, dt_bias.f32(), a.f32(), d.f32(), n, state, s, y,
                          &m_pool);
    }
    void gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                          const MambaShape &s, float eps) override {
        if (ok() && record(cpu::check_group_norm(ld_z, w, s)))
            cpu::gated_group_norm(y, z, ld_z, n, w.f32(), s, eps, &m_pool);
    }
    void moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                 const Weight &down_exps, const float *x, int64_t n, float *out) override {
        if (ok() && record(cpu::check_moe(r, up_exps, down_exps)))
            cpu::moe_ffn(router_logits, r, to_matrix(up_exps), to_matrix(down_exps), x, n, out, &m_moe,
                         &m_pool);
    }

private:
    bool ok() const { return m_error.ok(); }
    void fail(Status s) {
        if (m_error.ok())
            m_error = std::move(s);
    }
    bool record(Status s) {
        if (s.ok())
            return true;
        fail(std::move(s));
        return false;
    }
    static uint64_t physical_memory_bytes() {
        const long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
        return pages > 0 && page > 0 ? static_cast<uint64_t>(pages) * static_cast<uint64_t>(page) : 0;
    }
    static void copy_bytes(void *dst, const void *src, size_t n) {
        if (n && dst != src)
            std::memmove(dst, src, n);
    }

    cpu::ThreadPool m_pool;
    cpu::MoeScratch m_moe;
    Status m_error;
};

}  // namespace

std::unique_ptr<Backend> cpu_backend_create(const CpuBackendOptions &options) {
    const int n = options.n_threads > 0 ? options.n_threads : cpu::default_thread_count();
    return std::make_unique<CpuBackend>(n);
}

}  // namespace nd
