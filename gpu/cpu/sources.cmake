# Thread pool, element-wise ops, attention, Mamba-2 conv/scan, MoE and the CPU backend (helper B).
nd_gpu_sources(
  thread_pool.cpp
)
