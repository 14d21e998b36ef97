// cublas_loader.h
#include "gpu/cuda/cublas_loader.h"

#include "gpu/cuda/cuda_check.h"

#include <dlfcn.h>

#include <mutex>
#include <string>

namespace nd::cuda {

namespace {

template <typename Fn>
bool bind(void *lib, const char *name, Fn *out, std::string *missing) {
    *out = reinterpret_cast<Fn>(dlsym(lib, name));
    if (!*out)
        *missing = name;
    return *out != nullptr;
}

}  // namespace

Status cublas_load(const CublasApi **out) {
    static std::once_flag once;
    static CublasApi api{};
    static Status status;
    std::call_once(once, [] {
        // The soname through the loader's search (LD_LIBRARY_PATH, the ld cache), then the toolkit's own
        // folders, which are often not in the cache.
        void *lib = nullptr;
        std::string tried;
        for (const char *name : {"libcublas.so.13", "/usr/local/cuda/lib64/libcublas.so.13",
                                 "/usr/local/cuda-13/lib64/libcublas.so.13", "libcublas.so"}) {
            lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
            if (lib)
                break;
            tried += std::string(tried.empty() ? "" : "; ") + dlerror();
        }
        if (!lib) {
            status =
                ND_STATUS(StatusCode::unavailable,
                          "cuBLAS is not installed (" + tried +
                              "); install the CUDA 13 runtime libraries (libcublas 13) or use --device cpu");
            return;
        }
        std::string missing;
        const bool ok = bind(lib, "cublasCreate_v2", &api.create, &missing) &&
                        bind(lib, "cublasDestroy_v2", &api.destroy, &missing) &&
                        bind(lib, "cublasSetStream_v2", &api.set_stream, &missing) &&
                        bind(lib, "cublasSgemm_v2", &api.sgemm, &missing) &&
                        bind(lib, "cublasGemmEx", &api.gemm_ex, &missing) &&
                        bind(lib, "cublasGemmStridedBatchedEx", &api.gemm_strided_batched_ex, &missing) &&
                        bind(lib, "cublasGetStatusName", &api.status_name, &missing) &&
                        bind(lib, "cublasGetStatusString", &api.status_string, &missing);
        if (!ok)
            status = ND_STATUS(StatusCode::unavailable,
                               "the installed cuBLAS lacks " + missing + "; install cuBLAS from CUDA 13");
    });
    *out = status.ok() ? &api : nullptr;
    return status;
}

std::string cublas_status_text(cublasStatus_t err) {
    const CublasApi *api = nullptr;
    if (cublas_load(&api).ok())
        return std::string(api->status_name(err)) + " (" + api->status_string(err) + ")";
    return "cuBLAS status " + std::to_string(static_cast<int>(err));
}

}  // namespace nd::cuda
