#pragma once
// Argument checks of the CPU backend's ops (cpu_ops_check.cpp): everything that would make an op read or
// write out of bounds, or compute with a weight of the wrong kind, as a Status naming the op and tensor.
// The backend records the first failure and reports it from sync() (backend.h).
#include <cstdint>

#include "gpu/common/status.h"
#include "gpu/cpu/cpu_matmul.h"
#include "gpu/model/backend.h"

namespace nd::cpu {

WeightMatrix to_matrix(const Weight &w);

// A matrix (or expert stack) the matmul can use: present, a supported type, rows of whole blocks.
Status check_weight(const Weight &w);
// An F32 vector of exactly `width` values (norm weights, biases; a 2-D norm weight counts all values).
Status check_vector(const Weight &w, int64_t width, const char *op);
Status check_matmul(const Weight &w, int64_t expert, int64_t ldx, int64_t ldy, const Weight *bias);
Status check_rope(int64_t ldx, int64_t n_head, int64_t head_dim, const RopeParams &p);
Status check_attention(const KvLayer &cache, int64_t pos0, int64_t ldq, int64_t ldk, int64_t ldv, int64_t n,
                       const AttentionShape &s);
Status check_mamba_shape(const MambaShape &s);
Status check_ssm_conv(int64_t ld_in, const Weight &conv_w, const Weight &conv_b, const MambaShape &s);
Status check_ssm_scan(int64_t ld_xbc, const Weight &dt_bias, const Weight &a, const Weight &d,
                      const MambaShape &s);
Status check_group_norm(int64_t ld_z, const Weight &w, const MambaShape &s);
Status check_moe(const MoeRouting &r, const Weight &up_exps, const Weight &down_exps);

}  // namespace nd::cpu
