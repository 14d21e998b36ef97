# Model loading, the forward passes and the session (helper "forward"): gpu_engine_tests.
nd_gpu_test(gpu_engine_tests
  engine/forward_consistency_test.cpp
  engine/forward_load_test.cpp
  engine/session_state_test.cpp
  engine/session_failure_test.cpp
  engine/compare_backend.cpp
  engine/compare_backend_test.cpp
  engine/split_backend_test.cpp
)
