# tests for gpu/model (see nd_gpu_test in ../CMakeLists.txt)
