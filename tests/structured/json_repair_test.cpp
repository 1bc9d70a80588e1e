// Tests of repair_json.
//
// The recovery corpus (RepairCorpus.RecoversAtLeast95Percent) has two parts:
//
//  1. Generated: 32 realistic valid documents (tool calls, API records, configs, nested lists,
//     text with quotes, apostrophes, newlines and non-ASCII) are written out by CorruptingWriter,
//     a JSON printer with a seeded RNG that produces each corruption kind of Kind below (code
//     fences with prose, prose without fences, trailing commas, single quotes, bare keys, Python
//     repr, comments, raw control characters, NaN/Infinity, missing closers, truncation, and two
//     mixtures). Every document gets every kind (the truncating ones three times); outputs
//     that happen to be valid JSON (raw control characters for a document without newlines)
//     are not counted as malformed.
//  2. Hand-written: kHandWritten, realistic model outputs (chatty answers, markdown, Python
//     dicts, JavaScript objects, cut-off generations...) each with the document it should give.
//
// Acceptance per kind ("recovered"):
//  - Every kind except truncation: the repaired text parses and equals the intended document
//    (NaN/Infinity: the intended document with that number replaced by null).
//  - Truncation (text cut at a random byte after the opening bracket): the intended document is
//    ambiguous, so the rule is that the result is a *prefix* of the original — same structure,
//    every member/item equal except the last open one, which may be a prefix itself (a string
//    cut short, a number with fewer digits, a container with fewer members) — and that it keeps
//    every scalar whose text was complete before the cut (the writer records where each scalar
//    ends). Dropping the dangling key or the half literal is allowed; losing a complete value is
//    not.
// The test requires >= 95% recovered over the whole corpus and prints the rate per kind.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "structured/json_repair.h"

namespace ruvllm::structured {
namespace {

using ojson = nlohmann::ordered_json;

// ---- The valid documents ---------------------------------------------------------------------

const char* const kDocuments[] = {
    R"({"name": "get_weather", "arguments": {"location": "San Francisco, CA", "unit": "celsius"}})",
    R"({"id": 1042, "user": {"name": "Ana Souza", "email": "ana@example.com", "verified": true}, "roles": ["admin", "editor"], "last_login": null})",
    R"([{"sku": "A-100", "price": 19.99, "qty": 3}, {"sku": "B-220", "price": 5.5, "qty": 12}, {"sku": "C-7", "price": 120, "qty": 1}])",
    R"({"title": "Meeting notes", "body": "Agenda:\n1. Budget\n2. Hiring\n\tfollow-up next week", "tags": []})",
    R"({"quote": "She said \"hello\" and left.", "author": "O'Brien", "year": 1999})",
    R"({"city": "Zürich", "country": "Schweiz", "greeting": "Grüezi – willkommen! 😀", "population": 421878})",
    R"({"tool_calls": [{"id": "call_1", "type": "function", "function": {"name": "search", "arguments": "{\"q\": \"llama\"}"}}]})",
    R"({"matrix": [[1, 0, 0], [0, 1, 0], [0, 0, 1]], "det": 1.0, "label": "identity"})",
    R"({"temperature": -3.5, "humidity": 0.82, "wind": {"speed": 12.4, "direction": "NNE"}, "alerts": [], "ok": false})",
    R"({"event": "deploy", "timestamp": "2024-05-01T12:30:00Z", "services": ["api", "worker", "cron"], "rollback": false, "duration_ms": 48213})",
    R"({"answer": 42, "confidence": 0.97, "reasoning": "It's the answer to everything, isn't it?"})",
    R"({"config": {"retries": 3, "timeout": 2.5, "endpoints": {"primary": "https://a.example.com", "backup": "https://b.example.com"}, "debug": false}})",
    R"(["alpha", "beta", "gamma", "delta"])",
    R"({"steps": [{"n": 1, "text": "Preheat the oven to 180 °C."}, {"n": 2, "text": "Mix flour & sugar."}, {"n": 3, "text": "Bake 25 min."}]})",
    R"({"sentiment": "positive", "scores": {"positive": 0.91, "neutral": 0.07, "negative": 0.02}})",
    R"({"entities": [{"text": "Paris", "type": "LOC", "start": 0, "end": 5}, {"text": "Macron", "type": "PER", "start": 20, "end": 26}]})",
    R"({"path": "C:\\Users\\dev\\notes.txt", "size": 2048, "hidden": false})",
    R"({"query": "SELECT * FROM users WHERE name = 'bob'", "rows": 0, "error": null})",
    R"({"a": {"b": {"c": {"d": {"e": [1, [2, [3, [4]]]]}}}}})",
    R"({"product": "Laptop", "specs": {"cpu": "8-core", "ram_gb": 16, "storage": ["512GB SSD", "1TB HDD"]}, "in_stock": true, "rating": 4.6})",
    R"({"translation": {"en": "Good morning", "ja": "おはようございます", "ru": "Доброе утро", "ar": "صباح الخير"}})",
    R"({"invoice": {"number": "INV-2024-0042", "lines": [{"desc": "Consulting", "hours": 12, "rate": 150.0}, {"desc": "Travel", "hours": 0, "rate": 0}], "total": 1800.0, "paid": false}})",
    R"({"big": 12345678901234, "small": 1e-7, "neg": -42, "exp": 6.02e23})",
    R"({"ok": true, "data": {"items": [{"id": "x1", "children": []}, {"id": "x2", "children": [{"id": "x2a"}]}], "next_cursor": null}})",
    R"({"html": "<div class=\"note\">Hi &amp; bye</div>", "markdown": "**bold** and `code`"})",
    R"({"classification": "spam", "reasons": ["contains link", "urgent tone", "unknown sender"], "score": 0.88})",
    R"({"reply": "Sure! Here's a list:\n- eggs\n- milk\n- bread", "done": true})",
    R"({"coordinates": {"lat": 48.8566, "lon": 2.3522}, "zoom": 12, "markers": [{"lat": 48.85, "lon": 2.35, "label": "A"}]})",
    R"({"user_id": "u_123", "preferences": {"theme": "dark", "notifications": {"email": true, "sms": false, "push": null}}, "beta": []})",
    R"([{"role": "system", "content": "You are helpful."}, {"role": "user", "content": "What's 2+2?"}, {"role": "assistant", "content": "4"}])",
    R"({"name": "calculate_route", "parameters": {"from": "Berlin Hbf", "to": "München", "via": ["Leipzig", "Nürnberg"], "avoid_tolls": true, "max_stops": 2}})",
    R"({"summary": "Q3 revenue grew 12% (vs. 9% in Q2); margins held at 31%.", "figures": [12, 9, 31], "currency": "EUR"})",
};

// ---- The corrupting writer -------------------------------------------------------------------

struct Style {
  char quote = '"';
  bool bare_keys = false;
  bool python = false;        // True / False / None
  double trailing_comma = 0;  // probability per non-empty container
  double comment = 0;         // probability per member/item
  bool raw_controls = false;  // newlines and tabs written raw inside strings
  bool escape_apostrophe = true;
  int indent = 2;             // < 0: compact
  int nonfinite_number = -1;  // index of the number written as NaN / Infinity
};

// Prints a document in a given (possibly invalid) style and records where each scalar ends.
class CorruptingWriter {
 public:
  CorruptingWriter(Style style, std::mt19937& rng) : style_(style), rng_(rng) {}

  std::string write(const ojson& doc) {
    value(doc, 0);
    return out_;
  }
  const std::vector<std::size_t>& scalar_ends() const { return scalar_ends_; }

 private:
  bool chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  void newline(int depth) {
    if (style_.indent < 0) return;
    out_ += '\n';
    out_.append(static_cast<std::size_t>(depth * style_.indent), ' ');
  }

  void maybe_comment(int depth) {
    if (!chance(style_.comment)) return;
    if (style_.indent >= 0 && chance(0.5)) {
      out_ += "// the next field matters";
      newline(depth);
    } else {
      out_ += "/* note */ ";
    }
  }

  static bool is_identifier(const std::string& key) {
    if (key.empty() || !(std::isalpha(static_cast<unsigned char>(key[0])) || key[0] == '_')) {
      return false;
    }
    for (char c : key) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
    }
    return true;
  }

  void string(const std::string& s) {
    out_ += style_.quote;
    for (char c : s) {
      if (c == style_.quote) {
        out_ += c == '\'' && !style_.escape_apostrophe ? "'" : std::string("\\") + c;
      } else if (c == '\\') {
        out_ += "\\\\";
      } else if (c == '\n') {
        out_ += style_.raw_controls ? "\n" : "\\n";
      } else if (c == '\t') {
        out_ += style_.raw_controls ? "\t" : "\\t";
      } else {
        out_ += c;
      }
    }
    out_ += style_.quote;
  }

  void value(const ojson& v, int depth) {
    if (v.is_object()) {
      container(v, depth, '{', '}');
    } else if (v.is_array()) {
      container(v, depth, '[', ']');
    } else {
      if (v.is_string()) {
        string(v.get<std::string>());
      } else if (v.is_boolean()) {
        out_ += style_.python ? (v.get<bool>() ? "True" : "False") : v.dump();
      } else if (v.is_null()) {
        out_ += style_.python ? "None" : "null";
      } else if (number_index_++ == style_.nonfinite_number) {
        static const char* const kNonFinite[] = {"NaN", "Infinity", "-Infinity"};
        out_ += kNonFinite[rng_() % 3];
      } else {
        out_ += v.dump();
      }
      scalar_ends_.push_back(out_.size());
    }
  }

  void container(const ojson& v, int depth, char open, char close) {
    out_ += open;
    std::size_t i = 0;
    for (auto it = v.begin(); it != v.end(); ++it, ++i) {
      if (i > 0) out_ += style_.indent < 0 ? ", " : ",";
      newline(depth + 1);
      maybe_comment(depth + 1);
      if (v.is_object()) {
        if (style_.bare_keys && is_identifier(it.key())) {
          out_ += it.key();
        } else {
          string(it.key());
        }
        out_ += ": ";
      }
      value(*it, depth + 1);
    }
    if (!v.empty() && chance(style_.trailing_comma)) out_ += ',';
    if (!v.empty()) newline(depth);
    out_ += close;
  }

  Style style_;
  std::mt19937& rng_;
  std::string out_;
  std::vector<std::size_t> scalar_ends_;
  int number_index_ = 0;
};

int count_numbers(const ojson& v) {
  if (v.is_number()) return 1;
  int n = 0;
  if (v.is_structured()) {
    for (const auto& child : v) n += count_numbers(child);
  }
  return n;
}

void replace_number(ojson& v, int& index, int target) {
  if (v.is_number()) {
    if (index++ == target) v = nullptr;
    return;
  }
  if (v.is_structured()) {
    for (auto& child : v) replace_number(child, index, target);
  }
}

int count_scalars(const ojson& v) {
  if (!v.is_structured()) return 1;
  int n = 0;
  for (const auto& child : v) n += count_scalars(child);
  return n;
}

// ---- Acceptance ------------------------------------------------------------------------------

bool scalar_prefix(const ojson& got, const ojson& want) {
  if (got == want) return true;
  if (got.is_string() && want.is_string()) {
    return want.get<std::string>().rfind(got.get<std::string>(), 0) == 0;
  }
  if (got.is_number() && want.is_number()) {
    std::string g = got.dump(), w = want.dump();
    return w.rfind(g, 0) == 0 || w.rfind("-" + g, 0) == 0;
  }
  return false;
}

// `got` is `want` cut short: equal except along the last path, where it may be a prefix.
bool is_prefix_of(const ojson& got, const ojson& want) {
  if (got.is_object() && want.is_object()) {
    if (got.size() > want.size()) return false;
    auto g = got.begin();
    auto w = want.begin();
    for (std::size_t i = 0; i < got.size(); ++i, ++g, ++w) {
      if (g.key() != w.key()) return false;
      bool last = i + 1 == got.size();
      if (last ? !is_prefix_of(*g, *w) : *g != *w) return false;
    }
    return true;
  }
  if (got.is_array() && want.is_array()) {
    if (got.size() > want.size()) return false;
    for (std::size_t i = 0; i < got.size(); ++i) {
      bool last = i + 1 == got.size();
      if (last ? !is_prefix_of(got[i], want[i]) : got[i] != want[i]) return false;
    }
    return true;
  }
  return scalar_prefix(got, want);
}

bool same_document(const std::string& repaired, const ojson& want) {
  return nlohmann::json::parse(repaired) == nlohmann::json::parse(want.dump());
}

// ---- The generated corpus --------------------------------------------------------------------

enum class Kind {
  kFenced,
  kProse,
  kTrailingCommas,
  kSingleQuotes,
  kBareKeys,
  kPythonRepr,
  kComments,
  kRawControls,
  kNonFinite,
  kMissingClosers,
  kTruncated,
  kMixed,
  kMixedTruncated,
};
constexpr int kKinds = 13;
const char* const kKindNames[kKinds] = {
    "code fence + prose", "prose around", "trailing commas",   "single quotes", "bare keys",
    "python repr",        "comments",     "raw control chars", "NaN/Infinity",  "missing closers",
    "truncated",          "mixed",        "mixed + truncated"};

const char* const kProseBefore[] = {
    "Sure! Here is the JSON you asked for:\n\n",
    "Based on the data (see above), the result is: ",
    "I've extracted the fields below.\n",
    "Of course - here's the object:\n",
    "",
};
const char* const kProseAfter[] = {
    "\n\nLet me know if you need anything else!",
    "\nNote: values are estimates (approximate).",
    " Hope this helps.",
    "",
};

struct CorpusCase {
  Kind kind;
  std::string text;
  ojson want;
  bool truncated = false;
  std::size_t complete_scalars = 0;  // truncation: scalars whose text ended before the cut
};

CorpusCase make_case(const ojson& doc, Kind kind, std::mt19937& rng) {
  auto pick = [&](auto& list) { return std::string(list[rng() % std::size(list)]); };
  Style style;
  style.indent = static_cast<int>(rng() % 3) * 2 - 1;  // -1 (compact), 1, 3
  style.escape_apostrophe = rng() % 2;
  CorpusCase c{kind, "", doc};
  switch (kind) {
    case Kind::kTrailingCommas:
      style.trailing_comma = 0.8;
      break;
    case Kind::kSingleQuotes:
      style.quote = '\'';
      break;
    case Kind::kBareKeys:
      style.bare_keys = true;
      break;
    case Kind::kPythonRepr:
      style.python = true;
      style.quote = '\'';
      break;
    case Kind::kComments:
      style.comment = 0.4;
      break;
    case Kind::kRawControls:
      style.raw_controls = true;
      break;
    case Kind::kNonFinite: {
      int numbers = count_numbers(doc);
      if (numbers > 0) {
        style.nonfinite_number = static_cast<int>(rng() % numbers);
        int index = 0;
        replace_number(c.want, index, style.nonfinite_number);
      }
      break;
    }
    case Kind::kMixed:
    case Kind::kMixedTruncated:
      style.quote = '\'';
      style.bare_keys = true;
      style.trailing_comma = 0.5;
      style.comment = 0.2;
      style.python = rng() % 2;
      break;
    default:
      break;
  }
  CorruptingWriter writer(style, rng);
  std::string body = writer.write(doc);
  switch (kind) {
    case Kind::kFenced:
      c.text = pick(kProseBefore) + "```json\n" + body + "\n```" + pick(kProseAfter);
      break;
    case Kind::kProse:
    case Kind::kMixed:
      c.text = pick(kProseBefore) + body + pick(kProseAfter);
      break;
    case Kind::kMissingClosers: {
      std::size_t keep = body.find_last_not_of("]} \n");
      std::size_t cut = keep + 1 + (rng() % (body.size() - keep - 1));  // leave some closers
      c.text = body.substr(0, cut);
      break;
    }
    case Kind::kTruncated:
    case Kind::kMixedTruncated: {
      std::string prose = rng() % 2 ? pick(kProseBefore) : "";
      std::size_t cut = 1 + rng() % (body.size() - 1);
      c.text = prose + body.substr(0, cut);
      c.truncated = true;
      for (std::size_t end : writer.scalar_ends()) c.complete_scalars += end <= cut;
      break;
    }
    default:
      c.text = body;
  }
  return c;
}

bool recovered(const CorpusCase& c, const std::optional<JsonRepairResult>& result) {
  if (!result || !nlohmann::json::accept(result->json)) return false;
  if (!c.truncated) return same_document(result->json, c.want);
  ojson got = ojson::parse(result->json);
  return is_prefix_of(got, c.want) &&
         static_cast<std::size_t>(count_scalars(got)) >= c.complete_scalars;
}

// ---- The hand-written corpus -----------------------------------------------------------------

struct HandCase {
  const char* name;
  const char* text;
  const char* want;
};

const HandCase kHandWritten[] = {
    {"chatty fenced",
     "Sure! Here's the data:\n\n```json\n{\n  \"name\": \"Bob\",\n  \"age\": "
     "31\n}\n```\n\nAnything else?",
     R"({"name": "Bob", "age": 31})"},
    {"fence without language", "```\n[1, 2, 3]\n```", "[1, 2, 3]"},
    {"fence with prose inside", "```json\n// Output\n{\"ok\": true}\n```", R"({"ok": true})"},
    {"unterminated fence", "Result:\n```json\n{\"items\": [\"a\", \"b\"]}\n",
     R"({"items": ["a", "b"]})"},
    {"two fences, first is code",
     "Run:\n```bash\ncurl -s localhost\n```\nOutput:\n```json\n{\"status\": 200}\n```",
     R"({"status": 200})"},
    {"python dict", "{'name': 'Alice', 'active': True, 'manager': None, 'scores': [1, 2.5]}",
     R"({"name": "Alice", "active": true, "manager": null, "scores": [1, 2.5]})"},
    {"javascript object", "const result = {id: 7, tags: ['x', 'y'], valid: true};",
     R"({"id": 7, "tags": ["x", "y"], "valid": true})"},
    {"trailing commas everywhere", "{\"a\": [1, 2, 3,], \"b\": {\"c\": 1,},}",
     R"({"a": [1, 2, 3], "b": {"c": 1}})"},
    {"line comments", "{\n  // the user's id\n  \"id\": 5, // five\n  \"name\": \"x\"\n}",
     R"({"id": 5, "name": "x"})"},
    {"block comments", "{/* header */ \"a\": 1, \"b\": /* inline */ 2}", R"({"a": 1, "b": 2})"},
    {"hash comments", "{\n  \"a\": 1,  # count\n  \"b\": 2\n}", R"({"a": 1, "b": 2})"},
    {"raw newline in string", "{\"text\": \"line one\nline two\"}",
     R"({"text": "line one\nline two"})"},
    {"raw tab in string", "{\"text\": \"a\tb\"}", R"({"text": "a\tb"})"},
    {"unescaped inner quotes", R"({"quote": "He said "no" twice.", "n": 2})",
     R"({"quote": "He said \"no\" twice.", "n": 2})"},
    {"apostrophe in single quotes", "{'msg': 'it's fine', 'ok': True}",
     R"({"msg": "it's fine", "ok": true})"},
    {"NaN and Infinity", "{\"mean\": NaN, \"max\": Infinity, \"min\": -Infinity, \"n\": 0}",
     R"({"mean": null, "max": null, "min": null, "n": 0})"},
    {"number formats", "{\"a\": +1, \"b\": .5, \"c\": 2., \"d\": 007, \"e\": -.25}",
     R"({"a": 1, "b": 0.5, "c": 2, "d": 7, "e": -0.25})"},
    {"missing closing brace", "{\"a\": 1, \"b\": {\"c\": [1, 2]",
     R"({"a": 1, "b": {"c": [1, 2]}})"},
    {"cut inside string", "{\"summary\": \"The quick brown fo",
     R"({"summary": "The quick brown fo"})"},
    {"cut after key", "{\"a\": 1, \"b\":", R"({"a": 1})"},
    {"cut inside key", "{\"a\": 1, \"bet", R"({"a": 1})"},
    {"cut inside literal", "{\"a\": 1, \"flag\": tr", R"({"a": 1})"},
    {"cut after comma", "[1, 2, 3, ", "[1, 2, 3]"},
    {"cut inside escape", "{\"a\": \"x\\u00", R"({"a": "x"})"},
    {"cut in nested array", "{\"rows\": [[1, 2], [3, 4], [5", R"({"rows": [[1, 2], [3, 4], [5]]})"},
    {"cut exponent", "{\"v\": 1.5e", R"({"v": 1.5})"},
    {"missing comma between members", "{\n  \"a\": 1\n  \"b\": 2\n}", R"({"a": 1, "b": 2})"},
    {"missing comma in array", "[\"x\" \"y\" \"z\"]", R"(["x", "y", "z"])"},
    {"missing closing quote at line end", "{\n  \"name\": \"Alice,\n  \"age\": 30\n}",
     R"({"name": "Alice", "age": 30})"},
    {"mismatched bracket", "{\"list\": [1, 2}", R"({"list": [1, 2]})"},
    {"prose with parentheses", "The answer (computed below) is {\"value\": 3} as expected.",
     R"({"value": 3})"},
    {"citation brackets before object",
     "According to [1], the record is: {\"id\": \"r1\", \"score\": 0.5}",
     R"({"id": "r1", "score": 0.5})"},
    {"markdown link before array",
     "See [the docs](https://x.y) for details. Result: [\"a\", \"b\", \"c\"]",
     R"(["a", "b", "c"])"},
    {"object then trailing braces talk", "{\"a\": 1}\n\nI used {curly braces} to format it.",
     R"({"a": 1})"},
    {"bare values", "{status: active, count: 3}", R"({"status": "active", "count": 3})"},
    {"undefined", "{\"a\": undefined, \"b\": 1}", R"({"a": null, "b": 1})"},
    {"unicode kept", "{'city': 'São Paulo', 'emoji': '🚀'}",
     R"({"city": "São Paulo", "emoji": "🚀"})"},
    {"escaped single quote", "{'a': 'don\\'t'}", R"({"a": "don't"})"},
    {"double quote inside single", "{'a': 'say \"hi\"'}", R"({"a": "say \"hi\""})"},
    {"tool call in prose",
     "I'll call the tool now.\n{\"name\": \"get_time\", \"arguments\": {\"tz\": \"UTC\"}}",
     R"({"name": "get_time", "arguments": {"tz": "UTC"}})"},
    {"array of records truncated", "[{\"id\": 1, \"ok\": true}, {\"id\": 2, \"ok\": fal",
     R"([{"id": 1, "ok": true}, {"id": 2}])"},
    {"python nested", "{'a': {'b': [True, False, None]}, 'c': {}}",
     R"({"a": {"b": [true, false, null]}, "c": {}})"},
    {"invalid escapes kept as text", R"({"path": "C:\data\set"})", R"({"path": "C:\\data\\set"})"},
    {"xml-ish wrapper", "<json>{\"a\": [1, 2]}</json>", R"({"a": [1, 2]})"},
    {"leading BOM-like junk", "\xEF\xBB\xBF{\"a\": 1}", R"({"a": 1})"},
    {"unescaped quotes then comma", R"({"a": "He said "yes", then left", "b": 1})",
     R"({"a": "He said \"yes\", then left", "b": 1})"},
    {"missing closing quote before key", R"({"a": "hello, "b": 2})", R"({"a": "hello", "b": 2})"},
    {"doubled apostrophe", "{'q': 'name = 'bob''}", R"({"q": "name = 'bob'"})"},
    {"json lines picks the larger", "{\"a\": 1}\n{\"a\": 2, \"b\": 3}", R"({"a": 2, "b": 3})"},
    {"extra closing brace", "{\"a\": {\"b\": 1}}}", R"({"a": {"b": 1}})"},
    {"valid json passes through", "  {\"a\": [1, {\"b\": null}]}  ", R"({"a": [1, {"b": null}]})"},
};

TEST(RepairCorpus, RecoversAtLeast95Percent) {
  std::mt19937 rng(20240501);
  std::map<int, std::pair<int, int>> per_kind;  // kind -> (recovered, total)
  int total = 0, ok = 0;
  std::vector<std::string> failures;
  for (const char* doc_text : kDocuments) {
    ojson doc = ojson::parse(doc_text);
    for (int k = 0; k < kKinds; ++k) {
      const Kind kind = static_cast<Kind>(k);
      // Truncation is the commonest failure in practice: three cuts per document.
      const int repeats = kind == Kind::kTruncated || kind == Kind::kMixedTruncated ? 3 : 1;
      for (int r = 0; r < repeats; ++r) {
        CorpusCase c = make_case(doc, kind, rng);
        if (nlohmann::json::accept(c.text)) continue;  // not malformed
        auto result = repair_json(c.text);
        bool good = recovered(c, result);
        ++total;
        ok += good;
        per_kind[k].first += good;
        per_kind[k].second += 1;
        if (!good && failures.size() < 12) {
          failures.push_back(std::string(kKindNames[k]) + ": " + c.text + "\n   -> " +
                             (result ? result->json : std::string("nullopt")));
        }
      }
    }
  }
  int generated = total;
  int hand_ok = 0;
  for (const HandCase& c : kHandWritten) {
    auto result = repair_json(c.text);
    bool good = result && same_document(result->json, ojson::parse(c.want));
    ++total;
    ok += good;
    hand_ok += good;
    if (!good) {
      failures.push_back(std::string("hand-written \"") + c.name + "\": " + c.text + "\n   -> " +
                         (result ? result->json : std::string("nullopt")));
    }
  }
  for (const auto& [k, counts] : per_kind) {
    std::printf("[ repair ] %-20s %3d/%3d\n", kKindNames[k], counts.first, counts.second);
  }
  std::printf("[ repair ] hand-written         %3d/%3zu\n", hand_ok, std::size(kHandWritten));
  double rate = 100.0 * ok / total;
  std::printf("[ repair ] recovered %d of %d malformed outputs (%d generated): %.1f%%\n", ok, total,
              generated, rate);
  for (const std::string& f : failures) std::printf("[ repair ] not recovered: %s\n", f.c_str());
  EXPECT_GE(generated, 200);
  EXPECT_GE(std::size(kHandWritten), 40u);
  EXPECT_GE(rate, 95.0);
}

// ---- Behaviour -------------------------------------------------------------------------------

TEST(JsonRepair, ValidJsonComesBackUnchangedWithoutFixes) {
  auto result = repair_json(R"( {"b": 1, "a": [true, null, "x"]} )");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->json, R"({"b":1,"a":[true,null,"x"]})");
  EXPECT_TRUE(result->fixes.empty());
  EXPECT_FALSE(result->truncated);
  auto scalar = repair_json("42");
  ASSERT_TRUE(scalar);
  EXPECT_EQ(scalar->json, "42");
}

TEST(JsonRepair, ReportsWhatItFixedAndWhere) {
  std::string text = "Here you go:\n```json\n{name: 'Ann', tags: ['a',], ok: True}\n```";
  auto result = repair_json(text);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->json, R"({"name":"Ann","tags":["a"],"ok":true})");
  for (JsonFix fix : {JsonFix::kCodeFence, JsonFix::kExtracted, JsonFix::kUnquotedKey,
                      JsonFix::kSingleQuotes, JsonFix::kTrailingComma, JsonFix::kPythonLiteral}) {
    EXPECT_TRUE(result->has(fix)) << to_string(fix);
  }
  EXPECT_FALSE(result->has(JsonFix::kUnclosedContainer));
  EXPECT_EQ(text.substr(result->begin, result->end - result->begin),
            "{name: 'Ann', tags: ['a',], ok: True}");
  EXPECT_EQ(result->value["tags"][0], "a");
}

TEST(JsonRepair, TruncationClosesAndDropsTheIncompleteTail) {
  auto result = repair_json(R"({"a": [1, 2], "b": {"c": "hal)");
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->truncated);
  EXPECT_EQ(result->json, R"({"a":[1,2],"b":{"c":"hal"}})");
  auto dangling = repair_json(R"({"a": 1, "b": nul)");
  ASSERT_TRUE(dangling);
  EXPECT_EQ(dangling->json, R"({"a":1})");
  EXPECT_TRUE(dangling->has(JsonFix::kDroppedIncomplete));
}

TEST(JsonRepair, KeepsMemberOrderAndEscapesControlCharacters) {
  auto result = repair_json(
      "{\"z\": \"a\x01"
      "b\", \"y\": 1}");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->json, R"({"z":"a\u0001b","y":1})");
  EXPECT_TRUE(result->has(JsonFix::kControlCharacter));
}

TEST(JsonRepair, InvalidUtf8AndLoneSurrogatesBecomeReplacementCharacters) {
  auto result = repair_json("{\"a\": \"x\xff\", \"b\": \"\\ud800\"}");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->value["a"], "x\xEF\xBF\xBD");
  EXPECT_EQ(result->value["b"], "\xEF\xBF\xBD");
  auto pair = repair_json("{'a': '\\ud83d\\ude00'}");
  ASSERT_TRUE(pair);
  EXPECT_EQ(pair->value["a"], "\xF0\x9F\x98\x80");
}

TEST(JsonRepair, ReturnsNothingWhenThereIsNoJson) {
  EXPECT_FALSE(repair_json(""));
  EXPECT_FALSE(repair_json("I could not find any data for that request."));
  EXPECT_FALSE(repair_json("```\n```"));
}

TEST(JsonRepair, DeepNestingIsRefusedNotOverflowed) {
  std::string deep(100000, '[');
  EXPECT_FALSE(repair_json(deep));
  std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_TRUE(repair_json(ok));
}

TEST(JsonRepair, PathologicalInputsStayLinear) {
  // Raw newlines, quotes and brackets by the hundred thousand: each used to be a candidate for a
  // lookahead scan; with quadratic scanning these would run for minutes.
  std::string newlines = "{\"a\": \"" + std::string(200000, '\n') + "x\"}";
  auto result = repair_json(newlines);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->value["a"].get<std::string>().size(), 200001u);
  std::string quotes = "{\"a\": \"" + std::string(200000, '"') + "}";
  EXPECT_TRUE(repair_json(quotes));
  std::string brackets;
  for (int i = 0; i < 100000; ++i) brackets += "[x";
  EXPECT_TRUE(repair_json(brackets));
  std::string commas = "{\"a\": \"";
  for (int i = 0; i < 50000; ++i) commas += "\", ";
  EXPECT_TRUE(repair_json(commas + "\"}"));
}

TEST(JsonRepair, NeverThrowsAndOutputAlwaysParsesOnRandomInput) {
  // Random mixtures of JSON punctuation, words and bytes: whatever comes back must be strict JSON.
  std::mt19937 rng(7);
  const std::vector<std::string> pieces = {
      "{",   "}",   "[",    "]",        ",",    ":",     "\"",   "'",   "\\", "/*",
      "*/",  "//",  "\n",   " ",        "true", "Tr",    "None", "NaN", "-",  "1",
      ".5e", "abc", "\xff", "\xe2\x82", "#",    "\\u12", "```",  "=",   "é"};
  int returned = 0;
  for (int i = 0; i < 3000; ++i) {
    std::string text;
    int n = 1 + static_cast<int>(rng() % 40);
    for (int k = 0; k < n; ++k) text += pieces[rng() % pieces.size()];
    std::optional<JsonRepairResult> result;
    ASSERT_NO_THROW(result = repair_json(text)) << text;
    if (result) {
      ++returned;
      ASSERT_TRUE(nlohmann::json::accept(result->json)) << text << " -> " << result->json;
      ASSERT_LE(result->end, text.size());
    }
  }
  EXPECT_GT(returned, 1000);
}

TEST(JsonRepair, FixNamesAreDistinct) {
  std::set<std::string_view> names;
  for (int i = 0; i <= static_cast<int>(JsonFix::kStrayCharacter); ++i) {
    names.insert(to_string(static_cast<JsonFix>(i)));
  }
  EXPECT_EQ(names.size(), static_cast<std::size_t>(JsonFix::kStrayCharacter) + 1);
}

}  // namespace
}  // namespace ruvllm::structured
