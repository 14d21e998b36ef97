# The CUDA backend against the CPU backend: every op (one file per family) and every generated model.
# Label gpu: without a CUDA device each test reports skipped; tools/gpu-check.sh runs them on GPU machines.
add_executable(gpu_cuda_tests
  cuda/cuda_test_util.cpp
  cuda/cuda_matmul_test.cpp
  cuda/cuda_ops_test.cpp
  cuda/cuda_sampling_test.cpp
  cuda/cuda_attention_test.cpp
  cuda/cuda_mamba_moe_test.cpp
  cuda/cuda_model_test.cpp
  cuda/cuda_op_compare_test.cpp
  engine/compare_backend.cpp
)
target_link_libraries(gpu_cuda_tests PRIVATE nemodesk_gpu GTest::gtest_main)
target_compile_definitions(gpu_cuda_tests PRIVATE ND_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
target_include_directories(gpu_cuda_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR})
nemodesk_warnings(gpu_cuda_tests)
gtest_discover_tests(gpu_cuda_tests PROPERTIES LABELS gpu SKIP_REGULAR_EXPRESSION "\\[  SKIPPED \\]"
                     DISCOVERY_TIMEOUT 60)
