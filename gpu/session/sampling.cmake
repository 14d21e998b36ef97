# Sampling and generation on a session (sampler.h, generate.h).
nd_gpu_sources(
  sampler.cpp
  generate.cpp
  stop_strings.cpp
)
