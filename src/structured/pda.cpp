#include "structured/pda.h"

#include <algorithm>

#include "structured/strong_components.h"

namespace ruvllm::structured {

Pda::Pda(const Grammar& grammar) : root_(grammar.root()) {
  const auto& rules = grammar.rules();
  alt_starts_.resize(rules.size());
  size_t n_positions = 0;
  for (const auto& rule : rules) {
    for (const auto& alt : rule.alternatives) n_positions += alt.size() + 1;
  }
  kind_.reserve(n_positions);
  arg_.reserve(n_positions);
  rule_of_.reserve(n_positions);
  sets_.reserve(n_positions);
  for (uint32_t r = 0; r < rules.size(); ++r) {
    alt_starts_[r].reserve(rules[r].alternatives.size());
    for (const auto& alt : rules[r].alternatives) {
      alt_starts_[r].push_back(static_cast<uint32_t>(kind_.size()));
      for (const auto& e : alt) {
        if (e.kind == GrammarElement::Kind::kBytes) {
          kind_.push_back(Kind::kBytes);
          arg_.push_back(0);
          sets_.push_back(grammar.byte_set(e.index));
        } else {
          kind_.push_back(Kind::kRule);
          arg_.push_back(e.index);
          sets_.push_back(ByteSet{});
        }
        rule_of_.push_back(r);
      }
      kind_.push_back(Kind::kEnd);
      arg_.push_back(0);
      sets_.push_back(ByteSet{});
      rule_of_.push_back(r);
    }
  }
  compute_components();  // the FOLLOW computation visits rules by component
  compute_follow_sets();
}

void Pda::compute_follow_sets() {
  const size_t n = alt_starts_.size();
  auto unite = [](ByteSet& into, const ByteSet& from) {
    bool changed = false;
    for (int w = 0; w < 4; ++w) {
      const uint64_t merged = into.words[w] | from.words[w];
      changed |= merged != into.words[w];
      into.words[w] = merged;
    }
    return changed;
  };
  // FIRST sets and nullability, component by component in the order strong_components numbers
  // them (callees' components first), so each rule outside a recursion is computed once from
  // settled callees; the rules of a recursive component are iterated until nothing changes.
  std::vector<ByteSet> first(n);
  std::vector<bool> nullable(n, false);
  auto compute_first = [&](uint32_t r) {
    bool changed = false;
    for (uint32_t p : alt_starts_[r]) {
      for (;; ++p) {
        if (kind_[p] == Kind::kEnd) {
          if (!nullable[r]) nullable[r] = changed = true;
          break;
        }
        if (kind_[p] == Kind::kBytes) {
          changed |= unite(first[r], sets_[p]);
          break;
        }
        changed |= unite(first[r], first[arg_[p]]);
        if (!nullable[arg_[p]]) break;
      }
    }
    return changed;
  };
  uint32_t n_components = 0;
  for (uint32_t c : component_) n_components = std::max(n_components, c + 1);
  std::vector<uint32_t> component_begin(n_components + 1, 0);
  for (uint32_t c : component_) ++component_begin[c + 1];
  for (uint32_t c = 0; c < n_components; ++c) component_begin[c + 1] += component_begin[c];
  std::vector<uint32_t> by_component(n);
  {
    std::vector<uint32_t> fill(component_begin.begin(), component_begin.end() - 1);
    for (uint32_t r = 0; r < n; ++r) by_component[fill[component_[r]]++] = r;
  }
  for (uint32_t c = 0; c < n_components; ++c) {
    const uint32_t* members = by_component.data() + component_begin[c];
    const size_t size = component_begin[c + 1] - component_begin[c];
    bool recursive = size > 1;
    if (!recursive) {
      for (uint32_t start : alt_starts_[members[0]]) {
        for (uint32_t p = start; kind_[p] != Kind::kEnd; ++p)
          recursive |= kind_[p] == Kind::kRule && arg_[p] == members[0];
      }
    }
    if (!recursive) {
      compute_first(members[0]);
      continue;
    }
    for (bool changed = true; changed;) {
      changed = false;
      for (size_t i = 0; i < size; ++i) changed |= compute_first(members[i]);
    }
  }
  std::vector<uint32_t> work;
  std::vector<bool> queued(n, true);
  work.reserve(n);
  // FOLLOW: each call site adds what can come after it in its alternative, and, when that rest
  // can be empty, the caller's own FOLLOW (an edge caller -> callee, propagated by a work list).
  follow_.assign(n, ByteSet{});
  std::vector<std::vector<uint32_t>> inherits(n);  // inherits[r]: callees whose FOLLOW has r's
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t start : alt_starts_[r]) {
      for (uint32_t p = start; kind_[p] != Kind::kEnd; ++p) {
        if (kind_[p] != Kind::kRule) continue;
        ByteSet after;
        bool rest_nullable = false;
        for (uint32_t q = p + 1;; ++q) {
          if (kind_[q] == Kind::kEnd) {
            rest_nullable = true;
            break;
          }
          if (kind_[q] == Kind::kBytes) {
            unite(after, sets_[q]);
            break;
          }
          unite(after, first[arg_[q]]);
          if (!nullable[arg_[q]]) break;
        }
        unite(follow_[arg_[p]], after);
        if (rest_nullable && arg_[p] != r) inherits[r].push_back(arg_[p]);
      }
    }
  }
  work.clear();
  queued.assign(n, true);
  for (uint32_t r = n; r-- > 0;) work.push_back(r);  // callers first
  while (!work.empty()) {
    const uint32_t r = work.back();
    work.pop_back();
    queued[r] = false;
    for (uint32_t c : inherits[r]) {
      if (unite(follow_[c], follow_[r]) && !queued[c]) {
        queued[c] = true;
        work.push_back(c);
      }
    }
  }
}

namespace {
inline uint64_t mix(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 33);
}
}  // namespace

uint64_t Pda::hash_component_from(uint32_t rule, const std::vector<uint64_t>& rule_hashes,
                                  std::vector<uint32_t>& order,
                                  std::vector<uint32_t>& queue) const {
  // Number the component's rules in BFS order from `rule` and hash their bodies; calls out of
  // the component contribute the callee's hash (already computed).
  const uint32_t comp = component_[rule];
  queue.assign(1, rule);
  order[rule] = 0;
  uint64_t h = 0x1234567;
  for (size_t qi = 0; qi < queue.size(); ++qi) {
    const uint32_t r = queue[qi];
    h = mix(h, 0xA17 + alt_starts_[r].size());
    for (uint32_t start : alt_starts_[r]) {
      for (uint32_t p = start;; ++p) {
        if (kind_[p] == Kind::kEnd) {
          h = mix(h, 0xE4D);
          break;
        }
        if (kind_[p] == Kind::kBytes) {
          for (uint64_t w : sets_[p].words) h = mix(h, w);
        } else if (component_[arg_[p]] != comp) {
          h = mix(mix(h, 0x0C7), rule_hashes[arg_[p]]);
        } else {
          uint32_t& number = order[arg_[p]];
          if (number == kUnnumbered) {
            number = static_cast<uint32_t>(queue.size());
            queue.push_back(arg_[p]);
          }
          h = mix(h, 0xCA11 + (uint64_t{number} << 8));
        }
      }
    }
  }
  for (uint32_t r : queue) order[r] = kUnnumbered;  // ready for the next component
  return h | 1;                                     // 0 marks "not computed"
}

uint64_t Pda::rule_hash(uint32_t rule, std::vector<uint64_t>& rule_hashes) const {
  if (rule_hashes.size() != num_rules()) rule_hashes.assign(num_rules(), 0);
  if (rule_hashes[rule]) return rule_hashes[rule];
  // Depth-first over the component DAG with an explicit stack (schemas nest deeply): a rule is
  // hashed once every call leaving its component has a hash.
  std::vector<uint32_t> stack{rule};
  std::vector<uint32_t> members;
  // Per rule scratch, allocated once per call rather than a hash map per component: the
  // component walk a rule was last seen in, and hash_component_from's BFS numbers.
  std::vector<uint32_t> seen_in(num_rules(), 0);
  std::vector<uint32_t> order(num_rules(), kUnnumbered);
  std::vector<uint32_t> queue;
  uint32_t walk = 0;
  while (!stack.empty()) {
    const uint32_t r = stack.back();
    if (rule_hashes[r]) {
      stack.pop_back();
      continue;
    }
    // The component's rules reachable from r (all of them: it is strongly connected), and the
    // calls leaving it that still need a hash.
    const uint32_t comp = component_[r];
    const size_t before = stack.size();
    members.assign(1, r);
    seen_in[r] = ++walk;
    for (size_t i = 0; i < members.size(); ++i) {
      for (uint32_t start : alt_starts_[members[i]]) {
        for (uint32_t p = start; kind_[p] != Kind::kEnd; ++p) {
          if (kind_[p] != Kind::kRule) continue;
          const uint32_t callee = arg_[p];
          if (component_[callee] != comp) {
            if (!rule_hashes[callee]) stack.push_back(callee);
          } else if (seen_in[callee] != walk) {
            seen_in[callee] = walk;
            members.push_back(callee);
          }
        }
      }
    }
    if (stack.size() != before) continue;
    rule_hashes[r] = hash_component_from(r, rule_hashes, order, queue);
    stack.pop_back();
  }
  return rule_hashes[rule];
}

uint64_t Pda::structural_hash(uint32_t pos, std::vector<uint64_t>& rule_hashes) const {
  const uint32_t rule = rule_of_[pos];
  return mix(rule_hash(rule, rule_hashes), pos - alt_starts_[rule][0]);
}

uint64_t Pda::suffix_hash(uint32_t pos, std::vector<uint64_t>& rule_hashes,
                          std::vector<uint64_t>& suffix_hashes) const {
  if (suffix_hashes.size() != num_positions()) suffix_hashes.assign(num_positions(), 0);
  if (suffix_hashes[pos]) return suffix_hashes[pos];
  uint32_t end = pos;
  while (kind_[end] != Kind::kEnd) ++end;
  uint64_t h = 0xE4D5EED;
  for (uint32_t p = end + 1; p-- > pos;) {
    if (suffix_hashes[p]) {
      h = suffix_hashes[p];
      continue;
    }
    if (kind_[p] == Kind::kBytes) {
      h = mix(h, 0xB17E5);
      for (uint64_t w : sets_[p].words) h = mix(h, w);
    } else if (kind_[p] == Kind::kRule) {
      h = mix(mix(h, 0xCA11), rule_hash(arg_[p], rule_hashes));
    }
    suffix_hashes[p] = h | 1;  // 0 marks "not computed"
    h |= 1;
  }
  return suffix_hashes[pos];
}

void Pda::compute_components() {
  // The strongly connected components of the call graph.
  const size_t n = alt_starts_.size();
  std::vector<std::vector<uint32_t>> callees(n);
  for (uint32_t r = 0; r < n; ++r) {
    for (uint32_t start : alt_starts_[r]) {
      for (uint32_t p = start; kind_[p] != Kind::kEnd; ++p) {
        if (kind_[p] == Kind::kRule) callees[r].push_back(arg_[p]);
      }
    }
  }
  component_ = strong_components(callees);
}

StackPool::StackPool() {
  clear();
}

void StackPool::clear() {
  nodes_.clear();
  nodes_.push_back({~0u, ~0u});  // kBottom
  nodes_.push_back({~0u, ~1u});  // kUnknownCaller
  slots_.assign(1024, 0);
}

static inline size_t slot_hash(uint32_t pos, uint32_t parent) {
  uint64_t k = (uint64_t{pos} << 32) | parent;
  k *= 0x9E3779B97F4A7C15ull;
  return static_cast<size_t>(k >> 29);
}

void StackPool::grow() {
  slots_.assign(slots_.size() * 2, 0);
  const size_t mask = slots_.size() - 1;
  for (uint32_t id = 2; id < nodes_.size(); ++id) {
    size_t s = slot_hash(nodes_[id].pos, nodes_[id].parent) & mask;
    while (slots_[s]) s = (s + 1) & mask;
    slots_[s] = id + 1;
  }
}

uint32_t StackPool::intern(uint32_t pos, uint32_t parent) {
  const size_t mask = slots_.size() - 1;
  size_t s = slot_hash(pos, parent) & mask;
  while (uint32_t v = slots_[s]) {
    const Node& n = nodes_[v - 1];
    if (n.pos == pos && n.parent == parent) return v - 1;
    s = (s + 1) & mask;
  }
  const auto id = static_cast<uint32_t>(nodes_.size());
  nodes_.push_back({pos, parent});
  slots_[s] = id + 1;
  if (nodes_.size() * 2 > slots_.size()) grow();
  return id;
}

void PdaStepper::begin() {
  if (++stamp_ == 0) {
    std::fill(node_stamp_.begin(), node_stamp_.end(), 0);
    std::fill(return_stamp_.begin(), return_stamp_.end(), 0);
    stamp_ = 1;
  }
}

bool PdaStepper::mark(std::vector<uint32_t>& stamps, uint32_t id) {
  if (id >= stamps.size()) stamps.resize(std::max<size_t>(id + 1, stamps.size() * 2), 0);
  if (stamps[id] == stamp_) return false;
  stamps[id] = stamp_;
  return true;
}

void PdaStepper::run(PdaFrontier& out) {
  while (!work_.empty()) {
    auto [pos, parent] = work_.back();
    work_.pop_back();
    switch (pda_.kind(pos)) {
      case Pda::Kind::kBytes: {
        const uint32_t id = pool_.intern(pos, parent);
        if (mark(node_stamp_, id)) out.tops.push_back(id);
        break;
      }
      case Pda::Kind::kEnd:
        if (parent == StackPool::kBottom) {
          out.accepting = true;
        } else if (parent == StackPool::kUnknownCaller) {
          out.left_rule = true;
        } else if (mark(return_stamp_, parent)) {
          work_.push_back({pool_.pos(parent) + 1, pool_.parent(parent)});
        }
        break;
      case Pda::Kind::kRule: {
        const uint32_t self = pool_.intern(pos, parent);
        if (!mark(node_stamp_, self)) break;
        // A call in tail position returns straight to our caller, so the stack stays flat
        // through right-recursive loops.
        const uint32_t frame = pda_.kind(pos + 1) == Pda::Kind::kEnd ? parent : self;
        for (uint32_t start : pda_.alternatives(pda_.callee(pos))) work_.push_back({start, frame});
        break;
      }
    }
  }
}

void PdaStepper::initial(PdaFrontier& out) {
  out.clear();
  begin();
  for (uint32_t start : pda_.alternatives(pda_.root_rule())) {
    work_.push_back({start, StackPool::kBottom});
  }
  run(out);
}

void PdaStepper::expand(uint32_t pos, uint32_t parent, PdaFrontier& out) {
  begin();
  work_.push_back({pos, parent});
  run(out);
}

void PdaStepper::return_to(uint32_t caller, PdaFrontier& out) {
  begin();
  if (caller == StackPool::kBottom) {
    out.accepting = true;
  } else if (caller == StackPool::kUnknownCaller) {
    out.left_rule = true;
  } else {
    work_.push_back({pool_.pos(caller) + 1, pool_.parent(caller)});
    run(out);
  }
}

void PdaStepper::advance(std::span<const uint32_t> tops, uint8_t byte, PdaFrontier& out) {
  out.clear();
  begin();
  for (uint32_t node : tops) {
    const uint32_t pos = pool_.pos(node);
    if (pda_.accepts(pos, byte)) work_.push_back({pos + 1, pool_.parent(node)});
  }
  run(out);
}

}  // namespace ruvllm::structured
