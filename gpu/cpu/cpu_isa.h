#pragma once
// Which SIMD instruction set the CPU kernels use, chosen once at run time from what the CPU reports
// (cpuid through __builtin_cpu_supports), so one binary runs everywhere and uses AVX-512/VNNI where the
// CPU has it. NEMODESK_CPU_ISA=scalar|avx2|avx512 in the environment caps the choice (tests compare the
// paths with it; it can never select an instruction set the CPU lacks).
#include <string_view>

namespace nd::cpu {

enum class CpuIsa {
    scalar = 0,  // plain C++: any CPU, and the reference the SIMD paths are tested against
    avx2 = 1,    // AVX2 + FMA + F16C (Haswell and later, Zen)
    avx512 = 2,  // AVX-512 F/BW/VL/DQ + VNNI (Ice Lake, Sapphire Rapids, Zen 4 and later)
};

CpuIsa cpu_isa_detected();  // the best the CPU supports
CpuIsa cpu_isa_active();    // what the kernels use: detected, capped by NEMODESK_CPU_ISA (read once)
// Tests: force a path for this process (capped by what the CPU supports); returns what is now active.
CpuIsa cpu_isa_set_for_testing(CpuIsa isa);
std::string_view cpu_isa_name(CpuIsa isa);  // "scalar", "avx2", "avx512-vnni"
bool cpu_has_avx512_bf16();                 // native bf16 dot products (vdpbf16ps)

}  // namespace nd::cpu
