// nemodesk-bench-matmul: speed of nd::cpu::matmul per weight type and instruction set on one matrix
// (default 2048 × 2048), for decode (1 token) and prompt processing (128 tokens). Prints ms per call,
// GFLOP/s (2·n_in·n_out·n_tok per call) and the weight stream in GB/s.
//   nemodesk-bench-matmul [--threads N] [--n N] [--types q8_0,q4_k,...] [--isa scalar|avx2|avx512]
#include <time.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_matmul.h"
#include "gpu/cpu/thread_pool.h"
#include "gpu/gguf/ggml_quants.h"

namespace {

using Clock = std::chrono::steady_clock;

// --cpu-time: measure this process's CPU time instead of wall time (with --threads 1 on a busy machine
// this is the time the kernels really ran).
bool g_cpu_time = false;

double now_ms() {
    if (g_cpu_time) {
        timespec ts;
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) * 1e-6;
    }
    return std::chrono::duration<double, std::milli>(Clock::now().time_since_epoch()).count();
}

double time_ms(const nd::cpu::WeightMatrix &w, const float *x, int64_t n_tok, float *y,
               nd::cpu::ThreadPool *pool) {
    nd::cpu::matmul(w, x, w.n_in, n_tok, y, w.n_out, pool);  // warm up (scratch, caches)
    // Repeat for at least ~0.3 s and take the best of 5 rounds: the machine is shared.
    int reps = 1;
    for (;;) {
        const double t0 = now_ms();
        for (int i = 0; i < reps; ++i)
            nd::cpu::matmul(w, x, w.n_in, n_tok, y, w.n_out, pool);
        const double ms = now_ms() - t0;
        if (ms > 60 || reps > 100000)
            break;
        reps *= 2;
    }
    double best = 1e30;
    for (int round = 0; round < 5; ++round) {
        const double t0 = now_ms();
        for (int i = 0; i < reps; ++i)
            nd::cpu::matmul(w, x, w.n_in, n_tok, y, w.n_out, pool);
        const double ms = (now_ms() - t0) / reps;
        best = ms < best ? ms : best;
    }
    return best;
}

}  // namespace

int main(int argc, char **argv) {
    int threads = nd::cpu::default_thread_count();
    int64_t n = 2048;
    std::string types = "f32,f16,bf16,q8_0,q4_0,q4_1,q5_0,q5_1,iq4_nl,q4_k,q5_k,q6_k";
    std::string only_isa;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--cpu-time")) {
            g_cpu_time = true;
            continue;
        }
        if (i + 1 >= argc)
            break;
        if (!std::strcmp(argv[i], "--threads"))
            threads = std::atoi(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--n"))
            n = std::atoll(argv[i + 1]);
        else if (!std::strcmp(argv[i], "--types"))
            types = argv[i + 1];
        else if (!std::strcmp(argv[i], "--isa"))
            only_isa = argv[i + 1];
        ++i;
    }
    nd::cpu::ThreadPool pool(threads);
    std::mt19937 rng(1);
    std::normal_distribution<float> nd_dist(0.f, 1.f);
    const int64_t max_tok = 128;
    std::vector<float> x(static_cast<size_t>(n * max_tok)), y(static_cast<size_t>(n * max_tok));
    for (float &v : x)
        v = nd_dist(rng);
    std::printf("matmul %lld x %lld, %d threads, detected %s\n", static_cast<long long>(n),
                static_cast<long long>(n), threads,
                std::string(nd::cpu::cpu_isa_name(nd::cpu::cpu_isa_detected())).c_str());
    std::printf("%-7s %-12s %6s %10s %10s %10s\n", "type", "isa", "n_tok", "ms", "GFLOP/s", "GB/s");
    size_t pos = 0;
    while (pos <= types.size()) {
        const size_t comma = types.find(',', pos);
        const std::string name =
            types.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        pos = comma == std::string::npos ? types.size() + 1 : comma + 1;
        const auto type = nd::ggml_type_from_name(name);
        if (!type) {
            std::fprintf(stderr, "unknown type %s\n", name.c_str());
            continue;
        }
        nd::cpu::WeightMatrix w;
        w.type = *type;
        w.n_in = n;
        w.n_out = n;
        w.row_bytes = nd::ggml_row_bytes(*type, n);
        std::vector<uint8_t> bytes(static_cast<size_t>(w.row_bytes * n));
        std::vector<float> row(static_cast<size_t>(n));
        for (int64_t r = 0; r < n; ++r) {
            for (float &v : row)
                v = nd_dist(rng);
            (void)nd::ggml_quantize_row(*type, row.data(), n, bytes.data() + r * w.row_bytes);
        }
        w.data = bytes.data();
        for (nd::cpu::CpuIsa isa :
             {nd::cpu::CpuIsa::scalar, nd::cpu::CpuIsa::avx2, nd::cpu::CpuIsa::avx512}) {
            if (nd::cpu::cpu_isa_set_for_testing(isa) != isa)
                continue;
            if (!only_isa.empty() && only_isa != nd::cpu::cpu_isa_name(isa).substr(0, only_isa.size()))
                continue;
            for (int64_t n_tok : {int64_t{1}, max_tok}) {
                if (isa == nd::cpu::CpuIsa::scalar && n_tok > 1 && only_isa.empty())
                    continue;  // minutes, and no one runs it
                const double ms = time_ms(w, x.data(), n_tok, y.data(), &pool);
                const double gflops = 2.0 * static_cast<double>(n) * static_cast<double>(n) *
                                      static_cast<double>(n_tok) / (ms * 1e6);
                const double gbs = static_cast<double>(bytes.size()) / (ms * 1e6);
                std::printf("%-7s %-12s %6lld %10.3f %10.1f %10.1f\n", name.c_str(),
                            std::string(nd::cpu::cpu_isa_name(isa)).c_str(), static_cast<long long>(n_tok),
                            ms, gflops, gbs);
            }
        }
    }
    return 0;
}
