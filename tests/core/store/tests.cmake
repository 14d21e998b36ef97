# Tests of core/store: the job store in SQLite (schema, migrations, concurrent readers, crash consistency).
# StoreBenchmark.* is disabled: it prints the numbers in docs/benchmarks.md (see store_benchmark_test.cpp).
nd_core_test(nemodesk_store_tests
  store/StoreTestUtil.h
  store/store_backup_test.cpp
  store/store_benchmark_test.cpp
  store/store_benchmarks_test.cpp
  store/store_concurrency_test.cpp
  store/store_crash_test.cpp
  store/store_history_totals_test.cpp
  store/store_job_events_test.cpp
  store/store_migration_test.cpp
  store/store_test.cpp
)
