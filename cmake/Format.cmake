# clang-format over our sources. MODE=check fails on any difference; MODE=fix rewrites in place.
file(GLOB_RECURSE _files
  "${SOURCE_DIR}/gpu/*.h" "${SOURCE_DIR}/gpu/*.cpp" "${SOURCE_DIR}/gpu/*.cu" "${SOURCE_DIR}/gpu/*.cuh"
  "${SOURCE_DIR}/core/*.h" "${SOURCE_DIR}/core/*.cpp" "${SOURCE_DIR}/ui/*.h" "${SOURCE_DIR}/ui/*.cpp"
  "${SOURCE_DIR}/app/*.h" "${SOURCE_DIR}/app/*.cpp" "${SOURCE_DIR}/tests/*.h" "${SOURCE_DIR}/tests/*.cpp"
  "${SOURCE_DIR}/bench/*.h" "${SOURCE_DIR}/bench/*.cpp")
if(MODE STREQUAL "fix")
  execute_process(COMMAND "${CLANG_FORMAT}" -i ${_files} RESULT_VARIABLE _rc)
else()
  execute_process(COMMAND "${CLANG_FORMAT}" --dry-run -Werror ${_files} RESULT_VARIABLE _rc)
endif()
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "clang-format: sources are not formatted (run: cmake --build <dir> --target format)")
endif()
