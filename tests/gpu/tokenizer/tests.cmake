# tests for gpu/tokenizer (see nd_gpu_test in ../CMakeLists.txt)
