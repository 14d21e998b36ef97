// Opening GGUF files: mapping, split models (spec §1.1: "name-0000K-of-0000N.gguf", split.no 0-based,
// split.count, split.tensors.count), merging shards, and the lookups.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "gpu/gguf/ggml_quants.h"
#include "gpu/gguf/gguf_internal.h"
#include "gpu/gguf/gguf_writer.h"

namespace nd {

namespace {

Status map_file(const std::string &path, GgufShard *shard) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        const int err = errno;
        return ND_STATUS(err == ENOENT ? StatusCode::not_found : StatusCode::io_error,
                         path + ": cannot open: " + std::strerror(err));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        ::close(fd);
        return ND_STATUS(StatusCode::io_error, path + ": not a regular file");
    }
    shard->path = path;
    shard->size = static_cast<uint64_t>(st.st_size);
    if (shard->size == 0) {
        ::close(fd);
        return ND_STATUS(StatusCode::invalid_argument, path + ": the file is empty, not a GGUF file");
    }
    void *p = ::mmap(nullptr, shard->size, PROT_READ, MAP_PRIVATE, fd, 0);
    const int err = errno;
    ::close(fd);  // the mapping keeps the file
    if (p == MAP_FAILED)
        return ND_STATUS(StatusCode::io_error, path + ": cannot map the file: " + std::strerror(err));
    shard->map = p;
    shard->base = static_cast<const uint8_t *>(p);
    return {};
}

void unmap(GgufShard &shard) {
    if (shard.map)
        ::munmap(shard.map, shard.size);
    shard.map = nullptr;
}

Status open_shard(const std::string &path, const GgufOpenOptions &options, int shard_no, GgufShard *shard) {
    Status st = map_file(path, shard);
    if (st.ok())
        st = gguf_parse(shard->base, shard->size, path, options, shard_no, shard);
    if (!st.ok())
        unmap(*shard);
    return st;
}

const GgufValue *shard_find(const GgufShard &s, std::string_view key) {
    for (const GgufKeyValue &kv : s.metadata)
        if (kv.key == key)
            return &kv.value;
    return nullptr;
}

// split.no / split.count as integers (u16 in llama.cpp's gguf-split, any integer accepted).
Status shard_split_key(const GgufShard &s, std::string_view key, int64_t *out) {
    const GgufValue *v = shard_find(s, key);
    if (!v) {
        *out = -1;
        return {};
    }
    const auto i = v->to_int();
    if (!i || *i < 0 || *i > 99999)
        return ND_STATUS(StatusCode::invalid_argument, s.path + ": " + std::string(key) + " is " +
                                                           v->describe() + ", expected a shard number");
    *out = *i;
    return {};
}

// "dir/m-00002-of-00003.gguf" -> prefix "dir/m", no 2, count 3; false when the name has no such suffix.
bool parse_split_name(const std::string &path, std::string *prefix, int *no, int *count) {
    constexpr size_t suffix_len = std::char_traits<char>::length("-00001-of-00003.gguf");
    if (path.size() <= suffix_len)
        return false;
    const std::string tail = path.substr(path.size() - suffix_len);
    auto digits = [&](size_t at, int *v) {
        *v = 0;
        for (size_t i = at; i < at + 5; ++i) {
            if (tail[i] < '0' || tail[i] > '9')
                return false;
            *v = *v * 10 + (tail[i] - '0');
        }
        return true;
    };
    if (tail[0] != '-' || tail.compare(6, 4, "-of-") != 0 || tail.compare(15, 5, ".gguf") != 0)
        return false;
    if (!digits(1, no) || !digits(10, count))
        return false;
    *prefix = path.substr(0, path.size() - suffix_len);
    return true;
}

void index_file(GgufFile *f) {
    for (size_t k = 0; k < f->metadata.size(); ++k)
        f->key_index.emplace(f->metadata[k].key, k);
    for (size_t k = 0; k < f->tensors.size(); ++k)
        f->tensor_index.emplace(f->tensors[k].name, k);
}

Status open_split(const std::string &path, const GgufOpenOptions &options, GgufFile *f) {
    int64_t count = 0, no = 0;
    if (Status st = shard_split_key(f->shards[0], "split.count", &count); !st.ok())
        return st;
    if (Status st = shard_split_key(f->shards[0], "split.no", &no); !st.ok())
        return st;
    std::string prefix;
    int name_no = 0, name_count = 0;
    if (!parse_split_name(path, &prefix, &name_no, &name_count))
        return ND_STATUS(
            StatusCode::invalid_argument,
            path + ": split.count is " + std::to_string(count) +
                " but the name does not end in -0000K-of-0000N.gguf, so the other shards cannot be found");
    if (name_count != count)
        return ND_STATUS(StatusCode::invalid_argument,
                         path + ": the name says " + std::to_string(name_count) +
                             " shards but split.count is " + std::to_string(count));
    if (name_no != 1) {  // opened through another shard: start again from the first
        GgufShard first;
        const std::string first_path = gguf_split_path(prefix + ".gguf", 1, static_cast<int>(count));
        if (Status st = open_shard(first_path, options, 0, &first); !st.ok())
            return st;
        unmap(f->shards[0]);
        f->shards[0] = std::move(first);
    }
    for (int k = 2; k <= count; ++k) {
        const std::string shard_path = gguf_split_path(prefix + ".gguf", k, static_cast<int>(count));
        GgufShard shard;
        Status st = open_shard(shard_path, options, k - 1, &shard);
        if (st.code == StatusCode::not_found)
            return ND_STATUS(StatusCode::not_found, path + ": shard " + std::to_string(k) + " of " +
                                                        std::to_string(count) + " is missing: " + shard_path);
        if (!st.ok())
            return st;
        f->shards.push_back(std::move(shard));
    }
    uint64_t total_tensors = 0;
    for (size_t k = 0; k < f->shards.size(); ++k) {
        const GgufShard &s = f->shards[k];
        int64_t s_no = 0, s_count = 0;
        if (Status st = shard_split_key(s, "split.no", &s_no); !st.ok())
            return st;
        if (Status st = shard_split_key(s, "split.count", &s_count); !st.ok())
            return st;
        if (s_no != static_cast<int64_t>(k) || s_count != count)
            return ND_STATUS(StatusCode::invalid_argument,
                             s.path + ": split.no " + std::to_string(s_no) + " / split.count " +
                                 std::to_string(s_count) + " do not match its place, shard " +
                                 std::to_string(k + 1) + " of " + std::to_string(count) +
                                 " (split.no counts from 0)");
        total_tensors += s.tensors.size();
    }
    if (const GgufValue *v = shard_find(f->shards[0], "split.tensors.count")) {
        const auto n = v->to_int();
        if (!n || static_cast<uint64_t>(*n) != total_tensors)
            return ND_STATUS(StatusCode::invalid_argument, f->shards[0].path + ": split.tensors.count is " +
                                                               v->describe() + " but the shards hold " +
                                                               std::to_string(total_tensors) + " tensors");
    }
    return {};
}

Status finish(GgufFile *f) {
    f->metadata = f->shards[0].metadata;
    for (const GgufShard &s : f->shards)
        f->tensors.insert(f->tensors.end(), s.tensors.begin(), s.tensors.end());
    index_file(f);
    if (f->tensor_index.size() != f->tensors.size()) {
        for (size_t k = 0; k < f->tensors.size(); ++k)
            if (f->tensor_index.at(f->tensors[k].name) != k)
                return ND_STATUS(
                    StatusCode::invalid_argument,
                    f->path + ": tensor '" + std::string(f->tensors[k].name) + "' is in two shards");
    }
    return {};
}

}  // namespace

Status gguf_open(const std::string &path, const GgufOpenOptions &options, GgufFile **out) {
    *out = nullptr;
    auto f = std::make_unique<GgufFile>();
    f->path = path;
    f->shards.emplace_back();
    Status st = open_shard(path, options, 0, &f->shards[0]);
    if (!st.ok()) {
        f->shards.clear();
        return st;
    }
    int64_t count = 0;
    st = shard_split_key(f->shards[0], "split.count", &count);
    if (st.ok() && options.follow_splits && count > 1)
        st = open_split(path, options, f.get());
    if (st.ok())
        st = finish(f.get());
    if (!st.ok()) {
        gguf_free(f.release());
        return st;
    }
    *out = f.release();
    return {};
}

Status gguf_open_memory(const void *data, size_t size, const std::string &name,
                        const GgufOpenOptions &options, GgufFile **out) {
    *out = nullptr;
    auto f = std::make_unique<GgufFile>();
    f->path = name;
    f->shards.emplace_back();
    f->shards[0].path = name;
    f->shards[0].base = static_cast<const uint8_t *>(data);
    f->shards[0].size = size;
    Status st = gguf_parse(f->shards[0].base, size, name, options, 0, &f->shards[0]);
    if (st.ok())
        st = finish(f.get());
    if (!st.ok())
        return st;
    *out = f.release();
    return {};
}

void gguf_free(GgufFile *file) {
    if (!file)
        return;
    for (GgufShard &s : file->shards)
        unmap(s);
    delete file;
}

const std::string &gguf_path(const GgufFile *file) {
    return file->path;
}
uint32_t gguf_version(const GgufFile *file) {
    return file->shards[0].version;
}
uint32_t gguf_alignment(const GgufFile *file) {
    return file->shards[0].alignment;
}
int gguf_shard_count(const GgufFile *file) {
    return static_cast<int>(file->shards.size());
}

uint64_t gguf_file_bytes(const GgufFile *file) {
    uint64_t n = 0;
    for (const GgufShard &s : file->shards)
        n += s.size;
    return n;
}

const std::vector<GgufKeyValue> &gguf_metadata(const GgufFile *file) {
    return file->metadata;
}

const GgufValue *gguf_find(const GgufFile *file, std::string_view key) {
    const auto it = file->key_index.find(key);
    return it == file->key_index.end() ? nullptr : &file->metadata[it->second].value;
}

const std::vector<GgufTensor> &gguf_tensors(const GgufFile *file) {
    return file->tensors;
}

const GgufTensor *gguf_find_tensor(const GgufFile *file, std::string_view name) {
    const auto it = file->tensor_index.find(name);
    return it == file->tensor_index.end() ? nullptr : &file->tensors[it->second];
}

Status gguf_tensor_to_f32(const GgufFile *file, const GgufTensor &tensor, std::vector<float> *out) {
    if (!ggml_type_supported(tensor.type_id))
        return ND_STATUS(StatusCode::unsupported, file->path + ": tensor '" + std::string(tensor.name) +
                                                      "' has type " + ggml_type_name(tensor.type_id) +
                                                      ", which NemoDesk cannot read");
    out->clear();
    if (tensor.n_elements() == 0)
        return {};
    const int64_t rows = tensor.ne[1] * tensor.ne[2] * tensor.ne[3];
    const int64_t row_bytes = tensor.row_bytes();
    out->resize(static_cast<size_t>(tensor.n_elements()));
    for (int64_t r = 0; r < rows; ++r) {
        Status st = ggml_dequantize_row(tensor.type(), tensor.data + r * row_bytes, tensor.ne[0],
                                        out->data() + r * tensor.ne[0]);
        if (!st.ok())
            return st;
    }
    return {};
}

}  // namespace nd
