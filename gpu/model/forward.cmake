# Loading a model (tensors bound and checked against the metadata) and the forward passes of every
# architecture, written in Backend ops (forward.h).
nd_gpu_sources(
  model.cpp
  model_weights.cpp
  model_weights_layers.cpp
  forward_state.cpp
  backend_sampling.cpp
  forward_llama.cpp
  forward_nemotron.cpp
  forward_nemotron_h.cpp
)
