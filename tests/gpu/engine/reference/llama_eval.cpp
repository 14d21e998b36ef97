// nd_llama_eval: the reference llama.cpp (node-llama-cpp's prebuilt libllama v0.5.0, spec §9) as a small
// command-line program, for the engine's conformance tests, its debugging and tools/bench-engine.sh.
//
//   nd_llama_eval eval MODEL.gguf --tokens 1,2,3 [--out FILE] [--threads N] [--batch N]
//       Evaluates exactly those ids (no BOS) at positions 0..n-1 with an F32 K/V cache and flash attention
//       off, keeping the logits of EVERY position. --out writes them as raw float32 [n_tokens][n_vocab]
//       (row-major, native byte order). Prints "n_vocab" on stdout. --batch N (default: all at once) hands
//       the ids to llama_decode N at a time (N = 1 is the one-token decode path); --threads N (default 1).
//
//   nd_llama_eval bench MODEL.gguf [-p 128] [-n 64] [-t N] [-r 3] [--kv-type f16|f32] [--fa auto|on|off]
//       Measured as llama-bench measures: a fresh context per test, one warm-up run, then per repetition
//       the memory cleared and either a prompt of p random ids in one llama_decode (ubatch 512) or n
//       one-token decodes from an empty context. Prints one JSON object:
//         {"backend":"llama.cpp","model":…,"model_size":bytes,"model_n_params":…,"n_threads":…,
//          "type_k":…,"flash_attn":…,"tests":[{"name":"pp128","n_prompt":128,"n_gen":0,"avg_ts":…,
//          "stddev_ts":…,"samples_ts":[…]},{"name":"tg64",…}],"peak_rss_bytes":…}
//       peak_rss_bytes is getrusage's maximum resident set (the weights are memory-mapped: it counts the
//       pages touched). The defaults are llama-bench's: K/V cache f16, flash attention auto.
//
// Exit status: 0 done, 1 llama.cpp failed (the message says where), 2 bad arguments.
// The ggml CPU backends are shared objects loaded at run time from ND_LLAMA_BACKEND_DIR (environment), or
// from the folder compiled in (the node-llama-cpp bins folder). llama.cpp's log is shown only with -v.
#include <sys/resource.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "llama.h"

namespace {

bool g_verbose = false;

void log_callback(enum ggml_log_level level, const char *text, void *) {
    if (g_verbose || level == GGML_LOG_LEVEL_ERROR)
        fputs(text, stderr);
}

[[noreturn]] void usage_error(const std::string &message) {
    fprintf(stderr,
            "nd_llama_eval: %s\n"
            "usage: nd_llama_eval eval MODEL.gguf --tokens 1,2,3 [--out FILE] [--threads N] [--batch N]\n"
            "       nd_llama_eval bench MODEL.gguf [-p 128] [-n 64] [-t N] [-r 3] [--kv-type f16|f32] "
            "[--fa auto|on|off]\n",
            message.c_str());
    exit(2);
}

int parse_positive(const char *flag, const char *text) {
    char *end = nullptr;
    const long v = strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 0 || v > 1'000'000)
        usage_error(std::string(flag) + " needs a non-negative number, got '" + text + "'");
    return static_cast<int>(v);
}

std::vector<llama_token> parse_ids(const std::string &list) {
    std::vector<llama_token> ids;
    size_t start = 0;
    while (start <= list.size()) {
        const size_t comma = std::min(list.find(',', start), list.size());
        const std::string item = list.substr(start, comma - start);
        char *end = nullptr;
        const long v = strtol(item.c_str(), &end, 10);
        if (item.empty() || *end != '\0' || v < 0 || v > INT32_MAX)
            usage_error("--tokens: '" + item + "' is not a token id");
        ids.push_back(static_cast<llama_token>(v));
        start = comma + 1;
    }
    return ids;
}

struct Loaded {
    llama_model *model = nullptr;
    int n_vocab = 0;
};

Loaded load_model(const char *path) {
    const char *env = getenv("ND_LLAMA_BACKEND_DIR");
#ifdef ND_LLAMA_BACKEND_DIR
    const char *dir = env ? env : ND_LLAMA_BACKEND_DIR;
#else
    const char *dir = env;
#endif
    if (dir)
        ggml_backend_load_all_from_path(dir);
    else
        ggml_backend_load_all();
    llama_backend_init();
    llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    Loaded out;
    out.model = llama_model_load_from_file(path, mp);
    if (!out.model) {
        fprintf(stderr, "nd_llama_eval: llama.cpp cannot load %s (rerun with -v for its log)\n", path);
        exit(1);
    }
    out.n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(out.model));
    return out;
}

llama_context *make_context(llama_model *model, int n_ctx, int n_batch, int n_ubatch, int threads,
                            ggml_type kv, llama_flash_attn_type fa) {
    llama_context_params cp = llama_context_default_params();
    cp.n_ctx = static_cast<uint32_t>(n_ctx);
    cp.n_batch = static_cast<uint32_t>(n_batch);
    cp.n_ubatch = static_cast<uint32_t>(n_ubatch);
    cp.n_seq_max = 1;
    cp.n_threads = threads;
    cp.n_threads_batch = threads;
    cp.type_k = kv;
    cp.type_v = kv;
    cp.flash_attn_type = fa;
    cp.no_perf = true;
    llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "nd_llama_eval: llama.cpp cannot create a context (n_ctx %d)\n", n_ctx);
        exit(1);
    }
    return ctx;
}

int run_eval(const char *path, int argc, char **argv) {
    std::vector<llama_token> ids;
    std::string out_path;
    int threads = 1, batch = 0;
    bool have_tokens = false;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-v")
            continue;
        if (i + 1 >= argc)
            usage_error("option '" + a + "' is unknown or has no value");
        const char *v = argv[++i];
        if (a == "--tokens") {
            ids = parse_ids(v);
            have_tokens = true;
        } else if (a == "--out") {
            out_path = v;
        } else if (a == "--threads" || a == "-t") {
            threads = std::max(1, parse_positive(a.c_str(), v));
        } else if (a == "--batch") {
            batch = parse_positive(a.c_str(), v);
        } else {
            usage_error("unknown option '" + a + "'");
        }
    }
    if (!have_tokens)
        usage_error("--tokens is required");
    const int n = static_cast<int>(ids.size());
    if (batch <= 0 || batch > n)
        batch = n;
    Loaded m = load_model(path);
    for (llama_token id : ids)
        if (id >= m.n_vocab) {
            fprintf(stderr, "nd_llama_eval: token %d is outside the vocabulary (0..%d)\n", id, m.n_vocab - 1);
            return 2;
        }
    // n_ubatch = n_batch: one llama_decode is one graph evaluation of exactly `batch` tokens.
    llama_context *ctx = make_context(m.model, std::max(n, 8), batch, batch, threads, GGML_TYPE_F32,
                                      LLAMA_FLASH_ATTN_TYPE_DISABLED);
    std::vector<float> logits(static_cast<size_t>(n) * static_cast<size_t>(m.n_vocab));
    llama_batch b = llama_batch_init(batch, 0, 1);
    for (int p0 = 0; p0 < n; p0 += batch) {
        const int nb = std::min(batch, n - p0);
        b.n_tokens = nb;
        for (int t = 0; t < nb; ++t) {
            b.token[t] = ids[static_cast<size_t>(p0 + t)];
            b.pos[t] = p0 + t;
            b.n_seq_id[t] = 1;
            b.seq_id[t][0] = 0;
            b.logits[t] = 1;
        }
        if (llama_decode(ctx, b) != 0) {
            fprintf(stderr, "nd_llama_eval: llama_decode failed at positions %d..%d\n", p0, p0 + nb - 1);
            return 1;
        }
        for (int t = 0; t < nb; ++t) {
            const float *row = llama_get_logits_ith(ctx, t);
            if (!row) {
                fprintf(stderr, "nd_llama_eval: no logits for position %d\n", p0 + t);
                return 1;
            }
            memcpy(&logits[static_cast<size_t>(p0 + t) * static_cast<size_t>(m.n_vocab)], row,
                   sizeof(float) * static_cast<size_t>(m.n_vocab));
        }
    }
    llama_batch_free(b);
    if (!out_path.empty()) {
        FILE *f = fopen(out_path.c_str(), "wb");
        if (!f || fwrite(logits.data(), sizeof(float), logits.size(), f) != logits.size() || fclose(f) != 0) {
            fprintf(stderr, "nd_llama_eval: cannot write %s\n", out_path.c_str());
            return 1;
        }
    }
    printf("%d\n", m.n_vocab);
    llama_free(ctx);
    llama_model_free(m.model);
    llama_backend_free();
    return 0;
}

// Fixed pseudo-random ids (a 64-bit LCG): the same prompt on every run and in nemoctl bench.
struct Lcg {
    uint64_t s = 0x853c49e6748fea9bull;
    llama_token next(int n_vocab) {
        s = s * 6364136223846793005ull + 1442695040888963407ull;
        return static_cast<llama_token>((s >> 33) % static_cast<uint64_t>(n_vocab));
    }
};

double now_s() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

struct TestResult {
    std::string name;
    int n_prompt = 0, n_gen = 0;
    std::vector<double> ts;
};

// One llama-bench test: warm-up, then `reps` timed runs from an empty memory.
TestResult bench_test(llama_model *model, int n_vocab, int n_prompt, int n_gen, int threads, int reps,
                      ggml_type kv, llama_flash_attn_type fa) {
    llama_context *ctx = make_context(model, n_prompt + n_gen + 1, 2048, 512, threads, kv, fa);
    Lcg rng;
    auto run = [&](int np, int ng) {
        std::vector<llama_token> toks(static_cast<size_t>(np));
        for (auto &t : toks)
            t = rng.next(n_vocab);
        if (np > 0 && llama_decode(ctx, llama_batch_get_one(toks.data(), np)) != 0) {
            fprintf(stderr, "nd_llama_eval: prompt decode failed\n");
            exit(1);
        }
        llama_synchronize(ctx);
        llama_token tok = rng.next(n_vocab);
        for (int i = 0; i < ng; ++i) {
            if (llama_decode(ctx, llama_batch_get_one(&tok, 1)) != 0) {
                fprintf(stderr, "nd_llama_eval: decode failed\n");
                exit(1);
            }
            llama_synchronize(ctx);
            tok = rng.next(n_vocab);
        }
    };
    llama_memory_clear(llama_get_memory(ctx), false);
    run(n_prompt, n_gen > 0 ? 1 : 0);  // warm-up as llama-bench does it
    TestResult r;
    r.n_prompt = n_prompt;
    r.n_gen = n_gen;
    r.name = n_prompt > 0 ? "pp" + std::to_string(n_prompt) : "tg" + std::to_string(n_gen);
    for (int i = 0; i < reps; ++i) {
        llama_memory_clear(llama_get_memory(ctx), false);
        const double t0 = now_s();
        run(n_prompt, n_gen);
        const double dt = now_s() - t0;
        r.ts.push_back(static_cast<double>(n_prompt + n_gen) / dt);
    }
    llama_free(ctx);
    return r;
}

int run_bench(const char *path, int argc, char **argv) {
    int n_prompt = 128, n_gen = 64, threads = 1, reps = 3;
    ggml_type kv = GGML_TYPE_F16;
    llama_flash_attn_type fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "-v")
            continue;
        if (i + 1 >= argc)
            usage_error("option '" + a + "' is unknown or has no value");
        const char *v = argv[++i];
        if (a == "-p") {
            n_prompt = parse_positive("-p", v);
        } else if (a == "-n") {
            n_gen = parse_positive("-n", v);
        } else if (a == "-t" || a == "--threads") {
            threads = std::max(1, parse_positive("-t", v));
        } else if (a == "-r") {
            reps = std::max(1, parse_positive("-r", v));
        } else if (a == "--kv-type") {
            if (strcmp(v, "f16") && strcmp(v, "f32"))
                usage_error("--kv-type is f16 or f32");
            kv = strcmp(v, "f32") == 0 ? GGML_TYPE_F32 : GGML_TYPE_F16;
        } else if (a == "--fa") {
            if (!strcmp(v, "on"))
                fa = LLAMA_FLASH_ATTN_TYPE_ENABLED;
            else if (!strcmp(v, "off"))
                fa = LLAMA_FLASH_ATTN_TYPE_DISABLED;
            else if (!strcmp(v, "auto"))
                fa = LLAMA_FLASH_ATTN_TYPE_AUTO;
            else
                usage_error("--fa is auto, on or off");
        } else {
            usage_error("unknown option '" + a + "'");
        }
    }
    Loaded m = load_model(path);
    std::vector<TestResult> results;
    if (n_prompt > 0)
        results.push_back(bench_test(m.model, m.n_vocab, n_prompt, 0, threads, reps, kv, fa));
    if (n_gen > 0)
        results.push_back(bench_test(m.model, m.n_vocab, 0, n_gen, threads, reps, kv, fa));
    char desc[256] = {};
    llama_model_desc(m.model, desc, sizeof desc);
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    printf(
        "{\"backend\":\"llama.cpp\",\"model\":\"%s\",\"model_size\":%llu,\"model_n_params\":%llu,"
        "\"n_threads\":%d,\"type_k\":\"%s\",\"flash_attn\":\"%s\",\"tests\":[",
        desc, static_cast<unsigned long long>(llama_model_size(m.model)),
        static_cast<unsigned long long>(llama_model_n_params(m.model)), threads,
        kv == GGML_TYPE_F32 ? "f32" : "f16",
        fa == LLAMA_FLASH_ATTN_TYPE_AUTO      ? "auto"
        : fa == LLAMA_FLASH_ATTN_TYPE_ENABLED ? "on"
                                              : "off");
    for (size_t k = 0; k < results.size(); ++k) {
        const TestResult &r = results[k];
        double mean = 0, var = 0;
        for (double x : r.ts)
            mean += x;
        mean /= static_cast<double>(r.ts.size());
        for (double x : r.ts)
            var += (x - mean) * (x - mean);
        const double sd = r.ts.size() > 1 ? std::sqrt(var / static_cast<double>(r.ts.size() - 1)) : 0.0;
        printf(
            "%s{\"name\":\"%s\",\"n_prompt\":%d,\"n_gen\":%d,\"avg_ts\":%.3f,\"stddev_ts\":%.3f,"
            "\"samples_ts\":[",
            k ? "," : "", r.name.c_str(), r.n_prompt, r.n_gen, mean, sd);
        for (size_t i = 0; i < r.ts.size(); ++i)
            printf("%s%.3f", i ? "," : "", r.ts[i]);
        printf("]}");
    }
    printf("],\"peak_rss_bytes\":%lld}\n", static_cast<long long>(ru.ru_maxrss) * 1024);
    llama_model_free(m.model);
    llama_backend_free();
    return 0;
}

}  // namespace

int main(int argc, char **argv) {
    for (int i = 1; i < argc; ++i)
        if (!strcmp(argv[i], "-v"))
            g_verbose = true;
    llama_log_set(log_callback, nullptr);
    if (argc < 3)
        usage_error("a command (eval or bench) and a model file are required");
    const std::string cmd = argv[1];
    if (cmd == "eval")
        return run_eval(argv[2], argc - 3, argv + 3);
    if (cmd == "bench")
        return run_bench(argv[2], argc - 3, argv + 3);
    usage_error("unknown command '" + cmd + "'");
}
