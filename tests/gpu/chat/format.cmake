# Helper E's tests: the reasoning parser and tool-call parsing, the family formats against the real
# templates (python3 + jinja2 via tools/reference/render_template.py; renders cached in the build folder,
# so only new scenarios start Python), chat_prompt_render's fallback (needs the interpreter).
nd_gpu_test(gpu_chat_format_tests
  chat/reasoning_parser_test.cpp
  chat/reasoning_tool_calls_test.cpp
  chat/reasoning_roundtrip_test.cpp
  chat/format_reference.cpp
  chat/format_reference_test.cpp
  chat/format_family_test.cpp
  chat/format_prompt_test.cpp
)
target_compile_definitions(gpu_chat_format_tests PRIVATE
  ND_REFERENCE_CACHE_DIR="${CMAKE_CURRENT_BINARY_DIR}/chat_format_reference_cache")
target_include_directories(gpu_chat_format_tests PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/chat)
