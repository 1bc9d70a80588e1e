#include "structured/grammar.h"

#include <algorithm>
#include <cstdio>
#include <functional>

#include "core/error.h"
#include "structured/strong_components.h"

namespace ruvllm::structured {

uint32_t Grammar::add_byte_set(const ByteSet& set) {
  const auto [it, fresh] = byte_set_index_.emplace(set, static_cast<uint32_t>(byte_sets_.size()));
  if (fresh) byte_sets_.push_back(set);
  return it->second;
}

uint32_t Grammar::add_rule(std::string name) {
  rules_.push_back(GrammarRule{std::move(name), {}});
  return static_cast<uint32_t>(rules_.size() - 1);
}

std::vector<bool> Grammar::nullable_rules() const {
  std::vector<bool> nullable(rules_.size(), false);
  for (bool changed = true; changed;) {
    changed = false;
    // Backwards: callees (helper rules especially) tend to come after their callers, so a pass
    // sees most of them settled and the fixpoint takes fewer passes.
    for (size_t r = rules_.size(); r-- > 0;) {
      if (nullable[r]) continue;
      for (const auto& alt : rules_[r].alternatives) {
        bool all = true;
        for (const auto& e : alt) {
          if (e.kind == GrammarElement::Kind::kBytes || !nullable[e.index]) {
            all = false;
            break;
          }
        }
        if (all) {
          nullable[r] = true;
          changed = true;
          break;
        }
      }
    }
  }
  return nullable;
}

void Grammar::check_no_left_recursion() const {
  // Edge r -> s when s can be the first thing r matches (only nullable rules before it). A
  // cycle of such edges loops the matcher without consuming input; it is only harmful when
  // some edge on it is a call that returns (not a tail call), because each turn then pushes a
  // stack frame. Tail-call cycles, as in (x?)*, are fine.
  const std::vector<bool> nullable = nullable_rules();
  struct Edge {
    uint32_t from;
    uint32_t to;
    bool tail;
  };
  const size_t n = rules_.size();
  std::vector<Edge> edges;  // one list: a vector per rule cost more than the check itself
  std::vector<std::vector<uint32_t>> successors(n);
  for (size_t r = 0; r < n; ++r) {
    for (const auto& alt : rules_[r].alternatives) {
      for (size_t i = 0; i < alt.size(); ++i) {
        const auto& e = alt[i];
        if (e.kind == GrammarElement::Kind::kBytes) break;
        edges.push_back({static_cast<uint32_t>(r), e.index, i + 1 == alt.size()});
        successors[r].push_back(e.index);
        if (!nullable[e.index]) break;
      }
    }
  }
  const std::vector<uint32_t> comp = strong_components(successors);
  for (const Edge& e : edges) {
    if (!e.tail && comp[e.to] == comp[e.from]) {
      throw FormatError("grammar: rule '" + rules_[e.to].name +
                        "' is left-recursive (it can reach itself without consuming input)");
    }
  }
}

static std::string byte_set_to_string(const ByteSet& set) {
  std::string out = "[";
  for (unsigned b = 0; b < 256;) {
    if (!set.contains(static_cast<uint8_t>(b))) {
      ++b;
      continue;
    }
    unsigned e = b;
    while (e + 1 < 256 && set.contains(static_cast<uint8_t>(e + 1))) ++e;
    char buf[24];
    if (e == b) {
      std::snprintf(buf, sizeof buf, "\\x%02X", b);
    } else {
      std::snprintf(buf, sizeof buf, "\\x%02X-\\x%02X", b, e);
    }
    out += buf;
    b = e + 1;
  }
  return out + "]";
}

std::string Grammar::to_string() const {
  std::string out;
  for (const auto& rule : rules_) {
    out += rule.name + " ::=";
    for (size_t a = 0; a < rule.alternatives.size(); ++a) {
      if (a) out += " |";
      for (const auto& e : rule.alternatives[a]) {
        out += ' ';
        out += e.kind == GrammarElement::Kind::kRule ? rules_[e.index].name
                                                     : byte_set_to_string(byte_sets_[e.index]);
      }
      if (rule.alternatives[a].empty()) out += " \"\"";
    }
    out += '\n';
  }
  return out;
}

}  // namespace ruvllm::structured
