# tests for the CPU matrix products (gpu/cpu/cpu_matmul*, cpu_dot*, cpu_quant*, cpu_isa)
nd_gpu_test(gpu_cpu_matmul_tests
  cpu/matmul_isa_test.cpp
  cpu/matmul_quant_test.cpp
  cpu/matmul_reference_test.cpp
  cpu/matmul_simd_test.cpp
)
