# Architectures: hyper-parameters, model info, the random-weight model generator.
nd_gpu_sources(
)
