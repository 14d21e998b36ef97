# nemodesk-bench-tokenizer: encode/decode MB/s of NemoDesk's tokenizer on a corpus, single-threaded
# (tools/bench-tokenizer.sh runs it next to the Hugging Face library). Included from bench/CMakeLists.txt.
add_executable(nemodesk-bench-tokenizer ${CMAKE_CURRENT_LIST_DIR}/tokenizer_bench.cpp)
target_link_libraries(nemodesk-bench-tokenizer PRIVATE nemodesk_gpu)
nemodesk_warnings(nemodesk-bench-tokenizer)
