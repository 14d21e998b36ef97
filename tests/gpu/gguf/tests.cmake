# tests for gpu/gguf (see nd_gpu_test in ../CMakeLists.txt)
nd_gpu_test(gpu_gguf_tests
  gguf/ggml_quants_test.cpp
  gguf/gguf_reader_test.cpp
  gguf/gguf_writer_test.cpp
)
