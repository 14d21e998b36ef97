#pragma once
// A model divided layer-wise between the CPU and a GPU (--gpu-layers N): for models larger than the GPU's
// memory, the last N layers and the output run on the GPU, the embedding lookup and the other layers on
// the CPU, and each batch's residual stream crosses once. The forward pass reads the split through
// Backend::layer_split() and drives both backends itself; used as a plain Backend (memory, ops), a
// SplitBackend is its device backend, and sync() waits for both.
#include <memory>

#include "gpu/model/forwarding_backend.h"

namespace nd {

// Memory and ops go to the device backend (ForwardingBackend's target); the forward pass asks layer_split()
// and hands the host's layers to the host itself.
class SplitBackend final : public ForwardingBackend {
public:
    // device_layers < 0 is refused by backend_open; here it is the count of last layers on `device`.
    SplitBackend(std::unique_ptr<Backend> host, std::unique_ptr<Backend> device, int64_t device_layers);

    std::string name() const override;
    const LayerSplit *layer_split() const override { return &m_split; }
    // The CPU's layers set the pace of a split prompt.
    int64_t preferred_batch() const override { return m_host->preferred_batch(); }
    Status sync() override;
    void release_weights(const std::vector<const Weight *> &w) override {
        m_host->release_weights(w);
        m_device->release_weights(w);
    }

private:
    std::unique_ptr<Backend> m_host;
    std::unique_ptr<Backend> m_device;
    LayerSplit m_split;
};

}  // namespace nd
