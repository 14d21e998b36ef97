# The engine against the reference llama.cpp (issue "Engine, part 2", Exactness; docs/conformance.md).
#   nd_llama_eval                 the reference runner (engine/reference/llama_eval.cpp), built when
#                                 tools/reference is installed, like nd_llama_logits (model/tests.cmake)
#   nd_membw                      read-bandwidth probe for tools/bench-engine.sh
#   gpu_engine_conformance_tests  label conformance: every architecture x tensor type, odd shapes
nd_gpu_test(gpu_engine_conformance_tests
  engine/conformance_util.cpp
  engine/conformance_types_test.cpp
  engine/conformance_shapes_test.cpp
  engine/conformance_mix_test.cpp
)

add_executable(nd_membw engine/reference/membw.cpp)
find_package(Threads REQUIRED)
target_link_libraries(nd_membw PRIVATE Threads::Threads)
nemodesk_warnings(nd_membw)

set(_nd_eval_bins "${PROJECT_SOURCE_DIR}/tools/reference/node_modules/@node-llama-cpp/linux-x64/bins/linux-x64")
set(_nd_eval_src "${PROJECT_SOURCE_DIR}/tools/reference/llama.cpp")
if(EXISTS "${_nd_eval_bins}/libllama.v0.5.0.so" AND EXISTS "${_nd_eval_src}/include/llama.h")
  add_executable(nd_llama_eval engine/reference/llama_eval.cpp)
  target_include_directories(nd_llama_eval PRIVATE "${_nd_eval_src}/include" "${_nd_eval_src}/ggml/include")
  target_link_libraries(nd_llama_eval PRIVATE "${_nd_eval_bins}/libllama.v0.5.0.so"
                        "${_nd_eval_bins}/libggml.v0.5.0.so" "${_nd_eval_bins}/libggml-base.so")
  # The CPU backends (libggml-cpu-*.so) are loaded at run time from this folder (ND_LLAMA_BACKEND_DIR in
  # the environment overrides it).
  target_compile_definitions(nd_llama_eval PRIVATE ND_LLAMA_BACKEND_DIR="${_nd_eval_bins}")
  set_target_properties(nd_llama_eval PROPERTIES BUILD_RPATH "${_nd_eval_bins}")
  add_dependencies(gpu_engine_conformance_tests nd_llama_eval)
  target_compile_definitions(gpu_engine_conformance_tests PRIVATE
                             ND_LLAMA_EVAL="$<TARGET_FILE:nd_llama_eval>")
endif()
