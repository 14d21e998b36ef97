#pragma once
// Shared by the matmul tests: random weight matrices of any type, random activations, and the error
// bound of the activation conversion (derived in bound_for below).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_matmul.h"
#include "gpu/gguf/ggml_quants.h"

namespace nd::test {

struct TestMatrix {
    std::vector<uint8_t> bytes;
    std::vector<float> dequant;  // (n_out, n_in) what the weights really are
    cpu::WeightMatrix w;
};

// Weights with a spread of row and block magnitudes, quantised with the reference quantiser.
inline TestMatrix make_matrix(GgmlType type, int64_t n_in, int64_t n_out, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.f, 1.f);
    std::uniform_real_distribution<float> mag(0.02f, 2.f);
    TestMatrix m;
    m.w.type = type;
    m.w.n_in = n_in;
    m.w.n_out = n_out;
    m.w.row_bytes = ggml_row_bytes(type, n_in);
    m.bytes.assign(static_cast<size_t>(m.w.row_bytes * n_out), 0);
    m.dequant.resize(static_cast<size_t>(n_in * n_out));
    std::vector<float> row(static_cast<size_t>(n_in));
    for (int64_t r = 0; r < n_out; ++r) {
        const float rmag = mag(rng);
        const float offset = (r % 3 == 0) ? 0.5f * nd(rng) : 0.f;  // exercise the min of Q4_1/Q4_K
        for (int64_t k = 0; k < n_in; ++k)
            row[static_cast<size_t>(k)] = rmag * nd(rng) + offset;
        EXPECT_TRUE(ggml_quantize_row(type, row.data(), n_in, m.bytes.data() + r * m.w.row_bytes).ok());
        EXPECT_TRUE(
            ggml_dequantize_row(type, m.bytes.data() + r * m.w.row_bytes, n_in, m.dequant.data() + r * n_in)
                .ok());
    }
    m.w.data = m.bytes.data();
    return m;
}

// Activations (n_tok rows of stride ldx): mostly normal, with one all-zero block per row, some large
// blocks, and exact ties (x·127/amax = k + 0.5) so the rounding mode matters.
inline std::vector<float> make_activations(int64_t n_in, int64_t n_tok, int64_t ldx, uint32_t seed) {
    std::mt19937 rng(seed);
    std::normal_distribution<float> nd(0.f, 1.f);
    std::vector<float> x(static_cast<size_t>(ldx * n_tok), 1e30f);  // padding: must never be read
    for (int64_t t = 0; t < n_tok; ++t) {
        for (int64_t k = 0; k < n_in; ++k) {
            float v = nd(rng);
            if ((k / 32) % 5 == 2)
                v *= 20.f;
            if ((k / 32) == (t % (n_in / 32)) && n_in >= 64)
                v = 0.f;
            x[static_cast<size_t>(t * ldx + k)] = v;
        }
        if (n_in >= 64) {  // a block with amax 127 and halves: 127/amax = 1, so x = 2.5 is a tie
            const int64_t b = (t + 1) % (n_in / 32);
            for (int j = 0; j < 32; ++j)
                x[static_cast<size_t>(t * ldx + b * 32 + j)] =
                    (j == 0) ? 127.f : static_cast<float>(j % 7) - 2.5f;
        }
    }
    return x;
}

// The largest |y - y_ref| the activation conversion allows for row r, token t (y_ref: exact weights
// times unconverted x, in double). Derivation, per element k of block b with d_b = amax_b/127:
//   Q8_0 / Q8_1 activations: x̂ = fp16(d_b)·rne(x/d_b); |x - x̂| <= d_b/2 + 127·|fp16(d_b) - d_b|
//     <= d_b·(0.5 + 127·2^-11) < 0.563·d_b. Integer block dots are exact, so |Σ w(x - x̂)| <= 0.563·Σ
//     d_b·Σ|w|. Q4_1/Q5_1 use the block sum s = fp16(d_b·Σq) in m·s instead of m·Σ x̂: with w = dw·q + m, the
//     extra error is |m|·(|s - d_b·Σq| + |d_b·Σq - Σx| + 32·0.063·d_b) <= |m|·d_b·(2^-11·32·127 + 16 + 2.1)
//     < 20.2·|m|·d_b, plus |m|·32·0.563·d_b from bounding |dw·q| by |w| + |m|: 38.3·|m|·d_b in all.
//   Q8_K: d = max/127 in f32, so |x - x̂| <= 0.5·d·(1 + 1e-6) — 0.51·Σ d_b·Σ|w|; the mins cancel exactly.
//   F16: |x - x̂| <= 2^-11·|x| (normal range);  BF16: 2^-8·|x|;  F32: 0.
// Plus float summation: each path adds at most a few hundred terms in f32: 1e-5·Σ|w·x| covers it.
inline double bound_for(const TestMatrix &m, const float *x, int64_t r) {
    const GgmlType type = m.w.type;
    const int64_t n = m.w.n_in;
    const float *w = m.dequant.data() + r * n;
    double sum_abs = 0;
    for (int64_t k = 0; k < n; ++k)
        sum_abs += std::fabs(static_cast<double>(w[k]) * x[k]);
    double bound = 1e-5 * sum_abs + 1e-6;
    switch (type) {
        case GgmlType::f32:
            return bound;
        case GgmlType::f16:
            return bound + std::ldexp(sum_abs, -11);
        case GgmlType::bf16:
            return bound + std::ldexp(sum_abs, -8);
        default:
            break;
    }
    const bool k_quant = ggml_type_block_size(type) == 256;
    const int bs = k_quant ? 256 : 32;
    const double c = k_quant ? 0.51 : 0.563;
    const bool has_min = type == GgmlType::q4_1 || type == GgmlType::q5_1;
    for (int64_t b = 0; b < n / bs; ++b) {
        double amax = 0, wabs = 0;
        for (int j = 0; j < bs; ++j) {
            amax = std::fmax(amax, std::fabs(x[b * bs + j]));
            wabs += std::fabs(w[b * bs + j]);
        }
        const double d = amax / 127.0;
        bound += c * d * wabs;
        if (has_min) {
            const uint8_t *blk = m.w.data + r * m.w.row_bytes + b * ggml_type_block_bytes(type);
            const double mval = ggml_fp16_to_fp32(static_cast<uint16_t>(blk[2] | (blk[3] << 8)));
            bound += 38.3 * std::fabs(mval) * d;
        }
    }
    return bound;
}

inline std::string shape_name(GgmlType type, int64_t n_in, int64_t n_out, int64_t n_tok) {
    return ggml_type_name(static_cast<uint32_t>(type)) + " " + std::to_string(n_out) + "x" +
           std::to_string(n_in) + " n_tok=" + std::to_string(n_tok);
}

// n_in for a type: not a multiple of 256 for the legacy types (13 blocks), 3 super-blocks for K-quants.
inline int64_t test_width(GgmlType type) {
    const int64_t bs = ggml_type_block_size(type);
    return bs == 256 ? 768 : (bs == 32 ? 416 : 419);
}

}  // namespace nd::test
