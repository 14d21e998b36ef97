# tests for gpu/gguf (see nd_gpu_test in ../CMakeLists.txt)
