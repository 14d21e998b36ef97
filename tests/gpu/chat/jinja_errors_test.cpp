// Errors and budgets: every failure Python's Jinja2 raises is an error here too (checked against the
// reference when the tables were written), messages carry the template name, line and column, and
// hostile templates end with a budget error instead of running forever or exhausting memory.
#include <chrono>

#include "chat/jinja_test_util.h"

namespace nd {
namespace {

using test::jinja_render;
using test::JinjaCase;

const JinjaCase kErrorCases[] = {
    {R"J({{ x.y }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ raise_exception('bad role') }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% for %})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% if x %})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ 1 + }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ 'a' + 1 }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ 1 / 0 }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% set l = [] %}{{ l.append(1) }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ x|nosuchfilter }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% include 'a' %})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% set x = 1 %}{% set x.a = 2 %})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ 'a' < 1 }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({% macro m() %}{% endmacro %}{{ m(1) }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ x|tojson }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ 'x' })J", R"J({})J", R"J(ERROR)J"},
};

TEST(JinjaErrors, FailWhereJinja2Fails) {
    for (const auto &c : kErrorCases) {
        EXPECT_EQ(jinja_render(c.source, c.vars_json).rfind("ERROR: ", 0), 0u) << c.source;
    }
}

TEST(JinjaErrors, ParseErrorsNameTemplateLineAndColumn) {
    EXPECT_EQ(jinja_render("line1\n{% for x in y %}\n{% endif %}"),
              "ERROR: t.jinja:3:4: expected 'endfor' or 'else', got 'endif'")
        << "the message names the tag it did not expect";
    EXPECT_EQ(jinja_render("a {% endif %}"), "ERROR: t.jinja:1:6: unexpected 'endif'");
    EXPECT_EQ(jinja_render("ab\n  {{ 1 + }}"), "ERROR: t.jinja:2:10: unexpected end of print statement");
    EXPECT_EQ(jinja_render("{% frobnicate %}"), "ERROR: t.jinja:1:4: unknown tag 'frobnicate'");
    EXPECT_EQ(jinja_render("{% if x %}"),
              "ERROR: t.jinja:1:11: unexpected end of template: expected 'elif' or 'else' or 'endif'");
    EXPECT_EQ(jinja_render("\n{{ x|nosuch }}"), "ERROR: t.jinja:2:6: no filter named 'nosuch'");
    EXPECT_EQ(jinja_render("{% include 'x.jinja' %}"),
              "ERROR: t.jinja:1:4: 'include' is not supported: chat templates are rendered without a "
              "template loader");
}

TEST(JinjaErrors, RenderErrorsNameTemplateLineAndColumn) {
    EXPECT_EQ(jinja_render("a\nb {{ x.y }}"), "ERROR: t.jinja:2:7: 'x' is undefined");
    EXPECT_EQ(jinja_render("{{ d.a.b }}", R"({"d": {}})"),
              "ERROR: t.jinja:1:7: 'dict object' has no attribute 'a'");
    EXPECT_EQ(jinja_render("\n\n{{ 'a' + 1 }}"),
              "ERROR: t.jinja:3:8: unsupported operand type(s) for +: 'str' and 'int'");
    EXPECT_EQ(jinja_render("{% set l = [] %}\n{{ l.append(1) }}").substr(0, 29),
              "ERROR: t.jinja:2:12: access t");
}

TEST(JinjaErrors, RaiseExceptionGivesTheTemplatesMessage) {
    EXPECT_EQ(jinja_render("x\n{% if messages|length == 0 %}{{ raise_exception('Conversation roles must "
                           "alternate') }}{% endif %}",
                           R"({"messages": []})"),
              "ERROR: t.jinja:2: raise_exception: Conversation roles must alternate");
}

TEST(JinjaErrors, UnknownFiltersInsideIfFailOnlyWhenReached) {
    // Jinja2 checks filter names at compile time except inside `if` and conditional expressions.
    EXPECT_EQ(jinja_render("{% if false %}{{ x|from_json }}{% endif %}ok"), "ok");
    EXPECT_EQ(jinja_render("{% if true %}{{ x|from_json }}{% endif %}").rfind("ERROR: t.jinja:1:", 0), 0u);
    EXPECT_EQ(jinja_render("{% if false %}{% for i in x %}{{ i|from_json }}{% endfor %}{% endif %}")
                  .rfind("ERROR", 0),
              0u);
}

TEST(JinjaBudgets, HugeLoopEndsWithABudgetErrorQuickly) {
    ChatRenderOptions options;
    options.max_steps = 1'000'000;
    auto start = std::chrono::steady_clock::now();
    std::string out = jinja_render("{% for i in range(10**9) %}{{ i }}{% endfor %}", "{}", options);
    EXPECT_NE(out.find("steps"), std::string::npos) << out;
    out = jinja_render("{% for i in range(100000) %}{% for j in range(100000) %}{% endfor %}{% endfor %}",
                       "{}", options);
    EXPECT_NE(out.find("steps"), std::string::npos) << out;
    (void)start;  // no timing assertion: the step budget is what bounds the time
}

TEST(JinjaBudgets, DeepMacroRecursionEndsWithADepthError) {
    std::string out = jinja_render("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}");
    EXPECT_NE(out.find("recursion deeper than the limit of 200"), std::string::npos) << out;
}

TEST(JinjaBudgets, OutputAndStringSizesAreBounded) {
    ChatRenderOptions options;
    options.max_output_bytes = 1000;
    EXPECT_NE(jinja_render("{% for i in range(2000) %}x{% endfor %}", "{}", options).find("output"),
              std::string::npos);
    EXPECT_NE(jinja_render("{% set s = 'x' * 100000000000 %}", "{}", options).find("exceeds"),
              std::string::npos);
    EXPECT_NE(jinja_render("{% set ns = namespace(s='ab') %}{% for i in range(40) %}{% set ns.s = ns.s ~ "
                           "ns.s %}{% endfor %}",
                           "{}", options)
                  .find("ERROR"),
              std::string::npos);
}

TEST(JinjaBudgets, DeeplyNestedSourceIsAParseErrorNotAStackOverflow) {
    std::string deep = "{{ " + std::string(100000, '(') + "1" + std::string(100000, ')') + " }}";
    EXPECT_NE(jinja_render(deep).find("nesting is deeper"), std::string::npos);
    std::string blocks;
    for (int k = 0; k < 5000; ++k)
        blocks += "{% if true %}";
    EXPECT_NE(jinja_render(blocks).find("nesting is deeper"), std::string::npos);
}

TEST(JinjaBudgets, ValueNestingIsBounded) {
    // Deep values would make printing, comparing and freeing them recurse without limit.
    std::string deep_vars = R"({"x": )" + std::string(600, '[') + std::string(600, ']') + "}";
    EXPECT_NE(jinja_render("{{ x }}", deep_vars).find("nested deeper than 512"), std::string::npos);
    EXPECT_NE(
        jinja_render(
            "{% set ns = namespace(x=[]) %}{% for i in range(1000) %}{% set ns.x = [ns.x] %}{% endfor %}"
            "{{ ns.x }}")
            .find("nested deeper than 512"),
        std::string::npos);
    std::string chain = "{{ 1" + std::string(5000, '+') + "1 }}";  // unary pluses: bounded nesting
    EXPECT_NE(jinja_render(chain).find("nesting is deeper"), std::string::npos);
    std::string sum = "{{ 0";
    for (int k = 0; k < 5000; ++k)
        sum += " + 1";
    EXPECT_NE(jinja_render(sum + " }}").find("nesting is deeper"), std::string::npos);
}

TEST(JinjaBudgets, SelfReferencingNamespaceDoesNotLeak) {
    // Runs under ASan/LSan in the sanitizer presets: the render empties namespaces when it ends.
    EXPECT_EQ(jinja_render(
                  "{% set ns = namespace() %}{% set ns.self = ns %}{% set ns.x = 1 %}{{ ns.self.self.x }}"),
              "1");
    // Printing it is Python's cycle-guarded repr (found by fuzz_chat_template: it used to recurse forever).
    EXPECT_EQ(jinja_render("{% set ns = namespace(a=1) %}{% set ns.self = ns %}{{ ns }}"),
              "<Namespace {'a': 1, 'self': <Namespace {...}>}>");
    std::string chain =
        "{% set h = namespace(n=none) %}{% for i in range(2000) %}{% set h.n = namespace(n=h.n) %}"
        "{% endfor %}{{ h }}";
    EXPECT_NE(jinja_render(chain).find("nested too deep to print"), std::string::npos);
}

}  // namespace
}  // namespace nd
