# tests for gpu/chat (see nd_gpu_test in ../CMakeLists.txt)
nd_gpu_test(gpu_chat_jinja_tests
  chat/jinja_syntax_test.cpp
  chat/jinja_values_test.cpp
  chat/jinja_filters_test.cpp
  chat/jinja_errors_test.cpp
)
# Every llama.cpp template x every fixture, against tools/reference/render_template.py (Python's Jinja2
# as Hugging Face configures it). Python's renders are cached in the build folder, keyed by content.
nd_gpu_test(gpu_chat_template_conformance_tests
  chat/template_conformance_test.cpp
  chat/template_conformance_expected_test.cpp
  chat/template_reference.cpp
)
target_compile_definitions(gpu_chat_template_conformance_tests PRIVATE
  ND_TEMPLATE_CACHE_DIR="${CMAKE_CURRENT_BINARY_DIR}/template_reference_cache")
include(${CMAKE_CURRENT_LIST_DIR}/format.cmake OPTIONAL)
