// Values as Python prints and computes them: str() of lists/dicts/tuples/floats/None/True, repr quoting
// and escapes, integer vs float arithmetic, floor division and modulo signs, comparisons and chains,
// `in`, `and`/`or` returning operands, undefined printing as "".
#include "chat/jinja_test_util.h"

namespace nd {
namespace {

using test::JinjaCase;

const JinjaCase kValueCases[] = {
    {R"J({{ 1 + 2 * 3 }} {{ (1 + 2) * 3 }} {{ 2 ** 3 ** 2 }} {{ -2 ** 2 }})J", R"J({})J", R"J(7 9 64 4)J"},
    {R"J({{ 7 // 2 }} {{ -7 // 2 }} {{ 7 % 3 }} {{ -7 % 3 }} {{ 7 / 2 }} {{ 4 / 2 }})J", R"J({})J",
     R"J(3 -4 1 2 3.5 2.0)J"},
    {R"J({{ 1.0 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 1e15 }} {{ 0.0001 }} {{ 0.00001 }} {{ 3.14 }})J", R"J({})J",
     R"J(1.0 0.30000000000000004 1e+16 1000000000000000.0 0.0001 1e-05 3.14)J"},
    {R"J({{ true }} {{ True }} {{ none }} {{ None }} {{ false }})J", R"J({})J",
     R"J(True True None None False)J"},
    {R"J({{ 'ab' * 3 }} {{ [1] * 2 }} {{ [1] + [2] }} {{ 'a' ~ 1 ~ none }})J", R"J({})J",
     R"J(ababab [1, 1] [1, 2] a1None)J"},
    {R"J({{ 1 == 1.0 }} {{ true == 1 }} {{ 'a' < 'b' }} {{ [1, 2] < [1, 3] }} {{ 1 < 2 < 3 }} {{ 3 > 2 > 2 }})J",
     R"J({})J", R"J(True True True True True False)J"},
    {R"J({{ 'b' in 'abc' }} {{ 2 in [1, 2] }} {{ 'k' in {'k': 1} }} {{ 3 not in [1] }})J", R"J({})J",
     R"J(True True True True)J"},
    {R"J({{ x }}|{{ x|string }}|{{ x ~ '' }}|{{ x is undefined }})J", R"J({})J", R"J(|||True)J"},
    {R"J({{ 1 and 'x' }} {{ 0 or 'y' }} {{ '' or [] }} {{ not 0 }})J", R"J({})J", R"J(x y [] True)J"},
    {R"J({{ [1, 'a', 1.5, none, true] }})J", R"J({})J", R"J([1, 'a', 1.5, None, True])J"},
    {R"J({{ ["it's"] }} {{ ['a"b'] }} {{ ['both\'"'] }})J", R"J({})J", R"J(["it's"] ['a"b'] ['both\'"'])J"},
    {R"J({{ ['\n\t\x01é😀'] }})J", R"J({})J", R"J(['\n\t\x01é😀'])J"},
    {R"J({{ v }} {{ w }} {{ f }})J", R"J({"v": 10, "w": 2.5, "f": 1.0})J", R"J(10 2.5 1.0)J"},
    {R"J({{ d }})J", R"J({"d": {"z": 1, "a": [true, null]}})J", R"J({'z': 1, 'a': [True, None]})J"},
    {R"J({{ -x }} {{ +x }} {{ x - 1.5 }})J", R"J({"x": 3})J", R"J(-3 3 1.5)J"},
};

TEST(JinjaValues, CasesMatchJinja2) {
    test::expect_cases(kValueCases, std::size(kValueCases));
}

// Jinja2's map/select/… return generators and dict.items() a view; |safe and |escape make Markup,
// and Markup + str escapes the str (the Functionary templates depend on that).
const JinjaCase kSemanticCases[] = {
    {R"J({{ [1, 2]|map('string')|join('-') }}|{{ [1]|select|list }}|{{ none|selectattr('a')|list }}|{{ none|map(attribute='a')|list }})J",
     R"J({})J", R"J(1-2|[1]|[]|[])J"},
    {R"J({{ ([]|select) is sequence }}{{ (d.items()) is sequence }}{{ range(2) is sequence }}{{ d.items()|length }})J",
     R"J({"d": {"a": 1}})J", R"J(FalseFalseTrue1)J"},
    {R"J({% if []|select %}gen-true{% endif %}|{{ d.items() }}|{{ d.keys() }}|{{ range(1, 4) }})J",
     R"J({"d": {"a": 1}})J", R"J(gen-true|dict_items([('a', 1)])|dict_keys(['a'])|range(1, 4))J"},
    {R"J({{ 'a<b'|safe + '<i>' }}|{{ '<i>' + 'x'|safe }}|{{ '<'|e }}|{{ ('<'|e)|e }}|{{ 'a'|safe ~ '<' }})J",
     R"J({})J", R"J(a<b&lt;i&gt;|&lt;i&gt;x|&lt;|&lt;|a<)J"},
};

const JinjaCase kSemanticErrorCases[] = {
    {R"J({{ [1]|map('string')|tojson }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ [1]|select|length }})J", R"J({})J", R"J(ERROR)J"},
    {R"J({{ d.items()|tojson }})J", R"J({"d": {"a": 1}})J", R"J(ERROR)J"},
    {R"J({{ range(3)|tojson }})J", R"J({})J", R"J(ERROR)J"},
};

TEST(JinjaValues, GeneratorsViewsAndMarkupBehaveAsInPython) {
    test::expect_cases(kSemanticCases, std::size(kSemanticCases));
    for (const auto &c : kSemanticErrorCases) {
        EXPECT_EQ(test::jinja_render(c.source, c.vars_json).rfind("ERROR: ", 0), 0u) << c.source;
    }
}

TEST(JinjaValues, IntegerOverflowIsAnErrorNotWraparound) {
    EXPECT_NE(test::jinja_render("{{ 9223372036854775807 + 1 }}").find("ERROR"), std::string::npos);
    EXPECT_NE(test::jinja_render("{{ 2 ** 64 }}").find("ERROR"), std::string::npos);
}

}  // namespace
}  // namespace nd
