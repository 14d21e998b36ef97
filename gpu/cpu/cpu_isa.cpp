// Run-time choice of the CPU kernels' instruction set (cpu_isa.h). __builtin_cpu_supports reads cpuid
// and also checks that the OS saves the wide registers (XCR0), so a "yes" means the code can run.
#include "gpu/cpu/cpu_isa.h"

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace nd::cpu {

namespace {

#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
// F16C from cpuid leaf 1 (ECX bit 29): clang's __builtin_cpu_supports does not know "f16c". The OS
// support it needs (YMM state) is the same as AVX's, which the "avx2" check already covers.
bool has_f16c() {
    unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx))
        return false;
    return (ecx >> 29) & 1u;
}
#endif

CpuIsa detect() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq") &&
        __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("fma") && has_f16c())
        return CpuIsa::avx512;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && has_f16c())
        return CpuIsa::avx2;
#endif
    return CpuIsa::scalar;
}

// NEMODESK_CPU_ISA caps the detected set; unknown values are ignored (the detected set stays).
CpuIsa from_env(CpuIsa detected) {
    const char *env = std::getenv("NEMODESK_CPU_ISA");
    if (!env)
        return detected;
    CpuIsa want = detected;
    if (std::strcmp(env, "scalar") == 0)
        want = CpuIsa::scalar;
    else if (std::strcmp(env, "avx2") == 0)
        want = CpuIsa::avx2;
    else if (std::strcmp(env, "avx512") == 0 || std::strcmp(env, "avx512-vnni") == 0)
        want = CpuIsa::avx512;
    return static_cast<int>(want) < static_cast<int>(detected) ? want : detected;
}

// -1 until first read; then the active set. Atomic: kernels on several threads read it.
std::atomic<int> g_active{-1};

}  // namespace

CpuIsa cpu_isa_detected() {
    static const CpuIsa isa = detect();
    return isa;
}

CpuIsa cpu_isa_active() {
    int v = g_active.load(std::memory_order_relaxed);
    if (v < 0) {
        v = static_cast<int>(from_env(cpu_isa_detected()));
        int expected = -1;
        if (!g_active.compare_exchange_strong(expected, v))
            v = expected;  // a test set it meanwhile
    }
    return static_cast<CpuIsa>(v);
}

CpuIsa cpu_isa_set_for_testing(CpuIsa isa) {
    const CpuIsa detected = cpu_isa_detected();
    const CpuIsa chosen = static_cast<int>(isa) < static_cast<int>(detected) ? isa : detected;
    g_active.store(static_cast<int>(chosen));
    return chosen;
}

std::string_view cpu_isa_name(CpuIsa isa) {
    switch (isa) {
        case CpuIsa::scalar:
            return "scalar";
        case CpuIsa::avx2:
            return "avx2";
        case CpuIsa::avx512:
            return "avx512-vnni";
    }
    return "unknown";
}

bool cpu_has_avx512_bf16() {
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
    static const bool has = cpu_isa_detected() == CpuIsa::avx512 && __builtin_cpu_supports("avx512bf16");
    return has;
#else
    return false;
#endif
}

}  // namespace nd::cpu
