// Argument checks of the CPU backend's ops (see cpu_ops_check.h).
#include "gpu/cpu/cpu_ops_check.h"

#include <string>

#include "gpu/gguf/gguf_types.h"

namespace nd::cpu {

namespace {

std::string str(int64_t v) {
    return std::to_string(v);
}

Status invalid(const std::string &msg) {
    return ND_STATUS(StatusCode::invalid_argument, msg);
}

}  // namespace

WeightMatrix to_matrix(const Weight &w) {
    return WeightMatrix{w.type, w.n_in, w.n_out, w.data, w.row_bytes};
}

Status check_weight(const Weight &w) {
    const std::string name = std::string("tensor '") + w.name + "'";
    if (!w.present())
        return invalid(name + " is missing");
    if (!ggml_type_supported(static_cast<uint32_t>(w.type)))
        return ND_STATUS(StatusCode::unsupported, name + " has type " +
                                                      ggml_type_name(static_cast<uint32_t>(w.type)) +
                                                      ", which the CPU backend cannot compute with");
    if (w.n_in <= 0 || w.n_out <= 0 || w.n_expert <= 0)
        return invalid(name + " has an empty shape {" + str(w.n_in) + ", " + str(w.n_out) + ", " +
                       str(w.n_expert) + "}");
    const int64_t block = ggml_type_block_size(w.type);
    if (w.n_in % block != 0)
        return invalid(name + ": rows of " + str(w.n_in) + " elements are not a whole number of " +
                       ggml_type_name(static_cast<uint32_t>(w.type)) + " blocks of " + str(block));
    if (w.row_bytes != ggml_row_bytes(w.type, w.n_in))
        return invalid(name + ": row_bytes " + str(w.row_bytes) + " does not match " + str(w.n_in) + " " +
                       ggml_type_name(static_cast<uint32_t>(w.type)) + " elements (" +
                       str(ggml_row_bytes(w.type, w.n_in)) + " bytes)");
    return Status::success();
}

Status check_vector(const Weight &w, int64_t width, const char *op) {
    const std::string name = std::string(op) + ": tensor '" + w.name + "'";
    if (!w.present())
        return invalid(name + " is missing");
    if (w.type != GgmlType::f32)
        return invalid(name + " must be F32 here (the loader converts 1-D tensors), not " +
                       ggml_type_name(static_cast<uint32_t>(w.type)));
    if (w.n_in * w.n_out * w.n_expert != width)
        return invalid(name + " has " + str(w.n_in * w.n_out * w.n_expert) + " values, the op needs " +
                       str(width));
    return Status::success();
}

Status check_matmul(const Weight &w, int64_t expert, int64_t ldx, int64_t ldy, const Weight *bias) {
    if (Status s = check_weight(w); !s.ok())
        return s;
    if (expert < 0 || expert >= w.n_expert)
        return invalid(std::string("matmul: expert ") + str(expert) + " of '" + w.name + "', which has " +
                       str(w.n_expert));
    if (ldx < w.n_in || ldy < w.n_out)
        return invalid(std::string("matmul: '") + w.name + "' is {" + str(w.n_in) + ", " + str(w.n_out) +
                       "} but the row strides are x " + str(ldx) + ", y " + str(ldy));
    if (bias && bias->present())
        return check_vector(*bias, w.n_out, "matmul bias");
    return Status::success();
}

Status check_rope(int64_t ldx, int64_t n_head, int64_t head_dim, const RopeParams &p) {
    if (p.n_rot < 0 || p.n_rot % 2 != 0 || p.n_rot > head_dim)
        return invalid("rope: n_rot " + str(p.n_rot) + " must be even and at most head_dim " + str(head_dim));
    if (n_head < 0 || head_dim < 0 || ldx < n_head * head_dim)
        return invalid("rope: rows of stride " + str(ldx) + " cannot hold " + str(n_head) + " heads of " +
                       str(head_dim));
    if (!(p.freq_base > 0.0f))
        return invalid("rope: freq_base must be positive");
    return Status::success();
}

Status check_attention(const KvLayer &cache, int64_t pos0, int64_t ldq, int64_t ldk, int64_t ldv, int64_t n,
                       const AttentionShape &s) {
    if (s.n_head <= 0 || s.n_head_kv <= 0 || s.n_head % s.n_head_kv != 0 || s.head_dim_k <= 0 ||
        s.head_dim_v <= 0)
        return invalid("attention: bad shape (" + str(s.n_head) + " heads, " + str(s.n_head_kv) +
                       " KV heads, " + "head dims " + str(s.head_dim_k) + "/" + str(s.head_dim_v) + ")");
    if (!cache.k || !cache.v)
        return invalid("attention: the KV cache is not allocated");
    if (pos0 < 0 || n < 0 || pos0 + n > cache.n_ctx)
        return invalid("attention: positions " + str(pos0) + ".." + str(pos0 + n) +
                       " exceed the context of " + str(cache.n_ctx));
    if (ldq < s.n_head * s.head_dim_k || ldk < s.n_head_kv * s.head_dim_k || ldv < s.n_head_kv * s.head_dim_v)
        return invalid("attention: row strides q " + str(ldq) + ", k " + str(ldk) + ", v " + str(ldv) +
                       " are smaller than the rows");
    return Status::success();
}

Status check_mamba_shape(const MambaShape &s) {
    if (s.d_inner <= 0 || s.d_state <= 0 || s.n_group <= 0 || s.n_head <= 0 || s.d_conv <= 0 ||
        s.d_inner % s.n_head != 0 || s.n_head % s.n_group != 0 || s.d_inner % s.n_group != 0)
        return invalid("mamba: bad shape (d_inner " + str(s.d_inner) + ", d_state " + str(s.d_state) +
                       ", n_group " + str(s.n_group) + ", n_head " + str(s.n_head) + ", d_conv " +
                       str(s.d_conv) +
                       "): d_inner and n_head must be multiples of n_group, d_inner of n_head");
    return Status::success();
}

Status check_ssm_conv(int64_t ld_in, const Weight &conv_w, const Weight &conv_b, const MambaShape &s) {
    if (Status st = check_mamba_shape(s); !st.ok())
        return st;
    if (Status st = check_vector(conv_w, s.d_conv * s.conv_dim(), "ssm_conv"); !st.ok())
        return st;
    if (conv_w.n_in != s.d_conv)
        return invalid(std::string("ssm_conv: '") + conv_w.name + "' has rows of " + str(conv_w.n_in) +
                       ", d_conv is " + str(s.d_conv));
    if (Status st = check_vector(conv_b, s.conv_dim(), "ssm_conv"); !st.ok())
        return st;
    if (ld_in < s.conv_dim())
        return invalid("ssm_conv: input stride " + str(ld_in) + " < conv_dim " + str(s.conv_dim()));
    return Status::success();
}

Status check_ssm_scan(int64_t ld_xbc, const Weight &dt_bias, const Weight &a, const Weight &d,
                      const MambaShape &s) {
    if (Status st = check_mamba_shape(s); !st.ok())
        return st;
    for (const Weight *w : {&dt_bias, &a, &d}) {
        if (Status st = check_vector(*w, s.n_head, "ssm_scan"); !st.ok())
            return st;
    }
    if (ld_xbc < s.conv_dim())
        return invalid("ssm_scan: xbc stride " + str(ld_xbc) + " < conv_dim " + str(s.conv_dim()));
    return Status::success();
}

Status check_group_norm(int64_t ld_z, const Weight &w, const MambaShape &s) {
    if (Status st = check_mamba_shape(s); !st.ok())
        return st;
    if (Status st = check_vector(w, s.d_inner, "gated_group_norm"); !st.ok())
        return st;
    if (ld_z < s.d_inner)
        return invalid("gated_group_norm: z stride " + str(ld_z) + " < d_inner " + str(s.d_inner));
    return Status::success();
}

Status check_moe(const MoeRouting &r, const Weight &up_exps, const Weight &down_exps) {
    if (r.n_expert <= 0 || r.n_used <= 0 || r.n_used > r.n_expert)
        return invalid("moe: top-" + str(r.n_used) + " of " + str(r.n_expert) + " experts");
    if (r.n_group < 1 || r.n_expert % r.n_group != 0 || r.n_group_used < 1 || r.n_group_used > r.n_group)
        return invalid("moe: " + str(r.n_expert) + " experts cannot form " + str(r.n_group) +
                       " groups with " + str(r.n_group_used) + " used");
    if (r.n_group > 1 && r.n_used > r.n_group_used * (r.n_expert / r.n_group))
        return invalid("moe: top-" + str(r.n_used) + " needs more experts than " + str(r.n_group_used) +
                       " groups hold");
    for (const Weight *w : {&up_exps, &down_exps}) {
        if (Status st = check_weight(*w); !st.ok())
            return st;
        if (w->n_expert != r.n_expert)
            return invalid(std::string("moe: '") + w->name + "' stacks " + str(w->n_expert) +
                           " experts, routing has " + str(r.n_expert));
    }
    if (down_exps.n_in != up_exps.n_out)
        return invalid(std::string("moe: '") + down_exps.name + "' takes " + str(down_exps.n_in) +
                       " inputs but '" + up_exps.name + "' gives " + str(up_exps.n_out));
    return Status::success();
}

}  // namespace nd::cpu
