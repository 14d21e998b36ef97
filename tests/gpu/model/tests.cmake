# tests for gpu/model (see nd_gpu_test in ../CMakeLists.txt)
nd_gpu_test(gpu_model_tests
  model/model_gen_test.cpp
  model/model_info_test.cpp
  model/llama_reference_test.cpp
)

# The reference llama.cpp (node-llama-cpp's prebuilt libraries, spec §9) loads every generated model:
# nd_llama_logits is built when tools/reference is installed, and llama_reference_test runs it.
set(_nd_llama_bins "${PROJECT_SOURCE_DIR}/tools/reference/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
set(_nd_llama_src "${PROJECT_SOURCE_DIR}/tools/reference/llama.cpp")
if(EXISTS "${_nd_llama_bins}/libllama.v0.5.0.so" AND EXISTS "${_nd_llama_src}/include/llama.h")
  add_executable(nd_llama_logits model/reference/llama_logits.cpp)
  target_include_directories(nd_llama_logits PRIVATE "${_nd_llama_src}/include" "${_nd_llama_src}/ggml/include")
  target_link_libraries(nd_llama_logits PRIVATE "${_nd_llama_bins}/libllama.v0.5.0.so"
                        "${_nd_llama_bins}/libggml.v0.5.0.so" "${_nd_llama_bins}/libggml-base.so")
  set_target_properties(nd_llama_logits PROPERTIES BUILD_RPATH "${_nd_llama_bins}")
  add_dependencies(gpu_model_tests nd_llama_logits)
  target_compile_definitions(gpu_model_tests PRIVATE ND_LLAMA_LOGITS="$<TARGET_FILE:nd_llama_logits>"
                             ND_LLAMA_BACKEND_DIR="${_nd_llama_bins}")
endif()
