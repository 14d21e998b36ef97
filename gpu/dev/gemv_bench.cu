// gemv workbench: checks the matrix kernels of gpu/cuda/ (gemv, gemv_experts, dequantize, convert_rows,
// get_rows) against the CPU reference on odd shapes (quantized types: the CPU backend's exact numerics,
// nd::cpu::act_quantize_row + the scalar dot kernels, to 2e-5; F32/F16/BF16: a double product of the
// dequantised weights), then times gemv (int8-activation path for the quantized types, conversion
// included) for every weight type
// on decode-sized shapes and prints GB/s and the percentage of the device-to-device copy bandwidth it
// measures itself (cudaMemcpy D2D of 1 GiB, bytes counted as read + write). Notes: gpu/dev/NOTES.md.
//
// Build (from the repository root; the .cpp files are the CPU reference dequantiser/quantiser):
//   nvcc -std=c++20 -O3 -arch=native -I. gpu/dev/gemv_bench.cu gpu/cuda/cuda_gemv.cu
//   gpu/cuda/cuda_gemv_experts.cu gpu/cuda/cuda_quantize_act.cu gpu/cuda/cuda_dequant.cu
//   gpu/cuda/cuda_get_rows.cu gpu/cpu/cpu_quant.cpp gpu/cpu/cpu_dot_scalar.cpp gpu/gguf/ggml_quants.cpp
//   gpu/gguf/ggml_quantize.cpp gpu/gguf/gguf_types.cpp gpu/common/status.cpp -o /tmp/gemv_bench
// Run: /tmp/gemv_bench [--check-only | --bench-only] [--types q4_0,q4_k,...]
//
// Timing: each measurement rotates over enough copies of the matrix (in one 2 GiB+ buffer) that no
// repetition finds it in L2; the time is the median of the repetitions' cudaEvent times. Bytes are the
// matrix's bytes (x and y are negligible).
#include <cuda_runtime.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_dot.h"
#include "gpu/cpu/cpu_quant.h"
#include "gpu/cuda/cuda_kernels.h"
#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_types.h"

using nd::GgmlType;

#define CK(call)                                                                                        \
    do {                                                                                                \
        cudaError_t e_ = (call);                                                                        \
        if (e_ != cudaSuccess) {                                                                        \
            std::fprintf(stderr, "%s:%d: %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_)); \
            std::exit(2);                                                                               \
        }                                                                                               \
    } while (0)

namespace {

int g_failures = 0;

std::vector<float> random_floats(size_t n, uint32_t seed) {
    std::mt19937 rng(seed);
    std::uniform_real_distribution<float> u(-1.0f, 1.0f);
    std::vector<float> v(n);
    for (auto &f : v)
        f = u(rng);
    return v;
}

// A host matrix [n_out][n_in] (× n_expert) of `type` made by the reference quantiser, and its reference
// dequantisation.
struct HostMatrix {
    GgmlType type;
    int64_t n_in, n_out, n_expert, row_bytes;
    std::vector<uint8_t> bytes;
    std::vector<float> deq;  // (n_expert * n_out, n_in)
};

HostMatrix make_matrix(GgmlType type, int64_t n_in, int64_t n_out, int64_t n_expert, uint32_t seed) {
    HostMatrix m{type, n_in, n_out, n_expert, nd::ggml_row_bytes(type, n_in), {}, {}};
    const int64_t rows = n_out * n_expert;
    m.bytes.resize(static_cast<size_t>(rows * m.row_bytes));
    m.deq.resize(static_cast<size_t>(rows * n_in));
    const std::vector<float> src = random_floats(static_cast<size_t>(rows * n_in), seed);
    for (int64_t r = 0; r < rows; ++r) {
        if (!nd::ggml_quantize_row(type, src.data() + r * n_in, n_in, m.bytes.data() + r * m.row_bytes)
                 .ok() ||
            !nd::ggml_dequantize_row(type, m.bytes.data() + r * m.row_bytes, n_in, m.deq.data() + r * n_in)
                 .ok()) {
            std::fprintf(stderr, "reference quantiser failed for %s\n",
                         nd::ggml_type_name(uint32_t(type)).c_str());
            std::exit(2);
        }
    }
    return m;
}

template <class T>
T *to_device(const std::vector<T> &v, size_t extra_bytes = 0) {
    void *p = nullptr;
    CK(cudaMalloc(&p, v.size() * sizeof(T) + extra_bytes + 16));
    CK(cudaMemcpy(p, v.data(), v.size() * sizeof(T), cudaMemcpyHostToDevice));
    return static_cast<T *>(p);
}

bool is_quant(GgmlType t) {
    return t != GgmlType::f32 && t != GgmlType::f16 && t != GgmlType::bf16;
}

// The CPU backend's product of weight row `wrow` with activation row x (n_in floats): x converted to the
// type's dot type (act_quantize_row), then the scalar kernel. Only for the quantized types.
float cpu_exact_dot(GgmlType type, const uint8_t *wrow, int64_t row_bytes, const float *x, int64_t n_in) {
    const nd::cpu::ActLayout l = nd::cpu::act_layout(nd::cpu::act_format_for(type), n_in);
    std::vector<uint8_t> xq(size_t(l.row_bytes));
    nd::cpu::act_quantize_row(l, x, xq.data());
    nd::cpu::DotArgs a;
    a.w = wrow;
    a.w_row_bytes = row_bytes;
    a.n_in = n_in;
    a.xq = xq.data();
    a.xq_row_bytes = l.row_bytes;
    a.layout = l;
    a.n_tok = 1;
    float y = 0;
    a.y = &y;
    a.ldy = 1;
    nd::cpu::dot_table_scalar().kernel[nd::cpu::dot_type_index(type)](a, 0, 1);
    return y;
}

void *act_scratch(GgmlType type, int64_t n_in, int64_t rows) {
    const int64_t b = nd::cuda::gemv_act_bytes(type, n_in, rows);
    void *p = nullptr;
    if (b > 0)
        CK(cudaMalloc(&p, size_t(b)));
    return p;
}

void report(bool ok, const std::string &what, double err) {
    if (!ok) {
        ++g_failures;
        std::printf("FAIL %s (err %.3g)\n", what.c_str(), err);
    }
}

// max |got − want| / max(max |want|, 1e-6)
double rel_err(const std::vector<float> &got, const std::vector<float> &want) {
    double m = 1e-6, d = 0;
    for (size_t i = 0; i < want.size(); ++i) {
        m = std::max(m, double(std::fabs(want[i])));
        const double e = std::fabs(double(got[i]) - double(want[i]));
        d = std::isnan(got[i]) ? INFINITY : std::max(d, e);
    }
    return d / m;
}

std::string type_name(GgmlType t) {
    return nd::ggml_type_name(static_cast<uint32_t>(t));
}

nd::cuda::DevMatrix dev_matrix(const HostMatrix &m, const uint8_t *d) {
    nd::cuda::DevMatrix w;
    w.type = m.type;
    w.data = d;
    w.n_in = m.n_in;
    w.n_out = m.n_out;
    w.row_bytes = m.row_bytes;
    w.expert_bytes = m.n_out * m.row_bytes;
    return w;
}

// gemv on (n, ldx) activations with an optional bias, expert `e` of a 2-matrix stack, vs a double dot.
void check_gemv(GgmlType type, int64_t n_in, int64_t n_out, int n, int64_t ldx, bool bias) {
    const HostMatrix m = make_matrix(type, n_in, n_out, 2, 1000 + uint32_t(n_in * 7 + n_out));
    const std::vector<float> x = random_floats(size_t(n * ldx), 77);
    const std::vector<float> b = random_floats(size_t(n_out), 78);
    const int64_t ldy = n_out + 5;
    uint8_t *dw = to_device(m.bytes);
    float *dx = to_device(x), *db = to_device(b);
    float *dy = nullptr;
    CK(cudaMalloc(&dy, size_t(n * ldy) * 4));
    CK(cudaMemset(dy, 0xFF, size_t(n * ldy) * 4));  // NaN: an unwritten output shows
    const int64_t e = 1;
    void *act = act_scratch(type, n_in, n);
    nd::cuda::gemv(dev_matrix(m, dw), e, dx, ldx, n, dy, ldy, bias ? db : nullptr, act, nullptr);
    CK(cudaGetLastError());
    std::vector<float> y(size_t(n * ldy)), got, want;
    CK(cudaMemcpy(y.data(), dy, y.size() * 4, cudaMemcpyDeviceToHost));
    for (int t = 0; t < n; ++t)
        for (int64_t o = 0; o < n_out; ++o) {
            double s = bias ? b[size_t(o)] : 0.0;
            if (is_quant(type)) {
                const float dq = cpu_exact_dot(type, m.bytes.data() + (e * n_out + o) * m.row_bytes,
                                               m.row_bytes, x.data() + t * ldx, n_in);
                s = bias ? double(dq + b[size_t(o)]) : double(dq);
            } else {
                const float *wr = m.deq.data() + (e * n_out + o) * n_in;
                for (int64_t i = 0; i < n_in; ++i)
                    s += double(wr[i]) * x[size_t(t * ldx + i)];
            }
            want.push_back(float(s));
            got.push_back(y[size_t(t * ldy + o)]);
        }
    const double err = rel_err(got, want);
    report(err <= (is_quant(type) ? 2e-5 : 1e-4),
           "gemv " + type_name(type) + " n_in=" + std::to_string(n_in) + " n_out=" + std::to_string(n_out) +
               " n=" + std::to_string(n) + " ldx=" + std::to_string(ldx) + (bias ? " bias" : ""),
           err);
    CK(cudaFree(dw));
    CK(cudaFree(dx));
    CK(cudaFree(db));
    CK(cudaFree(dy));
    CK(cudaFree(act));
}

void check_experts(GgmlType type, int64_t n_in, int64_t n_out) {
    const int64_t n_expert = 3, n_slots = 4, x_div = 2;
    const HostMatrix m = make_matrix(type, n_in, n_out, n_expert, 500 + uint32_t(n_in));
    const int64_t ldx = n_in + 1, ldy = n_out + 3;
    const std::vector<float> x = random_floats(size_t(2 * ldx), 79);
    const std::vector<int32_t> ids = {2, 0, 1, 2};
    uint8_t *dw = to_device(m.bytes);
    float *dx = to_device(x);
    int32_t *di = to_device(ids);
    float *dy = nullptr;
    CK(cudaMalloc(&dy, size_t(n_slots * ldy) * 4));
    void *act = act_scratch(type, n_in, (n_slots + x_div - 1) / x_div);
    nd::cuda::gemv_experts(dev_matrix(m, dw), di, n_slots, dx, ldx, x_div, dy, ldy, act, nullptr);
    CK(cudaGetLastError());
    std::vector<float> y(size_t(n_slots * ldy)), got, want;
    CK(cudaMemcpy(y.data(), dy, y.size() * 4, cudaMemcpyDeviceToHost));
    for (int64_t s = 0; s < n_slots; ++s)
        for (int64_t o = 0; o < n_out; ++o) {
            double acc = 0;
            if (is_quant(type)) {
                acc = cpu_exact_dot(type, m.bytes.data() + (ids[size_t(s)] * n_out + o) * m.row_bytes,
                                    m.row_bytes, x.data() + (s / x_div) * ldx, n_in);
            } else {
                const float *wr = m.deq.data() + (ids[size_t(s)] * n_out + o) * n_in;
                for (int64_t i = 0; i < n_in; ++i)
                    acc += double(wr[i]) * x[size_t((s / x_div) * ldx + i)];
            }
            want.push_back(float(acc));
            got.push_back(y[size_t(s * ldy + o)]);
        }
    const double err = rel_err(got, want);
    report(err <= (is_quant(type) ? 2e-5 : 1e-4),
           "gemv_experts " + type_name(type) + " n_in=" + std::to_string(n_in), err);
    CK(cudaFree(act));
    CK(cudaFree(dw));
    CK(cudaFree(dx));
    CK(cudaFree(di));
    CK(cudaFree(dy));
}

// dequantize (all three tiles) and get_rows must give the reference values exactly.
void check_exact(GgmlType type, int64_t n_in, int64_t n_out) {
    const HostMatrix m = make_matrix(type, n_in, n_out, 2, 900 + uint32_t(n_in));
    uint8_t *dw = to_device(m.bytes);
    const int64_t row0 = 1, n_rows = n_out - 1, e = 1;
    void *dt = nullptr;
    CK(cudaMalloc(&dt, size_t(n_rows * n_in) * 4));
    for (auto tile : {nd::cuda::TileType::f32, nd::cuda::TileType::f16, nd::cuda::TileType::bf16}) {
        nd::cuda::dequantize(dev_matrix(m, dw), e, row0, n_rows, tile, dt, nullptr);
        CK(cudaGetLastError());
        size_t bad = 0;
        if (tile == nd::cuda::TileType::f32) {
            std::vector<float> got(size_t(n_rows * n_in));
            CK(cudaMemcpy(got.data(), dt, got.size() * 4, cudaMemcpyDeviceToHost));
            for (size_t i = 0; i < got.size(); ++i)
                bad += std::memcmp(&got[i], &m.deq[size_t((e * n_out + row0) * n_in) + i], 4) != 0;
        } else {
            std::vector<uint16_t> got(size_t(n_rows * n_in));
            CK(cudaMemcpy(got.data(), dt, got.size() * 2, cudaMemcpyDeviceToHost));
            for (size_t i = 0; i < got.size(); ++i) {
                const float v = m.deq[size_t((e * n_out + row0) * n_in) + i];
                const uint16_t want =
                    tile == nd::cuda::TileType::f16 ? nd::ggml_fp32_to_fp16(v) : nd::ggml_fp32_to_bf16(v);
                bad += got[i] != want;
            }
        }
        report(bad == 0,
               "dequantize " + type_name(type) + " tile " + std::to_string(int(tile)) +
                   " n_in=" + std::to_string(n_in),
               double(bad));
    }
    // get_rows from the first matrix of the stack (as an embedding table).
    const std::vector<int32_t> ids = {int32_t(n_out - 1), 0, int32_t(n_out / 2), 0};
    int32_t *di = to_device(ids);
    float *dout = nullptr;
    CK(cudaMalloc(&dout, ids.size() * size_t(n_in) * 4));
    nd::cuda::get_rows(dev_matrix(m, dw), di, int64_t(ids.size()), dout, nullptr);
    CK(cudaGetLastError());
    std::vector<float> got(ids.size() * size_t(n_in));
    CK(cudaMemcpy(got.data(), dout, got.size() * 4, cudaMemcpyDeviceToHost));
    size_t bad = 0;
    for (size_t t = 0; t < ids.size(); ++t)
        bad += std::memcmp(got.data() + t * size_t(n_in), m.deq.data() + size_t(ids[t] * n_in),
                           size_t(n_in) * 4) != 0;
    report(bad == 0, "get_rows " + type_name(type) + " n_in=" + std::to_string(n_in), double(bad));
    CK(cudaFree(dw));
    CK(cudaFree(dt));
    CK(cudaFree(di));
    CK(cudaFree(dout));
}

void check_convert() {
    const int64_t n = 3, width = 37, ldx = 41;
    std::vector<float> x = random_floats(size_t(n * ldx), 5);
    x[0] = 70000.0f, x[1] = 1e-7f, x[2] = -3.0e-8f;  // overflow to inf, subnormal halves
    float *dx = to_device(x);
    uint16_t *dout = nullptr;
    CK(cudaMalloc(&dout, size_t(n * width) * 2));
    for (auto tile : {nd::cuda::TileType::f16, nd::cuda::TileType::bf16}) {
        nd::cuda::convert_rows(dx, ldx, n, width, tile, dout, nullptr);
        CK(cudaGetLastError());
        std::vector<uint16_t> got(size_t(n * width));
        CK(cudaMemcpy(got.data(), dout, got.size() * 2, cudaMemcpyDeviceToHost));
        size_t bad = 0;
        for (int64_t t = 0; t < n; ++t)
            for (int64_t c = 0; c < width; ++c) {
                const float v = x[size_t(t * ldx + c)];
                const uint16_t want =
                    tile == nd::cuda::TileType::f16 ? nd::ggml_fp32_to_fp16(v) : nd::ggml_fp32_to_bf16(v);
                bad += got[size_t(t * width + c)] != want;
            }
        report(bad == 0, "convert_rows tile " + std::to_string(int(tile)), double(bad));
    }
    CK(cudaFree(dx));
    CK(cudaFree(dout));
}

void run_checks(const std::vector<GgmlType> &types) {
    for (GgmlType type : types) {
        const int64_t bs = nd::ggml_type_block_size(type);
        std::vector<int64_t> n_ins;
        if (bs == 1)
            n_ins = {1, 31, 33, 129, 4096};
        else
            n_ins = {bs, 3 * bs, 7 * bs, 4096};
        for (int64_t n_in : n_ins) {
            for (int64_t n_out : {1, 7, 33, 257})
                for (int n : {1, 3, 8})
                    check_gemv(type, n_in, n_out, n, n_in + (n == 3 ? 3 : 0), n == 8);
            check_gemv(type, n_in, 5, 2, n_in + 4, true);
            check_experts(type, n_in, 9);
            check_exact(type, n_in, 13);
        }
        std::printf("checked %s\n", type_name(type).c_str());
        std::fflush(stdout);
    }
    check_convert();
}

// --- timing ---------------------------------------------------------------------------------------------

// Fills n bytes with valid random blocks of `type`: random bytes, then every f16/bf16/f32 value made a
// finite number of modest size.
__global__ void fill_kernel(uint8_t *p, int64_t n_words, uint32_t seed) {
    for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n_words;
         i += int64_t(gridDim.x) * blockDim.x) {
        uint32_t h = uint32_t(i) * 0x9E3779B1u ^ seed;
        h ^= h >> 15, h *= 0x2C1B3C6Du, h ^= h >> 12, h *= 0x297A2D39u, h ^= h >> 15;
        reinterpret_cast<uint32_t *>(p)[i] = h;
    }
}
// The f16 scale fields at `offsets` of every block (and every element for F16/BF16/F32) set to small
// finite values; bits of the random byte pattern keep them varied.
__global__ void fix_kernel(uint8_t *p, int64_t n_blocks, int block_bytes, int o1, int o2, int kind) {
    for (int64_t b = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; b < n_blocks;
         b += int64_t(gridDim.x) * blockDim.x) {
        uint8_t *q = p + b * block_bytes;
        auto fix16 = [](uint8_t *s, int kind16) {
            uint16_t v = uint16_t(s[0] | (s[1] << 8));
            v = kind16 == 0 ? uint16_t((v & 0x83FF) | 0x2000)
                            : uint16_t((v & 0x807F) | 0x3C00);  // f16 / bf16
            s[0] = uint8_t(v), s[1] = uint8_t(v >> 8);
        };
        if (kind == 1)
            fix16(q, 0);  // F16 element
        else if (kind == 2)
            fix16(q, 1);  // BF16 element
        else if (kind == 3) {
            uint32_t v;
            memcpy(&v, q, 4);
            v = (v & 0x807FFFFFu) | 0x3E000000u;
            memcpy(q, &v, 4);
        } else {
            if (o1 >= 0)
                fix16(q + o1, 0);
            if (o2 >= 0)
                fix16(q + o2, 0);
        }
    }
}

void fill_random(uint8_t *d, int64_t bytes, GgmlType type) {
    fill_kernel<<<4096, 256>>>(d, bytes / 4, 12345u);
    const int64_t bb = nd::ggml_type_block_bytes(type);
    int o1 = -1, o2 = -1, kind = 0;
    switch (type) {
        case GgmlType::f32:
            kind = 3;
            break;
        case GgmlType::f16:
            kind = 1;
            break;
        case GgmlType::bf16:
            kind = 2;
            break;
        case GgmlType::q4_1:
        case GgmlType::q5_1:
        case GgmlType::q4_k:
        case GgmlType::q5_k:
            o1 = 0, o2 = 2;
            break;
        case GgmlType::q6_k:
            o1 = 208;
            break;
        default:
            o1 = 0;
            break;
    }
    fix_kernel<<<4096, 256>>>(d, bytes / bb, int(bb), o1, o2, kind);
    CK(cudaGetLastError());
    CK(cudaDeviceSynchronize());
}

float median(std::vector<float> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

double measure_d2d_gbs() {
    const size_t bytes = size_t(1) << 30;
    void *a = nullptr, *b = nullptr;
    CK(cudaMalloc(&a, bytes));
    CK(cudaMalloc(&b, bytes));
    CK(cudaMemset(a, 1, bytes));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::vector<float> ms;
    for (int i = 0; i < 6; ++i) {
        CK(cudaEventRecord(e0));
        CK(cudaMemcpyAsync(b, a, bytes, cudaMemcpyDeviceToDevice));
        CK(cudaEventRecord(e1));
        CK(cudaEventSynchronize(e1));
        float t = 0;
        CK(cudaEventElapsedTime(&t, e0, e1));
        if (i > 0)
            ms.push_back(t);
    }
    CK(cudaFree(a));
    CK(cudaFree(b));
    return 2.0 * double(bytes) / (median(ms) * 1e-3) / 1e9;
}

void run_bench(const std::vector<GgmlType> &types, double d2d) {
    struct Shape {
        int64_t n_in, n_out;
    };
    const Shape shapes[] = {{4096, 4096}, {4096, 14336}, {14336, 4096}, {4096, 131072}};
    const int ns[] = {1, 2, 8};
    size_t max_bytes = 0;
    for (GgmlType t : types)
        for (const Shape &s : shapes)
            max_bytes = std::max(max_bytes, size_t(nd::ggml_row_bytes(t, s.n_in) * s.n_out));
    const size_t buf_bytes = std::max(max_bytes, size_t(2) << 30) + 4096;
    uint8_t *buf = nullptr;
    CK(cudaMalloc(&buf, buf_bytes));
    float *x = nullptr, *y = nullptr;
    CK(cudaMalloc(&x, 8 * 16384 * 4));
    CK(cudaMalloc(&y, 8 * 131072 * 4));
    {
        const std::vector<float> xr =
            random_floats(8 * 16384, 4242);  // non-zero: the conversion does real work
        CK(cudaMemcpy(x, xr.data(), xr.size() * 4, cudaMemcpyHostToDevice));
    }
    void *act = nullptr;
    CK(cudaMalloc(&act, size_t(8) * 16384 * 2 + 65536));
    cudaEvent_t e0, e1;
    CK(cudaEventCreate(&e0));
    CK(cudaEventCreate(&e1));
    std::printf("\ngemv, device-to-device copy %.0f GB/s (read + write)\n", d2d);
    std::printf("%-7s %-13s", "type", "n_in x n_out");
    for (int n : ns)
        std::printf("   n=%d us    GB/s    %%", n);
    std::printf("\n");
    for (GgmlType type : types) {
        fill_random(buf, int64_t(buf_bytes - 4096) / 256 * 256, type);
        for (const Shape &s : shapes) {
            nd::cuda::DevMatrix w;
            w.type = type;
            w.n_in = s.n_in;
            w.n_out = s.n_out;
            w.row_bytes = nd::ggml_row_bytes(type, s.n_in);
            w.expert_bytes = w.row_bytes * s.n_out;
            const size_t mbytes = size_t(w.expert_bytes);
            const size_t stride = (mbytes + 255) / 256 * 256;
            const size_t copies = std::max<size_t>(1, (buf_bytes - 4096) / stride);
            std::printf("%-7s %5lldx%-7lld", type_name(type).c_str(), (long long)s.n_in, (long long)s.n_out);
            for (int n : ns) {
                std::vector<float> ms;
                for (int rep = 0; rep < 21; ++rep) {
                    w.data = buf + (size_t(rep) % copies) * stride;
                    CK(cudaEventRecord(e0));
                    nd::cuda::gemv(w, 0, x, s.n_in, n, y, s.n_out, nullptr, is_quant(type) ? act : nullptr,
                                   nullptr);
                    CK(cudaEventRecord(e1));
                    CK(cudaEventSynchronize(e1));
                    float t = 0;
                    CK(cudaEventElapsedTime(&t, e0, e1));
                    if (rep > 0)
                        ms.push_back(t);
                }
                CK(cudaGetLastError());
                const double t_ms = median(ms);
                const double gbs = double(mbytes) / (t_ms * 1e-3) / 1e9;
                std::printf("  %8.1f %7.0f %4.0f", t_ms * 1e3, gbs, 100.0 * gbs / d2d);
            }
            std::printf("\n");
            std::fflush(stdout);
        }
    }
    CK(cudaFree(buf));
    CK(cudaFree(x));
    CK(cudaFree(y));
    CK(cudaFree(act));
}

}  // namespace

int main(int argc, char **argv) {
    bool check = true, bench = true;
    std::vector<GgmlType> types(std::begin(nd::kSupportedGgmlTypes), std::end(nd::kSupportedGgmlTypes));
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--check-only")
            bench = false;
        else if (a == "--bench-only")
            check = false;
        else if (a == "--types" && i + 1 < argc) {
            types.clear();
            std::string list = argv[++i];
            size_t p = 0;
            while (p <= list.size()) {
                const size_t q = std::min(list.find(',', p), list.size());
                const auto t = nd::ggml_type_from_name(list.substr(p, q - p));
                if (!t) {
                    std::fprintf(stderr, "unknown type %s\n", list.substr(p, q - p).c_str());
                    return 2;
                }
                types.push_back(*t);
                p = q + 1;
            }
        } else {
            std::fprintf(stderr, "usage: %s [--check-only | --bench-only] [--types q4_0,q4_k,...]\n",
                         argv[0]);
            return 2;
        }
    }
    cudaDeviceProp prop{};
    CK(cudaGetDeviceProperties(&prop, 0));
    std::printf("device: %s (sm_%d%d, %d SMs)\n", prop.name, prop.major, prop.minor,
                prop.multiProcessorCount);
    if (check) {
        run_checks(types);
        std::printf("checks: %d failures\n", g_failures);
    }
    if (bench)
        run_bench(types, measure_d2d_gbs());
    return g_failures ? 1 : 0;
}
