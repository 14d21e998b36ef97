# tests for the CPU backend's ops (gpu/cpu/cpu_backend.cpp, cpu_ops*, cpu_attention*, cpu_mamba*, cpu_moe*)
nd_gpu_test(gpu_cpu_ops_tests
  cpu/ops_elementwise_test.cpp
  cpu/ops_attention_test.cpp
  cpu/ops_mamba_test.cpp
  cpu/ssm_chunked_reference_test.cpp
  cpu/ops_moe_test.cpp
  cpu/ops_simd_test.cpp
  cpu/ops_bench_test.cpp
  cpu/backend_cpu_test.cpp
)
