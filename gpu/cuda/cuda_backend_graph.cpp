// One-token decode steps as CUDA graphs (cuda_backend_impl.h). begin_forward(1) starts recording: the ops
// keep their launches as closures and fold their arguments into a signature. sync() then
//   - replays the cached graph with the same signature (the usual case from the second token on: the
//     step's ids and positions were written to the pinned staging buffer, which the graph's first node
//     copies to the device), or
//   - captures the closures into a new graph (first token, another sequence's buffers), or
//   - runs them eagerly when a buffer was replaced during the recording or capture is not possible.
// A decode step thus costs the host one pass over the forward code (no launches) and one graph launch.
#include "gpu/cuda/cuda_backend_impl.h"
#include "gpu/cuda/cuda_check.h"

namespace nd::cuda {

namespace {
constexpr size_t kMaxCachedGraphs = 8;  // a few sequences (or models) decoding in turn
}

void CudaBackend::begin_forward(int64_t n_tokens) {
    // Anything left over from a step that never reached sync() (an error path) is dropped.
    m_recorded.clear();
    m_recorded_names.clear();
    m_post_copies.clear();
    m_recording = m_graphs_enabled && n_tokens == 1 && ok();
    if (m_trace)
        m_trace_now = !m_trace_decode_only || n_tokens == 1;
    m_graph_unsafe = false;
    m_sig = 1469598103934665603ull;
    m_bounce_used = 0;
}

void CudaBackend::finish_recording() {
    m_recording = false;
    ++m_steps;
    if (ok()) {
        if (m_graph_unsafe || !capture_and_launch())
            run_recorded_eagerly();
    }
    m_recorded.clear();
    m_recorded_names.clear();
}

void CudaBackend::run_recorded_eagerly() {
    ++m_counters.eager;
    if (m_stage_used)
        record(ND_CUDA(
            cudaMemcpyAsync(m_stage_dev, m_stage_host, m_stage_used, cudaMemcpyHostToDevice, m_stream)));
    for (size_t i = 0; i < m_recorded.size() && ok(); ++i) {
        m_recorded[i]();
        check_launch(m_recorded_names[i]);
    }
}

bool CudaBackend::capture_and_launch() {
    for (CachedGraph &g : m_graphs) {
        if (g.sig == m_sig && g.stage_bytes == m_stage_used) {
            g.last_use = m_steps;
            ++m_counters.replayed;
            record(ND_CUDA(cudaGraphLaunch(g.exec, m_stream)));
            return true;
        }
    }
    // Capture. Errors inside a capture invalidate it; then the step runs eagerly and graphs stay off.
    if (!record(ND_CUDA(cudaStreamBeginCapture(m_stream, cudaStreamCaptureModeThreadLocal))))
        return false;
    if (m_stage_used)
        cudaMemcpyAsync(m_stage_dev, m_stage_host, m_stage_used, cudaMemcpyHostToDevice, m_stream);
    for (auto &launch : m_recorded)
        launch();
    cudaGraph_t graph = nullptr;
    const cudaError_t end = cudaStreamEndCapture(m_stream, &graph);
    const cudaError_t launch_err = cudaGetLastError();
    if (end != cudaSuccess || launch_err != cudaSuccess || !graph) {
        if (graph)
            cudaGraphDestroy(graph);
        m_graphs_enabled = false;
        return false;
    }
    cudaGraphExec_t exec = nullptr;
    const cudaError_t inst = cudaGraphInstantiate(&exec, graph, 0);
    cudaGraphDestroy(graph);
    if (inst != cudaSuccess) {
        cudaGetLastError();
        m_graphs_enabled = false;
        return false;
    }
    if (m_graphs.size() >= kMaxCachedGraphs) {
        size_t oldest = 0;
        for (size_t i = 1; i < m_graphs.size(); ++i)
            if (m_graphs[i].last_use < m_graphs[oldest].last_use)
                oldest = i;
        cudaGraphExecDestroy(m_graphs[oldest].exec);
        m_graphs.erase(m_graphs.begin() + static_cast<std::ptrdiff_t>(oldest));
    }
    m_graphs.push_back(CachedGraph{m_sig, m_stage_used, exec, m_steps});
    ++m_counters.captured;
    record(ND_CUDA(cudaGraphLaunch(exec, m_stream)));
    return true;
}

void CudaBackend::clear_graphs() {
    for (CachedGraph &g : m_graphs)
        cudaGraphExecDestroy(g.exec);
    m_graphs.clear();
}

}  // namespace nd::cuda
