# tests for gpu/tokenizer (see nd_gpu_test in ../CMakeLists.txt)
nd_gpu_test(gpu_tokenizer_tests
  ${CMAKE_CURRENT_LIST_DIR}/tok_test_util.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_bpe_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_pretok_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_gguf_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_decode_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_json_errors_test.cpp
  ${CMAKE_CURRENT_LIST_DIR}/tok_real_vocab_test.cpp
)
include(${CMAKE_CURRENT_LIST_DIR}/conformance.cmake OPTIONAL)
