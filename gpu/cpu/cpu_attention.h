#pragma once
// Causal multi-head attention over a KV cache on the CPU (backend.h Backend::attention): store the batch's
// K/V rows at positions pos0.., then for each (token, head) softmax(q·Kᵀ·scale) over rows 0..pos and the
// weighted sum of V rows.
//
// Precision (matches llama.cpp's CPU path with flash attention off): q·k in f32 (f16 cache rows converted
// to f32 exactly, q stays f32), softmax with the row max subtracted, expf in f32, the sum in double and
// the probabilities multiplied by 1/sum, then Σ p·v accumulated in f32.
//
// Threads: (token, head) pairs are spread over the pool; one decode token with few heads and a long
// context splits each head's positions into blocks whose partial softmax results are merged
// (cpu_attention.cpp).
#include <cstdint>

#include "gpu/model/backend.h"

namespace nd::cpu {

class ThreadPool;

void attention(const KvLayer &cache, int64_t pos0, const float *q, int64_t ldq, const float *k, int64_t ldk,
               const float *v, int64_t ldv, int64_t n, const AttentionShape &s, float *out, ThreadPool *pool);

// Writes the batch's K and V rows into cache rows pos0..pos0+n−1 (f32 or f16).
void attention_store_kv(const KvLayer &cache, int64_t pos0, const float *k, int64_t ldk, const float *v,
                        int64_t ldv, int64_t n, const AttentionShape &s);

}  // namespace nd::cpu
