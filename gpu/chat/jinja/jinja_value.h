#pragma once
// Values of the template language with Python's semantics: undefined (Jinja2's default Undefined),
// None, bool, int (64-bit; overflow is an error), float, str (UTF-8), list and tuple, dict (insertion
// ordered, like Python's), and objects (namespace(), loop, macros, built-in functions, bound methods).
// Lists, dicts and strings are immutable and shared (the Hugging Face sandbox forbids mutating them), so
// copying a Value is cheap; only namespaces change, through `{% set ns.attr = … %}`.
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace nd::jinja {

// A render or parse error; the interpreter adds the template name, line and column.
struct Error : std::runtime_error {
    explicit Error(const std::string &what, int line_ = 0, int col_ = 0)
        : std::runtime_error(what), line(line_), col(col_) {}
    int line = 0;  // 0: not known where it happened (the interpreter fills in the current node)
    int col = 0;
};
// raise_exception(message) from a template: reported as "name:line: raise_exception: message".
struct RaisedError : Error {
    explicit RaisedError(const std::string &what) : Error(what) {}
};
// A budget ran out (steps, output bytes, depth): never caught by the template.
struct BudgetError : Error {
    explicit BudgetError(const std::string &what) : Error(what) {}
};

// Lists and dicts nest at most this deep (Error past it), so printing, comparing, serialising and
// freeing a value never recurses deeper than that.
inline constexpr int kMaxValueNesting = 512;

enum class Kind : uint8_t { undefined = 1, none, boolean, integer, floating, string, list, dict, object };

// What Python object a list value stands for. Jinja2's map/select/… return generators and dict.items()
// returns a view: they iterate like lists, but json.dumps rejects them, a generator is always true and
// has no len(), and they print differently. Templates that rely on that fail in Python; so here.
enum class Seq : uint8_t { list = 1, generator, dict_items, dict_keys, dict_values, range };

class Dict;
class Object;
struct Value;
using ValueList = std::vector<Value>;

struct Value {
    Kind kind = Kind::undefined;
    bool is_tuple = false;   // a list that prints as a tuple ("(1, 2)")
    bool is_markup = false;  // a string marked safe (|safe, |escape): `markup + str` escapes the str
    Seq seq = Seq::list;
    uint16_t nest = 0;  // lists/dicts: 1 + the deepest element's nest (bounded: see kMaxValueNesting)
    bool b = false;
    int64_t i = 0;
    double f = 0;
    std::shared_ptr<const std::string> s;  // string; for undefined: why it is undefined ("'x' is undefined")
    std::shared_ptr<const ValueList> list;
    std::shared_ptr<const Dict> dict;
    std::shared_ptr<Object> obj;

    static Value undefined(std::string hint = {});
    static Value none();
    static Value boolean(bool v);
    static Value integer(int64_t v);
    static Value floating(double v);
    static Value string(std::string v);
    static Value string_shared(std::shared_ptr<const std::string> v);
    static Value make_list(ValueList items);
    static Value make_tuple(ValueList items);
    static Value make_seq(ValueList items, Seq seq);
    static Value markup(std::string v);
    static Value make_dict(Dict d);
    static Value object(std::shared_ptr<Object> o);

    bool is_undefined() const { return kind == Kind::undefined; }
    bool is_none() const { return kind == Kind::none; }
    bool is_string() const { return kind == Kind::string; }
    bool is_list() const { return kind == Kind::list; }
    bool is_dict() const { return kind == Kind::dict; }
    bool is_number() const {
        return kind == Kind::integer || kind == Kind::floating || kind == Kind::boolean;
    }
    const std::string &str() const;  // the string of a string value (empty string otherwise)
    const ValueList &items() const;  // the elements of a list value (empty otherwise)
    const Dict &mapping() const;     // the dict of a dict value (empty otherwise)
    double as_double() const;        // numbers (and bools)
    int64_t as_int() const;          // integers and bools
};

// Python's dict: insertion ordered, keys compared with ==. String keys are indexed for fast lookup.
class Dict {
public:
    const Value *find(const Value &key) const;
    const Value *find(std::string_view key) const;
    void set(const Value &key, Value value);  // insert, or replace keeping the position
    void set(std::string_view key, Value value) { set(Value::string(std::string(key)), std::move(value)); }
    size_t size() const { return m_items.size(); }
    bool empty() const { return m_items.empty(); }
    const std::vector<std::pair<Value, Value>> &items() const { return m_items; }

private:
    std::vector<std::pair<Value, Value>> m_items;
    std::unordered_map<std::string, size_t> m_string_index;
};

class Interp;

struct CallArgs {
    ValueList pos;
    std::vector<std::pair<std::string, Value>> kw;

    // The argument at `index` or named `name`, or nullptr; Python's binding order.
    const Value *get(size_t index, std::string_view name) const;
    // Errors for positional/keyword arguments beyond what a function takes.
    void check(std::string_view function, size_t max_positional,
               std::initializer_list<std::string_view> names) const;
};

// Objects that are not plain data: namespaces, the loop variable, macros, functions, bound methods.
class Object {
public:
    virtual ~Object() = default;
    virtual std::string type_name() const = 0;  // "namespace", "macro", "builtin_function_or_method", …
    virtual bool get_attr(std::string_view name, Value *out) const;
    virtual bool set_attr(std::string_view name, const Value &value);  // false: not assignable
    virtual bool callable() const { return false; }
    virtual Value call(Interp &interp, CallArgs &args);
    virtual std::string repr() const;
};

// Python truthiness (undefined is false).
bool truthy(const Value &v);
// Python ==, across numbers (1 == 1.0 == True), strings, lists/tuples, dicts.
bool equals(const Value &a, const Value &b);
// Python <: numbers with numbers, strings with strings, lists lexicographically; otherwise Error.
bool less_than(const Value &a, const Value &b);
// What str() gives ("" for undefined, "None", "True", "1.0", "[1, 'a']", "{'a': 1}").
std::string to_str(const Value &v);
// What repr() gives ("'a'", …); for strings Python's quoting and escapes.
std::string repr(const Value &v);
std::string py_float_repr(double d);  // "1.0", "0.1", "1e+16", "inf", "nan"
std::string py_str_repr(std::string_view s);
// "str", "int", "list", "dict object"-style names for messages.
std::string type_name(const Value &v);

}  // namespace nd::jinja
