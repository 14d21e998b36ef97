// fuzz_tokenizer_json: arbitrary bytes as a tokenizer.json through nd::tokenizer_load_hf_json_text, then
// encode/decode of fixed strings (invalid UTF-8 and special-token text included). A rejected file must
// say so with a message naming it; an accepted one must give ids inside its vocabulary that decode, a
// stream decoder that prints only whole UTF-8 characters (the same text as decoding at once, for the
// decoder chains that stream incrementally), and — for plain byte-level vocabularies — the exact input
// back from decode(encode(text)).
#include <string>
#include <vector>

#include "FuzzCheck.h"
#include "gpu/tokenizer/tokenizer.h"
#include "tests/fuzz/fuzz_tokenizer_common.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    const std::string text(reinterpret_cast<const char *>(data), size);
    nd::Tokenizer *raw = nullptr;
    const nd::Status status = nd::tokenizer_load_hf_json_text(text, "fuzz.json", &raw);
    const nd::TokenizerPtr tokenizer(raw);
    if (!status.ok()) {
        ND_FUZZ_CHECK(!tokenizer);
        ND_FUZZ_CHECK(status.code == nd::StatusCode::invalid_argument ||
                      status.code == nd::StatusCode::out_of_memory);
        ND_FUZZ_CHECK(status.message.rfind("fuzz.json: ", 0) == 0);
        return 0;
    }
    ND_FUZZ_CHECK(tokenizer != nullptr);
    nd::fuzz::exercise_tokenizer(tokenizer.get());
    return 0;
}
