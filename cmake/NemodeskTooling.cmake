# Developer tooling targets: layering check (part of every build) and clang-format.
add_custom_target(check_layers ALL
  COMMAND ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -P ${PROJECT_SOURCE_DIR}/cmake/CheckLayers.cmake
  COMMENT "Checking layer dependencies (gpu -> no Qt, core -> no widgets)" VERBATIM)

find_program(CLANG_FORMAT_EXE NAMES clang-format clang-format-14)
if(CLANG_FORMAT_EXE)
  set(_fmt_cmd ${CMAKE_COMMAND} -DSOURCE_DIR=${PROJECT_SOURCE_DIR} -DCLANG_FORMAT=${CLANG_FORMAT_EXE})
  add_custom_target(format COMMAND ${_fmt_cmd} -DMODE=fix -P ${PROJECT_SOURCE_DIR}/cmake/Format.cmake
                    COMMENT "clang-format: rewriting sources" VERBATIM)
  add_custom_target(format_check COMMAND ${_fmt_cmd} -DMODE=check -P ${PROJECT_SOURCE_DIR}/cmake/Format.cmake
                    COMMENT "clang-format: checking sources" VERBATIM)
endif()
