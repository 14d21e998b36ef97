// tests/gpu/engine/compare_backend.h
#include "engine/compare_backend.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "gpu/gguf/ggml_quants.h"

namespace nd::test {

CompareBackend::CompareBackend(Backend &reference, Backend &tested, CompareOptions options)
    : m_ref(reference), m_tested(tested), m_options(options) {}

CompareBackend::~CompareBackend() {
    for (const auto &[t, twin] : m_twins) {
        m_ref.release(twin.ref);
        m_tested.release(reinterpret_cast<void *>(t));
    }
}

std::string CompareBackend::name() const {
    return "compare(" + m_ref.name() + " | " + m_tested.name() + ")";
}

void CompareBackend::fail(Status s) {
    if (m_error.ok())
        m_error = std::move(s);
}

void *CompareBackend::translate(const void *tested) {
    if (!tested)
        return nullptr;
    const auto a = reinterpret_cast<uintptr_t>(tested);
    // The last allocation starting at or before `a`; one past its end still counts (an empty tail view),
    // but an allocation starting exactly there wins (upper_bound finds it first).
    auto it = m_twins.upper_bound(a);
    if (it != m_twins.begin()) {
        --it;
        if (a - it->first <= it->second.bytes)
            return static_cast<uint8_t *>(it->second.ref) + (a - it->first);
    }
    fail(ND_STATUS(StatusCode::invalid_argument,
                   "CompareBackend: a pointer that was not allocated through it reached an op"));
    return nullptr;
}

// --- memory ---------------------------------------------------------------------------------------------

Status CompareBackend::alloc(size_t n_bytes, void **out) {
    *out = nullptr;
    void *r = nullptr, *t = nullptr;
    if (Status s = m_ref.alloc(n_bytes, &r); !s.ok())
        return s;
    if (Status s = m_tested.alloc(n_bytes, &t); !s.ok()) {
        m_ref.release(r);
        return s;
    }
    m_twins[reinterpret_cast<uintptr_t>(t)] = Twin{r, n_bytes};
    *out = t;
    return Status::success();
}

void CompareBackend::release(void *p) {
    if (!p)
        return;
    if (auto it = m_twins.find(reinterpret_cast<uintptr_t>(p)); it != m_twins.end()) {
        m_ref.release(it->second.ref);
        m_twins.erase(it);
    }
    m_tested.release(p);
}

void CompareBackend::upload(void *dst, const void *src_host, size_t n_bytes) {
    void *r = ref(dst);
    if (!ok())
        return;
    m_ref.upload(r, src_host, n_bytes);
    m_tested.upload(dst, src_host, n_bytes);
}

void CompareBackend::download(void *dst_host, const void *src, size_t n_bytes) {
    if (ok())
        m_tested.download(dst_host, src, n_bytes);
}

void CompareBackend::copy(void *dst, const void *src, size_t n_bytes) {
    void *rd = ref(dst);
    const void *rs = ref(src);
    if (!ok())
        return;
    m_ref.copy(rd, rs, n_bytes);
    m_tested.copy(dst, src, n_bytes);
}

void CompareBackend::fill_zero(void *dst, size_t n_bytes) {
    void *r = ref(dst);
    if (!ok())
        return;
    m_ref.fill_zero(r, n_bytes);
    m_tested.fill_zero(dst, n_bytes);
}

Status CompareBackend::prepare_weight(const Weight &w) {
    if (Status s = m_ref.prepare_weight(w); !s.ok())
        return s;
    return m_tested.prepare_weight(w);
}

Status CompareBackend::prepare_weights(const std::vector<const Weight *> &weights) {
    if (Status s = m_ref.prepare_weights(weights); !s.ok())
        return s;
    return m_tested.prepare_weights(weights);
}

void CompareBackend::begin_forward(int64_t n_tokens) {
    m_batch = n_tokens;
    m_ref.begin_forward(n_tokens);
    // Per-op comparison needs eager execution: a one-token begin_forward would make a CUDA backend record
    // the step and only run it at sync() (see the header). Larger batches run eagerly anyway.
    if (n_tokens > 1)
        m_tested.begin_forward(n_tokens);
}

Status CompareBackend::sync() {
    Status r = m_ref.sync(), t = m_tested.sync();
    if (!r.ok()) {
        r.message = "reference " + m_ref.name() + ": " + r.message;
        fail(std::move(r));
    }
    if (!t.ok()) {
        t.message = "tested " + m_tested.name() + ": " + t.message;
        fail(std::move(t));
    }
    Status s = std::move(m_error);
    m_error = Status::success();
    return s;
}

// --- comparison -----------------------------------------------------------------------------------------

namespace {

float value_at(const std::vector<uint8_t> &bytes, size_t i, KvType type) {
    if (type == KvType::f16) {
        uint16_t h;
        std::memcpy(&h, bytes.data() + i * 2, 2);
        return ggml_fp16_to_fp32(h);
    }
    float f;
    std::memcpy(&f, bytes.data() + i * 4, 4);
    return f;
}

}  // namespace

void CompareBackend::finish(const char *op, const Weight *w, int64_t n,
                            std::initializer_list<Region> regions) {
    // An op runs on both before either is synced, so the two overlap where the backends are asynchronous.
    Status r = m_ref.sync(), t = m_tested.sync();
    if (!r.ok()) {
        r.message = std::string("reference, ") + op + ": " + r.message;
        fail(std::move(r));
    }
    if (!t.ok()) {
        t.message = std::string("tested, ") + op + ": " + t.message;
        fail(std::move(t));
    }
    if (ok()) {
        OpRecord rec;
        rec.seq = m_seq;
        rec.op = op;
        rec.n_tokens = n;
        if (w) {
            rec.weight = w->name;
            rec.weight_type = w->type;
        } else {
            rec.after = m_last_weight;
        }
        for (const Region &g : regions)
            if (g.rows > 0 && g.width > 0)
                compare(g, rec);
    }
    if (w)
        m_last_weight = w->name;
    ++m_seq;
}

void CompareBackend::compare(const Region &g, OpRecord rec) {
    void *rp = translate(g.p);
    if (!rp)
        return;
    const size_t elem = g.type == KvType::f16 ? 2 : 4;
    const auto span = static_cast<size_t>((g.rows - 1) * g.stride + g.width);
    std::vector<uint8_t> want(span * elem), got(span * elem);
    m_ref.download(want.data(), rp, want.size());
    m_tested.download(got.data(), g.p, got.size());
    rec.output = g.output;
    rec.count = g.rows * g.width;
    bool bytes_differ = false;
    for (int64_t row = 0; row < g.rows; ++row) {
        const auto base = static_cast<size_t>(row * g.stride);
        bytes_differ |= std::memcmp(want.data() + base * elem, got.data() + base * elem,
                                    static_cast<size_t>(g.width) * elem) != 0;
        for (int64_t col = 0; col < g.width; ++col) {
            const double a = value_at(want, base + static_cast<size_t>(col), g.type);
            const double b = value_at(got, base + static_cast<size_t>(col), g.type);
            double d = 0;
            if (a != b) {
                d = std::fabs(a - b);
                if (std::isnan(d))  // NaN on one side only is as different as it gets
                    d = std::isnan(a) && std::isnan(b) ? 0 : INFINITY;
            }
            if (!std::isnan(a))
                rec.max_abs_ref = std::max(rec.max_abs_ref, std::fabs(a));
            if (d > rec.max_abs_diff) {
                rec.max_abs_diff = d;
                rec.worst = row * g.width + col;
            }
        }
    }
    m_report.push_back(std::move(rec));
    if (m_options.resync == CompareResync::on && bytes_differ) {
        // Only the written columns: between strided rows lie other values (q | k | v side by side).
        for (int64_t row = 0; row < g.rows; ++row) {
            const auto at = static_cast<size_t>(row * g.stride) * elem;
            std::memcpy(got.data() + at, want.data() + at, static_cast<size_t>(g.width) * elem);
        }
        m_tested.upload(g.p, got.data(), got.size());
    }
}

// --- ops ------------------------------------------------------------------------------------------------

void CompareBackend::get_rows(const Weight &embd, const int32_t *ids, int64_t n, float *out) {
    float *ro = ref(out);
    if (!ok())
        return;
    m_ref.get_rows(embd, ids, n, ro);
    m_tested.get_rows(embd, ids, n, out);
    finish("get_rows", &embd, n, {{"out", out, n, embd.n_in, embd.n_in}});
}

void CompareBackend::matmul(const Weight &w, int64_t expert, const float *x, int64_t ldx, int64_t n, float *y,
                            int64_t ldy, const Weight *bias) {
    const float *rx = ref(x);
    float *ry = ref(y);
    if (!ok())
        return;
    m_ref.matmul(w, expert, rx, ldx, n, ry, ldy, bias);
    m_tested.matmul(w, expert, x, ldx, n, y, ldy, bias);
    finish("matmul", &w, n, {{"y", y, n, w.n_out, ldy}});
}

void CompareBackend::rms_norm(const float *x, const Weight &w, int64_t n, int64_t width, float eps,
                              float *y) {
    const float *rx = ref(x);
    float *ry = ref(y);
    if (!ok())
        return;
    m_ref.rms_norm(rx, w, n, width, eps, ry);
    m_tested.rms_norm(x, w, n, width, eps, y);
    finish("rms_norm", &w, n, {{"y", y, n, width, width}});
}

void CompareBackend::layer_norm(const float *x, const Weight &w, const Weight *b, int64_t n, int64_t width,
                                float eps, float *y) {
    const float *rx = ref(x);
    float *ry = ref(y);
    if (!ok())
        return;
    m_ref.layer_norm(rx, w, b, n, width, eps, ry);
    m_tested.layer_norm(x, w, b, n, width, eps, y);
    finish("layer_norm", &w, n, {{"y", y, n, width, width}});
}

void CompareBackend::add(float *y, const float *x, int64_t count) {
    float *ry = ref(y);
    const float *rx = ref(x);
    if (!ok())
        return;
    m_ref.add(ry, rx, count);
    m_tested.add(y, x, count);
    finish("add", nullptr, m_batch, {{"y", y, 1, count, count}});
}

void CompareBackend::relu_sqr(float *x, int64_t count) {
    float *rx = ref(x);
    if (!ok())
        return;
    m_ref.relu_sqr(rx, count);
    m_tested.relu_sqr(x, count);
    finish("relu_sqr", nullptr, m_batch, {{"x", x, 1, count, count}});
}

void CompareBackend::swiglu(float *gate, int64_t ld_gate, const float *up, int64_t ld_up, int64_t n,
                            int64_t width) {
    float *rg = ref(gate);
    const float *ru = ref(up);
    if (!ok())
        return;
    m_ref.swiglu(rg, ld_gate, ru, ld_up, n, width);
    m_tested.swiglu(gate, ld_gate, up, ld_up, n, width);
    finish("swiglu", nullptr, n, {{"gate", gate, n, width, ld_gate}});
}

void CompareBackend::rope(float *x, int64_t ldx, int64_t n, int64_t n_head, int64_t head_dim,
                          const int32_t *pos, const RopeParams &p) {
    float *rx = ref(x);
    if (!ok())
        return;
    m_ref.rope(rx, ldx, n, n_head, head_dim, pos, p);
    m_tested.rope(x, ldx, n, n_head, head_dim, pos, p);
    finish("rope", nullptr, n, {{"x", x, n, n_head * head_dim, ldx}});
}

void CompareBackend::attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq,
                               const float *k, int64_t ldk, const float *v, int64_t ldv, int64_t n,
                               const AttentionShape &s, float *out) {
    KvLayer rc = cache;
    rc.k = ref(cache.k);
    rc.v = ref(cache.v);
    const float *rq = ref(q), *rk = ref(k), *rv = ref(v);
    float *ro = ref(out);
    if (!ok())
        return;
    m_ref.attention(rc, pos0, rq, ldq, rk, ldk, rv, ldv, n, s, ro);
    m_tested.attention(cache, pos0, q, ldq, k, ldk, v, ldv, n, s, out);
    // The cache rows pos0..pos0+n-1 this call stored, in the cache's element type.
    const int64_t elem = cache.type == KvType::f16 ? 2 : 4;
    const int64_t wk = s.n_head_kv * s.head_dim_k, wv = s.n_head_kv * s.head_dim_v;
    auto *kp = static_cast<uint8_t *>(cache.k) + pos0 * wk * elem;
    auto *vp = static_cast<uint8_t *>(cache.v) + pos0 * wv * elem;
    const int64_t wo = s.n_head * s.head_dim_v;
    finish("attention", nullptr, n,
           {{"out", out, n, wo, wo},
            {"k cache", kp, n, wk, wk, cache.type},
            {"v cache", vp, n, wv, wv, cache.type}});
}

void CompareBackend::ssm_conv(const float *in, int64_t ld_in, int64_t n, float *conv_state,
                              const Weight &conv_w, const Weight &conv_b, const MambaShape &s, float *out) {
    const float *ri = ref(in);
    float *rs = ref(conv_state), *ro = ref(out);
    if (!ok())
        return;
    m_ref.ssm_conv(ri, ld_in, n, rs, conv_w, conv_b, s, ro);
    m_tested.ssm_conv(in, ld_in, n, conv_state, conv_w, conv_b, s, out);
    const int64_t cd = s.conv_dim(), state = cd * (s.d_conv - 1);
    finish("ssm_conv", &conv_w, n, {{"out", out, n, cd, cd}, {"conv_state", conv_state, 1, state, state}});
}

void CompareBackend::ssm_scan(const float *xbc, int64_t ld_xbc, const float *dt_raw, int64_t ld_dt,
                              const Weight &dt_bias, const Weight &a, const Weight &d, int64_t n,
                              float *state, const MambaShape &s, float *y) {
    const float *rx = ref(xbc), *rd = ref(dt_raw);
    float *rs = ref(state), *ry = ref(y);
    if (!ok())
        return;
    m_ref.ssm_scan(rx, ld_xbc, rd, ld_dt, dt_bias, a, d, n, rs, s, ry);
    m_tested.ssm_scan(xbc, ld_xbc, dt_raw, ld_dt, dt_bias, a, d, n, state, s, y);
    const int64_t Di = s.d_inner, st = s.d_inner * s.d_state;  // state [nh][P][N], nh·P = Di
    finish("ssm_scan", &a, n, {{"y", y, n, Di, Di}, {"state", state, 1, st, st}});
}

void CompareBackend::gated_group_norm(float *y, const float *z, int64_t ld_z, int64_t n, const Weight &w,
                                      const MambaShape &s, float eps) {
    float *ry = ref(y);
    const float *rz = ref(z);
    if (!ok())
        return;
    m_ref.gated_group_norm(ry, rz, ld_z, n, w, s, eps);
    m_tested.gated_group_norm(y, z, ld_z, n, w, s, eps);
    finish("gated_group_norm", &w, n, {{"y", y, n, s.d_inner, s.d_inner}});
}

void CompareBackend::moe_ffn(const float *router_logits, const MoeRouting &r, const Weight &up_exps,
                             const Weight &down_exps, const float *x, int64_t n, float *out) {
    const float *rl = ref(router_logits), *rx = ref(x);
    float *ro = ref(out);
    if (!ok())
        return;
    m_ref.moe_ffn(rl, r, up_exps, down_exps, rx, n, ro);
    m_tested.moe_ffn(router_logits, r, up_exps, down_exps, x, n, out);
    const int64_t w = down_exps.n_out;
    finish("moe_ffn", &up_exps, n, {{"out", out, n, w, w}});
}

// --- report ---------------------------------------------------------------------------------------------

std::string compare_format_worst(const std::vector<OpRecord> &records, size_t n) {
    std::vector<size_t> order(records.size());
    std::iota(order.begin(), order.end(), size_t{0});
    std::stable_sort(order.begin(), order.end(),
                     [&](size_t a, size_t b) { return records[a].rel() > records[b].rel(); });
    order.resize(std::min(n, order.size()));
    std::string out =
        "   op#  tok  op                buffer      weight                            max|diff|   "
        "max|ref|   relative   worst\n";
    char line[512];
    for (size_t i : order) {
        const OpRecord &r = records[i];
        const std::string where =
            !r.weight.empty() ? r.weight + " (" + ggml_type_name(static_cast<uint32_t>(r.weight_type)) + ")"
                              : "after " + (r.after.empty() ? "-" : r.after);
        std::snprintf(line, sizeof line, "%6lld %4lld  %-17s %-11s %-33s %10.3e %10.3e %10.3e %7lld\n",
                      static_cast<long long>(r.seq), static_cast<long long>(r.n_tokens), r.op.c_str(),
                      r.output.c_str(), where.c_str(), r.max_abs_diff, r.max_abs_ref, r.rel(),
                      static_cast<long long>(r.worst));
        out += line;
    }
    return out;
}

}  // namespace nd::test
