// fuzz_tokenizer_gguf: arbitrary bytes as a GGUF file (gguf_open_memory) whose tokenizer.ggml.* metadata
// goes through nd::tokenizer_load_gguf, then the same encode/decode invariants as fuzz_tokenizer_json:
// clean errors naming the file, ids inside the vocabulary, whole UTF-8 characters from the stream decoder,
// and exact round trips for plain byte-level vocabularies.
#include <string>

#include "FuzzCheck.h"
#include "gpu/gguf/gguf_file.h"
#include "gpu/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_tokenizer_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    nd::GgufFile *file_raw = nullptr;
    nd::GgufOpenOptions options;
    options.allow_unsupported_types = true;  // only the metadata matters here
    if (!nd::gguf_open_memory(data, size, "fuzz.gguf", options, &file_raw).ok())
        return 0;  // the reader's own fuzz target covers its errors
    const nd::GgufFilePtr file(file_raw);
    nd::Tokenizer *raw = nullptr;
    const nd::Status status = nd::tokenizer_load_gguf(file.get(), &raw);
    const nd::TokenizerPtr tokenizer(raw);
    if (!status.ok()) {
        ND_FUZZ_CHECK(!tokenizer);
        ND_FUZZ_CHECK(status.code == nd::StatusCode::invalid_argument ||
                      status.code == nd::StatusCode::out_of_memory);
        ND_FUZZ_CHECK(status.message.find("fuzz.gguf") != std::string::npos);
        return 0;
    }
    ND_FUZZ_CHECK(tokenizer != nullptr);
    nd::fuzz::exercise_tokenizer(tokenizer.get());
    return 0;
}
