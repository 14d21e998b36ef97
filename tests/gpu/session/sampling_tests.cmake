# tests for gpu/session sampling and generation (see nd_gpu_test in ../CMakeLists.txt)
#   gpu_sampling_tests  the sampler (host path and backend path) and stop strings on hand-made logits and
#                       text (no model)
#   gpu_generate_tests  generate() on tiny generated models on the CPU backend
nd_gpu_test(gpu_sampling_tests
  ${CMAKE_CURRENT_LIST_DIR}/sampler_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/sampler_best_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/stop_strings_test.cpp
)
nd_gpu_test(gpu_generate_tests
  ${CMAKE_CURRENT_LIST_DIR}/generate_test.cpp
)
# Continuous batching: several sequences per forward pass (forward_batch_segments) and BatchGenerator, on
# tiny generated models of every architecture on the CPU backend.
nd_gpu_test(gpu_batch_tests
  ${CMAKE_CURRENT_LIST_DIR}/batch_forward_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/batch_generator_test.cpp
)
