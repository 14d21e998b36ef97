# Quantized matrix products (helper "matmul"): activation conversion, the scalar kernels (every platform)
# and, on x86-64, the AVX2 and AVX-512 kernels, each file compiled with its own instruction-set flags and
# chosen at run time (cpu_isa.cpp), so one binary runs on any x86-64 CPU.
nd_gpu_sources(
  cpu_isa.cpp
  cpu_quant.cpp
  cpu_dot_scalar.cpp
  cpu_matmul.cpp
)
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  nd_gpu_sources(
    cpu_dot_avx2.cpp
    cpu_dot_avx512.cpp
  )
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_dot_avx2.cpp TARGET_DIRECTORY nemodesk_gpu
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c")
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/cpu_dot_avx512.cpp TARGET_DIRECTORY nemodesk_gpu
    PROPERTIES COMPILE_OPTIONS "-mavx2;-mfma;-mf16c;-mavx512f;-mavx512bw;-mavx512vl;-mavx512dq;-mavx512vnni")
endif()
