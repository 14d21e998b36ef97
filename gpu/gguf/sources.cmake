# GGUF container: types, quantisation, reader, writer.
nd_gpu_sources(
  gguf_types.cpp
  ggml_quants.cpp
  ggml_quantize.cpp
  gguf_parse.cpp
  gguf_value.cpp
  gguf_file.cpp
  gguf_writer.cpp
)
