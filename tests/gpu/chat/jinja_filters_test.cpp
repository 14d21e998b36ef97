// Filters, tests, string/dict/list methods and globals, including Hugging Face's tojson (json.dumps with
// ensure_ascii=False, indent, separators, sort_keys), str.format and %-formatting, strftime_now.
#include "chat/jinja_test_util.h"

namespace nd {
namespace {

using test::JinjaCase;

const JinjaCase kFilterCases[] = {
    {R"J({{ '  a b  '|trim }}|{{ 'xxaxx'|trim('x') }}|{{ 'Hello'|upper }}|{{ 'Hello'|lower }})J", R"J({})J",
     R"J(a b|a|HELLO|hello)J"},
    {R"J({{ 'hello world-foo'|title }}|{{ 'hELLO'|capitalize }})J", R"J({})J", R"J(Hello World-Foo|Hello)J"},
    {R"J({{ [1, 2]|length }}{{ 'héllo'|length }}{{ {'a': 1}|count }}{{ x|length }})J", R"J({})J",
     R"J(2510)J"},
    {R"J({{ [3, 1, 2]|first }}{{ [3, 1, 2]|last }}{{ [3, 1, 2]|sort|join(',') }}{{ [3, 1, 2]|sort(reverse=true)|list }})J",
     R"J({})J", R"J(321,2,3[3, 2, 1])J"},
    {R"J({{ x|default('d') }}|{{ ''|default('e') }}|{{ ''|default('e', true) }}|{{ none|d('n') }})J",
     R"J({})J", R"J(d||e|None)J"},
    {R"J({{ 'a-b-a'|replace('a', 'x') }}{{ 'aaa'|replace('a', 'b', 2) }})J", R"J({})J", R"J(x-b-xbba)J"},
    {R"J({{ [1, 2, 3]|join }}|{{ ['a', 'b']|join(', ') }}|{{ users|join(',', attribute='n') }})J",
     R"J({"users": [{"n": "u1"}, {"n": "u2"}]})J", R"J(123|a, b|u1,u2)J"},
    {R"J({{ x|tojson }})J", R"J({"x": {"a": [1, 2.5, "é\"\n", null, true], "b": {}}})J",
     R"J({"a": [1, 2.5, "é\"\n", null, true], "b": {}})J"},
    {R"J({{ x|tojson(indent=2) }})J", R"J({"x": {"a": [1, {"c": []}], "b": "x"}})J", R"J({
  "a": [
    1,
    {
      "c": []
    }
  ],
  "b": "x"
})J"},
    {R"J({{ x|tojson(ensure_ascii=true) }}|{{ x|tojson(separators=(',', ':')) }}|{{ y|tojson(sort_keys=true) }})J",
     R"J({"x": ["é😀"], "y": {"b": 1, "a": 2}})J", R"J(["\u00e9\ud83d\ude00"]|["é😀"]|{"a": 2, "b": 1})J"},
    {R"J({{ 1.0|tojson }} {{ 1e100|tojson }} {{ 'a'|tojson }})J", R"J({})J", R"J(1.0 1e+100 "a")J"},
    {R"J({{ '3'|int + 1 }} {{ '2.5'|float }} {{ 'x'|int }} {{ 3.9|int }} {{ 2|float }} {{ -3|abs }} {{ 2.567|round(2) }} {{ 2.5|round }})J",
     R"J({})J", R"J(4 2.5 0 3 2.0 3 2.57 2.0)J"},
    {R"J({{ 42|string ~ 'x' }} {{ [1]|string }})J", R"J({})J", R"J(42x [1])J"},
    {R"J({{ users|map(attribute='n')|list }} {{ ['a', 'b']|map('upper')|join }})J",
     R"J({"users": [{"n": 1}, {"n": 2}]})J", R"J([1, 2] AB)J"},
    {R"J({{ [1, 2, 3, 4]|select('odd')|list }} {{ [1, 2, 3, 4]|reject('odd')|list }} {{ [0, 1, '']|select|list }})J",
     R"J({})J", R"J([1, 3] [2, 4] [1])J"},
    {R"J({{ msgs|selectattr('role', 'equalto', 'user')|map(attribute='c')|join }} {{ msgs|rejectattr('role', '==', 'user')|list|length }})J",
     R"J({"msgs": [{"role": "user", "c": "a"}, {"role": "bot", "c": "b"}, {"role": "user", "c": "c"}]})J",
     R"J(ac 1)J"},
    {R"J({{ msgs|selectattr('t')|list|length }})J", R"J({"msgs": [{"t": true}, {"t": false}, {}]})J",
     R"J(1)J"},
    {R"J({{ d|items|list }} {{ d|dictsort }} {{ d|dictsort(by='value', reverse=true) }})J",
     R"J({"d": {"b": 1, "A": 2}})J", R"J([('b', 1), ('A', 2)] [('A', 2), ('b', 1)] [('A', 2), ('b', 1)])J"},
    {R"J({{ ['b', 'A', 'a', 'B']|unique|list }} {{ ['b', 'a', 'C']|sort|list }} {{ [2, 1]|reverse|list }} {{ 'ab'|reverse }})J",
     R"J({})J", R"J(['b', 'A'] ['a', 'b', 'C'] [1, 2] ba)J"},
    {R"J({{ 'a\nb\n\nc'|indent(2) }}|{{ 'a\nb'|indent(2, true) }}|{{ 'x\n\ny'|indent(width='> ', blank=true) }})J",
     R"J({})J", R"J(a
  b

  c|  a
  b|x
> 
> y)J"},
    {R"J({{ [1, 2, 3]|sum }} {{ [3, 1, 2]|min }} {{ [3, 1, 2]|max }} {{ 'one two  three'|wordcount }})J",
     R"J({})J", R"J(6 1 3 3)J"},
    {R"J({{ '<a href="x">'|e }} {{ 'x'|safe }} {{ '%s-%d'|format('a', 3) }} {{ 'ab'|center(6) }}|)J",
     R"J({})J", R"J(&lt;a href=&#34;x&#34;&gt; x a-3   ab  |)J"},
    {R"J({{ [1, 2, 3, 4, 5]|batch(2)|list }})J", R"J({})J", R"J([[1, 2], [3, 4], [5]])J"},
    {R"J({{ ' a b '.strip() }}|{{ 'xxa'.lstrip('x') }}|{{ 'axx'.rstrip('x') }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a,b,c'.split(',', 1) }}|{{ 'a,b,c'.rsplit(',', 1) }})J",
     R"J({})J", R"J(a b|a|a|['a', 'b', '', 'c']|['a', 'b']|['a', 'b,c']|['a,b', 'c'])J"},
    {R"J({{ 'hello'.startswith('he') }}{{ 'hello'.endswith(('x', 'lo')) }}{{ 'hello'.find('l') }}{{ 'hello'.rfind('l') }}{{ 'hello'.count('l') }}{{ 'hello'.index('e') }})J",
     R"J({})J", R"J(TrueTrue2321)J"},
    {R"J({{ 'a b'.replace(' ', '_') }} {{ 'ab'.upper() }} {{ 'AB'.lower() }} {{ 'hello world'.title() }} {{ 'abc'.capitalize() }} {{ ','.join(['a', 'b']) }})J",
     R"J({})J", R"J(a_b AB ab Hello World Abc a,b)J"},
    {R"J({{ '{} and {}'.format(1, 'b') }}|{{ '{0}{1}{0}'.format('x', 'y') }}|{{ '{name}!'.format(name='n') }}|{{ '{:>5}|{:<4}|{:^5}|{:05.1f}|{:,}'.format('a', 'b', 'c', 3.14159, 1234567) }})J",
     R"J({})J", R"J(1 and b|xyx|n!|    a|b   |  c  |003.1|1,234,567)J"},
    {R"J({{ '%s is %d years (%.2f%%)'|format('Al', 30, 12.345) }} {{ 'x=%(x)s' % {'x': 1} }} {{ '%5s|%-5s|%03d' % ('a', 'b', 7) }})J",
     R"J({})J", R"J(Al is 30 years (12.35%) x=1     a|b    |007)J"},
    {R"J({{ d.get('a') }} {{ d.get('z') }} {{ d.get('z', 0) }} {{ d.keys()|list }} {{ d.values()|list }})J",
     R"J({"d": {"a": 1, "b": 2}})J", R"J(1 None 0 ['a', 'b'] [1, 2])J"},
    {R"J({{ [1, 2, 1].count(1) }} {{ [1, 2].index(2) }})J", R"J({})J", R"J(2 1)J"},
    {R"J({{ 'abc'.isalpha() }}{{ '123'.isdigit() }}{{ 'a1'.isalnum() }}{{ '  '.isspace() }}{{ 'ab'.isupper() }}{{ 'ab'.islower() }})J",
     R"J({})J", R"J(TrueTrueTrueTrueFalseTrue)J"},
    {R"J({{ x is string }}{{ 1 is number }}{{ 1 is integer }}{{ 1.5 is float }}{{ true is boolean }}{{ {} is mapping }}{{ [] is iterable }}{{ 'a' is sequence }}{{ none is none }}{{ true is true }}{{ false is false }})J",
     R"J({"x": "s"})J", R"J(TrueTrueTrueTrueTrueTrueTrueTrueTrueTrueTrue)J"},
    {R"J({{ 4 is even }}{{ 3 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(4) }}{{ 1 is eq 1 }}{{ 1 is ne 2 }}{{ 1 is lt 2 }}{{ 2 is ge 2 }}{{ 1 is in [1] }}{{ none is sameas none }}{{ x is not defined }})J",
     R"J({})J", R"J(TrueTrueTrueFalseTrueTrueTrueTrueTrueTrueTrue)J"},
    {R"J({{ 1 is string }}{{ 'a' is mapping }}{{ true is number }}{{ true is integer }}{{ {} is sequence }}{{ 1 is iterable }})J",
     R"J({})J", R"J(FalseFalseTrueFalseTrueFalse)J"},
    {R"J({{ range(3)|list }} {{ range(1, 7, 2)|list }} {{ range(3, 0, -1)|list }} {{ dict(a=1) }} {{ namespace(a=1).a }})J",
     R"J({})J", R"J([0, 1, 2] [1, 3, 5] [3, 2, 1] {'a': 1} 1)J"},
    {R"J({{ strftime_now('%Y-%m-%d %H:%M') }} {{ strftime_now('%d %b %Y') }})J", R"J({})J",
     R"J(2026-01-01 00:00 01 Jan 2026)J"},
};

TEST(JinjaFilters, CasesMatchJinja2) {
    test::expect_cases(kFilterCases, std::size(kFilterCases));
}

}  // namespace
}  // namespace nd
