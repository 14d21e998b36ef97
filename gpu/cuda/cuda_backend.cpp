// The CUDA backend (cuda_backend.h, cuda_backend_impl.h): creation, memory, weights, staging and sync.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <unordered_set>

#include "gpu/cpu/cpu_ops_check.h"
#include "gpu/cuda/cuda_backend_impl.h"
#include "gpu/cuda/cuda_check.h"

namespace nd {

namespace cuda {

namespace {

constexpr size_t kAlign = 256;
constexpr size_t kStageBytes = size_t{1} << 20;  // per-token ints of one forward pass (grows for big prompts)
// Left free on the device after the weights: the state, scratch, cuBLAS and the CUDA context need room.
constexpr size_t kWeightHeadroomBytes = size_t{512} << 20;
// Free memory (after the weights) from which prompts go in batches of 2048 tokens instead of 512.
constexpr size_t kLargeBatchFreeBytes = size_t{3} << 30;

size_t align_up(size_t n) {
    return (n + kAlign - 1) / kAlign * kAlign;
}
std::string mib(uint64_t bytes) {
    return std::to_string((bytes + (1u << 19)) >> 20) + " MiB";
}
size_t weight_bytes(const Weight &w) {
    return static_cast<size_t>(w.row_bytes) * static_cast<size_t>(w.n_out) * static_cast<size_t>(w.n_expert);
}

// FNV-1a over the first and last KiB and 64 bytes at 62 points between: cheap on a mapped file (a few
// pages), and different for any two distinct tensors in practice.
uint64_t fingerprint(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull ^ n;
    auto mix = [&](size_t from, size_t len) {
        for (size_t i = from; i < from + len && i < n; ++i) {
            h ^= p[i];
            h *= 1099511628211ull;
        }
    };
    mix(0, 1024);
    for (size_t k = 1; k < 63; ++k)
        mix(n / 63 * k, 64);
    mix(n > 1024 ? n - 1024 : 0, 1024);
    return h;
}

}  // namespace

Status CudaBackend::create(const CudaBackendOptions &options, std::unique_ptr<Backend> *out) {
    int count = 0;
    const cudaError_t count_err = cudaGetDeviceCount(&count);
    if (count_err == cudaErrorNoDevice || (count_err == cudaSuccess && count == 0))
        return ND_STATUS(StatusCode::unavailable,
                         "no NVIDIA GPU is visible to this process (check "
                         "CUDA_VISIBLE_DEVICES), or run on the CPU (--device cpu)");
    if (count_err == cudaErrorInsufficientDriver)
        return ND_STATUS(
            StatusCode::unavailable,
            "no NVIDIA driver for CUDA 13 on this machine (none installed, or older than the R580 "
            "series); install the driver or run on the CPU (--device cpu)");
    if (Status s = ND_CUDA(count_err); !s.ok()) {
        s.code = StatusCode::unavailable;
        s.message = "no usable CUDA device: " + s.message;
        return s;
    }
    if (options.device < 0 || options.device >= count)
        return ND_STATUS(StatusCode::unavailable,
                         "there is no CUDA device " + std::to_string(options.device) + " (this machine has " +
                             std::to_string(count) + (count == 1 ? " device" : " devices") +
                             "; CUDA_VISIBLE_DEVICES may hide others)");
    std::unique_ptr<CudaBackend> be(new CudaBackend());
    be->m_device = options.device;
    be->m_graphs_enabled = options.graphs == CudaGraphs::on;
    const char *trace = std::getenv("NEMODESK_CUDA_TRACE");
    be->m_trace = trace && *trace && std::string(trace) != "0";
    be->m_trace_decode_only = be->m_trace && std::string(trace) == "decode";
    be->m_trace_now = be->m_trace && !be->m_trace_decode_only;
    if (Status s = ND_CUDA(cudaSetDevice(options.device)); !s.ok())
        return s;
    cudaDeviceProp prop{};
    if (Status s = ND_CUDA(cudaGetDeviceProperties(&prop, options.device)); !s.ok())
        return s;
    if (Status s = ND_CUDA(cudaStreamCreateWithFlags(&be->m_stream, cudaStreamNonBlocking)); !s.ok())
        return s;
    if (Status s = cublas_load(&be->m_blas); !s.ok())
        return s;
    if (Status s = ND_CUBLAS(be->m_blas->create(&be->m_cublas)); !s.ok())
        return s;
    if (Status s = ND_CUBLAS(be->m_blas->set_stream(be->m_cublas, be->m_stream)); !s.ok())
        return s;
    be->m_stage_cap = kStageBytes;
    if (Status s = ND_CUDA(cudaMallocHost(reinterpret_cast<void **>(&be->m_stage_host), be->m_stage_cap));
        !s.ok())
        return s;
    if (Status s = ND_CUDA(cudaMalloc(reinterpret_cast<void **>(&be->m_stage_dev), be->m_stage_cap)); !s.ok())
        return s;
    be->m_name = "cuda:" + std::to_string(options.device) + " (" + prop.name + ", compute " +
                 std::to_string(prop.major) + "." + std::to_string(prop.minor) + ", " +
                 mib(prop.totalGlobalMem) + (be->m_graphs_enabled ? ", graphs)" : ")");
    *out = std::move(be);
    return Status::success();
}

CudaBackend::~CudaBackend() {
    if (m_stream)
        cudaStreamSynchronize(m_stream);
    if (m_trace) {
        trace_collect();
        trace_print();
        for (cudaEvent_t e : m_trace_free)
            cudaEventDestroy(e);
    }
    clear_graphs();
    free_retired();
    for (ScratchBuf &b : m_scratch)
        cudaFree(b.p);
    for (const Arena &a : m_arenas)
        cudaFree(a.base);
    cudaFree(m_stage_dev);
    cudaFreeHost(m_stage_host);
    cudaFreeHost(m_bounce);
    if (m_cublas)
        m_blas->destroy(m_cublas);
    if (m_stream)
        cudaStreamDestroy(m_stream);
}

// --- memory ---------------------------------------------------------------------------------------------

Status CudaBackend::alloc(size_t n_bytes, void **out) {
    *out = nullptr;
    void *p = nullptr;
    if (Status s = ND_CUDA(cudaMalloc(&p, n_bytes ? n_bytes : 1)); !s.ok()) {
        cudaGetLastError();  // an allocation failure is not sticky; clear it
        size_t free_b = 0, total_b = 0;
        cudaMemGetInfo(&free_b, &total_b);
        s.message = "cannot allocate " + mib(n_bytes) + " (" + std::to_string(n_bytes) + " bytes) on " +
                    m_name + ": " + mib(free_b) + " of " + mib(total_b) + " free (" + s.message + ")";
        return s;
    }
    if (Status s = ND_CUDA(cudaMemsetAsync(p, 0, n_bytes, m_stream)); !s.ok()) {
        cudaFree(p);
        return s;
    }
    if (Status s = ND_CUDA(cudaStreamSynchronize(m_stream)); !s.ok()) {
        cudaFree(p);
        return s;
    }
    *out = p;
    return Status::success();
}

void CudaBackend::release(void *p) {
    if (!p)
        return;
    cudaStreamSynchronize(m_stream);  // work on the stream may still use it
    cudaFree(p);
}

void CudaBackend::upload(void *dst, const void *src, size_t n) {
    if (!ok() || n == 0)
        return;
    if (m_recording) {
        // The source may not outlive the call and a graph cannot read pageable memory: stage the bytes.
        if (m_stage_used + n > m_stage_cap) {
            fail(ND_STATUS(StatusCode::internal,
                           "upload of " + std::to_string(n) + " bytes during a decode step"));
            return;
        }
        std::memcpy(m_stage_host + m_stage_used, src, n);
        const uint8_t *from = m_stage_dev + m_stage_used;
        m_stage_used = align_up(m_stage_used + n);
        op("upload", {sig_ptr(dst), sig_ptr(from), n},
           [=, this] { cudaMemcpyAsync(dst, from, n, cudaMemcpyDeviceToDevice, m_stream); });
        return;
    }
    record(ND_CUDA(cudaMemcpyAsync(dst, src, n, cudaMemcpyHostToDevice, m_stream)));
    record(ND_CUDA(cudaStreamSynchronize(m_stream)));
}

void CudaBackend::download(void *dst, const void *src, size_t n) {
    if (!ok() || n == 0)
        return;
    if (m_recording) {
        if (m_bounce_used + n > m_bounce_cap) {
            // Grow; the old buffer may be referenced by this step's earlier downloads: run it eagerly.
            if (m_bounce)
                m_retired_pinned.push_back(m_bounce);
            m_bounce = nullptr;
            m_bounce_cap = std::max<size_t>(align_up(m_bounce_used + n) * 2, size_t{4} << 20);
            if (!record(ND_CUDA(cudaMallocHost(reinterpret_cast<void **>(&m_bounce), m_bounce_cap))))
                return;
            m_bounce_used = 0;
            m_graph_unsafe = true;
            clear_graphs();
        }
        uint8_t *bounce = m_bounce + m_bounce_used;
        m_bounce_used = align_up(m_bounce_used + n);
        m_post_copies.push_back({dst, bounce, n});
        op("download", {sig_ptr(bounce), sig_ptr(src), n},
           [=, this] { cudaMemcpyAsync(bounce, src, n, cudaMemcpyDeviceToHost, m_stream); });
        return;
    }
    record(ND_CUDA(cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToHost, m_stream)));
    record(ND_CUDA(cudaStreamSynchronize(m_stream)));
}

void CudaBackend::copy(void *dst, const void *src, size_t n) {
    if (!ok() || n == 0)
        return;
    op("copy", {sig_ptr(dst), sig_ptr(src), n},
       [=, this] { cudaMemcpyAsync(dst, src, n, cudaMemcpyDeviceToDevice, m_stream); });
}

void CudaBackend::fill_zero(void *dst, size_t n) {
    if (!ok() || n == 0 || !dst)
        return;
    op("fill_zero", {sig_ptr(dst), n}, [=, this] { cudaMemsetAsync(dst, 0, n, m_stream); });
}

// --- weights --------------------------------------------------------------------------------------------

Status CudaBackend::prepare_weight(const Weight &w) {
    return prepare_weights({&w});
}

Status CudaBackend::prepare_weights(const std::vector<const Weight *> &weights) {
    size_t total = 0;
    std::vector<const Weight *> todo;
    std::unordered_set<const void *> seen;  // this call's weights
    for (const Weight *w : weights) {
        if (Status s = cpu::check_weight(*w); !s.ok())
            return s;
        if (w->n_out > 1 || w->n_expert > 1 || w->type != GgmlType::f32)
            if (!matrix_type_supported(w->type))
                return ND_STATUS(StatusCode::unsupported, std::string("tensor '") + w->name + "' has type " +
                                                              ggml_type_name(static_cast<uint32_t>(w->type)) +
                                                              ", which the CUDA backend does not support");
        if (!seen.insert(w->data).second)
            continue;
        // Already here when the host bytes are the same (a model reloaded at the same address may not be).
        // Only a copy of the same size is fingerprinted: a new weight is first checked against free memory,
        // and a tensor claiming more bytes than its host memory holds must be refused, not read.
        if (auto it = m_weights.find(w->data);
            it != m_weights.end() && it->second.bytes == weight_bytes(*w) &&
            it->second.fingerprint == fingerprint(w->data, weight_bytes(*w)))
            continue;
        todo.push_back(w);
        total += align_up(weight_bytes(*w));
    }
    if (todo.empty())
        return Status::success();
    size_t free_b = 0, total_b = 0;
    if (Status s = ND_CUDA(cudaMemGetInfo(&free_b, &total_b)); !s.ok())
        return s;
    if (total + kWeightHeadroomBytes > free_b)
        return ND_STATUS(
            StatusCode::out_of_memory,
            "the model's weights need " + mib(total) + " on " + m_name + " (plus " +
                mib(kWeightHeadroomBytes) + " for the context and work buffers) but only " + mib(free_b) +
                " of " + mib(total_b) +
                " are free; use a smaller quantization, close what else uses the GPU, or run on the "
                "CPU (--device cpu)");
    void *arena = nullptr;
    if (Status s = ND_CUDA(cudaMalloc(&arena, total)); !s.ok()) {
        cudaGetLastError();
        s.message =
            "cannot allocate " + mib(total) + " for the model's weights on " + m_name + ": " + s.message;
        return s;
    }
    const size_t index = m_arenas.size();
    m_arenas.push_back(Arena{arena, 0});
    auto *at = static_cast<uint8_t *>(arena);
    for (const Weight *w : todo) {
        const size_t n = weight_bytes(*w);
        if (Status s = ND_CUDA(cudaMemcpy(at, w->data, n, cudaMemcpyHostToDevice)); !s.ok()) {
            s.message = std::string("uploading '") + w->name + "': " + s.message;
            if (m_arenas[index].live == 0) {
                cudaFree(arena);
                m_arenas[index].base = nullptr;
            }
            return s;
        }
        if (auto it = m_weights.find(w->data); it != m_weights.end())
            drop_copy(it->second);  // stale: its host memory holds another tensor now
        m_weights[w->data] = DeviceCopy{at, n, fingerprint(w->data, n), index};
        ++m_arenas[index].live;
        at += align_up(n);
    }
    return Status::success();
}

void CudaBackend::drop_copy(const DeviceCopy &c) {
    Arena &a = m_arenas[c.arena];
    if (a.live > 0 && --a.live == 0 && a.base) {
        // Queued work and captured graphs may still read it: finish the one, forget the other.
        cudaStreamSynchronize(m_stream);
        clear_graphs();
        cudaFree(a.base);
        a.base = nullptr;
    }
}

void CudaBackend::release_weights(const std::vector<const Weight *> &weights) {
    for (const Weight *w : weights) {
        if (!w || !w->data)
            continue;
        if (auto it = m_weights.find(w->data); it != m_weights.end()) {
            const DeviceCopy c = it->second;
            m_weights.erase(it);
            drop_copy(c);
        }
    }
}

int64_t CudaBackend::preferred_batch() const {
    size_t free_b = 0, total_b = 0;
    if (cudaMemGetInfo(&free_b, &total_b) != cudaSuccess) {
        cudaGetLastError();
        return 512;
    }
    return free_b >= kLargeBatchFreeBytes ? 2048 : 512;
}

size_t CudaBackend::weight_arena_count() const {
    return static_cast<size_t>(
        std::count_if(m_arenas.begin(), m_arenas.end(), [](const Arena &a) { return a.base != nullptr; }));
}

const uint8_t *CudaBackend::device_copy(const void *host, const char *name) {
    auto it = m_weights.find(host);
    if (it == m_weights.end()) {
        fail(ND_STATUS(StatusCode::invalid_argument,
                       std::string("weight '") + (name ? name : "?") +
                           "' was not prepared for the CUDA backend (prepare_weights before use)"));
        return nullptr;
    }
    return it->second.data;
}

Status CudaBackend::check_matrix(const Weight &w, const char *op_name) {
    if (Status s = cpu::check_weight(w); !s.ok()) {
        s.message = std::string(op_name) + ": " + s.message;
        return s;
    }
    return Status::success();
}

DevMatrix CudaBackend::matrix(const Weight &w) {
    DevMatrix m;
    m.type = w.type;
    m.data = device_copy(w.data, w.name);
    m.n_in = w.n_in;
    m.n_out = w.n_out;
    m.row_bytes = w.row_bytes;
    m.expert_bytes = w.row_bytes * w.n_out;
    return m;
}

// --- staging and scratch --------------------------------------------------------------------------------

const int32_t *CudaBackend::stage_ints(const int32_t *host, int64_t n) {
    const size_t bytes = static_cast<size_t>(n) * sizeof(int32_t);
    if (m_stage_used + bytes > m_stage_cap) {
        if (m_recording) {
            fail(ND_STATUS(StatusCode::internal, "a decode step staged more than " + mib(m_stage_cap)));
            return nullptr;
        }
        // Eager: everything staged so far has been copied (stream order) once the stream is idle.
        record(ND_CUDA(cudaStreamSynchronize(m_stream)));
        m_stage_used = 0;
        if (bytes > m_stage_cap) {
            cudaFreeHost(m_stage_host);
            cudaFree(m_stage_dev);
            m_stage_host = m_stage_dev = nullptr;
            m_stage_cap = align_up(bytes * 2);
            if (!record(ND_CUDA(cudaMallocHost(reinterpret_cast<void **>(&m_stage_host), m_stage_cap))) ||
                !record(ND_CUDA(cudaMalloc(reinterpret_cast<void **>(&m_stage_dev), m_stage_cap)))) {
                m_stage_cap = 0;
                return nullptr;
            }
            clear_graphs();
        }
    }
    std::memcpy(m_stage_host + m_stage_used, host, bytes);
    auto *dev = reinterpret_cast<int32_t *>(m_stage_dev + m_stage_used);
    if (!m_recording)
        record(ND_CUDA(
            cudaMemcpyAsync(dev, m_stage_host + m_stage_used, bytes, cudaMemcpyHostToDevice, m_stream)));
    m_stage_used = align_up(m_stage_used + bytes);
    return dev;
}

void *CudaBackend::scratch(ScratchKind kind, size_t n_bytes) {
    ScratchBuf &b = m_scratch[kind];
    if (b.bytes >= n_bytes && b.p)
        return b.p;
    if (b.p)
        m_retired_device.push_back(b.p);
    b.p = nullptr;
    b.bytes = 0;
    const size_t want = align_up(n_bytes + n_bytes / 4);
    void *p = nullptr;
    if (Status s = ND_CUDA(cudaMalloc(&p, want)); !s.ok()) {
        cudaGetLastError();
        s.message = "cannot allocate " + mib(want) + " of work memory on " + m_name + ": " + s.message;
        fail(s);
        return nullptr;
    }
    b.p = p;
    b.bytes = want;
    if (m_recording)
        m_graph_unsafe = true;
    clear_graphs();  // a cached graph may point at the replaced buffer
    return p;
}

void CudaBackend::free_retired() {
    for (void *p : m_retired_device)
        cudaFree(p);
    m_retired_device.clear();
    for (void *p : m_retired_pinned)
        cudaFreeHost(p);
    m_retired_pinned.clear();
}

// --- ops and sync ---------------------------------------------------------------------------------------

void CudaBackend::op(const char *what, std::initializer_list<uint64_t> sig, std::function<void()> launch) {
    if (!ok())
        return;
    if (m_recording) {
        m_sig = sig_mix(m_sig, sig_ptr(what));
        for (uint64_t v : sig)
            m_sig = sig_mix(m_sig, v);
        m_recorded.push_back(std::move(launch));
        m_recorded_names.push_back(what);
        return;
    }
    if (!m_trace_now) {
        launch();
        check_launch(what);
        return;
    }
    TraceEvent ev{what, trace_event(), trace_event()};
    cudaEventRecord(ev.begin, m_stream);
    launch();
    check_launch(what);
    cudaEventRecord(ev.end, m_stream);
    m_trace_pending.push_back(ev);
}

cudaEvent_t CudaBackend::trace_event() {
    cudaEvent_t e = nullptr;
    if (!m_trace_free.empty()) {
        e = m_trace_free.back();
        m_trace_free.pop_back();
    } else {
        cudaEventCreate(&e);
    }
    return e;
}

void CudaBackend::trace_collect() {
    for (const TraceEvent &ev : m_trace_pending) {
        float ms = 0;
        if (cudaEventElapsedTime(&ms, ev.begin, ev.end) == cudaSuccess) {
            TraceTotal &t = m_trace_totals[ev.what];
            ++t.count;
            t.ms += ms;
        }
        m_trace_free.push_back(ev.begin);
        m_trace_free.push_back(ev.end);
    }
    m_trace_pending.clear();
}

void CudaBackend::trace_print() const {
    std::vector<std::pair<std::string, TraceTotal>> rows(m_trace_totals.begin(), m_trace_totals.end());
    std::sort(rows.begin(), rows.end(),
              [](const auto &a, const auto &b) { return a.second.ms > b.second.ms; });
    double total = 0;
    for (const auto &r : rows)
        total += r.second.ms;
    std::fprintf(stderr, "NEMODESK_CUDA_TRACE (%s): GPU time per op, %.3f ms in all\n", m_name.c_str(),
                 total);
    for (const auto &r : rows)
        std::fprintf(stderr, "  %-24s %8llu calls %10.3f ms %6.1f %% %8.2f us/call\n", r.first.c_str(),
                     static_cast<unsigned long long>(r.second.count), r.second.ms,
                     total > 0 ? 100 * r.second.ms / total : 0,
                     1000 * r.second.ms / static_cast<double>(r.second.count));
}

void CudaBackend::check_launch(const char *what) {
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess)
        fail(cuda_status(err, what, __FILE__, __LINE__));
}

Status CudaBackend::sync() {
    if (m_recording)
        finish_recording();
    record(ND_CUDA(cudaStreamSynchronize(m_stream)));
    if (m_trace)
        trace_collect();
    if (ok())
        for (const PostCopy &c : m_post_copies)
            std::memcpy(c.dst, c.src, c.n);
    m_post_copies.clear();
    m_bounce_used = 0;
    m_stage_used = 0;
    free_retired();
    Status s = m_error;
    m_error = Status::success();
    return s;
}

}  // namespace cuda

Status cuda_backend_create(const CudaBackendOptions &options, std::unique_ptr<Backend> *out) {
    return cuda::CudaBackend::create(options, out);
}

}  // namespace nd
