#include "prometheus_text.h"

#include <cmath>
#include <cstdlib>
#include <set>
#include <sstream>

namespace ruvllm::server::test {

namespace {

bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool is_name_char(char c) {
  return is_name_start(c) || (c >= '0' && c <= '9');
}

// Reads a metric name at s[i]; returns false when there is none.
bool read_name(const std::string& s, size_t& i, std::string& out, bool label = false) {
  const size_t start = i;
  if (i >= s.size() || !is_name_start(s[i]) || (label && s[i] == ':')) return false;
  while (i < s.size() && is_name_char(s[i]) && !(label && s[i] == ':')) ++i;
  out = s.substr(start, i - start);
  return true;
}

bool parse_value(const std::string& text, double& out) {
  if (text == "+Inf" || text == "Inf") {
    out = INFINITY;
    return true;
  }
  if (text == "-Inf") {
    out = -INFINITY;
    return true;
  }
  if (text == "NaN") {
    out = NAN;
    return true;
  }
  if (text.empty()) return false;
  char* end = nullptr;
  out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// The family a sample belongs to: histogram/summary samples carry suffixes.
std::string family_of(const std::string& name, const std::map<std::string, std::string>& types) {
  if (types.count(name)) return name;
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    const std::string s = suffix;
    if (name.size() > s.size() && name.compare(name.size() - s.size(), s.size(), s) == 0) {
      const std::string base = name.substr(0, name.size() - s.size());
      if (types.count(base)) return base;
    }
  }
  return {};
}

}  // namespace

double PrometheusParse::value(const std::string& name,
                              const std::map<std::string, std::string>& labels) const {
  for (const auto& s : samples)
    if (s.name == name && s.labels == labels) return s.value;
  return NAN;
}

PrometheusParse parse_prometheus_text(const std::string& text) {
  PrometheusParse result;
  std::set<std::string> helped;
  std::istringstream in(text);
  std::string line;
  int n = 0;
  auto error = [&](const std::string& what) {
    result.errors.push_back("line " + std::to_string(n) + ": " + what + " [" + line + "]");
  };
  if (!text.empty() && text.back() != '\n') {
    n = 0;
    error("text must end with a newline");
  }
  while (std::getline(in, line)) {
    ++n;
    if (line.empty()) {
      error("empty line");
      continue;
    }
    if (line[0] == '#') {
      std::istringstream words(line);
      std::string hash, keyword, name;
      words >> hash >> keyword >> name;
      size_t i = 0;
      std::string parsed;
      if (hash != "#" || (keyword != "HELP" && keyword != "TYPE")) continue;  // a plain comment
      if (!read_name(name, i, parsed) || i != name.size()) {
        error("bad metric name in " + keyword);
        continue;
      }
      if (keyword == "TYPE") {
        std::string type, extra;
        words >> type;
        static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                     "untyped"};
        if (!kTypes.count(type)) error("unknown type '" + type + "'");
        if (words >> extra) error("text after the type");
        if (result.types.count(name)) error("second TYPE for " + name);
        result.types[name] = type;
      } else {
        if (!helped.insert(name).second) error("second HELP for " + name);
      }
      continue;
    }
    PrometheusSample sample;
    size_t i = 0;
    if (!read_name(line, i, sample.name)) {
      error("sample does not start with a metric name");
      continue;
    }
    bool ok = true;
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (ok && i < line.size() && line[i] != '}') {
        std::string label;
        if (!read_name(line, i, label, true) || i >= line.size() || line[i] != '=' ||
            i + 1 >= line.size() || line[i + 1] != '"') {
          ok = false;
          break;
        }
        i += 2;
        std::string value;
        while (i < line.size() && line[i] != '"') {
          if (line[i] == '\\') {
            if (i + 1 >= line.size()) break;
            const char e = line[i + 1];
            if (e != '\\' && e != '"' && e != 'n') {
              ok = false;
              break;
            }
            value += e == 'n' ? '\n' : e;
            i += 2;
          } else {
            value += line[i++];
          }
        }
        if (!ok || i >= line.size()) {
          ok = false;
          break;
        }
        ++i;  // closing quote
        if (sample.labels.count(label)) ok = false;
        sample.labels[label] = value;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (!ok || i >= line.size() || line[i] != '}') {
        error("malformed label set");
        continue;
      }
      ++i;
    }
    if (i >= line.size() || line[i] != ' ') {
      error("no space before the value");
      continue;
    }
    ++i;
    std::string rest = line.substr(i);
    std::string value_text = rest, timestamp;
    if (size_t sp = rest.find(' '); sp != std::string::npos) {
      value_text = rest.substr(0, sp);
      timestamp = rest.substr(sp + 1);
      char* end = nullptr;
      std::strtoll(timestamp.c_str(), &end, 10);
      if (timestamp.empty() || end != timestamp.c_str() + timestamp.size()) error("bad timestamp");
    }
    if (!parse_value(value_text, sample.value)) {
      error("bad value '" + value_text + "'");
      continue;
    }
    const std::string family = family_of(sample.name, result.types);
    if (family.empty())
      error("sample of undeclared family " + sample.name);
    else if (result.types[family] == "histogram" && sample.name == family + "_bucket" &&
             !sample.labels.count("le"))
      error("histogram bucket without le");
    result.samples.push_back(std::move(sample));
  }
  return result;
}

}  // namespace ruvllm::server::test
