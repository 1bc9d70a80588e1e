// The pushdown automaton a grammar compiles to, and the persistent stacks it runs on.
//
// `Pda` flattens a byte-level `Grammar` into one array of positions: every alternative is a run
// of element positions followed by an end marker, so "the next element" is always position + 1.
// A parser configuration is a stack of positions, stored as a node in a `StackPool`: a node is
// (position, parent node) and nodes are hash-consed, so equal stacks are equal ids and stacks
// share their common bottoms. A node on top of a stack always sits on a byte-set position;
// nodes below sit on the rule reference to return to.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "structured/grammar.h"

namespace ruvllm::structured {

class Pda {
 public:
  enum class Kind : uint8_t { kBytes, kRule, kEnd };

  explicit Pda(const Grammar& grammar);

  size_t num_positions() const { return kind_.size(); }
  Kind kind(uint32_t pos) const { return kind_[pos]; }
  // The byte set of a kBytes position.
  bool accepts(uint32_t pos, uint8_t byte) const { return sets_[pos].contains(byte); }
  // The rule a kRule position calls.
  uint32_t callee(uint32_t pos) const { return arg_[pos]; }
  // The rule a position belongs to.
  uint32_t rule_of(uint32_t pos) const { return rule_of_[pos]; }
  // First positions of each alternative of `rule`.
  const std::vector<uint32_t>& alternatives(uint32_t rule) const { return alt_starts_[rule]; }
  uint32_t root_rule() const { return root_; }
  size_t num_rules() const { return alt_starts_.size(); }
  const ByteSet& byte_set(uint32_t pos) const { return sets_[pos]; }

  // A hash of everything the matcher can do from `pos` on: the rules reachable from its rule
  // and the position's place in its rule. Two positions with equal hashes (even in different
  // grammars) accept the same token bytes before leaving their rule. `rule_hashes` memoizes
  // rule hashes between calls (num_rules() entries, 0 = not computed yet).
  uint64_t structural_hash(uint32_t pos, std::vector<uint64_t>& rule_hashes) const;
  // The hash of `rule`'s reachable grammar, canonical across grammars: rules of its strongly
  // connected component (rules that call each other) are numbered in breadth-first order from
  // `rule`, and calls out of the component are replaced by the callee's own hash, a Merkle hash
  // of the component DAG. Costs one walk of the component (not of all reachable rules).
  uint64_t rule_hash(uint32_t rule, std::vector<uint64_t>& rule_hashes) const;
  // A hash of the rest of `pos`'s alternative (from `pos` to its end, callees by rule_hash),
  // canonical across grammars: a stack node at `pos` behaves the same as one at any position with
  // an equal hash until its alternative ends, whatever else its rule holds. `suffix_hashes`
  // memoizes them (num_positions() entries, 0 = not computed yet).
  uint64_t suffix_hash(uint32_t pos, std::vector<uint64_t>& rule_hashes,
                       std::vector<uint64_t>& suffix_hashes) const;
  // The strongly connected component of `rule` in the call graph.
  uint32_t component(uint32_t rule) const { return component_[rule]; }

  // Bytes that can come right after `rule` ends (over every place that calls it).
  const ByteSet& follow(uint32_t rule) const { return follow_[rule]; }

 private:
  std::vector<Kind> kind_;
  std::vector<uint32_t> arg_;
  std::vector<uint32_t> rule_of_;
  std::vector<ByteSet> sets_;
  std::vector<std::vector<uint32_t>> alt_starts_;
  std::vector<ByteSet> follow_;
  std::vector<uint32_t> component_;  // per rule
  uint32_t root_ = 0;
  void compute_follow_sets();
  void compute_components();
  static constexpr uint32_t kUnnumbered = ~0u;
  // `order` (num_rules() entries, all kUnnumbered, and left so) and `queue` are scratch.
  uint64_t hash_component_from(uint32_t rule, const std::vector<uint64_t>& rule_hashes,
                               std::vector<uint32_t>& order, std::vector<uint32_t>& queue) const;
};

// Hash-consed stack nodes. Node 0 is the empty stack below the root rule (reaching it means
// the whole input matched); node 1 is a stand-in for "an unknown caller", used when the matcher
// studies a position out of context.
class StackPool {
 public:
  static constexpr uint32_t kBottom = 0;
  static constexpr uint32_t kUnknownCaller = 1;

  StackPool();
  uint32_t intern(uint32_t pos, uint32_t parent);
  uint32_t pos(uint32_t node) const { return nodes_[node].pos; }
  uint32_t parent(uint32_t node) const { return nodes_[node].parent; }
  size_t size() const { return nodes_.size(); }
  void clear();

 private:
  struct Node {
    uint32_t pos;
    uint32_t parent;
  };
  void grow();

  std::vector<Node> nodes_;
  std::vector<uint32_t> slots_;  // open addressing: node id + 1, 0 = empty
};

// The set of stacks the matcher can be in after some input.
struct PdaFrontier {
  std::vector<uint32_t> tops;  // stack nodes, each on a byte-set position
  bool accepting = false;      // the root rule can have ended here
  bool left_rule = false;      // a stack returned to StackPool::kUnknownCaller

  void clear() {
    tops.clear();
    accepting = false;
    left_rule = false;
  }
  bool dead() const { return tops.empty() && !accepting && !left_rule; }
};

// Runs a `Pda` over a `StackPool`: expanding rule calls and returns (closure) and consuming
// bytes. Holds scratch space, so use one per thread.
class PdaStepper {
 public:
  PdaStepper(const Pda& pda, StackPool& pool) : pda_(pda), pool_(pool) {}

  // The frontier before any input.
  void initial(PdaFrontier& out);
  // Adds the closure of the configuration (pos, parent) to `out`.
  void expand(uint32_t pos, uint32_t parent, PdaFrontier& out);
  // Adds the closure of returning into stack node `caller` (whose position is a rule call).
  void return_to(uint32_t caller, PdaFrontier& out);
  // out = frontier after `byte` from `tops` (out is cleared first).
  void advance(std::span<const uint32_t> tops, uint8_t byte, PdaFrontier& out);

  StackPool& pool() { return pool_; }
  const Pda& pda() const { return pda_; }

 private:
  void begin();
  void run(PdaFrontier& out);
  bool mark(std::vector<uint32_t>& stamps, uint32_t id);

  const Pda& pda_;
  StackPool& pool_;
  std::vector<uint32_t> node_stamp_;
  std::vector<uint32_t> return_stamp_;
  uint32_t stamp_ = 0;
  std::vector<std::pair<uint32_t, uint32_t>> work_;
};

}  // namespace ruvllm::structured
