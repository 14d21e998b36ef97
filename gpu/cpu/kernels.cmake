# Quantized matrix products (helper "matmul"): activation conversion, the scalar kernels (every platform)
# and, on x86-64, the AVX2 and AVX-512 kernels, each file compiled with its own instruction-set flags and
# chosen at run time (cpu_isa.cpp), so one binary runs on any x86-64 CPU.
nd_gpu_sources(
  cpu_isa.cpp
  cpu_quant.cpp
  cpu_dot_scalar.cpp
  cpu_matmul.cpp
)
# -O3 outside Debug: the tiles' small fixed loops over rows and tokens must be unrolled completely so
# their accumulators live in registers; -O2 keeps them in memory (a store and a load per FMA) and the
# decode kernel ran at half speed.
set(ND_CPU_KERNEL_OPT "$<$<NOT:$<CONFIG:Debug>>:-O3>")
set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_dot_scalar.cpp TARGET_DIRECTORY nemodesk_gpu
  PROPERTIES COMPILE_OPTIONS "${ND_CPU_KERNEL_OPT}")
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  nd_gpu_sources(
    cpu_dot_avx2.cpp
    cpu_dot_avx512.cpp
  )
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_dot_avx2.cpp TARGET_DIRECTORY nemodesk_gpu
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;${ND_CPU_KERNEL_OPT}")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_dot_avx512.cpp TARGET_DIRECTORY nemodesk_gpu
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni;${ND_CPU_KERNEL_OPT}")
endif()
