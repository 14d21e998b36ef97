# tests for gpu/tokenizer (see nd_gpu_test in ../CMakeLists.txt)
nd_gpu_test(gpu_tokenizer_tests
  ${CMAKE_CURRENT_LIST_DIR}/tok_test_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_bpe_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_pretok_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_gguf_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_decode_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_json_errors_test.cpp
)
# Real vocabularies from the reference tools (tools/reference/setup.sh) against their reference ids:
# labelled conformance by its name, so the sanitizer pass, which skips the conformance suites, does not
# spend minutes encoding megabytes through them again.
nd_gpu_test(gpu_tokenizer_real_vocab_conformance_tests
  ${CMAKE_CURRENT_LIST_DIR}/tok_test_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_real_vocab_test.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/conformance.cmake OPTIONAL)
