// Writer <-> reader round trips (every metadata type, every tensor type, alignments, split models) and the
// same files read by llama.cpp's own Python reader (gguf-py), whose dequantisers cross-check ours.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <random>

#include "gguf/gguf_test_util.h"
#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/gguf/gguf_writer.h"

namespace nd {
namespace {

std::vector<float> random_values(size_t n, uint32_t seed) {
    std::mt19937 gen(seed);
    std::normal_distribution<float> dist(0.0f, 0.5f);
    std::vector<float> v(n);
    for (float &x : v)
        x = dist(gen);
    return v;
}

GgufWriter every_type_writer() {
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str("llama"));
    w.set("t.u8", GgufWriteValue::scalar(GgufType::uint8, 250));
    w.set("t.i8", GgufWriteValue::scalar(GgufType::int8, -5));
    w.set("t.u16", GgufWriteValue::scalar(GgufType::uint16, 65000));
    w.set("t.i16", GgufWriteValue::scalar(GgufType::int16, -32000));
    w.set("t.u32", GgufWriteValue::u32(4000000000u));
    w.set("t.i32", GgufWriteValue::i32(-123456));
    w.set("t.f32", GgufWriteValue::f32(0.375f));
    w.set("t.bool", GgufWriteValue::boolean(true));
    w.set("t.str", GgufWriteValue::str("Nemotron ▁ Ġ"));
    w.set("t.u64", GgufWriteValue::u64(1ull << 40));
    w.set("t.i64", GgufWriteValue::scalar(GgufType::int64, -(1ll << 40)));
    GgufWriteValue f64;
    f64.type = GgufType::float64;
    f64.f = 1e-300;
    w.set("t.f64", f64);
    w.set("t.arr_i32", GgufWriteValue::i32_array({0, 0, 4, 0, 4}));
    w.set("t.arr_f32", GgufWriteValue::f32_array({1.5f, -2.0f}));
    w.set("t.arr_str", GgufWriteValue::str_array({"<unk>", "<s>", "Ġthe"}));
    w.set("t.arr_bool", GgufWriteValue::array(GgufType::boolean, {GgufWriteValue::boolean(false),
                                                                  GgufWriteValue::boolean(true)}));
    return w;
}

void add_every_tensor_type(GgufWriter &w, std::map<std::string, std::vector<float>> *values) {
    uint32_t seed = 1;
    for (GgmlType t : kSupportedGgmlTypes) {
        const std::string name = "w." + ggml_type_name(static_cast<uint32_t>(t));
        auto v = random_values(256 * 3, seed++);
        ASSERT_TRUE(w.add_tensor_f32(name, t, {256, 3}, v).ok());
        (*values)[name] = v;
    }
}

TEST(GgufWriter, RoundTripsEveryMetadataAndTensorType) {
    test::TempDir dir;
    GgufWriter w = every_type_writer();
    w.set("t.u32", GgufWriteValue::u32(7));  // replaced in place, keeps its position
    w.set("t.nested", GgufWriteValue::array(GgufType::array, {GgufWriteValue::i32_array({1, 2}),
                                                              GgufWriteValue::i32_array({})}));
    std::map<std::string, std::vector<float>> values;
    add_every_tensor_type(w, &values);
    std::vector<std::string> paths;
    ASSERT_TRUE(w.write(dir.file("all.gguf"), {}, &paths).ok());
    ASSERT_EQ(paths, std::vector<std::string>{dir.file("all.gguf")});

    GgufFile *raw = nullptr;
    const Status st = gguf_open(dir.file("all.gguf"), {}, &raw);
    ASSERT_TRUE(st.ok()) << st.describe();
    GgufFilePtr f(raw);
    const auto &md = gguf_metadata(raw);
    ASSERT_GE(md.size(), 5u);
    EXPECT_EQ(md[0].key, "general.architecture");
    EXPECT_EQ(md[5].key, "t.u32");
    EXPECT_EQ(gguf_find(raw, "t.u32")->u, 7u);
    EXPECT_EQ(gguf_find(raw, "t.u8")->u, 250u);
    EXPECT_EQ(gguf_find(raw, "t.i8")->i, -5);
    EXPECT_EQ(gguf_find(raw, "t.u16")->u, 65000u);
    EXPECT_EQ(gguf_find(raw, "t.i16")->i, -32000);
    EXPECT_EQ(gguf_find(raw, "t.i32")->i, -123456);
    EXPECT_EQ(gguf_find(raw, "t.f32")->f, 0.375);
    EXPECT_EQ(gguf_find(raw, "t.bool")->u, 1u);
    EXPECT_EQ(gguf_find(raw, "t.str")->s, "Nemotron ▁ Ġ");
    EXPECT_EQ(gguf_find(raw, "t.u64")->u, 1ull << 40);
    EXPECT_EQ(gguf_find(raw, "t.i64")->i, -(1ll << 40));
    EXPECT_EQ(gguf_find(raw, "t.f64")->f, 1e-300);
    EXPECT_EQ(gguf_find(raw, "t.arr_i32")->array_int(2), 4);
    EXPECT_EQ(gguf_find(raw, "t.arr_f32")->array_float(1), -2.0);
    EXPECT_EQ(gguf_find(raw, "t.arr_str")->strings[2], "Ġthe");
    EXPECT_EQ(gguf_find(raw, "t.arr_bool")->count, 2u);
    EXPECT_EQ(gguf_find(raw, "t.nested")->nested[0].array_int(1), 2);
    EXPECT_EQ(gguf_find(raw, "t.nested")->nested[1].count, 0u);

    for (GgmlType t : kSupportedGgmlTypes) {
        const std::string name = "w." + ggml_type_name(static_cast<uint32_t>(t));
        const GgufTensor *tensor = gguf_find_tensor(raw, name);
        ASSERT_NE(tensor, nullptr) << name;
        EXPECT_EQ(tensor->type(), t);
        EXPECT_EQ(tensor->ne[0], 256);
        EXPECT_EQ(tensor->ne[1], 3);
        EXPECT_EQ(tensor->n_bytes, static_cast<uint64_t>(3 * ggml_row_bytes(t, 256)));
        std::vector<float> back;
        ASSERT_TRUE(gguf_tensor_to_f32(raw, *tensor, &back).ok());
        // The stored bytes are exactly what quantising the values gives.
        std::vector<uint8_t> q(tensor->n_bytes);
        const auto &v = values[name];
        for (int r = 0; r < 3; ++r)
            ASSERT_TRUE(
                ggml_quantize_row(t, v.data() + 256 * r, 256, q.data() + r * ggml_row_bytes(t, 256)).ok());
        EXPECT_EQ(0, std::memcmp(q.data(), tensor->data, q.size())) << name;
        double err = 0;
        for (size_t k = 0; k < v.size(); ++k)
            err = std::max(err, static_cast<double>(std::fabs(v[k] - back[k])));
        EXPECT_LT(err, 0.25) << name;
    }
}

TEST(GgufWriter, Alignments) {
    for (uint32_t align : {8u, 32u, 64u, 256u}) {
        test::TempDir dir;
        GgufWriter w;
        w.set("general.architecture", GgufWriteValue::str("llama"));
        ASSERT_TRUE(w.add_tensor_f32("a", GgmlType::f16, {3}, {1, 2, 3}).ok());
        ASSERT_TRUE(w.add_tensor_f32("b", GgmlType::q8_0, {32}, std::vector<float>(32, 1.0f)).ok());
        GgufWriteOptions o;
        o.alignment = align;
        ASSERT_TRUE(w.write(dir.file("a.gguf"), o, nullptr).ok());
        GgufFile *raw = nullptr;
        ASSERT_TRUE(gguf_open(dir.file("a.gguf"), {}, &raw).ok());
        GgufFilePtr f(raw);
        EXPECT_EQ(gguf_alignment(raw), align);
        EXPECT_EQ(gguf_find(raw, "general.alignment") != nullptr, align != 32);
        EXPECT_EQ(gguf_tensors(raw)[1].offset, align >= 8 ? std::max<uint64_t>(align, 8) : 8);
    }
    GgufWriter w;
    EXPECT_FALSE(w.write("/nonexistent/x.gguf", GgufWriteOptions{24, 0}, nullptr).ok());
}

TEST(GgufWriter, RefusesInconsistentTensors) {
    test::TempDir dir;
    GgufWriter w;
    EXPECT_FALSE(w.add_tensor_f32("x", GgmlType::q4_0, {31}, std::vector<float>(31)).ok());
    EXPECT_FALSE(w.add_tensor_f32("x", GgmlType::f32, {4}, std::vector<float>(3)).ok());
    w.add_tensor({"bad", GgmlType::f32, {4}, std::vector<uint8_t>(15)});
    const Status st = w.write(dir.file("x.gguf"), {}, nullptr);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("'bad'"), std::string::npos);
}

TEST(GgufSplit, ThreeShardsReadAsOne) {
    test::TempDir dir;
    GgufWriter w = every_type_writer();
    std::map<std::string, std::vector<float>> values;
    add_every_tensor_type(w, &values);  // 12 tensors, 5 per shard -> 3 shards
    GgufWriteOptions o;
    o.max_tensors_per_shard = 5;
    std::vector<std::string> paths;
    ASSERT_TRUE(w.write(dir.file("m.gguf"), o, &paths).ok());
    ASSERT_EQ(paths.size(), 3u);
    EXPECT_EQ(paths[0], dir.file("m-00001-of-00003.gguf"));
    EXPECT_EQ(paths[2], dir.file("m-00003-of-00003.gguf"));
    EXPECT_EQ(gguf_split_path("d/x.gguf", 2, 3), "d/x-00002-of-00003.gguf");

    for (const std::string &via : {paths[0], paths[1]}) {  // any shard leads to the whole model
        GgufFile *raw = nullptr;
        const Status st = gguf_open(via, {}, &raw);
        ASSERT_TRUE(st.ok()) << st.describe();
        GgufFilePtr f(raw);
        EXPECT_EQ(gguf_shard_count(raw), 3);
        ASSERT_EQ(gguf_tensors(raw).size(), 12u);
        EXPECT_EQ(gguf_tensors(raw)[11].shard, 2);
        EXPECT_EQ(gguf_find(raw, "t.str")->s, "Nemotron ▁ Ġ");  // metadata from the first shard
        uint64_t total = 0;
        for (const auto &p : paths)
            total += std::filesystem::file_size(p);
        EXPECT_EQ(gguf_file_bytes(raw), total);
        std::vector<float> v;
        ASSERT_TRUE(gguf_tensor_to_f32(raw, *gguf_find_tensor(raw, "w.F32"), &v).ok());
        EXPECT_EQ(v, values["w.F32"]);
    }
    GgufOpenOptions one;
    one.follow_splits = false;
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(paths[0], one, &raw).ok());
    EXPECT_EQ(gguf_tensors(raw).size(), 5u);
    gguf_free(raw);

    std::filesystem::remove(paths[2]);
    const Status st = gguf_open(paths[0], {}, &raw);
    EXPECT_EQ(st.code, StatusCode::not_found);
    EXPECT_NE(st.message.find("shard 3 of 3 is missing"), std::string::npos) << st.message;
    EXPECT_EQ(raw, nullptr);
}

TEST(GgufSplit, MismatchedShardsAreRefused) {
    test::TempDir dir;
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str("llama"));
    for (int k = 0; k < 4; ++k)
        ASSERT_TRUE(w.add_tensor_f32("t" + std::to_string(k), GgmlType::f32, {4}, {1, 2, 3, 4}).ok());
    GgufWriteOptions o;
    o.max_tensors_per_shard = 2;
    std::vector<std::string> paths;
    ASSERT_TRUE(w.write(dir.file("m.gguf"), o, &paths).ok());
    // A split file renamed so that its name no longer says where its siblings are.
    std::filesystem::copy_file(paths[0], dir.file("renamed.gguf"));
    GgufFile *raw = nullptr;
    Status st = gguf_open(dir.file("renamed.gguf"), {}, &raw);
    EXPECT_NE(st.message.find("does not end in -0000K-of-0000N.gguf"), std::string::npos) << st.message;
    // The second shard replaced by the first: split.no does not match its place.
    std::filesystem::copy_file(paths[0], paths[1], std::filesystem::copy_options::overwrite_existing);
    st = gguf_open(paths[0], {}, &raw);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("do not match its place"), std::string::npos) << st.message;
}

// --- gguf-py (llama.cpp's reader) -------------------------------------------------------------------

std::string python_with_numpy() {
    for (const char *py : {"/usr/bin/python3", "python3"}) {
        const std::string cmd = std::string(py) + " -c 'import numpy' >/dev/null 2>&1";
        if (std::system(cmd.c_str()) == 0)
            return py;
    }
    return "";
}

constexpr const char *kDumpScript = R"PY(
import json, sys
sys.path.insert(0, sys.argv[1])
import numpy as np
import gguf
from gguf.quants import dequantize
out = {"fields": {}, "tensors": []}
for path in sys.argv[2:]:
    r = gguf.GGUFReader(path)
    for name, f in r.fields.items():
        if name.startswith("GGUF.") or name == "t.nested":
            continue
        v = f.contents()
        if isinstance(v, float) and v != v:
            v = None
        out["fields"][name] = {"types": [int(t) for t in f.types], "value": v}
    for t in r.tensors:
        d = dequantize(t.data, t.tensor_type).astype(np.float64).reshape(-1)
        out["tensors"].append({"name": t.name, "type": int(t.tensor_type), "shape": [int(x) for x in t.shape],
                               "n_bytes": int(t.n_bytes), "values": d.tolist()})
print(json.dumps(out))
)PY";

nlohmann::json gguf_py_dump(const test::TempDir &dir, const std::vector<std::string> &paths,
                            const std::string &py) {
    const std::string script = dir.file("dump.py");
    { std::ofstream(script) << kDumpScript; }
    std::string cmd =
        py + " " + script + " " + std::string(ND_SOURCE_DIR) + "/tools/reference/llama.cpp/gguf-py";
    for (const auto &p : paths)
        cmd += " " + p;
    cmd += " > " + dir.file("dump.json") + " 2> " + dir.file("dump.err");
    if (std::system(cmd.c_str()) != 0) {
        ADD_FAILURE() << "gguf-py failed: "
                      << std::string(test::read_bytes(dir.file("dump.err")).begin(),
                                     test::read_bytes(dir.file("dump.err")).end());
        return {};
    }
    const auto bytes = test::read_bytes(dir.file("dump.json"));
    return nlohmann::json::parse(bytes.begin(), bytes.end());
}

TEST(GgufPy, ReadsOurFilesAndAgreesOnEveryTensorType) {
    const std::string gguf_py =
        std::string(ND_SOURCE_DIR) + "/tools/reference/llama.cpp/gguf-py/gguf/__init__.py";
    if (!std::filesystem::exists(gguf_py))
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
            "tools/reference/llama.cpp is missing (run tools/reference/setup.sh)");
    const std::string py = python_with_numpy();
    if (py.empty())
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE("no python3 with numpy (apt-get install python3-numpy)");
    test::TempDir dir;
    GgufWriter w = every_type_writer();
    std::map<std::string, std::vector<float>> values;
    add_every_tensor_type(w, &values);
    GgufWriteOptions o;
    o.alignment = 64;
    o.max_tensors_per_shard = 7;  // two shards, each read by gguf-py on its own
    std::vector<std::string> paths;
    ASSERT_TRUE(w.write(dir.file("py.gguf"), o, &paths).ok());
    const nlohmann::json dump = gguf_py_dump(dir, paths, py);
    ASSERT_TRUE(dump.is_object());
    const auto &fields = dump["fields"];
    EXPECT_EQ(fields["general.architecture"]["value"], "llama");
    EXPECT_EQ(fields["general.alignment"]["value"], 64);
    EXPECT_EQ(fields["t.u8"]["value"], 250);
    EXPECT_EQ(fields["t.i8"]["value"], -5);
    EXPECT_EQ(fields["t.u16"]["value"], 65000);
    EXPECT_EQ(fields["t.i16"]["value"], -32000);
    EXPECT_EQ(fields["t.u32"]["value"], 4000000000u);
    EXPECT_EQ(fields["t.i32"]["value"], -123456);
    EXPECT_EQ(fields["t.f32"]["value"], 0.375);
    EXPECT_EQ(fields["t.bool"]["value"], true);
    EXPECT_EQ(fields["t.str"]["value"], "Nemotron ▁ Ġ");
    EXPECT_EQ(fields["t.u64"]["value"], 1ull << 40);
    EXPECT_EQ(fields["t.i64"]["value"], -(1ll << 40));
    EXPECT_EQ(fields["t.f64"]["value"], 1e-300);
    EXPECT_EQ(fields["t.arr_i32"]["value"], (nlohmann::json{0, 0, 4, 0, 4}));
    EXPECT_EQ(fields["t.arr_str"]["value"], (nlohmann::json{"<unk>", "<s>", "Ġthe"}));
    EXPECT_EQ(fields["split.count"]["value"], 2);
    EXPECT_EQ(fields["split.tensors.count"]["value"], 12);
    ASSERT_EQ(dump["tensors"].size(), 12u);
    GgufFile *raw = nullptr;
    ASSERT_TRUE(gguf_open(paths[0], {}, &raw).ok());
    GgufFilePtr f(raw);
    for (const auto &t : dump["tensors"]) {
        const GgufTensor *ours = gguf_find_tensor(raw, t["name"].get<std::string>());
        ASSERT_NE(ours, nullptr);
        EXPECT_EQ(t["type"], ours->type_id);
        EXPECT_EQ(t["n_bytes"], ours->n_bytes);
        std::vector<float> v;
        ASSERT_TRUE(gguf_tensor_to_f32(raw, *ours, &v).ok());
        const auto &ref = t["values"];
        ASSERT_EQ(ref.size(), v.size());
        double max_diff = 0;
        for (size_t k = 0; k < v.size(); ++k)
            max_diff = std::max(max_diff, std::fabs(ref[k].get<double>() - static_cast<double>(v[k])));
        // gguf-py dequantises in f32 with its own operation order: agreement to f32 rounding.
        EXPECT_LT(max_diff, 1e-5) << t["name"];
    }
}

}  // namespace
}  // namespace nd
