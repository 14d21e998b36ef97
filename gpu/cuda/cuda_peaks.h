#pragma once
// What the GPU itself can do, measured (not taken from a data sheet): the limits the engine's benchmarks
// are a fraction of. Device-to-device copy bandwidth (bytes read + bytes written per second, the measure
// of memory-bound decode) and dense f16 tensor-core throughput through cuBLAS (the bound of prompts).
#include "gpu/common/status.h"

namespace nd {

struct CudaPeaks {
    double copy_gb_per_s = 0;  // cudaMemcpy device to device of 1 GiB, (read + write) / time, best of 10
    double f16_tflops = 0;     // cublasGemmEx f16 → f32 accumulate, 8192³, best of 10
};

// unavailable without CUDA in the build or a device.
Status cuda_measure_peaks(int device, CudaPeaks *out);

}  // namespace nd
