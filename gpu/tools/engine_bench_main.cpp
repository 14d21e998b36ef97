// nemodesk-engine-bench: the engine's speed on models of realistic shape, as a fraction of what the
// hardware allows. Plain C++ (no Qt), so it builds in the gpu-only preset and runs on GPU machines through
// tools/gpu-check.sh.
//
//   nemodesk-engine-bench [--device auto|cpu|cuda[:N]] [--preset nano3|dense|all] [--types q4_k,q8_0]
//                         [--prompts 512,4096] [--batch N] [--decode N] [--gpu-layers N] [--graphs on|off]
//                         [--model PATH] [--json]
//
// For each model (a preset generated with random weights, repeated rows so that billions of parameters
// are written in seconds, or --model): prompt tokens/s for each prompt length (in batches of --batch tokens,
// by default the backend's preferred batch: 512 on the CPU, 2048 on a GPU), decode tokens/s at batch 1 (after
// a 64-token prompt), generation tokens/s with the default sampler chain (sampled on the host from every
// logit, or from the 40 best found on the device), and on a GPU the limits they are a fraction of:
//   decode: bytes read per token (every matrix but the embedding, the k chosen of each expert stack, the
//           recurrent state read and written, the KV rows) × tokens/s ÷ measured device-to-device copy
//           bandwidth;
//   prompt: 2 × active matrix parameters (+ attention's q·k and p·v) per token × tokens/s ÷ measured f16
//           tensor-core throughput.
#include <unistd.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/cuda/cuda_peaks.h"
#include "gpu/gguf/gguf_types.h"
#include "gpu/model/forward.h"
#include "gpu/model/logit_select.h"
#include "gpu/model/model.h"
#include "gpu/model/model_gen.h"
#include "gpu/session/backend_open.h"
#include "gpu/session/sampler.h"
#include "gpu/session/session.h"

namespace {

using nd::GgmlType;
using nd::ModelArch;
using Clock = std::chrono::steady_clock;

struct Preset {
    const char *name;
    nd::ModelGenSpec spec;
};

// Nemotron 3 Nano 30B-A3B's widths (spec §2.6) with 6 of its 52 layers; and a ~1.8B dense nemotron_h.
std::vector<Preset> presets() {
    nd::ModelGenSpec nano;
    nano.arch = ModelArch::nemotron_h_moe;
    nano.n_vocab = 131072;
    nano.n_embd = 2688;
    nano.n_layer = 6;
    nano.layer_pattern = "MEM*EM";
    nano.n_head = 32;
    nano.n_head_kv = 2;
    nano.head_dim = 128;
    nano.ssm_d_inner = 4096;
    nano.ssm_d_state = 128;
    nano.ssm_n_group = 8;
    nano.ssm_n_head = 64;
    nano.ssm_d_conv = 4;
    nano.n_expert = 128;
    nano.n_expert_used = 6;
    nano.n_ff_expert = 1856;
    nano.n_ff_shared = 3712;
    nano.n_ctx_train = 262144;
    nd::ModelGenSpec dense;
    dense.arch = ModelArch::nemotron_h;
    dense.n_vocab = 131072;
    dense.n_embd = 3072;
    dense.n_layer = 16;
    dense.layer_pattern = "M-M-M*-M-M-M*-M-";
    dense.n_ff = 12288;
    dense.n_head = 24;
    dense.n_head_kv = 8;
    dense.head_dim = 128;
    dense.ssm_d_inner = 6144;
    dense.ssm_d_state = 128;
    dense.ssm_n_group = 8;
    dense.ssm_n_head = 96;
    dense.ssm_d_conv = 4;
    dense.n_ctx_train = 8192;
    return {{"nano3-6L", nano}, {"dense-1.8B", dense}};
}

std::vector<std::string> split(const std::string &s) {
    std::vector<std::string> out;
    std::stringstream in(s);
    std::string item;
    while (std::getline(in, item, ','))
        if (!item.empty())
            out.push_back(item);
    return out;
}

struct Cost {
    double decode_bytes = 0;  // per decode token at position ~pos
    double prompt_flops = 0;  // per prompt token (matrices only)
    int64_t attn_layers = 0;
    int64_t attn_width = 0;    // n_head * head_dim
    int64_t kv_row_bytes = 0;  // K + V row bytes of one position over the KV heads (f16 cache)
};

Cost cost_of(const nd::Model &m) {
    Cost c;
    const auto &hp = m.hp;
    for (const nd::Weight *w : nd::model_all_weights(m)) {
        if (!w->present() || w == &m.token_embd)
            continue;
        double bytes = static_cast<double>(w->row_bytes) * static_cast<double>(w->n_out) *
                       static_cast<double>(w->n_expert);
        double params =
            static_cast<double>(w->n_in) * static_cast<double>(w->n_out) * static_cast<double>(w->n_expert);
        if (w->n_expert > 1 && hp.n_expert_used > 0) {
            const double f = static_cast<double>(hp.n_expert_used) / static_cast<double>(w->n_expert);
            bytes *= f;
            params *= f;
        }
        c.decode_bytes += bytes;
        if (w->n_out > 1)
            c.prompt_flops += 2.0 * params;
    }
    c.decode_bytes += static_cast<double>(hp.n_embd) * 4;  // the embedding row
    for (int64_t il = 0; il < hp.n_layer; ++il) {
        const auto kind = hp.layers[static_cast<size_t>(il)];
        if (kind == nd::LayerKind::mamba) {
            c.decode_bytes +=
                2.0 * static_cast<double>(hp.ssm_d_inner * hp.ssm_d_state) * 4;  // state in and out
        } else if (kind == nd::LayerKind::attention || kind == nd::LayerKind::attention_ffn) {
            ++c.attn_layers;
        }
    }
    c.attn_width = hp.n_head * hp.head_dim_k;
    c.kv_row_bytes = hp.n_head_kv * (hp.head_dim_k + hp.head_dim_v) * 2;
    return c;
}

double seconds_since(Clock::time_point t0) {
    return std::chrono::duration<double>(Clock::now() - t0).count();
}

std::vector<int32_t> tokens(int64_t n, int64_t vocab, uint32_t seed) {
    std::vector<int32_t> t(static_cast<size_t>(n));
    uint32_t x = seed;
    for (auto &v : t) {
        x = x * 1664525u + 1013904223u;
        v = static_cast<int32_t>((x >> 8) % static_cast<uint32_t>(vocab));
    }
    return t;
}

struct Options {
    std::string device = "auto";
    std::vector<std::string> presets = {"nano3-6L", "dense-1.8B"};
    std::vector<std::string> types = {"q4_k", "q8_0", "bf16"};
    std::vector<int64_t> prompts = {512, 4096};
    int64_t decode = 128;
    int64_t batch = 0;        // 0: the backend's preferred batch
    int64_t gpu_layers = -1;  // --gpu-layers N: the last N layers on the GPU, the rest on the CPU
    std::string model;
    bool json = false;
    bool graphs = true;
};

int usage() {
    std::fprintf(
        stderr,
        "usage: nemodesk-engine-bench [--device auto|cpu|cuda[:N]] [--preset nano3-6L,dense-1.8B|all]\n"
        "                             [--types q4_k,q8_0,bf16] [--prompts 512,4096] [--batch N] [--decode "
        "N]\n"
        "                             [--gpu-layers N] [--graphs on|off] [--model PATH] [--json]\n"
        "NEMODESK_CUDA_TRACE=1 (or =decode) prints the GPU time of each op at the end.\n");
    return 2;
}

int bench_model(const Options &o, const std::string &label, const std::string &path, nd::Backend *be,
                const nd::CudaPeaks &peaks) {
    std::unique_ptr<nd::Model> model;
    nd::ModelLoadOptions lo;
    lo.load_tokenizer = false;
    if (nd::Status s = nd::model_load(path, lo, &model); !s.ok()) {
        std::fprintf(stderr, "%s: %s\n", path.c_str(), s.describe().c_str());
        return 1;
    }
    const Cost cost = cost_of(*model);
    const int64_t max_prompt = *std::max_element(o.prompts.begin(), o.prompts.end());
    nd::SessionOptions so;
    so.n_ctx = std::max<int64_t>(max_prompt, 64 + o.decode) + 8;
    so.n_batch = o.batch;  // 0: the backend's preferred batch
    so.kv_type = nd::KvType::f16;
    std::unique_ptr<nd::Session> session;
    const auto t_load = Clock::now();
    if (nd::Status s = nd::Session::create(*model, be, so, &session); !s.ok()) {
        std::fprintf(stderr, "%s: %s\n", label.c_str(), s.describe().c_str());
        return 1;
    }
    const double load_s = seconds_since(t_load);
    std::vector<float> logits;
    const int64_t V = model->hp.n_vocab;
    for (int64_t p : o.prompts) {
        double best = 1e30;
        for (int rep = 0; rep < 2; ++rep) {  // the first run also warms up cuBLAS and the allocations
            session->reset();
            const std::vector<int32_t> t = tokens(p, V, 3 + static_cast<uint32_t>(rep));
            const auto t0 = Clock::now();
            if (nd::Status s = session->eval(t, false, &logits); !s.ok()) {
                std::fprintf(stderr, "%s pp%lld: %s\n", label.c_str(), static_cast<long long>(p),
                             s.describe().c_str());
                return 1;
            }
            best = std::min(best, seconds_since(t0));
        }
        const double tps = static_cast<double>(p) / best;
        // Attention per token at the mean position p/2: q·k and p·v over the heads.
        const double attn =
            4.0 * static_cast<double>(cost.attn_layers * cost.attn_width) * static_cast<double>(p) / 2;
        const double frac =
            peaks.f16_tflops > 0 ? (cost.prompt_flops + attn) * tps / (peaks.f16_tflops * 1e12) : 0;
        if (o.json)
            std::printf(
                "{\"model\":\"%s\",\"test\":\"pp%lld\",\"tokens_per_s\":%.1f,\"tflops\":%.1f,\"fraction_of_"
                "f16_peak\":%.3f}\n",
                label.c_str(), static_cast<long long>(p), tps, (cost.prompt_flops + attn) * tps / 1e12, frac);
        else
            std::printf("%-22s pp%-6lld %10.1f tok/s  %7.1f TFLOP/s  %5.1f %% of the f16 tensor-core peak\n",
                        label.c_str(), static_cast<long long>(p), tps,
                        (cost.prompt_flops + attn) * tps / 1e12, 100 * frac);
    }
    // Decode after a 64-token prompt.
    session->reset();
    const std::vector<int32_t> prompt = tokens(64, V, 9);
    if (nd::Status s = session->eval(prompt, false, &logits); !s.ok()) {
        std::fprintf(stderr, "%s: %s\n", label.c_str(), s.describe().c_str());
        return 1;
    }
    const std::vector<int32_t> next = tokens(o.decode + 4, V, 10);
    for (int i = 0; i < 4; ++i)  // warm-up: the first steps capture the decode graph
        if (nd::Status s = session->eval(std::span<const int32_t>(next.data() + i, 1), false, &logits);
            !s.ok()) {
            std::fprintf(stderr, "%s: %s\n", label.c_str(), s.describe().c_str());
            return 1;
        }
    const auto t0 = Clock::now();
    for (int64_t i = 0; i < o.decode; ++i)
        if (nd::Status s = session->eval(std::span<const int32_t>(next.data() + 4 + i, 1), false, &logits);
            !s.ok()) {
            std::fprintf(stderr, "%s tg: %s\n", label.c_str(), s.describe().c_str());
            return 1;
        }
    const double dt = seconds_since(t0);
    const double tps = static_cast<double>(o.decode) / dt;
    const double kv = static_cast<double>(cost.attn_layers * cost.kv_row_bytes) * (64.0 + 4 + o.decode / 2.0);
    const double bytes = cost.decode_bytes + kv;
    const double frac = peaks.copy_gb_per_s > 0 ? bytes * tps / (peaks.copy_gb_per_s * 1e9) : 0;
    if (o.json)
        std::printf(
            "{\"model\":\"%s\",\"test\":\"tg%lld\",\"tokens_per_s\":%.1f,\"bytes_per_token\":%.0f,\"gb_per_"
            "s\":%.1f,"
            "\"fraction_of_copy_bandwidth\":%.3f,\"load_s\":%.2f}\n",
            label.c_str(), static_cast<long long>(o.decode), tps, bytes, bytes * tps / 1e9, frac, load_s);
    else
        std::printf(
            "%-22s tg%-6lld %10.1f tok/s  %7.1f GB/s     %5.1f %% of the copy bandwidth (%.0f MB/token)\n",
            label.c_str(), static_cast<long long>(o.decode), tps, bytes * tps / 1e9, 100 * frac, bytes / 1e6);
    // Generation as a user runs it: each token drawn by the default sampler chain (temperature 0.8, top-k
    // 40, top-p 0.95, min-p 0.05) from the previous step — over every logit on the host, or from the 40
    // best found on the backend (Session::eval_best: 40 values cross instead of the vocabulary).
    for (const bool on_backend : {false, true}) {
        session->reset();
        if (nd::Status s = session->eval(prompt, false, &logits); !s.ok()) {
            std::fprintf(stderr, "%s: %s\n", label.c_str(), s.describe().c_str());
            return 1;
        }
        nd::SamplerParams sp;
        sp.seed = 1;
        nd::Sampler sampler(sp);
        nd::SamplerBestPlan plan;
        std::vector<float> vals(nd::kTopKMax);
        std::vector<int32_t> ids(nd::kTopKMax);
        int32_t token = next[0];
        auto step = [&]() -> nd::Status {
            if (on_backend && sampler.best_plan(session->tokens(), V, &plan)) {
                nd::LogitsBest b;
                b.k = plan.k;
                b.n_vocab = V;
                b.out_ids = ids.data();
                b.out_vals = vals.data();
                if (nd::Status s = session->eval_best(std::span<const int32_t>(&token, 1), b); !s.ok())
                    return s;
                token =
                    sampler.sample_best(std::span<const float>(vals.data(), static_cast<size_t>(plan.k)),
                                        std::span<const int32_t>(ids.data(), static_cast<size_t>(plan.k)));
            } else {
                if (nd::Status s = session->eval(std::span<const int32_t>(&token, 1), false, &logits);
                    !s.ok())
                    return s;
                token = sampler.sample(logits, session->tokens());
            }
            return nd::Status::success();
        };
        nd::Status s;
        for (int i = 0; i < 4 && s.ok(); ++i)
            s = step();
        const auto g0 = Clock::now();
        for (int64_t i = 0; i < o.decode && s.ok(); ++i)
            s = step();
        if (!s.ok()) {
            std::fprintf(stderr, "%s generation: %s\n", label.c_str(), s.describe().c_str());
            return 1;
        }
        const double gps = static_cast<double>(o.decode) / seconds_since(g0);
        if (o.json)
            std::printf("{\"model\":\"%s\",\"test\":\"gen%lld\",\"sampling\":\"%s\",\"tokens_per_s\":%.1f}\n",
                        label.c_str(), static_cast<long long>(o.decode), on_backend ? "backend" : "host",
                        gps);
        else
            std::printf("%-22s gen%-5lld %10.1f tok/s  sampled %s\n", label.c_str(),
                        static_cast<long long>(o.decode), gps,
                        on_backend ? "from the 40 best found on the device" : "on the host from every logit");
    }
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        auto next = [&]() -> const char * { return i + 1 < argc ? argv[++i] : nullptr; };
        const char *v = nullptr;
        if (a == "--json") {
            o.json = true;
        } else if ((a == "--device") && (v = next())) {
            o.device = v;
        } else if (a == "--preset" && (v = next())) {
            o.presets =
                std::string(v) == "all" ? std::vector<std::string>{"nano3-6L", "dense-1.8B"} : split(v);
        } else if (a == "--types" && (v = next())) {
            o.types = split(v);
        } else if (a == "--prompts" && (v = next())) {
            o.prompts.clear();
            for (const std::string &p : split(v))
                o.prompts.push_back(std::atoll(p.c_str()));
        } else if (a == "--decode" && (v = next())) {
            o.decode = std::atoll(v);
        } else if (a == "--batch" && (v = next())) {
            o.batch = std::atoll(v);
        } else if (a == "--gpu-layers" && (v = next())) {
            o.gpu_layers = std::atoll(v);
        } else if (a == "--graphs" && (v = next())) {
            o.graphs = std::string(v) != "off";
        } else if (a == "--model" && (v = next())) {
            o.model = v;
        } else {
            return usage();
        }
    }
    if (o.prompts.empty() || o.decode <= 0)
        return usage();
    for (int64_t p : o.prompts)
        if (p <= 0)
            return usage();
    std::unique_ptr<nd::Backend> be;
    std::string note;
    nd::BackendOpenOptions bo;
    bo.cuda_graphs = o.graphs;
    bo.gpu_layers = o.gpu_layers;
    if (nd::Status s = nd::backend_open(o.device, bo, &be, &note); !s.ok()) {
        std::fprintf(stderr, "%s\n", s.describe().c_str());
        return 1;
    }
    if (!note.empty())
        std::fprintf(stderr, "%s\n", note.c_str());
    nd::CudaPeaks peaks;
    const bool on_gpu = be->name().rfind("cuda", 0) == 0;
    if (on_gpu) {
        if (nd::Status s = nd::cuda_measure_peaks(0, &peaks); !s.ok())
            std::fprintf(stderr, "measuring the GPU's limits: %s\n", s.describe().c_str());
    }
    if (!o.json) {
        std::printf("backend: %s; prompts in batches of %lld\n", be->name().c_str(),
                    static_cast<long long>(o.batch > 0 ? o.batch : be->preferred_batch()));
        if (on_gpu)
            std::printf("measured limits: copy %.0f GB/s (read + write), f16 tensor cores %.0f TFLOP/s\n",
                        peaks.copy_gb_per_s, peaks.f16_tflops);
    }
    if (!o.model.empty())
        return bench_model(o, std::filesystem::path(o.model).filename().string(), o.model, be.get(), peaks);
    const std::filesystem::path dir =
        std::filesystem::temp_directory_path() / ("nemodesk-bench-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    int rc = 0;
    for (const Preset &p : presets()) {
        if (std::find(o.presets.begin(), o.presets.end(), p.name) == o.presets.end())
            continue;
        for (const std::string &type_name : o.types) {
            const auto type = nd::ggml_type_from_name(type_name);
            if (!type) {
                std::fprintf(stderr, "unknown type '%s'\n", type_name.c_str());
                return 2;
            }
            nd::ModelGenSpec spec = p.spec;
            spec.weight_type = *type;
            spec.unique_rows = 64;
            const std::string path = (dir / (std::string(p.name) + "-" + type_name + ".gguf")).string();
            const auto t0 = Clock::now();
            if (nd::Status s = nd::model_gen_write(spec, path); !s.ok()) {
                std::fprintf(stderr, "%s\n", s.describe().c_str());
                return 1;
            }
            if (!o.json)
                std::printf("(%s %s written in %.1f s)\n", p.name, type_name.c_str(), seconds_since(t0));
            rc |= bench_model(o, std::string(p.name) + " " + type_name, path, be.get(), peaks);
            std::filesystem::remove(path);
        }
    }
    std::filesystem::remove_all(dir);
    return rc;
}
