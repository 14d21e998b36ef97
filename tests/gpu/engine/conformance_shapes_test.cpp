// Odd shapes against the reference llama.cpp: one Mamba group and several (four, eight: one head per group),
// MoE with top-1 and with every expert used, attention first in the layer pattern, head_dim != n_embd/n_head,
// no GQA and GQA 8:1, widths that are not multiples of 32·8. Each in F32 (strict tolerance) and in one
// quantized type (Q8_0 or Q4_K, whose fallbacks differ per tensor). Sequences of 1, 7 and 40 tokens.
#include <gtest/gtest.h>

#include "conformance_util.h"
#include "gguf/gguf_test_util.h"

namespace nd {
namespace {

struct Shape {
    const char *label;
    ModelGenSpec spec;
};

ModelGenSpec make(ModelArch arch, void (*edit)(ModelGenSpec &)) {
    ModelGenSpec s;
    s.arch = arch;
    edit(s);
    return s;
}

std::vector<Shape> shapes() {
    return {
        {"nemotron_h_1_group", make(ModelArch::nemotron_h, [](ModelGenSpec &s) { s.ssm_n_group = 1; })},
        {"nemotron_h_4_groups", make(ModelArch::nemotron_h, [](ModelGenSpec &s) { s.ssm_n_group = 4; })},
        {"nemotron_h_8_groups_state_16", make(ModelArch::nemotron_h,
                                              [](ModelGenSpec &s) {
                                                  s.ssm_n_group = 8;
                                                  s.ssm_d_state = 16;
                                                  s.layer_pattern = "*M-M";
                                              })},
        {"nemotron_h_moe_top1", make(ModelArch::nemotron_h_moe,
                                     [](ModelGenSpec &s) {
                                         s.n_expert = 4;
                                         s.n_expert_used = 1;
                                     })},
        {"nemotron_h_moe_all_experts_1_group", make(ModelArch::nemotron_h_moe,
                                                    [](ModelGenSpec &s) {
                                                        s.n_expert = 4;
                                                        s.n_expert_used = 4;
                                                        s.ssm_n_group = 1;
                                                        s.layer_pattern = "E*MEM";
                                                    })},
        {"llama_head_dim_32_no_gqa", make(ModelArch::llama,
                                          [](ModelGenSpec &s) {
                                              s.n_head = 6;
                                              s.n_head_kv = 6;
                                              s.head_dim = 32;
                                          })},
        {"llama_gqa_8_to_1_embd_160", make(ModelArch::llama,
                                           [](ModelGenSpec &s) {
                                               s.n_embd = 160;
                                               s.n_head = 8;
                                               s.n_head_kv = 1;
                                               s.head_dim = 24;
                                               s.n_ff = 320;
                                               s.n_layer = 3;
                                           })},
        {"nemotron_1_kv_head", make(ModelArch::nemotron, [](ModelGenSpec &s) { s.n_head_kv = 1; })},
    };
}

struct Case {
    Shape shape;
    GgmlType type;
};

void PrintTo(const Case &c, std::ostream *os) {
    *os << c.shape.label << " " << ggml_type_name(static_cast<uint32_t>(c.type));
}

class OddShapes : public testing::TestWithParam<Case> {};

TEST_P(OddShapes, LogitsOfEveryPositionMatch) {
    if (!test::reference_built())
        ND_SKIP_OR_FAIL_WITHOUT_REFERENCE(
            "the reference llama.cpp is not installed (run tools/reference/setup.sh)");
    test::TempDir dir("conf");
    ModelGenSpec spec = GetParam().shape.spec;
    spec.weight_type = GetParam().type;
    test::conformance_check(spec, GetParam().shape.label, {1, 7, 40}, dir.path().string());
}

std::vector<Case> all_cases() {
    std::vector<Case> cases;
    const std::vector<Shape> list = shapes();
    for (size_t i = 0; i < list.size(); ++i) {
        cases.push_back({list[i], GgmlType::f32});
        cases.push_back({list[i], i % 2 ? GgmlType::q4_k : GgmlType::q8_0});
    }
    return cases;
}

INSTANTIATE_TEST_SUITE_P(All, OddShapes, testing::ValuesIn(all_cases()),
                         [](const testing::TestParamInfo<Case> &p) {
                             return std::string(p.param.shape.label) + "_" +
                                    ggml_type_name(static_cast<uint32_t>(p.param.type));
                         });

}  // namespace
}  // namespace nd
