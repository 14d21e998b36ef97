# A conversation's state on a backend: batching, context limit, snapshots (session.h).
nd_gpu_sources(
  session.cpp
)
