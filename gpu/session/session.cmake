# A conversation's state on a backend: batching, context limit, snapshots (session.h), and choosing the
# backend from a device name (backend_open.h), a model split between the CPU and a GPU (split_backend.h).
nd_gpu_sources(
  session.cpp
  backend_open.cpp
  split_backend.cpp
)
