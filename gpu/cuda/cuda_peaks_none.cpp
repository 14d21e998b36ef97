// cuda_peaks.h without CUDA in the build.
#include "gpu/cuda/cuda_peaks.h"

namespace nd {

Status cuda_measure_peaks(int, CudaPeaks *) {
    return ND_STATUS(StatusCode::unavailable, "this build has no CUDA backend");
}

}  // namespace nd
