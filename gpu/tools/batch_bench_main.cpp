// nemodesk-batch-bench: aggregate decode tokens/s of continuous batching (gpu/session/batch_generator.h)
// with 1, 4, 16… concurrent streams, on a generated model (or --model), so a server's gain from serving
// requests together instead of one after another can be measured and reproduced.
//
//   nemodesk-batch-bench [--device auto|cpu|cuda[:N]] [--threads N] [--streams 1,4,16] [--tokens 32]
//                        [--prompt 32] [--type q8_0] [--arch nemotron_h|llama|nemotron_h_moe] [--model PATH]
//
// For each stream count S: S greedy requests of --prompt tokens each generate --tokens tokens (EOG off);
// once every stream has its first token, the clock starts; decode tokens/s = tokens evaluated from then
// until the last stream ends ÷ that time (all streams together), and per stream.
#include <unistd.h>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/gguf/gguf_types.h"
#include "gpu/model/model.h"
#include "gpu/model/model_gen.h"
#include "gpu/session/backend_open.h"
#include "gpu/session/batch_generator.h"

namespace {

using Clock = std::chrono::steady_clock;

int fail(const nd::Status &st) {
    std::fprintf(stderr, "nemodesk-batch-bench: %s\n", st.describe().c_str());
    return 1;
}

std::vector<int64_t> parse_list(const std::string &s) {
    std::vector<int64_t> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        out.push_back(std::stoll(item));
    return out;
}

// A ~0.5B-parameter shape (every layer kind of its architecture), repeated rows so it is written in
// seconds; a 32k vocabulary so the output matmul weighs as in real models.
nd::ModelGenSpec bench_spec(nd::ModelArch arch, nd::GgmlType type) {
    nd::ModelGenSpec s;
    s.arch = arch;
    s.weight_type = type;
    s.n_vocab = 32768;
    s.n_embd = 2048;
    s.n_layer = 8;
    s.n_head = 16;
    s.n_head_kv = 4;
    s.head_dim = 128;
    s.n_ff = 6144;
    s.unique_rows = 64;
    if (arch == nd::ModelArch::nemotron_h)
        s.layer_pattern = "M-M*M-M-";
    if (arch == nd::ModelArch::nemotron_h_moe) {
        s.layer_pattern = "MEM*MEME";
        s.n_expert = 32;
        s.n_expert_used = 4;
        s.n_ff_expert = 1024;
        s.n_ff_shared = 2048;
    }
    return s;
}

}  // namespace

int main(int argc, char **argv) {
    std::string device = "auto", model_path, type_name = "q8_0", arch_name = "nemotron_h";
    std::vector<int64_t> streams = {1, 4, 16};
    int64_t n_tokens = 32, n_prompt = 32;
    int threads = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        const bool has = i + 1 < argc;
        if (a == "--device" && has)
            device = argv[++i];
        else if (a == "--threads" && has)
            threads = std::stoi(argv[++i]);
        else if (a == "--streams" && has)
            streams = parse_list(argv[++i]);
        else if (a == "--tokens" && has)
            n_tokens = std::stoll(argv[++i]);
        else if (a == "--prompt" && has)
            n_prompt = std::stoll(argv[++i]);
        else if (a == "--type" && has)
            type_name = argv[++i];
        else if (a == "--arch" && has)
            arch_name = argv[++i];
        else if (a == "--model" && has)
            model_path = argv[++i];
        else {
            std::fprintf(
                stderr,
                "usage: nemodesk-batch-bench [--device D] [--threads N] [--streams 1,4,16] [--tokens N] "
                "[--prompt N] [--type T] [--arch A] [--model PATH]\n");
            return 2;
        }
    }
    std::string tmp;
    if (model_path.empty()) {
        const auto type = nd::ggml_type_from_name(type_name);
        nd::ModelArch arch = nd::ModelArch::llama;
        if (!type || !nd::model_arch_from_name(arch_name, &arch))
            return fail(ND_STATUS(nd::StatusCode::invalid_argument,
                                  "unknown --type '" + type_name + "' or --arch '" + arch_name + "'"));
        tmp = (std::filesystem::temp_directory_path() /
               ("nd-batch-bench-" + std::to_string(getpid()) + ".gguf"))
                  .string();
        if (nd::Status st = nd::model_gen_write(bench_spec(arch, *type), tmp); !st.ok())
            return fail(st);
        model_path = tmp;
    }
    std::unique_ptr<nd::Model> model;
    nd::Status st = nd::model_load(model_path, {}, &model);
    if (!tmp.empty())
        std::filesystem::remove(tmp);
    if (!st.ok())
        return fail(st);
    nd::BackendOpenOptions bo;
    bo.cpu_threads = threads;
    std::unique_ptr<nd::Backend> backend;
    if (st = nd::backend_open(device, bo, &backend); !st.ok())
        return fail(st);
    std::printf("model %s (%s), backend %s, prompt %lld, %lld tokens per stream\n", model->name.c_str(),
                arch_name.c_str(), backend->name().c_str(), static_cast<long long>(n_prompt),
                static_cast<long long>(n_tokens));
    std::printf("%8s %14s %16s %10s\n", "streams", "decode tok/s", "per stream tok/s", "steps");
    double base = 0;
    for (const int64_t S : streams) {
        nd::BatchGeneratorOptions o;
        o.n_slots = S;
        o.n_ctx = n_prompt + n_tokens + 8;
        std::unique_ptr<nd::BatchGenerator> gen;
        if (st = nd::BatchGenerator::create(*model, backend.get(), o, &gen); !st.ok())
            return fail(st);
        int64_t started = 0;
        nd::Status error;
        for (int64_t i = 0; i < S; ++i) {
            nd::BatchRequest r;
            for (int64_t t = 0; t < n_prompt; ++t)
                r.prompt.push_back(static_cast<int32_t>((i * 131 + t * 17 + 1) % 200));
            r.options.sampling = nd::SamplerParams::greedy();
            r.options.max_tokens = n_tokens;
            r.options.stop_at_eog = false;
            r.on_token = [&started, first = true](std::string_view, int32_t) mutable {
                started += first ? 1 : 0;
                first = false;
                return true;
            };
            r.on_done = [&error](const nd::BatchDone &d) {
                if (!d.status.ok())
                    error = d.status;
            };
            gen->submit(std::move(r));
        }
        while (started < S && !gen->idle())
            gen->step();
        const nd::BatchGeneratorStats s0 = gen->stats();
        const Clock::time_point t0 = Clock::now();
        while (!gen->idle())
            gen->step();
        const double secs = std::chrono::duration<double>(Clock::now() - t0).count();
        if (!error.ok())
            return fail(error);
        const nd::BatchGeneratorStats s1 = gen->stats();
        const double tps = secs > 0 ? static_cast<double>(s1.decode_tokens - s0.decode_tokens) / secs : 0;
        if (base == 0)
            base = tps / static_cast<double>(S);
        std::printf("%8lld %14.1f %16.1f %10lld  (%.2fx the first row's per-stream speed)\n",
                    static_cast<long long>(S), tps, tps / static_cast<double>(S),
                    static_cast<long long>(s1.steps - s0.steps), base > 0 ? tps / base : 0);
    }
    return 0;
}
