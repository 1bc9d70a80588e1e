#include "structured/position_token_masks.h"

#include <algorithm>
#include <map>
#include <unordered_map>

namespace ruvllm::structured {

size_t PositionTokenMasks::memory_bytes() const {
  size_t n = sizeof(*this) + listed.size() * 4 + uncertain_ids.size() * 4 +
             suffix_begin.size() * 4 + suffix_of.size() * 4 + suffix_lcp.size() * 2;
  for (const auto& s : suffixes) n += s.size() + sizeof(s);
  return n;
}

namespace {

// Frontiers numbered by content, with a memo of byte transitions between them: during one
// vocabulary walk the same few frontiers recur at almost every trie node (inside a string, after
// any plain character), so most steps become one table look-up.
class FrontierAutomaton {
 public:
  FrontierAutomaton(const Pda& pda) : stepper_(pda, pool_) {}

  uint32_t start(std::span<const uint32_t> positions, std::optional<uint32_t> caller_pos) {
    const uint32_t below = caller_pos ? pool_.intern(*caller_pos, StackPool::kUnknownCaller)
                                      : StackPool::kUnknownCaller;
    PdaFrontier f;
    for (uint32_t pos : positions) f.tops.push_back(pool_.intern(pos, below));
    return intern(std::move(f));
  }

  uint32_t next(uint32_t state, uint8_t byte) {
    int32_t& slot = transitions_[size_t{state} * 256 + byte];
    if (slot >= 0) return static_cast<uint32_t>(slot);
    stepper_.advance(states_[state].tops, byte, scratch_);
    const uint32_t id = intern(scratch_);
    transitions_[size_t{state} * 256 + byte] = static_cast<int32_t>(id);
    return id;
  }

  const PdaFrontier& operator[](uint32_t state) const { return states_[state]; }

 private:
  uint32_t intern(PdaFrontier f) {
    std::sort(f.tops.begin(), f.tops.end());
    std::string key(reinterpret_cast<const char*>(f.tops.data()), f.tops.size() * 4);
    key += static_cast<char>(f.accepting | (f.left_rule << 1));
    auto [it, fresh] = index_.emplace(std::move(key), static_cast<uint32_t>(states_.size()));
    if (fresh) {
      states_.push_back(std::move(f));
      transitions_.resize(states_.size() * 256, -1);
    }
    return it->second;
  }

  StackPool pool_;
  PdaStepper stepper_;
  PdaFrontier scratch_;
  std::vector<PdaFrontier> states_;
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<int32_t> transitions_;
};

}  // namespace

PositionTokenMasks compute_position_token_masks(const Pda& pda, uint32_t pos,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab) {
  const uint32_t one[1] = {pos};
  return compute_position_token_masks(pda, std::span<const uint32_t>(one), caller_pos, vocab);
}

PositionTokenMasks compute_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab) {
  FrontierAutomaton automaton(pda);
  const auto& ids = vocab.sorted_ids();
  const auto& lcp = vocab.sorted_lcp();
  // Leaving the studied frames, the next byte must be able to follow the outermost rule (any
  // of the group's rules: tail calls can leave several rules sharing one caller).
  ByteSet follow;
  if (caller_pos) {
    follow = pda.follow(pda.rule_of(*caller_pos));
  } else {
    for (uint32_t pos : positions) {
      for (int w = 0; w < 4; ++w) follow.words[w] |= pda.follow(pda.rule_of(pos)).words[w];
    }
  }

  // at[d]: the frontier after the first d bytes of the current token.
  std::vector<uint32_t> at(1, automaton.start(positions, caller_pos));
  size_t valid = 0;  // at[0..valid] describe the current prefix

  std::vector<int32_t> accepted;
  struct Uncertain {
    int32_t id;
    std::vector<std::string> tails;
  };
  std::vector<Uncertain> uncertain;

  // Records token `id` as uncertain when the studied frames could be left before one of its
  // remaining bytes (and that byte can follow them); otherwise it is rejected (not recorded).
  auto classify_rest = [&](int32_t id, const std::string& t, size_t depth_limit) {
    Uncertain u{id, {}};
    for (size_t d = 1; d < depth_limit && d < t.size(); ++d) {
      if (automaton[at[d]].left_rule && follow.contains(static_cast<uint8_t>(t[d]))) {
        u.tails.push_back(t.substr(d));
      }
    }
    if (!u.tails.empty()) uncertain.push_back(std::move(u));
  };

  for (size_t i = 0; i < ids.size();) {
    const int32_t id = ids[i];
    const std::string& t = vocab.bytes(id);
    size_t d = std::min<size_t>(i == 0 ? 0 : lcp[i], valid);
    bool died = false;
    while (d < t.size()) {
      if (at.size() < d + 2) at.resize(d + 2);
      at[d + 1] = automaton.next(at[d], static_cast<uint8_t>(t[d]));
      ++d;
      if (automaton[at[d]].dead()) {
        died = true;
        break;
      }
    }
    valid = d;
    if (!died) {
      const PdaFrontier& end = automaton[at[d]];
      if (!end.tops.empty() || end.left_rule || end.accepting) {
        accepted.push_back(id);
      } else {
        classify_rest(id, t, t.size());
      }
      ++i;
      continue;
    }
    // Every token below the dead prefix is decided by the frontiers before it.
    const size_t dead_len = d;
    const size_t end = vocab.subtree_end(i, dead_len);
    bool any_left = false;
    for (size_t k = 1; k < dead_len; ++k) any_left |= automaton[at[k]].left_rule;
    if (any_left) {
      for (size_t j = i; j < end; ++j) classify_rest(ids[j], vocab.bytes(ids[j]), dead_len);
    }
    i = end;
  }

  PositionTokenMasks out;
  const size_t n_rejected = ids.size() - accepted.size() - uncertain.size();
  out.lists_rejected = n_rejected < accepted.size();
  if (out.lists_rejected) {
    std::vector<bool> decided(vocab.size(), false);
    for (int32_t id : accepted) decided[id] = true;
    for (const auto& u : uncertain) decided[u.id] = true;
    for (int32_t id : ids) {
      if (!decided[id]) out.listed.push_back(id);
    }
  } else {
    out.listed = std::move(accepted);
  }
  std::sort(out.listed.begin(), out.listed.end());

  std::map<std::string, uint32_t> suffix_index;
  for (const auto& u : uncertain) {
    for (const auto& tail : u.tails) suffix_index.emplace(tail, 0);
  }
  uint32_t n = 0;
  for (auto& [s, idx] : suffix_index) {
    idx = n++;
    size_t common = 0;
    if (!out.suffixes.empty()) {
      const std::string& prev = out.suffixes.back();
      while (common < prev.size() && common < s.size() && prev[common] == s[common]) ++common;
    }
    out.suffixes.push_back(s);
    out.suffix_lcp.push_back(static_cast<uint16_t>(std::min<size_t>(common, 0xFFFF)));
  }
  std::sort(uncertain.begin(), uncertain.end(),
            [](const Uncertain& a, const Uncertain& b) { return a.id < b.id; });
  for (const auto& u : uncertain) {
    out.uncertain_ids.push_back(u.id);
    out.suffix_begin.push_back(static_cast<uint32_t>(out.suffix_of.size()));
    for (const auto& tail : u.tails) out.suffix_of.push_back(suffix_index.at(tail));
  }
  out.suffix_begin.push_back(static_cast<uint32_t>(out.suffix_of.size()));
  return out;
}

}  // namespace ruvllm::structured
