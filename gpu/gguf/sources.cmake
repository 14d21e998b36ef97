# GGUF container: types, quantisation, reader, writer.
nd_gpu_sources(
)
