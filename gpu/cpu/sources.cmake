# Thread pool, element-wise ops, attention, Mamba-2 conv/scan, MoE and the CPU backend (helper B).
nd_gpu_sources(
  thread_pool.cpp
  cpu_backend.cpp
  cpu_ops.cpp
  cpu_ops_check.cpp
  cpu_ops_simd.cpp
  cpu_attention.cpp
  cpu_mamba.cpp
  cpu_moe.cpp
)
# -O3 outside Debug, as for the matrix kernels (kernels.cmake): the ops' loops are vectorized only there
# (at -O2 relu² stayed a branch per element, mispredicted half the time on real activations).
set(ND_CPU_KERNEL_OPT "$<$<NOT:$<CONFIG:Debug>>:-O3>")
foreach(src thread_pool.cpp cpu_backend.cpp cpu_ops.cpp cpu_ops_check.cpp cpu_ops_simd.cpp cpu_attention.cpp
            cpu_mamba.cpp cpu_moe.cpp)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/${src} TARGET_DIRECTORY nemodesk_gpu PROPERTIES
    COMPILE_OPTIONS "${ND_CPU_KERNEL_OPT}")
endforeach()
# SIMD inner loops: each file gets its instruction set's flags and is called only when cpu_isa_active()
# says the CPU has it (cpu_ops_simd.cpp chooses), so the rest of the library stays baseline x86-64.
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  nd_gpu_sources(cpu_ops_simd_avx2.cpp cpu_ops_simd_avx512.cpp)
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_ops_simd_avx2.cpp TARGET_DIRECTORY nemodesk_gpu PROPERTIES
    COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;${ND_CPU_KERNEL_OPT}")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_ops_simd_avx512.cpp TARGET_DIRECTORY nemodesk_gpu PROPERTIES
    COMPILE_OPTIONS "-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mfma;-mf16c;${ND_CPU_KERNEL_OPT}")
endif()
