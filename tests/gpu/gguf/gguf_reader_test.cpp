// The reader on hand-made files: every metadata type, nested arrays, alignment, the tensor table, and every
// class of corruption (truncation at each byte, lying counts/lengths/offsets/types/dims) -> a clear error.
#include <gtest/gtest.h>

#include <random>
#include <utility>

#include "gguf/gguf_test_util.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/gguf/gguf_writer.h"

namespace nd {
namespace {

using test::RawBytes;

// gguf_open_memory copies nothing: the bytes must outlive the file. An lvalue stays the caller's (tests
// compare pointers with it); a temporary is kept in the result, next to the file that points into it (a
// moved vector keeps its buffer).
struct Opened {
    std::vector<uint8_t> owned;
    Status status;
    GgufFilePtr file;
};

Opened open_bytes(const std::vector<uint8_t> &bytes, GgufOpenOptions options = {}) {
    GgufFile *raw = nullptr;
    Opened o;
    o.status = gguf_open_memory(bytes.data(), bytes.size(), "test.gguf", options, &raw);
    o.file.reset(raw);
    return o;
}

Opened open_bytes(std::vector<uint8_t> &&bytes, GgufOpenOptions options = {}) {
    GgufFile *raw = nullptr;
    Opened o;
    o.owned = std::move(bytes);
    o.status = gguf_open_memory(o.owned.data(), o.owned.size(), "test.gguf", options, &raw);
    o.file.reset(raw);
    return o;
}

// One key of every scalar type, strings, arrays of every element type, and arrays of arrays.
std::vector<uint8_t> all_types_file() {
    RawBytes b;
    b.header(3, 0, 17);
    b.str("k.u8").put<uint32_t>(0).put<uint8_t>(200);
    b.str("k.i8").put<uint32_t>(1).put<int8_t>(-100);
    b.str("k.u16").put<uint32_t>(2).put<uint16_t>(60000);
    b.str("k.i16").put<uint32_t>(3).put<int16_t>(-30000);
    b.str("k.u32").put<uint32_t>(4).put<uint32_t>(4000000000u);
    b.str("k.i32").put<uint32_t>(5).put<int32_t>(-2000000000);
    b.str("k.f32").put<uint32_t>(6).put<float>(1.5f);
    b.str("k.bool").put<uint32_t>(7).put<uint8_t>(1);
    b.str("k.str").put<uint32_t>(8).str("héllo");
    b.str("k.u64").put<uint32_t>(10).put<uint64_t>(18000000000000000000ull);
    b.str("k.i64").put<uint32_t>(11).put<int64_t>(-9000000000000000000ll);
    b.str("k.f64").put<uint32_t>(12).put<double>(-0.25);
    b.str("k.arr_i32")
        .put<uint32_t>(9)
        .put<uint32_t>(5)
        .put<uint64_t>(3)
        .put<int32_t>(0)
        .put<int32_t>(-7)
        .put<int32_t>(8);
    b.str("k.arr_u16")
        .put<uint32_t>(9)
        .put<uint32_t>(2)
        .put<uint64_t>(2)
        .put<uint16_t>(1)
        .put<uint16_t>(65535);
    b.str("k.arr_str").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(3).str("a").str("").str("Ġthe");
    // [[1, 2], [], [3]] as arrays of u8 inside an array of arrays
    b.str("k.nested").put<uint32_t>(9).put<uint32_t>(9).put<uint64_t>(3);
    b.put<uint32_t>(0).put<uint64_t>(2).put<uint8_t>(1).put<uint8_t>(2);
    b.put<uint32_t>(0).put<uint64_t>(0);
    b.put<uint32_t>(0).put<uint64_t>(1).put<uint8_t>(3);
    b.str("k.arr_f64").put<uint32_t>(9).put<uint32_t>(12).put<uint64_t>(1).put<double>(2.5);
    return b.bytes();
}

TEST(GgufReader, EveryMetadataType) {
    const auto bytes = all_types_file();
    auto o = open_bytes(bytes);
    ASSERT_TRUE(o.status.ok()) << o.status.describe();
    const GgufFile *f = o.file.get();
    EXPECT_EQ(gguf_version(f), 3u);
    EXPECT_EQ(gguf_alignment(f), 32u);
    EXPECT_EQ(gguf_metadata(f).size(), 17u);
    EXPECT_EQ(gguf_find(f, "k.u8")->u, 200u);
    EXPECT_EQ(gguf_find(f, "k.i8")->i, -100);
    EXPECT_EQ(gguf_find(f, "k.u16")->u, 60000u);
    EXPECT_EQ(gguf_find(f, "k.i16")->i, -30000);
    EXPECT_EQ(gguf_find(f, "k.u32")->to_int(), 4000000000ll);
    EXPECT_EQ(gguf_find(f, "k.i32")->to_int(), -2000000000ll);
    EXPECT_EQ(gguf_find(f, "k.f32")->to_float(), 1.5);
    EXPECT_EQ(gguf_find(f, "k.bool")->u, 1u);
    EXPECT_FALSE(gguf_find(f, "k.bool")->is_integer());
    EXPECT_EQ(gguf_find(f, "k.str")->s, "héllo");
    EXPECT_EQ(gguf_find(f, "k.u64")->u, 18000000000000000000ull);
    EXPECT_FALSE(gguf_find(f, "k.u64")->to_int().has_value());  // does not fit in int64
    EXPECT_EQ(gguf_find(f, "k.i64")->i, -9000000000000000000ll);
    EXPECT_EQ(gguf_find(f, "k.f64")->f, -0.25);
    const GgufValue *a = gguf_find(f, "k.arr_i32");
    EXPECT_EQ(a->count, 3u);
    EXPECT_EQ(a->array_int(1), -7);
    EXPECT_EQ(a->array_float(2), 8.0);
    EXPECT_FALSE(a->array_int(3).has_value());
    EXPECT_EQ(a->describe(), "array[i32, 3]");
    EXPECT_EQ(gguf_find(f, "k.arr_u16")->array_int(1), 65535);
    const GgufValue *s = gguf_find(f, "k.arr_str");
    ASSERT_EQ(s->strings.size(), 3u);
    EXPECT_EQ(s->strings[2], "Ġthe");
    EXPECT_EQ(s->strings[1], "");
    const GgufValue *n = gguf_find(f, "k.nested");
    ASSERT_EQ(n->nested.size(), 3u);
    EXPECT_EQ(n->nested[0].array_int(1), 2);
    EXPECT_EQ(n->nested[1].count, 0u);
    EXPECT_EQ(n->nested[2].array_int(0), 3);
    EXPECT_EQ(gguf_find(f, "k.arr_f64")->array_float(0), 2.5);
    EXPECT_EQ(gguf_find(f, "missing"), nullptr);
    EXPECT_EQ(gguf_find(f, "k.u32")->describe(), "u32 4000000000");
    EXPECT_EQ(gguf_find(f, "k.str")->describe(), "string \"héllo\"");
}

TEST(GgufReader, TypedLookups) {
    const auto bytes = all_types_file();
    auto o = open_bytes(bytes);
    ASSERT_TRUE(o.status.ok());
    std::optional<int64_t> i;
    EXPECT_TRUE(gguf_get_int(o.file.get(), "k.u16", &i).ok());
    EXPECT_EQ(i, 60000);
    EXPECT_TRUE(gguf_get_int(o.file.get(), "absent", &i).ok());
    EXPECT_FALSE(i.has_value());
    const Status st = gguf_get_int(o.file.get(), "k.str", &i);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message.find("test.gguf: key 'k.str' is string"), std::string::npos) << st.message;
    std::optional<double> d;
    EXPECT_TRUE(gguf_get_float(o.file.get(), "k.i32", &d).ok());
    EXPECT_EQ(d, -2e9);
    std::optional<bool> bo;
    EXPECT_TRUE(gguf_get_bool(o.file.get(), "k.bool", &bo).ok());
    EXPECT_EQ(bo, true);
    EXPECT_FALSE(gguf_get_bool(o.file.get(), "k.u8", &bo).ok());
    std::optional<std::string_view> sv;
    EXPECT_TRUE(gguf_get_string(o.file.get(), "k.str", &sv).ok());
    EXPECT_EQ(sv, "héllo");
    std::optional<std::vector<int64_t>> arr;
    EXPECT_TRUE(gguf_get_int_array(o.file.get(), "k.arr_i32", 0, &arr).ok());
    EXPECT_EQ(*arr, (std::vector<int64_t>{0, -7, 8}));
    EXPECT_TRUE(gguf_get_int_array(o.file.get(), "k.u16", 3, &arr).ok());  // a scalar broadcast per layer
    EXPECT_EQ(*arr, (std::vector<int64_t>{60000, 60000, 60000}));
    EXPECT_FALSE(gguf_get_int_array(o.file.get(), "k.arr_str", 0, &arr).ok());
    EXPECT_FALSE(gguf_get_int_array(o.file.get(), "k.u16", 0, &arr).ok());  // no broadcast asked
}

// A file with two tensors laid out by hand: F32 {3, 2} then Q8_0 {32}, alignment `align`.
std::vector<uint8_t> two_tensor_file(uint32_t align, uint32_t version = 3) {
    RawBytes b;
    b.header(version, 2, align == 32 ? 1 : 2);
    b.str("general.architecture").put<uint32_t>(8).str("llama");
    if (align != 32)
        b.str("general.alignment").put<uint32_t>(4).put<uint32_t>(align);
    b.str("a.weight").put<uint32_t>(2).put<uint64_t>(3).put<uint64_t>(2).put<uint32_t>(0).put<uint64_t>(0);
    const uint64_t second = (24 + align - 1) / align * align;
    b.str("b.weight").put<uint32_t>(1).put<uint64_t>(32).put<uint32_t>(8).put<uint64_t>(second);
    b.pad(align);
    for (int k = 0; k < 6; ++k)
        b.put<float>(static_cast<float>(k) - 2.5f);
    b.pad(align);
    b.put<uint16_t>(0x3C00);  // d = 1
    for (int j = 0; j < 32; ++j)
        b.put<int8_t>(static_cast<int8_t>(j - 16));
    return b.bytes();
}

class Alignment : public testing::TestWithParam<uint32_t> {};

TEST_P(Alignment, TensorsAtAlignedOffsets) {
    const uint32_t align = GetParam();
    const auto bytes = two_tensor_file(align);
    auto o = open_bytes(bytes);
    ASSERT_TRUE(o.status.ok()) << o.status.describe();
    EXPECT_EQ(gguf_alignment(o.file.get()), align);
    const auto &ts = gguf_tensors(o.file.get());
    ASSERT_EQ(ts.size(), 2u);
    EXPECT_EQ(ts[0].n_dims, 2);
    EXPECT_EQ(ts[0].ne[0], 3);
    EXPECT_EQ(ts[0].ne[1], 2);
    EXPECT_EQ(ts[0].n_bytes, 24u);
    EXPECT_EQ((ts[0].data - bytes.data()) % align, 0);
    EXPECT_EQ((ts[1].data - bytes.data()) % align, 0);
    std::vector<float> v;
    ASSERT_TRUE(gguf_tensor_to_f32(o.file.get(), ts[0], &v).ok());
    EXPECT_EQ(v, (std::vector<float>{-2.5f, -1.5f, -0.5f, 0.5f, 1.5f, 2.5f}));
    ASSERT_TRUE(gguf_tensor_to_f32(o.file.get(), *gguf_find_tensor(o.file.get(), "b.weight"), &v).ok());
    ASSERT_EQ(v.size(), 32u);
    EXPECT_EQ(v[0], -16.0f);
    EXPECT_EQ(v[31], 15.0f);
    EXPECT_EQ(ts[1].row_bytes(), 34);
}

INSTANTIATE_TEST_SUITE_P(PowersOfTwo, Alignment, testing::Values(1u, 8u, 16u, 32u, 64u, 128u, 4096u));

TEST(GgufReader, Version2IsReadVersion1And4Are4Refused) {
    EXPECT_TRUE(open_bytes(two_tensor_file(32, 2)).status.ok());
    for (uint32_t v : {1u, 4u, 0x03000000u}) {
        const auto o = open_bytes(two_tensor_file(32, v));
        EXPECT_FALSE(o.status.ok()) << v;
        EXPECT_NE(o.status.message.find(v == 0x03000000u ? "big-endian" : "version"), std::string::npos)
            << o.status.message;
    }
}

std::string open_error(const std::vector<uint8_t> &bytes, GgufOpenOptions options = {}) {
    const auto o = open_bytes(bytes, options);
    EXPECT_FALSE(o.status.ok());
    EXPECT_EQ(o.file, nullptr);
    EXPECT_EQ(o.status.message.rfind("test.gguf: ", 0), 0u) << o.status.message;
    return o.status.message;
}

#define EXPECT_ERROR_HAS(bytes, text)                                     \
    do {                                                                  \
        const std::string _m = open_error(bytes);                         \
        EXPECT_NE(_m.find(text), std::string::npos) << "message: " << _m; \
    } while (false)

TEST(GgufReader, TruncatedAtEveryByte) {
    const auto full = two_tensor_file(32);
    // The last tensor's bytes end 34 bytes into its aligned slot; only its padding may be missing.
    auto o = open_bytes(full);
    ASSERT_TRUE(o.status.ok());
    const auto &last = gguf_tensors(o.file.get()).back();
    const size_t needed = static_cast<size_t>(last.data - full.data()) + last.n_bytes;
    for (size_t n = 0; n < full.size(); ++n) {
        std::vector<uint8_t> cut(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
        const auto r = open_bytes(cut);
        if (n < needed) {
            EXPECT_FALSE(r.status.ok()) << "prefix of " << n << " bytes";
            EXPECT_FALSE(r.status.message.empty());
        } else {
            EXPECT_TRUE(r.status.ok()) << n << ": " << r.status.message;
        }
    }
}

TEST(GgufReader, BadMagicAndEmpty) {
    EXPECT_ERROR_HAS(std::vector<uint8_t>{}, "not a GGUF file");
    EXPECT_ERROR_HAS((std::vector<uint8_t>{'G', 'G', 'M', 'L', 3, 0, 0, 0}), "not a GGUF file");
}

TEST(GgufReader, HugeCountsAreRefusedBeforeAllocating) {
    RawBytes kv;
    kv.header(3, 0, 1ull << 60);
    EXPECT_ERROR_HAS(kv.bytes(), "metadata entries");
    RawBytes t;
    t.header(3, ~0ull, 0);
    EXPECT_ERROR_HAS(t.bytes(), "tensors");
    RawBytes s;  // a string claiming 2^62 bytes
    s.header(3, 0, 1).str("k").put<uint32_t>(8).put<uint64_t>(1ull << 62);
    EXPECT_ERROR_HAS(s.bytes(), "truncated: the metadata value of 'k'");
    RawBytes a;  // an array of u32 claiming 2^61 elements
    a.header(3, 0, 1).str("k").put<uint32_t>(9).put<uint32_t>(4).put<uint64_t>(1ull << 61);
    EXPECT_ERROR_HAS(a.bytes(), "2305843009213693952 elements");
    RawBytes as;  // an array of strings claiming 2^40 elements
    as.header(3, 0, 1).str("k").put<uint32_t>(9).put<uint32_t>(8).put<uint64_t>(1ull << 40).zeros(64);
    EXPECT_ERROR_HAS(as.bytes(), "more than the");
    RawBytes key;  // a key whose length is a lie
    key.header(3, 0, 1).put<uint64_t>(1000).zeros(20);
    EXPECT_ERROR_HAS(key.bytes(), "truncated: metadata key #0");
}

TEST(GgufReader, BadValueTypesAndNesting) {
    RawBytes t;
    t.header(3, 0, 1).str("k").put<uint32_t>(13).put<uint32_t>(0);
    EXPECT_ERROR_HAS(t.bytes(), "unknown value type 13");
    RawBytes e;
    e.header(3, 0, 1).str("k").put<uint32_t>(9).put<uint32_t>(77).put<uint64_t>(0);
    EXPECT_ERROR_HAS(e.bytes(), "unknown value type 77");
    RawBytes deep;  // arrays nested 20 deep
    deep.header(3, 0, 1).str("k").put<uint32_t>(9);
    for (int d = 0; d < 20; ++d)
        deep.put<uint32_t>(9).put<uint64_t>(1);
    deep.put<uint32_t>(0).put<uint64_t>(0);
    EXPECT_ERROR_HAS(deep.bytes(), "nests arrays deeper");
}

TEST(GgufReader, DuplicateKeysAndTensors) {
    RawBytes k;
    k.header(3, 0, 2).str("a").put<uint32_t>(0).put<uint8_t>(1).str("a").put<uint32_t>(0).put<uint8_t>(2);
    EXPECT_ERROR_HAS(k.bytes(), "'a' appears twice");
    RawBytes t;
    t.header(3, 2, 0);
    t.str("w").put<uint32_t>(1).put<uint64_t>(4).put<uint32_t>(0).put<uint64_t>(0);
    t.str("w").put<uint32_t>(1).put<uint64_t>(4).put<uint32_t>(0).put<uint64_t>(32);
    t.pad(32).zeros(64);
    EXPECT_ERROR_HAS(t.bytes(), "tensor 'w' appears twice");
}

TEST(GgufReader, BadAlignment) {
    for (uint32_t bad : {0u, 3u, 48u}) {
        RawBytes b;
        b.header(3, 0, 1).str("general.alignment").put<uint32_t>(4).put<uint32_t>(bad);
        EXPECT_ERROR_HAS(b.bytes(), "not a power of 2");
    }
    RawBytes w;
    w.header(3, 0, 1).str("general.alignment").put<uint32_t>(5).put<int32_t>(32);
    EXPECT_ERROR_HAS(w.bytes(), "expected a u32");
}

// One tensor record with the given fields, data zeros after it.
std::vector<uint8_t> one_tensor(const std::string &name, std::vector<uint64_t> ne, uint32_t type,
                                uint64_t offset, size_t data_bytes = 4096) {
    RawBytes b;
    b.header(3, 1, 0).str(name).put<uint32_t>(static_cast<uint32_t>(ne.size()));
    for (uint64_t d : ne)
        b.put<uint64_t>(d);
    b.put<uint32_t>(type).put<uint64_t>(offset).pad(32).zeros(data_bytes);
    return b.bytes();
}

TEST(GgufReader, TensorInfoLies) {
    EXPECT_TRUE(open_bytes(one_tensor("t", {32, 4}, 8, 0)).status.ok());
    EXPECT_ERROR_HAS(one_tensor("t", {1, 1, 1, 1, 1}, 0, 0), "5 dimensions");
    EXPECT_ERROR_HAS(one_tensor("t", {33}, 8, 0), "not a multiple of Q8_0's block size 32");
    EXPECT_ERROR_HAS(one_tensor("t", {256}, 16, 0),
                     "tensor 't' has type IQ2_XXS, which NemoDesk cannot read");
    EXPECT_ERROR_HAS(one_tensor("t", {32}, 99, 0), "type 99");
    EXPECT_ERROR_HAS(one_tensor("t", {1ull << 63}, 0, 0), "too large");
    EXPECT_ERROR_HAS(one_tensor("t", {1ull << 32, 1ull << 32}, 0, 0), "overflow");
    EXPECT_ERROR_HAS(one_tensor("t", {0, 1ull << 40, 1ull << 40}, 0, 0), "overflow");
    EXPECT_ERROR_HAS(one_tensor("t", {2048}, 0, 0), "truncated: tensor 't' needs");
    EXPECT_ERROR_HAS(one_tensor("t", {4}, 0, 32), "starts at data offset 32, expected 0");
    EXPECT_ERROR_HAS(one_tensor("t", {4}, 0, 7), "expected 0");
    EXPECT_ERROR_HAS(one_tensor(std::string(64, 'x'), {4}, 0, 0), "name of 64 bytes");
    EXPECT_ERROR_HAS(one_tensor("", {4}, 0, 0), "empty name");
    EXPECT_TRUE(open_bytes(one_tensor(std::string(63, 'x'), {4}, 0, 0)).status.ok());
    // Zero-sized tensors are legal and dequantise to nothing.
    auto z = open_bytes(one_tensor("z", {0, 5}, 0, 0, 0));
    ASSERT_TRUE(z.status.ok()) << z.status.message;
    std::vector<float> v{1.0f};
    EXPECT_TRUE(gguf_tensor_to_f32(z.file.get(), gguf_tensors(z.file.get())[0], &v).ok());
    EXPECT_TRUE(v.empty());
}

TEST(GgufReader, UnsupportedTypesAllowedForInspection) {
    GgufOpenOptions lenient;
    lenient.allow_unsupported_types = true;
    auto o = open_bytes(one_tensor("t", {256, 2}, 16, 0), lenient);  // IQ2_XXS: 66 bytes per 256
    ASSERT_TRUE(o.status.ok()) << o.status.message;
    const GgufTensor &t = gguf_tensors(o.file.get())[0];
    EXPECT_EQ(t.n_bytes, 132u);
    std::vector<float> v;
    const Status st = gguf_tensor_to_f32(o.file.get(), t, &v);
    EXPECT_EQ(st.code, StatusCode::unsupported);
    EXPECT_NE(st.message.find("IQ2_XXS"), std::string::npos);
    // A type whose layout nobody knows still cannot be laid out.
    EXPECT_FALSE(open_bytes(one_tensor("t", {32}, 99, 0), lenient).status.ok());
}

// Random corruption of a real generated file: never a crash; when it opens, every tensor is in bounds.
TEST(GgufReader, RandomByteFlipsNeverCrash) {
    test::TempDir dir;
    GgufWriter w;
    w.set("general.architecture", GgufWriteValue::str("llama"));
    w.set("tokenizer.ggml.tokens", GgufWriteValue::str_array({"a", "b", "c"}));
    w.set("x.per_layer", GgufWriteValue::i32_array({1, 2, 3}));
    ASSERT_TRUE(w.add_tensor_f32("t0", GgmlType::q4_k, {256, 2}, std::vector<float>(512, 0.5f)).ok());
    ASSERT_TRUE(w.add_tensor_f32("t1", GgmlType::f16, {8}, std::vector<float>(8, 1.0f)).ok());
    ASSERT_TRUE(w.write(dir.file("m.gguf"), {}, nullptr).ok());
    const auto good = test::read_bytes(dir.file("m.gguf"));
    std::mt19937 gen(7);
    int opened = 0;
    for (int iter = 0; iter < 3000; ++iter) {
        auto bytes = good;
        const int flips = 1 + static_cast<int>(gen() % 4);
        for (int k = 0; k < flips; ++k) {
            const size_t at = gen() % std::min<size_t>(bytes.size(), 400);  // mostly the header
            bytes[at] = static_cast<uint8_t>(gen());
        }
        auto o = open_bytes(bytes);
        if (!o.status.ok())
            continue;
        ++opened;
        for (const GgufTensor &t : gguf_tensors(o.file.get())) {
            ASSERT_GE(t.data, bytes.data());
            ASSERT_LE(t.data + t.n_bytes, bytes.data() + bytes.size());
        }
    }
    RecordProperty("opened", opened);
}

}  // namespace
}  // namespace nd
