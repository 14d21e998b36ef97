# Tests of core/queue: JobQueue in process, with the real store, scheduler, executor and job shim.
nd_core_test(nemodesk_queue_tests
  queue/QueueFixture.h
  queue/job_queue_test.cpp
  queue/job_queue_recovery_test.cpp
  queue/job_queue_telemetry_test.cpp
  queue/job_launch_test.cpp
  queue/job_progress_test.cpp
  queue/job_preview_test.cpp
)
target_compile_definitions(nemodesk_queue_tests PRIVATE NEMODESK_JOBSHIM_PATH="$<TARGET_FILE:nemodesk-jobshim>")
add_dependencies(nemodesk_queue_tests nemodesk-jobshim)
