// Every architecture × every tensor type of part 1 against the reference llama.cpp (issue "Engine, part 2",
// Exactness): logits of every position for sequences of 1, 7 and 45 tokens (45 > the 16-token prefill
// batch, so three batches), and the longest again as prefill + one-token decodes. The default generated
// shapes are already awkward (n_embd 288, H·hd != n_embd, GQA 4:1, two Mamba groups, MoE top-3 of 8, K-quant
// fallbacks): conformance_shapes_test.cpp varies them. Tolerances: conformance_util.h, docs/conformance.md.
#include <gtest/gtest.h>

#include "conformance_util.h"
#include "gguf/gguf_test_util.h"

namespace nd {
namespace {

struct Case {
    ModelArch arch;
    GgmlType type;
};

void PrintTo(const Case &c, std::ostream *os) {
    *os << model_arch_name(c.arch) << " " << ggml_type_name(static_cast<uint32_t>(c.type));
}

class EngineVsLlamaCpp : public testing::TestWithParam<Case> {};

TEST_P(EngineVsLlamaCpp, LogitsOfEveryPositionMatch) {
    if (!test::reference_built())
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
            "the reference llama.cpp is not installed (run tools/reference/setup.sh)");
    test::TempDir dir("conf");
    ModelGenSpec spec;
    spec.arch = GetParam().arch;
    spec.weight_type = GetParam().type;
    test::conformance_check(spec, std::string(model_arch_name(spec.arch)), {1, 7, 45}, dir.path().string());
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (ModelArch a : kModelArchs)
        for (GgmlType t : kSupportedGgmlTypes)
            cases.push_back({a, t});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(All, EngineVsLlamaCpp, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case> &p) {
                             return std::string(model_arch_name(p.param.arch)) + "_" +
                                    ggml_type_name(static_cast<uint32_t>(p.param.type));
                         });

}  // namespace
}  // namespace nd
