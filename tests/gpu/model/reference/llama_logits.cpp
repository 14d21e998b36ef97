// llama_logits: loads a GGUF with the reference llama.cpp (node-llama-cpp's prebuilt libllama), evaluates a
// fixed list of token ids in one batch and prints the logits of the last position as one line of numbers.
// Checks that generated models load in llama.cpp; the inference work compares our engine's logits with it.
//   llama_logits MODEL.gguf ID...   exit 0 and "n_vocab v0 v1 ..." on stdout; non-zero on failure
// Built by tests/gpu/model/tests.cmake (target nd_llama_logits) when the reference is installed, against
// tools/reference/llama.cpp/include and node-llama-cpp's libraries; ND_LLAMA_BACKEND_DIR names the folder
// of the ggml CPU backends (loaded at run time).
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "llama.h"

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s MODEL.gguf ID...\n", argv[0]);
        return 2;
    }
    // The CPU backends are shared objects next to libllama: their folder comes from the environment.
    const char *backends = getenv("ND_LLAMA_BACKEND_DIR");
    if (backends)
        ggml_backend_load_all_from_path(backends);
    else
        ggml_backend_load_all();
    llama_backend_init();
    struct llama_model_params mp = llama_model_default_params();
    mp.n_gpu_layers = 0;
    struct llama_model *model = llama_model_load_from_file(argv[1], mp);
    if (!model) {
        fprintf(stderr, "llama_logits: cannot load %s\n", argv[1]);
        return 1;
    }
    struct llama_context_params cp = llama_context_default_params();
    cp.n_ctx = 64;
    cp.n_batch = 64;
    cp.n_threads = 1;
    cp.n_threads_batch = 1;
    struct llama_context *ctx = llama_init_from_model(model, cp);
    if (!ctx) {
        fprintf(stderr, "llama_logits: cannot create a context\n");
        return 1;
    }
    const int n = argc - 2;
    std::vector<llama_token> ids(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i)
        ids[static_cast<size_t>(i)] = static_cast<llama_token>(std::atoi(argv[2 + i]));
    if (llama_decode(ctx, llama_batch_get_one(ids.data(), n)) != 0) {
        fprintf(stderr, "llama_logits: decode failed\n");
        return 1;
    }
    const float *logits = llama_get_logits_ith(ctx, -1);
    const int n_vocab = llama_vocab_n_tokens(llama_model_get_vocab(model));
    printf("%d", n_vocab);
    for (int v = 0; v < n_vocab; ++v)
        printf(" %.6g", logits[v]);
    printf("\n");
    llama_free(ctx);
    llama_model_free(model);
    llama_backend_free();
    return 0;
}
