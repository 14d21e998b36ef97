# Tokenizer conformance against the Hugging Face tokenizers library and llama.cpp's gguf-py (included from
# tests.cmake). Needs the reference tools (tools/reference/setup.sh); without them the tests skip, or fail
# when NEMODESK_REQUIRE_REFERENCE=1. The corpus and the HF outputs are cached in <build>/conformance/.
nd_gpu_test(gpu_tokenizer_conformance_tests
  ${CMAKE_CURRENT_LIST_DIR}/conformance_reference.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conformance_converter_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/conformance_tokenizer_test.cpp
)
target_compile_definitions(gpu_tokenizer_conformance_tests PRIVATE
  ND_CONFORMANCE_DIR="${CMAKE_BINARY_DIR}/conformance")
target_include_directories(gpu_tokenizer_conformance_tests PRIVATE ${CMAKE_CURRENT_LIST_DIR})

# nemoctl tokenize/detokenize against HF, through the command line (only where nemoctl is built).
if(TARGET nemoctl)
  add_test(NAME nemoctl_tokenize_vs_hf
           COMMAND python3 ${PROJECT_SOURCE_DIR}/tools/reference/nemoctl_roundtrip.py $<TARGET_FILE:nemoctl>
                   ${CMAKE_BINARY_DIR}/conformance)
  set_tests_properties(nemoctl_tokenize_vs_hf PROPERTIES LABELS conformance SKIP_RETURN_CODE 77)
endif()
