#pragma once
// Binding a model's tensors by name with the shape its metadata implies (model.cpp). Every tensor the
// forward pass touches goes through here, so a forward pass never reads outside a tensor: a shape that
// contradicts the metadata is refused with both shapes and the numbers the expected one came from.
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/common/status.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/model/model.h"

namespace nd {

enum class WeightRole {
    matrix = 1,  // kept in its GGUF type, used in place
    vector,      // norms, biases, Mamba parameters: converted to F32 once when stored otherwise
};
enum class WeightNeed { required = 1, optional };

class WeightBinder {
public:
    WeightBinder(const GgufFile *file, Model *model) : m_file(file), m_model(model) {}

    // Binds `name` into *out when it exists with shape `ne` (trailing 1s implied). `why` names the metadata
    // numbers the shape comes from ("n_embd 288, n_head_kv 2, head_dim 64"), for the message.
    Status bind(const std::string &name, const std::vector<int64_t> &ne, const std::string &why,
                WeightRole role, WeightNeed need, Weight *out);
    // An F32 vector of n zeros owned by the model, standing in for an absent optional bias where the ops
    // take one unconditionally (ssm_conv1d.bias): adding 0 changes nothing.
    void zeros(const std::string &name, int64_t n, Weight *out);
    // Whether the file has a tensor of that name (to choose between alternatives such as attn_qkv).
    bool has(const std::string &name) const;

private:
    const GgufFile *m_file;
    Model *m_model;
};

// A stable NUL-terminated copy of a tensor name, for Weight::name (which outlives the binder). The table
// only grows by names the loaders look up (bounded by layers × tensor kinds), and is shared by models.
const char *weight_name_intern(const std::string &name);

// "{288, 96}"
std::string weight_shape_string(const std::vector<int64_t> &ne);

}  // namespace nd
