# nemodesk-bench-matmul: GFLOP/s and GB/s of the CPU matrix products per weight type and instruction set
# (2048 × 2048, 1 and 128 tokens). Included from bench/CMakeLists.txt.
add_executable(nemodesk-bench-matmul ${CMAKE_CURRENT_LIST_DIR}/matmul_bench.cpp)
target_link_libraries(nemodesk-bench-matmul PRIVATE nemodesk_gpu)
nemodesk_warnings(nemodesk-bench-matmul)
