// Every generated architecture x tensor type loads and evaluates in the reference llama.cpp (spec §9), with
// finite, non-degenerate logits: the generator's names, shapes and keys are what llama.cpp expects.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>

#include "gguf/gguf_test_util.h"
#include "gpu/model/model_gen.h"

namespace nd {
namespace {

struct Case {
    ModelArch arch;
    GgmlType type;
};

class LlamaCpp : public testing::TestWithParam<Case> {};

TEST_P(LlamaCpp, LoadsAndEvaluatesTheGeneratedModel) {
#ifndef ND_LLAMA_LOGITS
    ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
        "the reference llama.cpp is not installed (run tools/reference/setup.sh)");
#else
    test::TempDir dir;
    ModelGenSpec spec;
    spec.arch = GetParam().arch;
    spec.weight_type = GetParam().type;
    ASSERT_TRUE(model_gen_write(spec, dir.file("m.gguf")).ok());
    const int n_vocab = model_gen_resolve(spec).n_vocab;
    const std::string cmd = "ND_LLAMA_BACKEND_DIR='" + std::string(ND_LLAMA_BACKEND_DIR) + "' '" +
                            std::string(ND_LLAMA_LOGITS) + "' '" + dir.file("m.gguf") + "' 1 20 30 40 > '" +
                            dir.file("out.txt") + "' 2> '" + dir.file("err.txt") + "'";
    const int rc = std::system(cmd.c_str());
    const auto out = test::read_bytes(dir.file("out.txt"));
    const auto err = test::read_bytes(dir.file("err.txt"));
    ASSERT_EQ(rc, 0) << std::string(err.begin(), err.end());
    std::istringstream in(std::string(out.begin(), out.end()));
    int n = 0;
    in >> n;
    ASSERT_EQ(n, n_vocab);
    std::vector<double> logits;
    double v = 0;
    while (in >> v)
        logits.push_back(v);
    ASSERT_EQ(logits.size(), static_cast<size_t>(n_vocab));
    double mean = 0, sq = 0;
    for (double x : logits) {
        ASSERT_TRUE(std::isfinite(x));
        mean += x;
    }
    mean /= static_cast<double>(logits.size());
    for (double x : logits)
        sq += (x - mean) * (x - mean);
    const double sd = std::sqrt(sq / static_cast<double>(logits.size()));
    EXPECT_GT(sd, 0.1) << "the logits are nearly constant";
    EXPECT_LT(sd, 100.0) << "the logits explode";
#endif
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    for (ModelArch a : kModelArchs)
        for (GgmlType t : kSupportedGgmlTypes)
            cases.push_back({a, t});
    return cases;
}

INSTANTIATE_TEST_SUITE_P(All, LlamaCpp, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case> &p) {
                             return std::string(model_arch_name(p.param.arch)) + "_" +
                                    ggml_type_name(static_cast<uint32_t>(p.param.type));
                         });

}  // namespace
}  // namespace nd
