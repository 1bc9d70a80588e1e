// Built-in filters on sequences and mappings: length, first, join, map, select, sort, items, ...
//
// As in Jinja2, map/select/reject/selectattr/rejectattr/unique/items/batch return one-shot
// generators, so `xs|map(...)|tojson` fails like it does in Python.
#include <algorithm>

#include "chat/args.h"
#include "chat/environment.h"
#include "chat/operations.h"
#include "chat/py_string.h"
#include "chat/template_error.h"

namespace ruvllm::chat {

namespace {

// Strings lowered for case-insensitive comparison (Jinja2's ignore_case).
Value ignore_case(const Value& v) {
  if (v.is_string()) return Value(py::lower(v.as_string()));
  return v;
}

// The key a sort/unique/min/max compares: optional attribute path(s), optional lowering.
Value sort_key(const Value& item, const std::vector<std::string>& attributes, bool case_sensitive) {
  if (attributes.empty()) return case_sensitive ? item : ignore_case(item);
  std::vector<Value> parts;
  for (const auto& attr : attributes) {
    Value v = lookup_attribute_path(item, attr);
    parts.push_back(case_sensitive ? v : ignore_case(v));
  }
  if (parts.size() == 1) return parts[0];
  return Value::tuple(std::move(parts));
}

std::vector<std::string> attribute_list(const Value& attribute, bool allow_many) {
  if (attribute.is_none() || attribute.is_undefined()) return {};
  if (attribute.is_int()) return {std::to_string(attribute.as_int())};
  std::string s = attribute.str();
  if (!allow_many) return {s};
  std::vector<std::string> out;
  for (auto& part : py::split(s, std::string(","), -1))
    out.push_back(py::strip(part, {}, true, true));
  return out;
}

Value filter_length(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("length", args);
  return Value(length(input));
}

Value filter_first(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("first", args);
  if (input.is_list()) {
    if (!input.items().empty()) return input.items()[0];
  } else {
    auto items = iterate(input);
    if (!items.empty()) return items[0];
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value filter_last(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("last", args);
  if (input.is_generator())
    throw_type_error("'" + input.type_name() + "' object is not reversible");
  auto items = input.is_list() ? input.items() : iterate(input);
  if (items.empty()) return Value::undefined("No last item, sequence was empty.");
  return items.back();
}

Value filter_join(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("join", args, {"d", "attribute"});
  std::string sep = a.get(0, Value("")).str();
  auto attrs = attribute_list(a.get(1, Value::none()), false);
  std::string out;
  bool first = true;
  for (const auto& item : iterate(input)) {
    if (!first) out += sep;
    first = false;
    out += (attrs.empty() ? item : lookup_attribute_path(item, attrs[0])).str();
  }
  return Value(std::move(out));
}

Value filter_list(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("list", args);
  return Value::list(iterate(input));
}

Value filter_unique(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("unique", args, {"case_sensitive", "attribute"});
  bool case_sensitive = a.get_bool(0, false);
  auto attrs = attribute_list(a.get(1, Value::none()), false);
  std::vector<Value> out;
  std::vector<std::string> seen;
  for (const auto& item : iterate(input)) {
    std::string h = hash_key(sort_key(item, attrs, case_sensitive));
    if (std::find(seen.begin(), seen.end(), h) != seen.end()) continue;
    seen.push_back(std::move(h));
    out.push_back(item);
  }
  return Value::generator(std::move(out));
}

Value filter_sort(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("sort", args, {"reverse", "case_sensitive", "attribute"});
  bool reverse = a.get_bool(0, false);
  bool case_sensitive = a.get_bool(1, false);
  auto attrs = attribute_list(a.get(2, Value::none()), true);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : iterate(input)) keyed.emplace_back(sort_key(item, attrs, case_sensitive), item);
  // Python's sort is stable; reverse=True keeps equal items in their original order too.
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first) : less_than(x.first, y.first);
  });
  std::vector<Value> out;
  for (auto& [k, v] : keyed) out.push_back(std::move(v));
  return Value::list(std::move(out));
}

Value filter_reverse(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("reverse", args);
  if (input.is_string()) {
    std::u32string cps = py::decode_utf8(input.as_string());
    std::reverse(cps.begin(), cps.end());
    return Value(py::encode_utf8(cps), input.is_markup());
  }
  if (input.is_list() || input.is_dict()) {
    auto items = iterate(input);
    std::reverse(items.begin(), items.end());
    Value g = Value::generator(std::move(items));
    g.generator_data().type_name = input.is_dict()
                                       ? "dict_reversekeyiterator"
                                       : (input.is_tuple() ? "reversed" : "list_reverseiterator");
    return g;
  }
  auto items = iterate(input);
  std::reverse(items.begin(), items.end());
  return Value::list(std::move(items));
}

Value filter_dictsort(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("dictsort", args, {"case_sensitive", "by", "reverse"});
  bool case_sensitive = a.get_bool(0, false);
  std::string by = a.get(1, Value("key")).str();
  bool reverse = a.get_bool(2, false);
  if (by != "key" && by != "value")
    throw TemplateError("FilterArgumentError", "You can only sort by either \"key\" or \"value\"");
  if (input.is_undefined()) input.fail_undefined();
  if (!input.is_dict())
    throw TemplateError("AttributeError",
                        "'" + input.type_name() + "' object has no attribute 'items'");
  std::vector<Value> pairs;
  for (const auto& [k, v] : input.dict_data().entries()) pairs.push_back(Value::tuple({k, v}));
  size_t pos = by == "key" ? 0 : 1;
  std::stable_sort(pairs.begin(), pairs.end(), [&](const Value& x, const Value& y) {
    Value kx = case_sensitive ? x.items()[pos] : ignore_case(x.items()[pos]);
    Value ky = case_sensitive ? y.items()[pos] : ignore_case(y.items()[pos]);
    return reverse ? less_than(ky, kx) : less_than(kx, ky);
  });
  return Value::list(std::move(pairs));
}

Value filter_items(const Environment&, const Value& input, CallArgs& args) {
  expect_no_args("items", args);
  if (input.is_undefined()) return Value::generator({});
  if (!input.is_dict()) throw_type_error("Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [k, v] : input.dict_data().entries()) pairs.push_back(Value::tuple({k, v}));
  return Value::generator(std::move(pairs));
}

CallArgs rest_args(const CallArgs& args, size_t skip) {
  CallArgs rest;
  for (size_t i = skip; i < args.positional.size(); ++i)
    rest.positional.push_back(args.positional[i]);
  rest.keyword = args.keyword;
  return rest;
}

Value filter_map(const Environment& env, const Value& input, CallArgs& args) {
  std::vector<Value> out;
  // Jinja2's map and select families skip falsy inputs (`if value:`) instead of iterating them.
  if (!input.truthy()) return Value::generator({});
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [k, v] : args.keyword) {
    if (k == "attribute") attribute = &v;
    if (k == "default") fallback = &v;
  }
  if (args.positional.empty() && attribute) {
    for (const auto& [k, v] : args.keyword)
      if (k != "attribute" && k != "default")
        throw TemplateError("FilterArgumentError", "Unexpected keyword argument '" + k + "'");
    std::string path = attribute->str();
    for (const auto& item : iterate(input)) {
      Value v = lookup_attribute_path(item, path);
      out.push_back(v.is_undefined() && fallback ? *fallback : v);
    }
    return Value::generator(std::move(out));
  }
  if (args.positional.empty())
    throw TemplateError("FilterArgumentError", "map requires a filter argument");
  std::string name = args.positional[0].str();
  CallArgs rest = rest_args(args, 1);
  for (const auto& item : iterate(input)) {
    CallArgs call = rest;
    out.push_back(env.apply_filter(name, item, call));
  }
  return Value::generator(std::move(out));
}

// select/reject (on items) and selectattr/rejectattr (on an attribute of each item).
FilterFn select_filter(bool by_attribute, bool keep_matching) {
  return [by_attribute, keep_matching](const Environment& env, const Value& input, CallArgs& args) {
    if (!input.truthy()) return Value::generator({});
    size_t next = 0;
    std::string attribute;
    if (by_attribute) {
      if (args.positional.empty())
        throw TemplateError("FilterArgumentError", "Missing parameter for attribute name");
      attribute = args.positional[next++].str();
    }
    bool has_test = args.positional.size() > next;
    std::string test = has_test ? args.positional[next++].str() : "";
    CallArgs rest = rest_args(args, next);
    std::vector<Value> out;
    for (const auto& item : iterate(input)) {
      Value subject = by_attribute ? lookup_attribute_path(item, attribute) : item;
      bool ok;
      if (has_test) {
        CallArgs call = rest;
        ok = env.apply_test(test, subject, call);
      } else {
        ok = subject.truthy();
      }
      if (ok == keep_matching) out.push_back(item);
    }
    return Value::generator(std::move(out));
  };
}

Value filter_batch(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("batch", args, {"linecount", "fill_with"}, 1);
  int64_t n = a.get_int(0, 1);
  if (n <= 0) throw_value_error("batch size must be positive");
  std::vector<Value> out, current;
  for (auto& item : iterate(input)) {
    current.push_back(std::move(item));
    if (static_cast<int64_t>(current.size()) == n) {
      out.push_back(Value::list(std::move(current)));
      current.clear();
    }
  }
  if (!current.empty()) {
    if (a.has(1) && !a.get(1).is_none())
      while (static_cast<int64_t>(current.size()) < n) current.push_back(a.get(1));
    out.push_back(Value::list(std::move(current)));
  }
  return Value::generator(std::move(out));
}

Value filter_sum(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("sum", args, {"attribute", "start"});
  auto attrs = attribute_list(a.get(0, Value::none()), false);
  Value total = a.get(1, Value(static_cast<int64_t>(0)));
  for (const auto& item : iterate(input))
    total = binary_op(ast::BinaryOp::Add, total,
                      attrs.empty() ? item : lookup_attribute_path(item, attrs[0]));
  return total;
}

FilterFn min_max_filter(bool want_max) {
  return [want_max](const Environment&, const Value& input, CallArgs& args) {
    BoundArgs a(want_max ? "max" : "min", args, {"case_sensitive", "attribute"});
    bool case_sensitive = a.get_bool(0, false);
    auto attrs = attribute_list(a.get(1, Value::none()), true);
    auto items = iterate(input);
    if (items.empty())
      return Value::undefined(std::string("No ") + (want_max ? "largest" : "smallest") +
                              " item, sequence was empty.");
    size_t best = 0;
    Value best_key = sort_key(items[0], attrs, case_sensitive);
    for (size_t i = 1; i < items.size(); ++i) {
      Value k = sort_key(items[i], attrs, case_sensitive);
      if (want_max ? less_than(best_key, k) : less_than(k, best_key)) {
        best = i;
        best_key = k;
      }
    }
    return items[best];
  };
}

Value filter_attr(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("attr", args, {"name"}, 1);
  std::string name = a.get(0).str();
  if (input.is_undefined()) input.fail_undefined();
  // Only real attributes (methods, object attributes), never dict keys.
  if (input.is_object()) {
    if (const Value* v = input.object_data().find(name)) return *v;
  } else if (!input.is_dict()) {
    Value v = get_attribute(input, name);
    return v;
  } else {
    Value v = get_attribute(input, name);
    if (v.is_function()) return v;
  }
  return Value::undefined_attribute(input, Value(name));
}

Value filter_slice(const Environment&, const Value& input, CallArgs& args) {
  BoundArgs a("slice", args, {"slices", "fill_with"}, 1);
  int64_t slices = a.get_int(0, 1);
  if (slices <= 0) throw_value_error("slices must be positive");
  auto seq = iterate(input);
  int64_t length = static_cast<int64_t>(seq.size());
  int64_t items_per_slice = length / slices;
  int64_t slices_with_extra = length % slices;
  int64_t offset = 0;
  std::vector<Value> out;
  for (int64_t i = 0; i < slices; ++i) {
    int64_t start = offset + i * items_per_slice;
    if (i < slices_with_extra) ++offset;
    int64_t end = offset + (i + 1) * items_per_slice;
    std::vector<Value> part(seq.begin() + start, seq.begin() + end);
    if (a.has(1) && !a.get(1).is_none() && i >= slices_with_extra) part.push_back(a.get(1));
    out.push_back(Value::list(std::move(part)));
  }
  return Value::generator(std::move(out));
}

}  // namespace

void register_collection_filters(Environment& env) {
  env.add_filter("length", filter_length);
  env.add_filter("count", filter_length);
  env.add_filter("first", filter_first);
  env.add_filter("last", filter_last);
  env.add_filter("join", filter_join);
  env.add_filter("list", filter_list);
  env.add_filter("unique", filter_unique);
  env.add_filter("sort", filter_sort);
  env.add_filter("reverse", filter_reverse);
  env.add_filter("dictsort", filter_dictsort);
  env.add_filter("items", filter_items);
  env.add_filter("map", filter_map);
  env.add_filter("select", select_filter(false, true));
  env.add_filter("reject", select_filter(false, false));
  env.add_filter("selectattr", select_filter(true, true));
  env.add_filter("rejectattr", select_filter(true, false));
  env.add_filter("batch", filter_batch);
  env.add_filter("slice", filter_slice);
  env.add_filter("sum", filter_sum);
  env.add_filter("min", min_max_filter(false));
  env.add_filter("max", min_max_filter(true));
  env.add_filter("attr", filter_attr);
}

}  // namespace ruvllm::chat
