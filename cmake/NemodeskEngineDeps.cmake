# Libraries the engine (gpu/) uses besides the C++ standard library, all from Debian:
#   PCRE2 (libpcre2-dev)          - the pre-tokenizer regexes, with Unicode properties
#   utf8proc (libutf8proc-dev)    - Unicode normalisation (NFC/NFKC/NFD) that tokenizer.json normalizers ask for
#   nlohmann/json (nlohmann-json3-dev, header-only) - tokenizer.json, chat-template variables and tojson
# NEMODESK_PORTABLE links PCRE2 and utf8proc statically: the gpu-only build is carried to GPU machines that
# have neither.
find_package(nlohmann_json 3.10 REQUIRED)

if(NEMODESK_PORTABLE)
  set(_nd_pcre2_names libpcre2-8.a)
  set(_nd_utf8proc_names libutf8proc.a)
else()
  set(_nd_pcre2_names pcre2-8)
  set(_nd_utf8proc_names utf8proc)
endif()
find_path(ND_PCRE2_INCLUDE_DIR pcre2.h)
find_library(ND_PCRE2_LIBRARY NAMES ${_nd_pcre2_names})
find_path(ND_UTF8PROC_INCLUDE_DIR utf8proc.h)
find_library(ND_UTF8PROC_LIBRARY NAMES ${_nd_utf8proc_names})
if(NOT ND_PCRE2_INCLUDE_DIR OR NOT ND_PCRE2_LIBRARY)
  message(FATAL_ERROR "PCRE2 (8-bit) not found: apt-get install libpcre2-dev")
endif()
if(NOT ND_UTF8PROC_INCLUDE_DIR OR NOT ND_UTF8PROC_LIBRARY)
  message(FATAL_ERROR "utf8proc not found: apt-get install libutf8proc-dev")
endif()

add_library(nd_pcre2 INTERFACE)
target_include_directories(nd_pcre2 SYSTEM INTERFACE ${ND_PCRE2_INCLUDE_DIR})
target_link_libraries(nd_pcre2 INTERFACE ${ND_PCRE2_LIBRARY})
target_compile_definitions(nd_pcre2 INTERFACE PCRE2_CODE_UNIT_WIDTH=8 $<$<BOOL:${NEMODESK_PORTABLE}>:PCRE2_STATIC>)

add_library(nd_utf8proc INTERFACE)
target_include_directories(nd_utf8proc SYSTEM INTERFACE ${ND_UTF8PROC_INCLUDE_DIR})
target_link_libraries(nd_utf8proc INTERFACE ${ND_UTF8PROC_LIBRARY})
target_compile_definitions(nd_utf8proc INTERFACE $<$<BOOL:${NEMODESK_PORTABLE}>:UTF8PROC_STATIC>)
