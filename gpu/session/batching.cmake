# Several requests sharing forward passes (continuous batching, batch_generator.h) and the steps of a
# generation it shares with generate() (generate_loop.h).
nd_gpu_sources(
  generate_loop.cpp
  batch_generator.cpp
)
