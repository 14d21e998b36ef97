# Tests of core/jobs.
nd_core_test(nemodesk_jobs_tests
  jobs/job_json_test.cpp
  jobs/job_spec_json_test.cpp
  jobs/job_state_test.cpp
  jobs/job_workload_json_test.cpp
  jobs/sbatch_script_test.cpp
  jobs/slurm_syntax_test.cpp
)
# Real-looking Slurm batch scripts read by sbatch_script_test.cpp.
target_compile_definitions(nemodesk_jobs_tests PRIVATE JOBS_TEST_DATA="${CMAKE_CURRENT_SOURCE_DIR}/jobs/scripts")
