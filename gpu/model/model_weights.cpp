// Binding tensors by name and checking their shapes (model_weights.h).
#include "gpu/model/model_weights.h"

#include "gpu/model/model.h"

#include <algorithm>
#include <mutex>
#include <set>

namespace nd {

const char *weight_name_intern(const std::string &name) {
    static std::mutex mutex;
    static std::set<std::string> names;  // std::set never moves its nodes: c_str() stays valid
    std::lock_guard<std::mutex> lock(mutex);
    return names.insert(name).first->c_str();
}

std::string weight_shape_string(const std::vector<int64_t> &ne) {
    std::string s = "{";
    for (size_t i = 0; i < ne.size(); ++i)
        s += (i ? ", " : "") + std::to_string(ne[i]);
    return s + "}";
}

void WeightBinder::zeros(const std::string &name, int64_t n, Weight *out) {
    m_model->converted.emplace_back(static_cast<size_t>(n), 0.0f);
    *out = Weight{};
    out->type = GgmlType::f32;
    out->n_in = n;
    out->row_bytes = n * static_cast<int64_t>(sizeof(float));
    out->data = reinterpret_cast<const uint8_t *>(m_model->converted.back().data());
    out->name = weight_name_intern(name);
}

bool WeightBinder::has(const std::string &name) const {
    return gguf_find_tensor(m_file, name) != nullptr;
}

Status WeightBinder::bind(const std::string &name, const std::vector<int64_t> &ne, const std::string &why,
                          WeightRole role, WeightNeed need, Weight *out) {
    *out = Weight{};
    const GgufTensor *t = gguf_find_tensor(m_file, name);
    const std::string file = gguf_path(m_file);
    if (!t) {
        if (need == WeightNeed::optional)
            return {};
        return ND_STATUS(StatusCode::invalid_argument, file + ": the tensor '" + name +
                                                           "' is missing (expected " +
                                                           weight_shape_string(ne) + " from " + why + ")");
    }
    // Compare all four dimensions, the missing ones being 1, so {E} and {E, 1} are the same shape.
    bool same = ne.size() <= 4;
    for (size_t d = 0; same && d < 4; ++d)
        same = t->ne[d] == (d < ne.size() ? ne[d] : 1);
    if (!same) {
        std::vector<int64_t> found(t->ne.begin(), t->ne.begin() + std::max(1, t->n_dims));
        return ND_STATUS(StatusCode::invalid_argument,
                         file + ": tensor '" + name + "' has shape " + weight_shape_string(found) +
                             " but the metadata says " + weight_shape_string(ne) + " (" + why + ")");
    }
    if (!ggml_type_supported(t->type_id))
        return ND_STATUS(StatusCode::unsupported, file + ": tensor '" + name + "' has type id " +
                                                      std::to_string(t->type_id) +
                                                      ", which NemoDesk cannot run");
    Weight w;
    w.type = t->type();
    w.n_in = t->ne[0];
    w.n_out = t->ne[1];
    w.n_expert = t->ne[2] * t->ne[3];
    w.row_bytes = t->row_bytes();
    w.data = t->data;
    w.name = weight_name_intern(name);
    if (role == WeightRole::vector && w.type != GgmlType::f32) {
        // Tiny tensors: one F32 copy at load keeps every op free of type dispatch for them.
        std::vector<float> values;
        if (Status st = gguf_tensor_to_f32(m_file, *t, &values); !st.ok())
            return st;
        m_model->converted.push_back(std::move(values));
        w.type = GgmlType::f32;
        w.row_bytes = w.n_in * static_cast<int64_t>(sizeof(float));
        w.data = reinterpret_cast<const uint8_t *>(m_model->converted.back().data());
    }
    *out = w;
    return {};
}

// Every Weight slot of one layer (absent optional tensors included: check present()).
std::vector<const Weight *> model_layer_weights(const Model &m, int64_t il) {
    const LayerWeights &l = m.layers[static_cast<size_t>(il)];
    return {&l.attn_norm,
            &l.attn_norm_b,
            &l.wq,
            &l.wk,
            &l.wv,
            &l.wo,
            &l.bq,
            &l.bk,
            &l.bv,
            &l.bo,
            &l.ffn_norm,
            &l.ffn_norm_b,
            &l.ffn_gate,
            &l.ffn_up,
            &l.ffn_down,
            &l.ffn_up_b,
            &l.ffn_down_b,
            &l.ssm_in,
            &l.ssm_conv1d,
            &l.ssm_conv1d_b,
            &l.ssm_dt_b,
            &l.ssm_a,
            &l.ssm_d,
            &l.ssm_norm,
            &l.ssm_out,
            &l.ffn_gate_inp,
            &l.exp_probs_b,
            &l.ffn_up_exps,
            &l.ffn_down_exps,
            &l.ffn_up_shexp,
            &l.ffn_down_shexp,
            &l.ffn_latent_down,
            &l.ffn_latent_up};
}

// Every Weight slot of the model (absent optional tensors included: check present()).
std::vector<const Weight *> model_all_weights(const Model &m) {
    std::vector<const Weight *> w = {&m.token_embd, &m.output_norm, &m.output_norm_b, &m.output,
                                     &m.rope_freqs};
    for (int64_t il = 0; il < static_cast<int64_t>(m.layers.size()); ++il)
        for (const Weight *x : model_layer_weights(m, il))
            w.push_back(x);
    return w;
}

}  // namespace nd
