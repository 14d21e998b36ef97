# Tests of core/scheduler: table cases (SchedulerDsl.h), rules, generated invariants.
nd_core_test(nemodesk_scheduler_tests
  scheduler/SchedulerDsl.cpp
  scheduler/SchedulerDsl.h
  scheduler/scheduler_rules_test.cpp
  scheduler/scheduler_test.cpp
)
