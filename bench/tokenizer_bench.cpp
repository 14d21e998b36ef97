// nemodesk-bench-tokenizer: single-threaded encode/decode throughput of NemoDesk's tokenizer on a corpus.
//
//   nemodesk-bench-tokenizer --tokenizer tokenizer.json|model.gguf --corpus corpus.jsonl [--runs N] [--json]
//
// The corpus is JSON lines of strings (tools/reference/corpus.py). Encode: every entry once, one
// tokenizer_encode() call per entry (no BOS, special tokens parsed: what the Hugging Face reference does);
// decode: the ids of every entry back to text, one call per entry. Each is timed over the whole corpus,
// best of N runs after one warm-up run. MB/s counts the corpus's UTF-8 bytes (encode) or the decoded bytes
// (decode); tokens/s counts ids. Each rate is given for wall time and for the process's CPU time (*_cpu):
// on a shared, loaded machine the CPU-time rate is the one that compares across programs.
// tools/bench-tokenizer.sh runs this next to the Hugging Face library.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpu/gguf/gguf_file.h"
#include "gpu/tokenizer/tokenizer.h"

namespace {

struct Args {
    std::string tokenizer;
    std::string corpus;
    int runs = 5;
    bool json = false;
};

bool parse_args(int argc, char **argv, Args *a) {
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--tokenizer" && has_value) {
            a->tokenizer = argv[++i];
        } else if (arg == "--corpus" && has_value) {
            a->corpus = argv[++i];
        } else if (arg == "--runs" && has_value) {
            a->runs = std::atoi(argv[++i]);
        } else if (arg == "--json") {
            a->json = true;
        } else {
            return false;
        }
    }
    return !a->tokenizer.empty() && !a->corpus.empty() && a->runs > 0;
}

bool ends_with(const std::string &s, const std::string &suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

double cpu_seconds() {
    timespec ts{};
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

struct Timing {
    double wall_s = std::numeric_limits<double>::infinity();
    double cpu_s = std::numeric_limits<double>::infinity();
};

template <typename F>
Timing best_of(int runs, F &&f) {
    f();  // warm-up: caches, page faults, lazily built tables
    Timing best;
    for (int r = 0; r < runs; ++r) {
        const double c0 = cpu_seconds();
        const auto t0 = std::chrono::steady_clock::now();
        f();
        best.wall_s = std::min(best.wall_s,
                               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
        best.cpu_s = std::min(best.cpu_s, cpu_seconds() - c0);
    }
    return best;
}

}  // namespace

int main(int argc, char **argv) {
    Args args;
    if (!parse_args(argc, argv, &args)) {
        std::fprintf(
            stderr,
            "usage: nemodesk-bench-tokenizer --tokenizer tokenizer.json|model.gguf --corpus corpus.jsonl "
            "[--runs N] [--json]\n");
        return 2;
    }
    nd::Tokenizer *raw = nullptr;
    nd::GgufFilePtr gguf;
    nd::Status st;
    if (ends_with(args.tokenizer, ".gguf")) {
        nd::GgufFile *file = nullptr;
        st = nd::gguf_open(args.tokenizer, nd::GgufOpenOptions{}, &file);
        gguf.reset(file);
        if (st.ok())
            st = nd::tokenizer_load_gguf(gguf.get(), &raw);
    } else {
        st = nd::tokenizer_load_hf_json_file(args.tokenizer, &raw);
    }
    if (!st.ok()) {
        std::fprintf(stderr, "nemodesk-bench-tokenizer: %s\n", st.describe().c_str());
        return 1;
    }
    nd::TokenizerPtr tok(raw);

    std::vector<std::string> corpus;
    {
        std::ifstream in(args.corpus, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "nemodesk-bench-tokenizer: cannot read %s\n", args.corpus.c_str());
            return 1;
        }
        std::string line;
        size_t line_no = 0;
        while (std::getline(in, line)) {
            ++line_no;
            if (line.empty())
                continue;
            const auto j = nlohmann::json::parse(line, nullptr, false);
            if (!j.is_string()) {
                std::fprintf(stderr, "nemodesk-bench-tokenizer: %s:%zu: not a JSON string\n",
                             args.corpus.c_str(), line_no);
                return 1;
            }
            corpus.push_back(j.get<std::string>());
        }
    }
    size_t bytes = 0;
    for (const auto &s : corpus)
        bytes += s.size();

    const nd::EncodeOptions eo;  // no BOS, special tokens parsed
    const nd::DecodeOptions dopt;
    std::vector<std::vector<int32_t>> ids(corpus.size());
    nd::Status failure;
    const Timing encode_t = best_of(args.runs, [&] {
        for (size_t i = 0; i < corpus.size(); ++i) {
            ids[i].clear();
            const nd::Status s = nd::tokenizer_encode(tok.get(), corpus[i], eo, &ids[i]);
            if (!s.ok() && failure.ok())
                failure = s;
        }
    });
    size_t tokens = 0;
    for (const auto &v : ids)
        tokens += v.size();
    size_t decoded_bytes = 0;
    std::string text;
    const Timing decode_t = best_of(args.runs, [&] {
        decoded_bytes = 0;
        for (const auto &v : ids) {
            text.clear();
            const nd::Status s = nd::tokenizer_decode(tok.get(), v, dopt, &text);
            if (!s.ok() && failure.ok())
                failure = s;
            decoded_bytes += text.size();
        }
    });
    if (!failure.ok()) {
        std::fprintf(stderr, "nemodesk-bench-tokenizer: %s\n", failure.describe().c_str());
        return 1;
    }
    const double mb = static_cast<double>(bytes) / 1e6,
                 dec_mb_total = static_cast<double>(decoded_bytes) / 1e6;
    const double n_tokens = static_cast<double>(tokens);
    if (args.json) {
        nlohmann::json out = {{"tokenizer", args.tokenizer},
                              {"implementation", "nemodesk"},
                              {"pre", nd::tokenizer_pre_name(tok.get())},
                              {"threads", 1},
                              {"entries", corpus.size()},
                              {"bytes", bytes},
                              {"tokens", tokens},
                              {"runs", args.runs},
                              {"encode_mb_s", mb / encode_t.wall_s},
                              {"encode_mb_s_cpu", mb / encode_t.cpu_s},
                              {"encode_tokens_s", n_tokens / encode_t.wall_s},
                              {"decode_mb_s", dec_mb_total / decode_t.wall_s},
                              {"decode_mb_s_cpu", dec_mb_total / decode_t.cpu_s},
                              {"decode_tokens_s", n_tokens / decode_t.wall_s}};
        std::printf("%s\n", out.dump().c_str());
    } else {
        std::printf("NemoDesk %s (%s): %zu entries, %.2f MB, %zu tokens (1 thread, best of %d)\n",
                    args.tokenizer.c_str(), nd::tokenizer_pre_name(tok.get()).c_str(), corpus.size(), mb,
                    tokens, args.runs);
        std::printf("  encode %.2f MB/s (%.2f MB/s of CPU time), %.2f M tokens/s\n", mb / encode_t.wall_s,
                    mb / encode_t.cpu_s, n_tokens / encode_t.wall_s / 1e6);
        std::printf("  decode %.2f MB/s (%.2f MB/s of CPU time), %.2f M tokens/s\n",
                    dec_mb_total / decode_t.wall_s, dec_mb_total / decode_t.cpu_s,
                    n_tokens / decode_t.wall_s / 1e6);
    }
    return 0;
}
