# tests for gpu/chat (see nd_gpu_test in ../CMakeLists.txt)
