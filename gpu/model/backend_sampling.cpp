// The host implementations of Backend::apply_penalties and Backend::top_k (backend.h): through download
// and upload, so they serve every backend whose download has finished when it returns (all but one that
// records a graph — the CUDA backend — which overrides both); on the CPU backend (where both are copies)
// they are the twins the CUDA kernels are checked against.
#include <algorithm>
#include <vector>

#include "gpu/model/backend.h"
#include "gpu/model/logit_select.h"

namespace nd {

void Backend::apply_penalties(float *logits, int64_t n_vocab, const int32_t *ids, const int32_t *counts,
                              int64_t n_ids, float repeat, float frequency, float presence) {
    for (int64_t i = 0; i < n_ids; ++i) {
        const int32_t id = ids[i];
        if (id < 0 || id >= n_vocab)
            continue;
        float l = 0.0f;
        download(&l, logits + id, sizeof l);
        l = logit_penalized(l, counts[i], repeat, frequency, presence);
        upload(logits + id, &l, sizeof l);
    }
}

void Backend::top_k(const float *logits, int64_t n, int64_t k, int32_t *out_ids, float *out_vals) {
    if (n <= 0 || k <= 0)
        return;
    k = std::min({k, n, kTopKMax});
    std::vector<float> host(static_cast<size_t>(n));
    download(host.data(), logits, host.size() * sizeof(float));
    std::vector<std::pair<float, int32_t>> all(host.size());
    for (size_t i = 0; i < host.size(); ++i)
        all[i] = {logit_sanitize(host[i]), static_cast<int32_t>(i)};
    std::partial_sort(all.begin(), all.begin() + k, all.end(), logit_better);
    std::vector<int32_t> ids(static_cast<size_t>(k));
    std::vector<float> vals(static_cast<size_t>(k));
    for (size_t i = 0; i < ids.size(); ++i) {
        ids[i] = all[i].second;
        vals[i] = all[i].first;
    }
    upload(out_ids, ids.data(), ids.size() * sizeof(int32_t));
    upload(out_vals, vals.data(), vals.size() * sizeof(float));
}

}  // namespace nd
