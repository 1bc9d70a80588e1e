// Python operator semantics on template values, as Jinja2's sandboxed environment applies them:
// arithmetic with int/float promotion, string and list concatenation (with markupsafe escaping),
// comparisons, `in`, attribute and item lookup (including str/dict/list methods), slicing,
// iteration, len() and calls. Misuse raises TemplateError with Python's message.
#pragma once

#include <string>
#include <vector>

#include "chat/ast.h"
#include "chat/value.h"

namespace ruvllm::chat {

Value binary_op(ast::BinaryOp op, const Value& a, const Value& b);
Value negate(const Value& v);
Value unary_plus(const Value& v);
// Python a < b etc. for CompareOp Lt/Le/Gt/Ge/Eq/Ne.
bool compare(ast::CompareOp op, const Value& a, const Value& b);
// Python `item in container`.
bool contains(const Value& container, const Value& item);
// str(a) + str(b) as the `~` operator does (undefined counts as "").
Value concat(const Value& a, const Value& b);

// obj.name: attributes and methods first, then keys (Jinja2's environment.getattr).
Value get_attribute(const Value& obj, const std::string& name);
// obj[key]: keys and indexes first, then attributes for string keys (environment.getitem).
Value get_item(const Value& obj, const Value& key);
// obj[start:stop:step] with Python slice semantics; null-valued parts are absent.
Value get_slice(const Value& obj, const Value& start, const Value& stop, const Value& step);

// The items `for x in v` visits: list items, dict keys, string characters, generator items
// (consuming the generator). Undefined iterates as empty; other values raise TypeError.
std::vector<Value> iterate(const Value& v);
// Python len(); undefined has length 0.
int64_t length(const Value& v);
// Calls a function, macro, or callable object.
Value call_value(const Value& callee, CallArgs& args);

// Python's `<` for sorting, min and max; raises TypeError for unorderable pairs.
bool less_than(const Value& a, const Value& b);

// Python printf-style formatting: format % args.
std::string percent_format(const std::string& format, const Value& args);

}  // namespace ruvllm::chat
