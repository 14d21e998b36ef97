# The CUDA backend (cuda_backend.h): the backend class (plain C++ against the CUDA runtime and cuBLAS) and
# one kernel file per op. Without nvcc only cuda_backend_none.cpp is built (create() says why).
if(NEMODESK_HAVE_CUDA)
  nd_gpu_sources(
    cublas_loader.cpp
    cuda_backend.cpp
    cuda_backend_graph.cpp
    cuda_backend_ops.cpp
    cuda_backend_matmul.cpp
    cuda_backend_moe.cpp
    cuda_peaks.cpp
    cuda_gemv.cu
    cuda_gemv_experts.cu
    cuda_quantize_act.cu
    cuda_dequant.cu
    cuda_get_rows.cu
    cuda_elementwise.cu
    cuda_norm.cu
    cuda_rope.cu
    cuda_attention.cu
    cuda_attention_tc.cu
    cuda_argmax.cu
    cuda_top_k.cu
    cuda_ssm_conv.cu
    cuda_ssm_scan.cu
    cuda_ssm_scan_chunked.cu
    cuda_moe.cu
  )
  # cuBLAS is dlopen()ed by cublas_loader.cpp, never linked: programs start without it, and only a CUDA
  # backend needs it (create() says what to install when it is missing).
  # Kernels: fast math off (exact comparisons with the CPU twins), line info for profilers.
  target_compile_options(nemodesk_gpu PRIVATE $<$<COMPILE_LANGUAGE:CUDA>:-lineinfo>)
else()
  nd_gpu_sources(cuda_backend_none.cpp cuda_peaks_none.cpp)
endif()
