# Architectures: hyper-parameters, model info, the random-weight model generator.
nd_gpu_sources(
  model_arch.cpp
  model_hparams.cpp
  model_info.cpp
  model_gen_vocab.cpp
  model_gen.cpp
)
