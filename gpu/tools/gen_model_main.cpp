// nemodesk-gen-model: writes a small random-weight GGUF model (gpu/model/model_gen.h) — for trying the
// engine, nemoctl info/tokenize/template and benchmarks without downloading a model. The weights are random:
// the model runs but says nothing sensible.
//
//   nemodesk-gen-model --arch ARCH [--type TYPE] [--out PATH] [--seed N] [--tokenizer tokenizer.json]
//                      [--chat-template FILE.jinja] [--embd N] [--layers N] [--pattern MEM*E] [--split N]
//                      [--ff N] [--heads N] [--kv-heads N] [--head-dim N] [--vocab N] [--ssm-inner N]
//                      [--ssm-heads N] [--ssm-groups N] [--ssm-state N] [--experts N] [--experts-used N]
//                      [--expert-ff N] [--shared-ff N]      (shapes: ~250M-parameter benchmark models)
//
// Exit status: 0 written, 1 on a failure (the message says why), 2 on bad arguments.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "gpu/model/model_gen.h"
#include "gpu/tokenizer/hf_tokenizer_to_gguf.h"

namespace {

void print_usage(FILE *to) {
    std::fprintf(
        to,
        "Usage: nemodesk-gen-model --arch llama|nemotron|nemotron_h|nemotron_h_moe [options]\n\n"
        "Writes a small random-weight GGUF model laid out as llama.cpp's converter writes it.\n\n"
        "  --type T            weight type: f32 f16 bf16 q8_0 q4_0 q4_1 q5_0 q5_1 iq4_nl q4_k q5_k q6_k,\n"
        "                      or the mix q4_k_m (Q4_K; Q6_K for output and some attn_v/ffn_down, as\n"
        "                      llama-quantize picks them). Default f32; matrices the type cannot divide "
        "fall\n"
        "                      back as llama-quantize does\n"
        "  --ff N              feed-forward width (llama, nemotron, nemotron_h '-' layers)\n"
        "  --heads N, --kv-heads N, --head-dim N   attention shape\n"
        "  --vocab N           vocabulary size (the built-in tokenizer padded with unused tokens)\n"
        "  --ssm-inner N, --ssm-heads N, --ssm-groups N, --ssm-state N   Mamba-2 shape\n"
        "  --experts N, --experts-used N, --expert-ff N, --shared-ff N   MoE shape\n"
        "  --out PATH          output file (default: nemodesk-<arch>-<type>.gguf)\n"
        "  --seed N            random seed (default 1)\n"
        "  --tokenizer FILE    embed this Hugging Face tokenizer.json (default: a small built-in "
        "vocabulary)\n"
        "  --chat-template F   embed this Jinja chat template as tokenizer.chat_template\n"
        "  --embd N, --layers N, --pattern P   override the default test shapes (P: M * - E per layer)\n"
        "  --split N           write shards of at most N tensors (-00001-of-0000K.gguf)\n");
}

bool read_file(const std::string &path, std::string *out) {
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream s;
    s << in.rdbuf();
    *out = s.str();
    return true;
}

bool parse_int(const char *text, int *out) {
    char *end = nullptr;
    const long v = std::strtol(text, &end, 10);
    if (end == text || *end != '\0' || v < 1 || v > 1'000'000)
        return false;
    *out = static_cast<int>(v);
    return true;
}

}  // namespace

int main(int argc, char **argv) {
    nd::ModelGenSpec spec;
    bool have_arch = false;
    std::string out_path, tokenizer_path, template_path;
    nd::GgufWriteOptions write_options;
    for (int i = 1; i < argc; ++i) {
        const std::string_view arg = argv[i];
        if (arg == "-h" || arg == "--help") {
            print_usage(stdout);
            return 0;
        }
        if (i + 1 >= argc) {
            std::fprintf(stderr, "nemodesk-gen-model: unknown or incomplete option '%s'\n", argv[i]);
            print_usage(stderr);
            return 2;
        }
        const char *value = argv[++i];
        bool ok = true;
        if (arg == "--arch") {
            ok = have_arch = nd::model_arch_from_name(value, &spec.arch);
        } else if (arg == "--type") {
            const auto type = nd::ggml_type_from_name(value);
            ok = type.has_value() || std::string_view(value) == "q4_k_m";
            if (type)
                spec.weight_type = *type;
            else if (ok)
                spec.mix = value;
        } else if (arg == "--out") {
            out_path = value;
        } else if (arg == "--seed") {
            char *end = nullptr;
            spec.seed = std::strtoull(value, &end, 10);
            ok = end != value && *end == '\0';
        } else if (arg == "--tokenizer") {
            tokenizer_path = value;
        } else if (arg == "--chat-template") {
            template_path = value;
        } else if (arg == "--embd") {
            ok = parse_int(value, &spec.n_embd);
        } else if (arg == "--layers") {
            ok = parse_int(value, &spec.n_layer);
        } else if (arg == "--ff") {
            ok = parse_int(value, &spec.n_ff);
        } else if (arg == "--heads") {
            ok = parse_int(value, &spec.n_head);
        } else if (arg == "--kv-heads") {
            ok = parse_int(value, &spec.n_head_kv);
        } else if (arg == "--head-dim") {
            ok = parse_int(value, &spec.head_dim);
        } else if (arg == "--vocab") {
            ok = parse_int(value, &spec.n_vocab);
        } else if (arg == "--ssm-inner") {
            ok = parse_int(value, &spec.ssm_d_inner);
        } else if (arg == "--ssm-heads") {
            ok = parse_int(value, &spec.ssm_n_head);
        } else if (arg == "--ssm-groups") {
            ok = parse_int(value, &spec.ssm_n_group);
        } else if (arg == "--ssm-state") {
            ok = parse_int(value, &spec.ssm_d_state);
        } else if (arg == "--experts") {
            ok = parse_int(value, &spec.n_expert);
        } else if (arg == "--experts-used") {
            ok = parse_int(value, &spec.n_expert_used);
        } else if (arg == "--expert-ff") {
            ok = parse_int(value, &spec.n_ff_expert);
        } else if (arg == "--shared-ff") {
            ok = parse_int(value, &spec.n_ff_shared);
        } else if (arg == "--pattern") {
            spec.layer_pattern = value;
        } else if (arg == "--split") {
            ok = parse_int(value, &write_options.max_tensors_per_shard);
        } else {
            ok = false;
        }
        if (!ok) {
            std::fprintf(stderr, "nemodesk-gen-model: bad value '%s' for %s\n", value, argv[i - 1]);
            return 2;
        }
    }
    if (!have_arch) {
        std::fprintf(stderr, "nemodesk-gen-model: --arch is required\n");
        print_usage(stderr);
        return 2;
    }
    if (!tokenizer_path.empty()) {
        const nd::Status s = nd::hf_tokenizer_to_gguf(tokenizer_path, &spec.tokenizer_metadata);
        if (!s.ok()) {
            std::fprintf(stderr, "nemodesk-gen-model: %s\n", s.message.c_str());
            return 1;
        }
    }
    if (!template_path.empty() && !read_file(template_path, &spec.chat_template)) {
        std::fprintf(stderr, "nemodesk-gen-model: cannot read %s\n", template_path.c_str());
        return 1;
    }
    if (out_path.empty())
        out_path =
            "nemodesk-" + std::string(nd::model_arch_name(spec.arch)) + "-" +
            (spec.mix.empty() ? nd::ggml_type_name(static_cast<uint32_t>(spec.weight_type)) : spec.mix) +
            ".gguf";
    const nd::Status s = nd::model_gen_write(spec, out_path, write_options);
    if (!s.ok()) {
        std::fprintf(stderr, "nemodesk-gen-model: %s\n", s.message.c_str());
        return 1;
    }
    std::printf("%s\n", out_path.c_str());
    return 0;
}
