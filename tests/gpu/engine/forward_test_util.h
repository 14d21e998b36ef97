#pragma once
// Helpers of the forward/session tests: write a random-weight model, load it, a CPU backend, compare logits.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gpu/cpu/cpu_backend.h"
#include "gpu/model/forward.h"
#include "gpu/model/model.h"
#include "gpu/model/model_gen.h"
#include "gpu/session/session.h"
#include "temp_dir.h"

namespace nd::test {

inline ModelGenSpec small_spec(ModelArch arch, GgmlType type = GgmlType::f32) {
    ModelGenSpec s;
    s.arch = arch;
    s.weight_type = type;
    return s;
}

inline std::unique_ptr<Model> write_and_load(const TempDir &dir, const ModelGenSpec &spec,
                                             const std::string &file = "m.gguf") {
    const std::string path = dir.file(file);
    Status st = model_gen_write(spec, path);
    EXPECT_TRUE(st.ok()) << st.describe();
    std::unique_ptr<Model> m;
    st = model_load(path, {}, &m);
    EXPECT_TRUE(st.ok()) << st.describe();
    return m;
}

// A model file of the default test shape, written once per process and shared by the tests that only read
// it (writing one costs more than most tests' evaluation).
inline std::string cached_model_path(ModelArch arch, GgmlType type = GgmlType::f32) {
    static TempDir dir("fwdcache");
    static std::map<std::pair<int, int>, std::string> paths;
    const auto key = std::make_pair(static_cast<int>(arch), static_cast<int>(type));
    if (auto it = paths.find(key); it != paths.end())
        return it->second;
    const std::string path =
        dir.file(std::string(model_arch_name(arch)) + "-" + std::to_string(static_cast<int>(type)) + ".gguf");
    const Status st = model_gen_write(small_spec(arch, type), path);
    EXPECT_TRUE(st.ok()) << st.describe();
    paths[key] = path;
    return path;
}

inline std::unique_ptr<Model> load_cached(ModelArch arch, GgmlType type = GgmlType::f32) {
    std::unique_ptr<Model> m;
    const Status st = model_load(cached_model_path(arch, type), {}, &m);
    EXPECT_TRUE(st.ok()) << st.describe();
    return m;
}

inline std::unique_ptr<Session> make_session(const Model &m, Backend *be, int64_t n_ctx, int64_t n_batch,
                                             KvType kv = KvType::f32) {
    SessionOptions o;
    o.n_ctx = n_ctx;
    o.n_batch = n_batch;
    o.kv_type = kv;
    std::unique_ptr<Session> s;
    Status st = Session::create(m, be, o, &s);
    EXPECT_TRUE(st.ok()) << st.describe();
    return s;
}

inline std::vector<int32_t> test_tokens(int64_t n, int64_t n_vocab, uint32_t seed = 7) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    uint32_t x = seed;
    for (auto &v : t) {
        x = x * 1664525u + 1013904223u;
        v = static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(n_vocab));
    }
    return t;
}

// max |a−b| / max(1, max |b|) over the vectors.
inline double rel_diff(const std::vector<float> &a, const std::vector<float> &b) {
    if (a.size() != b.size())
        return INFINITY;
    double d = 0, scale = 1;
    for (size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, static_cast<double>(std::fabs(a[i] - b[i])));
        scale = std::max(scale, static_cast<double>(std::fabs(b[i])));
    }
    return d / scale;
}

}  // namespace nd::test
