#include "structured/position_token_masks.h"

#include <algorithm>
#include <bit>
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
    const int32_t slot = transitions_[size_t{state} * 256 + byte];
    if (slot >= 0) return static_cast<uint32_t>(slot);
    stepper_.advance(states_[state].tops, byte, scratch_);
    const uint32_t id = intern(scratch_);
    transitions_[size_t{state} * 256 + byte] = static_cast<int32_t>(id);
    return id;
  }

  // Whether every plain byte (TokenVocabulary::is_plain_byte) leads from `state` back to it and
  // the state is alive, as inside a JSON string: any run of plain bytes is then accepted.
  bool plain_closed(uint32_t state) {
    uint8_t& known = plain_closed_[state];
    if (known) return known == 1;
    bool closed = !dead(state);
    for (unsigned b = 0; closed && b < 256; ++b) {
      if (TokenVocabulary::is_plain_byte(static_cast<uint8_t>(b))) {
        closed = next(state, static_cast<uint8_t>(b)) == state;
      }
    }
    plain_closed_[state] = closed ? 1 : 2;  // next() may have grown the vector
    return closed;
  }

  const PdaFrontier& operator[](uint32_t state) const { return states_[state]; }
  // Compact copies of two frontier properties, so the hot loop reads one byte per step.
  bool dead(uint32_t state) const { return flags_[state] & kDead; }
  bool left_rule(uint32_t state) const { return flags_[state] & kLeftRule; }
  size_t num_states() const { return states_.size(); }

 private:
  uint32_t intern(PdaFrontier f) {
    std::sort(f.tops.begin(), f.tops.end());
    std::string key(reinterpret_cast<const char*>(f.tops.data()), f.tops.size() * 4);
    key += static_cast<char>(f.accepting | (f.left_rule << 1));
    auto [it, fresh] = index_.emplace(std::move(key), static_cast<uint32_t>(states_.size()));
    if (fresh) {
      flags_.push_back(
          static_cast<uint8_t>((f.dead() ? kDead : 0) | (f.left_rule ? kLeftRule : 0)));
      states_.push_back(std::move(f));
      transitions_.resize(states_.size() * 256, -1);
      plain_closed_.push_back(0);
    }
    return it->second;
  }

  StackPool pool_;
  PdaStepper stepper_;
  PdaFrontier scratch_;
  std::vector<PdaFrontier> states_;
  std::unordered_map<std::string, uint32_t> index_;
  std::vector<int32_t> transitions_;
  std::vector<uint8_t> flags_;
  std::vector<uint8_t> plain_closed_;  // 0 unknown, 1 yes, 2 no
  static constexpr uint8_t kDead = 1, kLeftRule = 2;
};

// Uncertain tokens with the byte ranges of their remaining suffixes.
struct Uncertain {
  int32_t id;
  uint32_t first_tail;
  uint32_t num_tails;
};

// Fills the uncertain-token part of `out`: distinct suffixes and, per token, which ones it has.
void add_uncertain_tokens(PositionTokenMasks& out, std::vector<Uncertain>& uncertain,
                          const std::vector<std::string_view>& tails) {
  // Distinct suffixes in sorted order, each with its common prefix with the one before.
  std::vector<std::string_view> distinct(tails);
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  out.suffixes.reserve(distinct.size());
  for (size_t k = 0; k < distinct.size(); ++k) {
    size_t common = 0;
    if (k > 0) {
      const std::string_view prev = distinct[k - 1], cur = distinct[k];
      while (common < prev.size() && common < cur.size() && prev[common] == cur[common]) ++common;
    }
    out.suffixes.emplace_back(distinct[k]);
    out.suffix_lcp.push_back(static_cast<uint16_t>(std::min<size_t>(common, 0xFFFF)));
  }
  std::sort(uncertain.begin(), uncertain.end(),
            [](const Uncertain& a, const Uncertain& b) { return a.id < b.id; });
  out.uncertain_ids.reserve(uncertain.size());
  for (const auto& u : uncertain) {
    out.uncertain_ids.push_back(u.id);
    out.suffix_begin.push_back(static_cast<uint32_t>(out.suffix_of.size()));
    for (uint32_t k = u.first_tail; k < u.first_tail + u.num_tails; ++k) {
      const auto it = std::lower_bound(distinct.begin(), distinct.end(), tails[k]);
      out.suffix_of.push_back(static_cast<uint32_t>(it - distinct.begin()));
    }
  }
  out.suffix_begin.push_back(static_cast<uint32_t>(out.suffix_of.size()));
}

// Where the studied frames can be left, the next byte must be able to follow the outermost rule
// (any of the group's rules: tail calls can leave several rules sharing one caller).
ByteSet follow_of(const Pda& pda, std::span<const uint32_t> positions,
                  std::optional<uint32_t> caller_pos) {
  ByteSet follow;
  if (caller_pos) {
    follow = pda.follow(pda.rule_of(*caller_pos));
  } else {
    for (uint32_t pos : positions) {
      for (int w = 0; w < 4; ++w) follow.words[w] |= pda.follow(pda.rule_of(pos)).words[w];
    }
  }
  return follow;
}

}  // namespace

PositionTokenMasks compute_position_token_masks(const Pda& pda, uint32_t pos,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab) {
  const uint32_t one[1] = {pos};
  return compute_position_token_masks(pda, std::span<const uint32_t>(one), caller_pos, vocab);
}

PositionTokenMasks compute_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab,
                                                size_t max_uncertain) {
  FrontierAutomaton automaton(pda);
  const auto& ids = vocab.sorted_ids();
  const auto& lcp = vocab.sorted_lcp();
  const ByteSet follow = follow_of(pda, positions, caller_pos);

  // at[d]: the frontier after the first d bytes of the current token.
  std::vector<uint32_t> at(1, automaton.start(positions, caller_pos));
  size_t valid = 0;  // at[0..valid] describe the current prefix

  std::vector<int32_t> accepted;
  // Uncertain tokens with the byte ranges of their remaining suffixes (views into the
  // vocabulary's sorted byte buffer, so no copies are made until the suffixes are deduplicated).
  std::vector<Uncertain> uncertain;
  std::vector<std::string_view> tails;

  // Records token `id` as uncertain when the studied frames could be left before one of its
  // remaining bytes (and that byte can follow them); otherwise it is rejected (not recorded).
  auto classify_rest = [&](int32_t id, std::string_view t, size_t depth_limit) {
    const auto first = static_cast<uint32_t>(tails.size());
    for (size_t d = 1; d < depth_limit && d < t.size(); ++d) {
      if (automaton.left_rule(at[d]) && follow.contains(static_cast<uint8_t>(t[d]))) {
        tails.push_back(t.substr(d));
      }
    }
    const auto n = static_cast<uint32_t>(tails.size()) - first;
    if (n) uncertain.push_back({id, first, n});
  };

  // Walk the vocabulary in sorted order (a trie in array form): token i shares its first lcp[i]
  // bytes with token i-1, so only the bytes after them are stepped. After a token that died, the
  // walk jumps past the dead prefix's subtree, whose next token shares fewer bytes than `valid`.
  at.resize(vocab.max_token_bytes() + 1);
  for (size_t i = 0; i < ids.size();) {
    if (uncertain.size() > max_uncertain) {
      PositionTokenMasks out;
      out.gave_up = true;
      out.suffix_begin.push_back(0);
      return out;
    }
    const std::string_view t = vocab.sorted_token(i);
    size_t d = std::min<size_t>(i == 0 ? 0 : lcp[i], valid);
    bool died = false;
    uint32_t state = at[d];
    const size_t plain_from = vocab.sorted_plain_from(i);
    while (d < t.size()) {
      // The rest of the token is plain bytes and the state takes any of them: accepted.
      if (d >= plain_from && automaton.plain_closed(state)) break;
      state = automaton.next(state, static_cast<uint8_t>(t[d]));
      at[++d] = state;
      if (automaton.dead(state)) {
        died = true;
        break;
      }
    }
    valid = d;
    if (!died) {
      // The walk stops at a dead frontier, so this one is alive: some path consumed every byte
      // inside the studied frames (or ended them exactly), whatever the caller does next.
      accepted.push_back(ids[i]);
      ++i;
      continue;
    }
    // Every token below the dead prefix is decided by the frontiers before it.
    const size_t dead_len = d;
    const size_t end = vocab.subtree_end(i, dead_len);
    bool any_left = false;
    for (size_t k = 1; k < dead_len; ++k) any_left |= automaton.left_rule(at[k]);
    if (any_left) {
      for (size_t j = i; j < end; ++j) classify_rest(ids[j], vocab.sorted_token(j), dead_len);
    }
    i = end;
  }

  PositionTokenMasks out;
  const size_t n_rejected = ids.size() - accepted.size() - uncertain.size();
  out.lists_rejected = n_rejected < accepted.size();
  if (out.lists_rejected) {
    // Rejected = producible tokens neither accepted nor uncertain; scanning ids in order gives
    // the list sorted.
    std::vector<uint32_t> decided(vocab.normal_mask());
    for (int32_t id : accepted) decided[id / 32] &= ~(1u << (id % 32));
    for (const auto& u : uncertain) decided[u.id / 32] &= ~(1u << (u.id % 32));
    for (size_t w = 0; w < decided.size(); ++w) {
      for (uint32_t bits = decided[w]; bits; bits &= bits - 1) {
        out.listed.push_back(static_cast<int32_t>(w * 32 + std::countr_zero(bits)));
      }
    }
  } else {
    out.listed = std::move(accepted);
    std::sort(out.listed.begin(), out.listed.end());
  }

  add_uncertain_tokens(out, uncertain, tails);
  return out;
}

}  // namespace ruvllm::structured

namespace ruvllm::structured {

PositionTokenMasks refine_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                               uint32_t caller_pos, const TokenVocabulary& vocab,
                                               const PositionTokenMasks& alone) {
  // A token accepted without the caller stays accepted with it (the same path consumes it inside
  // the studied frames), and one rejected without it stays rejected (every path dies inside, or
  // leaves before a byte that cannot follow the rule at any call site). Only the uncertain
  // tokens are walked again, each from the start, with the caller's frame below.
  FrontierAutomaton automaton(pda);
  const ByteSet follow = follow_of(pda, positions, caller_pos);
  std::vector<uint32_t> at(vocab.max_token_bytes() + 1);
  at[0] = automaton.start(positions, caller_pos);
  std::vector<int32_t> accepted, rejected;
  std::vector<Uncertain> uncertain;
  std::vector<std::string_view> tails;
  for (const int32_t id : alone.uncertain_ids) {
    const std::string_view t = vocab.bytes(id);
    size_t d = 0;
    bool died = false;
    while (d < t.size()) {
      at[d + 1] = automaton.next(at[d], static_cast<uint8_t>(t[d]));
      ++d;
      if (automaton.dead(at[d])) {
        died = true;
        break;
      }
    }
    if (!died) {
      accepted.push_back(id);
      continue;
    }
    const auto first = static_cast<uint32_t>(tails.size());
    for (size_t k = 1; k < d && k < t.size(); ++k) {
      if (automaton.left_rule(at[k]) && follow.contains(static_cast<uint8_t>(t[k]))) {
        tails.push_back(t.substr(k));
      }
    }
    const auto n = static_cast<uint32_t>(tails.size()) - first;
    if (n) {
      uncertain.push_back({id, first, n});
    } else {
      rejected.push_back(id);
    }
  }
  PositionTokenMasks out;
  out.lists_rejected = alone.lists_rejected;
  // alone.uncertain_ids is sorted, so the new ids are too; merge them into the kept list.
  const std::vector<int32_t>& more = alone.lists_rejected ? rejected : accepted;
  out.listed.resize(alone.listed.size() + more.size());
  std::merge(alone.listed.begin(), alone.listed.end(), more.begin(), more.end(),
             out.listed.begin());
  add_uncertain_tokens(out, uncertain, tails);
  return out;
}

}  // namespace ruvllm::structured
