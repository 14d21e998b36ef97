# A conversation's state on a backend: batching, context limit, snapshots (session.h), and choosing the
# backend from a device name (backend_open.h).
nd_gpu_sources(
  session.cpp
  backend_open.cpp
)
