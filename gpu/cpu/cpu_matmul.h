#pragma once
// Matrix products with weights in any supported GGUF type, used in place from the memory map: quantized
// weights stay quantized. This is where a CPU forward pass spends its time.
//
// Exactness: like ggml, the activations are first converted to the weight type's "dot type" and the dot
// products run on those: F32 weights × f32, F16 × f16-rounded, BF16 × bf16-rounded, Q4_0/Q5_0/Q8_0/IQ4_NL
// × Q8_0, Q4_1/Q5_1 × Q8_1, Q4_K/Q5_K/Q6_K × Q8_K. Integer block dots are exact, so every path (scalar,
// AVX2, AVX-512) gives the same result up to the order of float additions, and matches llama.cpp's CPU
// backend to rounding.
//
// Speed: decode (one token) streams each weight row once, split over threads by rows; prefill (many
// tokens) tiles rows × tokens so each weight block is decoded once per tile, not once per token.
#include <cstdint>

#include "gpu/gguf/gguf_types.h"

namespace nd::cpu {

class ThreadPool;

// A weight matrix: n_out rows of n_in elements of `type`, row i at data + i * row_bytes. A 3-D expert
// stack {n_in, n_out, n_expert} is n_expert such matrices back to back (expert e starts at
// data + e * n_out * row_bytes).
struct WeightMatrix {
    GgmlType type = GgmlType::f32;
    int64_t n_in = 0;   // ne[0]; a multiple of the type's block size
    int64_t n_out = 0;  // ne[1]
    const uint8_t *data = nullptr;
    int64_t row_bytes = 0;  // ggml_row_bytes(type, n_in)
};

// The expert's matrix in a 3-D stack.
WeightMatrix weight_expert(const WeightMatrix &stack, int64_t expert);

// y[t][n] = Σ_k W[n][k] · x[t][k] for t < n_tok, n < n_out. x is [n_tok][n_in] with row stride ldx floats,
// y is [n_tok][n_out] with row stride ldy floats (ldx >= n_in, ldy >= n_out). Runs on `pool`
// (every thread of it); nullptr runs on the calling thread.
void matmul(const WeightMatrix &w, const float *x, int64_t ldx, int64_t n_tok, float *y, int64_t ldy,
            ThreadPool *pool);

// The reference: dequantise each row to f32 (ggml_dequantize_row) and dot with x in double. Slow; tests
// measure every fast path's error against it.
void matmul_reference(const WeightMatrix &w, const float *x, int64_t ldx, int64_t n_tok, float *y,
                      int64_t ldy);

// Bytes of scratch the activation conversion of n_tok rows needs (matmul allocates it per thread itself;
// exposed so callers can reason about memory).
int64_t matmul_activation_bytes(GgmlType weight_type, int64_t n_in, int64_t n_tok);

}  // namespace nd::cpu
