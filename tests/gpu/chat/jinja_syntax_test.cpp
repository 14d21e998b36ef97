// Statements and whitespace control: trim_blocks/lstrip_blocks, {%- -%}, comments, raw, for/loop.*,
// break/continue, set (plain, tuple, namespace attribute, block), macros (defaults, varargs, kwargs,
// caller), call and filter blocks, {% generation %}, conditional expressions, subscripts and slices.
#include "chat/jinja_test_util.h"

namespace nd {
namespace {

using test::JinjaCase;

const JinjaCase kSyntaxCases[] = {
    {R"J({% if true %}
  yes
{% endif %}
)J",
     R"J({})J", R"J(  yes
)J"},
    {R"J(  {% if true %}x{% endif %}  )J", R"J({})J", R"J(x  )J"},
    {R"J(a  {%- if true -%}  b  {%- endif -%}  c)J", R"J({})J", R"J(abc)J"},
    {R"J(a
  {%+ if true %}b{% endif %})J",
     R"J({})J", R"J(a
  b)J"},
    {R"J({% if true +%}
b{% endif %})J",
     R"J({})J", R"J(
b)J"},
    {R"J(x {{- ' y ' -}} z)J", R"J({})J", R"J(x y z)J"},
    {R"J({# comment #}
A{#- c -#} B)J",
     R"J({})J", R"J(AB)J"},
    {R"J(  {# c #}
A)J",
     R"J({})J", R"J(A)J"},
    {R"J({% raw %}{{ x }}{% endraw %})J", R"J({})J", R"J({{ x }})J"},
    {R"J(line
)J",
     R"J({})J", R"J(line)J"},
    {R"J(a
b)J",
     R"J({})J", R"J(a
b)J"},
    {R"J({% for x in [1, 2, 3] %}{{ x }}{% if not loop.last %},{% endif %}{% endfor %})J", R"J({})J",
     R"J(1,2,3)J"},
    {R"J({% for x in 'ab' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}{{ loop.first }}{{ loop.length }};{% endfor %})J",
     R"J({})J", R"J(1021True2;2110False2;)J"},
    {R"J({% for x in [1, 2, 3] %}{{ loop.previtem }}-{{ loop.nextitem }}|{% endfor %})J", R"J({})J",
     R"J(-2|1-3|2-|)J"},
    {R"J({% for x in [1, 2, 3] %}{{ loop.cycle('a', 'b') }}{% endfor %})J", R"J({})J", R"J(aba)J"},
    {R"J({% for x in [] %}x{% else %}empty{% endfor %})J", R"J({})J", R"J(empty)J"},
    {R"J({% for x in [1, 2, 3, 4] if x is even %}{{ x }}/{{ loop.length }} {% endfor %})J", R"J({})J",
     R"J(2/2 4/2 )J"},
    {R"J({% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %})J", R"J({"d": {"b": 1, "a": 2}})J",
     R"J(b=1;a=2;)J"},
    {R"J({% for k in d %}{{ k }}{% endfor %})J", R"J({"d": {"b": 1, "a": 2}})J", R"J(ba)J"},
    {R"J({% for x in range(10) %}{% if x == 3 %}{% break %}{% endif %}{% if x == 1 %}{% continue %}{% endif %}{{ x }}{% endfor %})J",
     R"J({})J", R"J(02)J"},
    {R"J({% set x = 1 %}{% for i in [1] %}{% set x = 2 %}{{ x }}{% endfor %}{{ x }})J", R"J({})J", R"J(21)J"},
    {R"J({% set ns = namespace(x=1) %}{% for i in [1, 2] %}{% set ns.x = ns.x + i %}{% endfor %}{{ ns.x }})J",
     R"J({})J", R"J(4)J"},
    {R"J({% if true %}{% set y = 5 %}{% endif %}{{ y }})J", R"J({})J", R"J(5)J"},
    {R"J({% set a, b = 1, 2 %}{{ a }}{{ b }})J", R"J({})J", R"J(12)J"},
    {R"J({% set x %}  inner {{ 1 }} {% endset %}[{{ x }}])J", R"J({})J", R"J([  inner 1 ])J"},
    {R"J({% set x | upper %}abc{% endset %}{{ x }})J", R"J({})J", R"J(ABC)J"},
    {R"J({% macro greet(name, punct='!') %}Hi {{ name }}{{ punct }}{% endmacro %}{{ greet('Bob') }} {{ greet('Al', punct='?') }})J",
     R"J({})J", R"J(Hi Bob! Hi Al?)J"},
    {R"J({% macro m(a, b=a ~ 'x') %}{{ a }}{{ b }}{% endmacro %}{{ m('q') }})J", R"J({})J", R"J(qqx)J"},
    {R"J({% macro m() %}{{ varargs }}{{ kwargs }}{% endmacro %}{{ m(1, 2, k=3) }})J", R"J({})J",
     R"J((1, 2){'k': 3})J"},
    {R"J({% macro wrap() %}<{{ caller() }}>{% endmacro %}{% call wrap() %}body{% endcall %})J", R"J({})J",
     R"J(<body>)J"},
    {R"J({% macro each(xs) %}{% for x in xs %}{{ caller(x) }}{% endfor %}{% endmacro %}{% call(v) each([1, 2]) %}[{{ v }}]{% endcall %})J",
     R"J({})J", R"J([1][2])J"},
    {R"J({% filter upper %}hello {{ 'w' }}{% endfilter %})J", R"J({})J", R"J(HELLO W)J"},
    {R"J({% macro fact(n) %}{% if n <= 1 %}1{% else %}{{ n * fact(n - 1)|int }}{% endif %}{% endmacro %}{{ fact(5) }})J",
     R"J({})J", R"J(120)J"},
    {R"J({% generation %}kept{% endgeneration %})J", R"J({})J", R"J(kept)J"},
    {R"J({{ 'a' if x else 'b' }}{{ 'c' if not x }})J", R"J({"x": false})J", R"J(bc)J"},
    {R"J({% if x is defined %}d{% elif y %}y{% else %}n{% endif %})J", R"J({"y": 1})J", R"J(y)J"},
    {R"J({{ x.a }}|{{ x['a'] }}|{{ x.b is defined }})J", R"J({"x": {"a": 1}})J", R"J(1|1|False)J"},
    {R"J({{ [1, 2, 3][1:] }}{{ 'hello'[::-1] }}{{ 'hello'[1:4:2] }}{{ [1, 2, 3][-1] }})J", R"J({})J",
     R"J([2, 3]ollehel3)J"},
    {R"J({{ (1, 2) }}{{ (1,) }}{{ () }})J", R"J({})J", R"J((1, 2)(1,)())J"},
    {R"J({{ {'a': [1, {'b': none}]} }})J", R"J({})J", R"J({'a': [1, {'b': None}]})J"},
    {R"J({{ 'it''s' }} {{ "a\tb\n" }}{{ '\u00e9\x41' }})J", R"J({})J", R"J(its a	b
éA)J"},
    {R"J({{ messages[0]['content'] }})J", R"J({"messages": [{"role": "user", "content": "hi"}]})J",
     R"J(hi)J"},
};

TEST(JinjaSyntax, CasesMatchJinja2) {
    test::expect_cases(kSyntaxCases, std::size(kSyntaxCases));
}

TEST(JinjaSyntax, ParsedOnceRenderedManyTimes) {
    ChatTemplate *raw = nullptr;
    ASSERT_TRUE(chat_template_parse("{{ name }}!", "t", &raw).ok());
    ChatTemplatePtr tmpl(raw);
    for (const char *name : {"a", "b"}) {
        std::string out;
        ASSERT_TRUE(chat_template_render(tmpl.get(), {{"name", name}}, &out).ok());
        EXPECT_EQ(out, std::string(name) + "!");
    }
}

TEST(JinjaSyntax, VariablesKeepTheirJsonKeyOrder) {
    EXPECT_EQ(test::jinja_render("{% for k in d %}{{ k }}{% endfor %}", R"({"d": {"z": 1, "a": 2, "m": 3}})"),
              "zam");
}

}  // namespace
}  // namespace nd
