# Tests of core/executor: real processes under the real nemodesk-jobshim.
nd_core_test(nemodesk_executor_tests
  executor/ExecutorTestSupport.h
  executor/executor_adopt_test.cpp
  executor/executor_signal_test.cpp
  executor/executor_test.cpp
  executor/shim_status_test.cpp
)
target_compile_definitions(nemodesk_executor_tests PRIVATE
  NEMODESK_JOBSHIM_PATH="$<TARGET_FILE:nemodesk-jobshim>"
  NEMODESK_EXECUTOR_TEST_HELPER="$<TARGET_FILE:nemodesk_executor_test_helper>")
add_dependencies(nemodesk_executor_tests nemodesk-jobshim nemodesk_executor_test_helper)

# Jobs whose CPU time and memory are known exactly (a shell loop's are not). Plain C++, no Qt.
add_executable(nemodesk_executor_test_helper executor/executor_test_helper.cpp)
set_target_properties(nemodesk_executor_test_helper PROPERTIES AUTOMOC OFF AUTOUIC OFF AUTORCC OFF)
nemodesk_warnings(nemodesk_executor_test_helper)
