// Op timings on Nemotron-3-Nano shapes (spec §2.6: E 2688, Mamba Di 4096 = 64 heads × 64, N 128, G 8,
// conv_dim 6144; attention 32 heads / 2 KV / 128; MoE top-6 of experts 2688 → 1856, Q8_0). Not a test:
// disabled by default, it prints a table and asserts nothing about time. Run with
//   gpu_cpu_ops_tests --gtest_also_run_disabled_tests --gtest_filter='*Bench*'
// (NEMODESK_BENCH_THREADS=N picks the thread count; the default is all cores).
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>

#include "gpu/cpu/cpu_isa.h"
#include "gpu/cpu/cpu_moe.h"
#include "gpu/cpu/thread_pool.h"
#include "ops_test_util.h"

namespace nd::test {
namespace {

int bench_threads() {
    const char *env = std::getenv("NEMODESK_BENCH_THREADS");
    return env ? std::max(1, std::atoi(env)) : cpu::default_thread_count();
}

struct Timing {
    double wall_us;  // median wall time
    double cpu_us;   // median process CPU time: with one thread, the work itself even on a busy machine
};

double process_cpu_us() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) * 1e-3;
}

// Medians of `reps` runs after one warm-up.
Timing time_us(const std::function<void()> &fn, int reps) {
    fn();
    std::vector<double> wall, cpu;
    for (int i = 0; i < reps; ++i) {
        const auto a = std::chrono::steady_clock::now();
        const double c = process_cpu_us();
        fn();
        cpu.push_back(process_cpu_us() - c);
        wall.push_back(
            std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - a).count());
    }
    std::sort(wall.begin(), wall.end());
    std::sort(cpu.begin(), cpu.end());
    return {wall[wall.size() / 2], cpu[cpu.size() / 2]};
}

void report(const char *op, int64_t n, Timing t) {
    std::printf("  %-48s n=%-4lld wall %10.1f us (%8.2f/token)  cpu %10.1f us\n", op,
                static_cast<long long>(n), t.wall_us, t.wall_us / static_cast<double>(n), t.cpu_us);
}

MambaShape nano_mamba() {
    MambaShape s;
    s.d_inner = 4096;
    s.d_state = 128;
    s.n_group = 8;
    s.n_head = 64;
    s.d_conv = 4;
    return s;
}

TEST(CpuOpsBench, DISABLED_NanoShapes) {
    const int threads = bench_threads();
    auto be = make_backend(threads);
    std::printf("%s\n", be->name().c_str());
    const MambaShape s = nano_mamba();
    const int64_t E = 2688, C = s.conv_dim(), Di = s.d_inner;
    OwnedWeight norm_w(random_vec(E, 1), E), conv_w(random_vec(C * 4, 2, 0.3f), 4, C),
        conv_b(random_vec(C, 3), C);
    OwnedWeight dt_b(random_vec(64, 4), 64), a(std::vector<float>(64, -0.7f), 64), d(random_vec(64, 5), 64);
    OwnedWeight gn_w(random_vec(Di, 6), Di / 8, 8);
    std::vector<float> state(static_cast<size_t>(Di * 128)), conv_state(static_cast<size_t>(C * 3));

    for (const int64_t n : {int64_t{1}, int64_t{128}}) {
        const int reps = n == 1 ? 200 : 10;
        const auto x = random_vec(n * E, 7), xbc = random_vec(n * s.d_in_proj(), 8);
        std::vector<float> y(static_cast<size_t>(n * std::max(E, s.d_in_proj())));
        report("rms_norm 2688", n,
               time_us([&] { be->rms_norm(x.data(), norm_w.w, n, E, 1e-5f, y.data()); }, reps));
        report("ssm_conv conv_dim 6144 d_conv 4", n,
               time_us(
                   [&] {
                       be->ssm_conv(xbc.data() + Di, s.d_in_proj(), n, conv_state.data(), conv_w.w, conv_b.w,
                                    s, y.data());
                   },
                   reps));
        for (cpu::CpuIsa isa : {cpu::CpuIsa::scalar, cpu::cpu_isa_detected()}) {
            cpu::cpu_isa_set_for_testing(isa);
            const std::string name =
                "ssm_scan Di 4096 N 128 nh 64 G 8 (" + std::string(cpu::cpu_isa_name(isa)) + ")";
            report(name.c_str(), n,
                   time_us(
                       [&] {
                           be->ssm_scan(xbc.data(), s.d_in_proj(), xbc.data() + 2 * Di + 2048, s.d_in_proj(),
                                        dt_b.w, a.w, d.w, n, state.data(), s, y.data());
                       },
                       reps));
        }
        cpu::cpu_isa_set_for_testing(cpu::cpu_isa_detected());
        std::vector<float> yg(static_cast<size_t>(n * Di), 1.0f);
        report(
            "gated_group_norm Di 4096 G 8", n,
            time_us([&] { be->gated_group_norm(yg.data(), xbc.data(), s.d_in_proj(), n, gn_w.w, s, 1e-5f); },
                    reps));
        ASSERT_TRUE(be->sync().ok());
    }

    // Attention 32 q heads, 2 KV heads, head_dim 128: a prefill of 128 and decode at several contexts.
    AttentionShape as{32, 2, 128, 128, 1.0f / std::sqrt(128.0f)};
    const int64_t n_ctx = 8192, kv_row = 2 * 128;
    for (const KvType type : {KvType::f32, KvType::f16}) {
        KvLayer cache;
        const size_t el = type == KvType::f16 ? 2 : 4;
        ASSERT_TRUE(be->alloc(static_cast<size_t>(n_ctx * kv_row) * el, &cache.k).ok());
        ASSERT_TRUE(be->alloc(static_cast<size_t>(n_ctx * kv_row) * el, &cache.v).ok());
        cache.type = type;
        cache.n_ctx = n_ctx;
        const auto q = random_vec(128 * 32 * 128, 9), kv = random_vec(128 * kv_row, 10);
        std::vector<float> out(128 * 32 * 128);
        const char *tn = type == KvType::f16 ? "f16" : "f32";
        report((std::string("attention prefill 0..128 ") + tn).c_str(), 128,
               time_us(
                   [&] {
                       be->attention(cache, 0, q.data(), 32 * 128, kv.data(), kv_row, kv.data(), kv_row, 128,
                                     as, out.data());
                   },
                   10));
        for (const int64_t pos : {int64_t{256}, int64_t{4096}, int64_t{8191}}) {
            const std::string name = std::string("attention decode at ") + std::to_string(pos) + " " + tn;
            report(name.c_str(), 1,
                   time_us(
                       [&] {
                           be->attention(cache, pos, q.data(), 32 * 128, kv.data(), kv_row, kv.data(), kv_row,
                                         1, as, out.data());
                       },
                       50));
        }
        be->release(cache.k);
        be->release(cache.v);
        ASSERT_TRUE(be->sync().ok());
    }
}

// Q8_0 blocks with a fixed scale and random quants (valid, and fast to make at this size).
std::vector<uint8_t> q8_stack(int64_t n_in, int64_t n_out, int64_t n_exp, uint32_t seed) {
    const int64_t blocks = n_in / 32 * n_out * n_exp;
    std::vector<uint8_t> bytes(static_cast<size_t>(blocks * 34));
    std::mt19937 rng(seed);
    const uint16_t scale = ggml_fp32_to_fp16(0.01f);
    for (int64_t b = 0; b < blocks; ++b) {
        uint8_t *blk = bytes.data() + b * 34;
        std::memcpy(blk, &scale, 2);
        for (int i = 0; i < 32; ++i)
            blk[2 + i] = static_cast<uint8_t>(rng());
    }
    return bytes;
}

TEST(CpuOpsBench, DISABLED_NanoMoeSchedules) {
    // 16 experts (not 128: the benchmark's memory), top-6, Q8_0 (up 2688 → 1856, down 1856 → 2688).
    const int64_t n_exp = 16, k = 6, E = 2688, ff = 1856;
    const auto up_b = q8_stack(E, ff, n_exp, 1), down_b = q8_stack(ff, E, n_exp, 2);
    auto wm = [](const std::vector<uint8_t> &b, int64_t n_in, int64_t n_out) {
        return cpu::WeightMatrix{GgmlType::q8_0, n_in, n_out, b.data(), n_in / 32 * 34};
    };
    cpu::ThreadPool pool(bench_threads());
    std::printf("MoE %lld of %lld experts, Q8_0, %d threads\n", static_cast<long long>(k),
                static_cast<long long>(n_exp), pool.size());
    MoeRouting r;
    r.n_expert = n_exp;
    r.n_used = k;
    r.normalize = true;
    r.scale = 2.5f;
    cpu::MoeScratch sc;
    for (const int64_t n : {int64_t{1}, int64_t{128}}) {
        const auto x = random_vec(n * E, 3), logits = random_vec(n * n_exp, 4);
        std::vector<float> out(static_cast<size_t>(n * E));
        for (const auto sched : {cpu::MoeSchedule::experts_in_turn, cpu::MoeSchedule::experts_in_parallel}) {
            const char *name = sched == cpu::MoeSchedule::experts_in_turn ? "moe_ffn experts in turn"
                                                                          : "moe_ffn experts in parallel";
            report(name, n,
                   time_us(
                       [&] {
                           cpu::moe_ffn(logits.data(), r, wm(up_b, E, ff), wm(down_b, ff, E), x.data(), n,
                                        out.data(), &sc, &pool, sched);
                       },
                       n == 1 ? 50 : 5));
        }
    }
}

}  // namespace
}  // namespace nd::test
