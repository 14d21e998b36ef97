// split_backend.h
#include "gpu/session/split_backend.h"

#include <string>

namespace nd {

SplitBackend::SplitBackend(std::unique_ptr<Backend> host, std::unique_ptr<Backend> device,
                           int64_t device_layers)
    : ForwardingBackend(device.get()), m_host(std::move(host)), m_device(std::move(device)) {
    m_split.host = m_host.get();
    m_split.device = m_device.get();
    m_split.device_layers = device_layers;
}

std::string SplitBackend::name() const {
    return m_device->name() + " for the last " + std::to_string(m_split.device_layers) + " layers, " +
           m_host->name() + " for the rest";
}

Status SplitBackend::sync() {
    // Both, always: each clears its own failure, and the first one is the one to report.
    Status host = m_host->sync();
    Status device = m_device->sync();
    return host.ok() ? device : host;
}

}  // namespace nd
