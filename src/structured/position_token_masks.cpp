#include "structured/position_token_masks.h"

#include <algorithm>
#include <bit>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "structured/bounded_shared_cache.h"

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
  const StackPool& pool() const { return pool_; }
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

namespace {

// Uncertain tokens found by a walk, by sorted index, with the depths where their remaining
// suffixes start (tail_depths[first_tail .. first_tail + num_tails)).
struct WalkOut {
  std::vector<uint32_t> accepted;  // sorted indices
  // Rejected tokens as ranges [first, second) of sorted indices.
  std::vector<std::pair<uint32_t, uint32_t>> rejected;
  std::vector<Uncertain> uncertain;  // id = sorted index
  std::vector<uint16_t> tail_depths;
};

// Walks tokens [lo, hi) of the sorted vocabulary, which share their first `depth` bytes, from
// `at[depth]` (at[0..depth] are the frontiers after those bytes; a trie in array form: token i
// shares its first lcp[i] bytes with token i-1, so only the bytes after them are stepped; after a
// token that died, the walk jumps past the dead prefix's subtree). Returns false when more than
// `max_uncertain` tokens are uncertain (counting `already` found before).
bool walk_range(FrontierAutomaton& automaton, std::vector<uint32_t>& at, const ByteSet& follow,
                const TokenVocabulary& vocab, size_t lo, size_t hi, size_t depth,
                size_t max_uncertain, size_t already, WalkOut& out) {
  const auto& lcp = vocab.sorted_lcp();
  size_t valid = depth;  // at[0..valid] describe the current prefix
  // Records token i as uncertain when the studied frames could be left before one of its
  // remaining bytes (and that byte can follow them); otherwise it is rejected (not recorded).
  auto classify_rest = [&](size_t i, std::string_view t, size_t depth_limit) {
    const auto first = static_cast<uint32_t>(out.tail_depths.size());
    for (size_t d = 1; d < depth_limit && d < t.size(); ++d) {
      if (automaton.left_rule(at[d]) && follow.contains(static_cast<uint8_t>(t[d]))) {
        out.tail_depths.push_back(static_cast<uint16_t>(d));
      }
    }
    const auto n = static_cast<uint32_t>(out.tail_depths.size()) - first;
    if (n) {
      out.uncertain.push_back({static_cast<int32_t>(i), first, n});
    } else if (!out.rejected.empty() && out.rejected.back().second == i) {
      ++out.rejected.back().second;
    } else {
      out.rejected.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(i + 1));
    }
  };
  for (size_t i = lo; i < hi;) {
    if (already + out.uncertain.size() > max_uncertain) return false;
    const std::string_view t = vocab.sorted_token(i);
    size_t d = i == lo ? depth : std::min<size_t>(lcp[i], valid);
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
      out.accepted.push_back(static_cast<uint32_t>(i));
      ++i;
      continue;
    }
    // Every token below the dead prefix is decided by the frontiers before it.
    const size_t dead_len = d;
    const size_t end = std::min<size_t>(vocab.subtree_end(i, dead_len), hi);
    bool any_left = false;
    for (size_t k = 1; k < dead_len; ++k) any_left |= automaton.left_rule(at[k]);
    if (any_left) {
      for (size_t j = i; j < end; ++j) classify_rest(j, vocab.sorted_token(j), dead_len);
    } else if (!out.rejected.empty() && out.rejected.back().second == i) {
      out.rejected.back().second = static_cast<uint32_t>(end);
    } else {
      out.rejected.emplace_back(static_cast<uint32_t>(i), static_cast<uint32_t>(end));
    }
    i = end;
  }
  return true;
}

PositionTokenMasks gave_up_masks() {
  PositionTokenMasks out;
  out.gave_up = true;
  out.suffix_begin.push_back(0);
  return out;
}

// Sets `out.listed` to the accepted or the rejected ids, whichever are fewer, in increasing
// order (through a bit set: sorting them could cost more than the walk). `each_accepted` and
// `each_rejected` call their argument with every such id.
template <typename EachAccepted, typename EachRejected>
void fill_listed(PositionTokenMasks& out, const TokenVocabulary& vocab, size_t n_accepted,
                 size_t n_uncertain, EachAccepted each_accepted, EachRejected each_rejected) {
  const size_t n_rejected = vocab.sorted_ids().size() - n_accepted - n_uncertain;
  out.lists_rejected = n_rejected < n_accepted;
  std::vector<uint32_t> bits(vocab.mask_words(), 0);
  auto set = [&](int32_t id) { bits[id / 32] |= 1u << (id % 32); };
  if (out.lists_rejected) {
    each_rejected(set);
  } else {
    each_accepted(set);
  }
  out.listed.reserve(out.lists_rejected ? n_rejected : n_accepted);
  for (size_t w = 0; w < bits.size(); ++w) {
    for (uint32_t x = bits[w]; x; x &= x - 1) {
      out.listed.push_back(static_cast<int32_t>(w * 32 + std::countr_zero(x)));
    }
  }
}

// The classes of the tokens of one trie subtree (the tokens sharing a prefix, a range of the
// sorted vocabulary), relative to the range's start. They depend only on what the frontier after
// the prefix does (its stacks' positions, by structural hash, and its flags), the prefix, which
// frontiers before it could leave the studied frames, and the FOLLOW filter; so a study whose own
// key is new (its grammar is) reuses the subtrees of every prefix that leads somewhere already
// studied: inside a JSON key that must not be one of an object's listed names, every byte off
// the names' spelling leads into the ordinary string body.
struct SubtreeClasses {
  std::vector<uint32_t> accepted;                       // offsets
  std::vector<std::pair<uint32_t, uint32_t>> rejected;  // ranges of offsets
  std::vector<Uncertain> uncertain;                     // id = offset
  std::vector<uint16_t> tail_depths;
  // Smaller subtrees inside this one, at their offsets.
  std::vector<std::pair<uint32_t, std::shared_ptr<const SubtreeClasses>>> parts;
  size_t n_accepted = 0, n_uncertain = 0;  // with the parts'

  size_t memory_bytes() const {  // without the parts (they are cached on their own)
    return sizeof(*this) + accepted.size() * 4 + rejected.size() * 8 +
           uncertain.size() * sizeof(Uncertain) + tail_depths.size() * 2 + parts.size() * 24;
  }
  template <typename F>
  void each_accepted(size_t base, F&& f) const {
    for (uint32_t k : accepted) f(base + k);
    for (const auto& [at, part] : parts) part->each_accepted(base + at, f);
  }
  template <typename F>
  void each_rejected(size_t base, F&& f) const {
    for (const auto& [first, end] : rejected) {
      for (uint32_t k = first; k < end; ++k) f(base + k);
    }
    for (const auto& [at, part] : parts) part->each_rejected(base + at, f);
  }
  // f(sorted index, uncertain entry, the node holding its tail depths)
  template <typename F>
  void each_uncertain(size_t base, F&& f) const {
    for (const auto& u : uncertain) f(base + u.id, u, *this);
    for (const auto& [at, part] : parts) part->each_uncertain(base + at, f);
  }
  // Adds a walk's results for sorted indices [lo, ...) at offset lo - base.
  void add_walk(WalkOut& walk, size_t base) {
    for (uint32_t i : walk.accepted) accepted.push_back(static_cast<uint32_t>(i - base));
    for (const auto& [first, end] : walk.rejected) {
      const auto f = static_cast<uint32_t>(first - base), e = static_cast<uint32_t>(end - base);
      if (!rejected.empty() && rejected.back().second == f) {
        rejected.back().second = e;
      } else {
        rejected.emplace_back(f, e);
      }
    }
    const auto shift = static_cast<uint32_t>(tail_depths.size());
    for (auto u : walk.uncertain) {
      u.id -= static_cast<int32_t>(base);
      u.first_tail += shift;
      uncertain.push_back(u);
    }
    tail_depths.insert(tail_depths.end(), walk.tail_depths.begin(), walk.tail_depths.end());
  }
};

class SubtreeCache {
 public:
  static SubtreeCache& instance() {
    static SubtreeCache cache;
    return cache;
  }
  std::shared_ptr<const SubtreeClasses> find(uint64_t key) { return entries_.find(key); }
  // Whether `key` was offered before (and if not, remembers it): a subtree is cached the second
  // time it is built, so the many that belong to one grammar only are never kept.
  bool seen_before(uint64_t key) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (seen_.size() > kMaxSeen) seen_.clear();
    return !seen_.insert(key).second;
  }
  void insert(uint64_t key, std::shared_ptr<const SubtreeClasses> entry) {
    entries_.insert(key, std::move(entry));
  }
  void clear() {
    entries_.clear();
    std::lock_guard<std::mutex> lock(mutex_);
    seen_.clear();
  }

 private:
  static constexpr size_t kMaxSeen = size_t{4} << 20;
  BoundedSharedCache<SubtreeClasses> entries_{size_t{256} << 20};
  std::mutex mutex_;  // guards seen_
  std::unordered_set<uint64_t> seen_;
};

inline uint64_t mix64(uint64_t h, uint64_t v) {
  h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
  h *= 0xFF51AFD7ED558CCDull;
  return h ^ (h >> 33);
}

// Builds the classes of trie subtrees from cached subtrees where it can: a subtree of more than
// `walk_up_to` tokens is split by its next byte, each part looked up or built the same way;
// smaller ones are walked.
class SubtreeComposer {
 public:
  static constexpr size_t kMaxDepth = 24;

  SubtreeComposer(FrontierAutomaton& automaton, std::vector<uint32_t>& at, const ByteSet& follow,
                  const TokenVocabulary& vocab, size_t max_uncertain,
                  const PositionHash& position_hash, size_t walk_up_to)
      : walk_up_to_(walk_up_to),
        automaton_(automaton),
        at_(at),
        follow_(follow),
        vocab_(vocab),
        max_uncertain_(max_uncertain),
        position_hash_(position_hash) {
    base_ = 0x2545F4914F6CDD1Dull ^ vocab.fingerprint();
    for (uint64_t w : follow.words) base_ = mix64(base_, w);
  }

  size_t uncertain_so_far() const { return uncertain_; }

  // The classes of tokens [lo, hi), which share their first `depth` bytes, with at[0..depth]
  // the frontiers after them (at[depth] alive when depth > 0); null when the study gives up.
  std::shared_ptr<const SubtreeClasses> node(size_t lo, size_t hi, size_t depth) {
    uint64_t key = 0;
    auto& cache = SubtreeCache::instance();
    if (depth > 0) {
      key = node_key(lo, depth);
      if (auto hit = cache.find(key)) {
        uncertain_ += hit->n_uncertain;
        if (uncertain_ > max_uncertain_) return nullptr;
        return hit;
      }
    }
    auto made = std::make_shared<SubtreeClasses>();
    const size_t entry = uncertain_;
    size_t own_uncertain = 0;
    if (depth > 0 && (hi - lo <= walk_up_to_ || depth >= kMaxDepth)) {
      WalkOut walk;
      if (!walk_range(automaton_, at_, follow_, vocab_, lo, hi, depth, max_uncertain_, uncertain_,
                      walk)) {
        return nullptr;
      }
      own_uncertain = walk.uncertain.size();
      made->add_walk(walk, lo);
    } else {
      size_t c = lo;
      // Tokens that are the prefix itself (a vocabulary may spell one several times) come first:
      // the frontier after them is alive.
      while (depth > 0 && c < hi && vocab_.sorted_token(c).size() == depth) {
        made->accepted.push_back(static_cast<uint32_t>(c - lo));
        ++c;
      }
      bool any_left = false;  // tokens dying after the prefix may be uncertain
      for (size_t k = 1; k <= depth; ++k) any_left |= automaton_.left_rule(at_[k]);
      while (c < hi) {
        const size_t end = vocab_.subtree_end(c, depth + 1);
        const auto byte = static_cast<uint8_t>(vocab_.sorted_token(c)[depth]);
        at_[depth + 1] = automaton_.next(at_[depth], byte);
        if (automaton_.dead(at_[depth + 1])) {
          WalkOut walk;
          if (any_left) {
            if (!walk_range(automaton_, at_, follow_, vocab_, c, end, depth, max_uncertain_,
                            uncertain_, walk)) {
              return nullptr;
            }
          } else {
            walk.rejected.emplace_back(static_cast<uint32_t>(c), static_cast<uint32_t>(end));
          }
          own_uncertain += walk.uncertain.size();
          uncertain_ += walk.uncertain.size();
          made->add_walk(walk, lo);
        } else {
          auto part = node(c, end, depth + 1);
          if (!part) return nullptr;
          made->parts.emplace_back(static_cast<uint32_t>(c - lo), std::move(part));
        }
        c = end;
      }
    }
    made->n_accepted = made->accepted.size();
    made->n_uncertain = own_uncertain;
    for (const auto& [offset, part] : made->parts) {
      made->n_accepted += part->n_accepted;
      made->n_uncertain += part->n_uncertain;
    }
    uncertain_ = entry + made->n_uncertain;
    if (uncertain_ > max_uncertain_) return nullptr;
    if (depth > 0 && cache.seen_before(key)) cache.insert(key, made);
    return made;
  }

 private:
  // The prefix, which frontiers before its end could leave the studied frames, and the frontier
  // after it: its stacks, each hashed from top to bottom by structural position hashes, as a
  // sorted set, with its flags.
  uint64_t node_key(size_t lo, size_t depth) {
    uint64_t key = mix64(base_, depth);
    const std::string_view prefix = vocab_.sorted_token(lo).substr(0, depth);
    for (char ch : prefix) key = mix64(key, static_cast<uint8_t>(ch));
    for (size_t k = 1; k < depth; ++k) key = mix64(key, automaton_.left_rule(at_[k]) ? 3 : 5);
    return mix64(key, state_hash(at_[depth]));
  }

  uint64_t state_hash(uint32_t state) {
    if (state >= state_hashes_.size()) state_hashes_.resize(state + 1, 0);
    uint64_t& memo = state_hashes_[state];
    if (memo) return memo;
    stack_hashes_.clear();
    const PdaFrontier& f = automaton_[state];
    for (uint32_t node : f.tops) {
      uint64_t h = 0x51ED27;
      for (; node > StackPool::kUnknownCaller; node = automaton_.pool().parent(node)) {
        h = mix64(h, position_hash_(automaton_.pool().pos(node)));
      }
      stack_hashes_.push_back(mix64(h, node));
    }
    std::sort(stack_hashes_.begin(), stack_hashes_.end());
    uint64_t h = mix64(0x5EED, (f.accepting ? 1 : 0) | (f.left_rule ? 2 : 0));
    for (uint64_t x : stack_hashes_) h = mix64(h, x);
    memo = h | 1;
    return memo;
  }

  size_t walk_up_to_;
  FrontierAutomaton& automaton_;
  std::vector<uint32_t>& at_;
  const ByteSet& follow_;
  const TokenVocabulary& vocab_;
  size_t max_uncertain_;
  const PositionHash& position_hash_;
  uint64_t base_ = 0;
  size_t uncertain_ = 0;  // found so far in the study
  std::vector<uint64_t> state_hashes_;
  std::vector<uint64_t> stack_hashes_;
};

}  // namespace

void clear_shared_subtree_cache() {
  SubtreeCache::instance().clear();
}

PositionTokenMasks compute_position_token_masks(const Pda& pda, std::span<const uint32_t> positions,
                                                std::optional<uint32_t> caller_pos,
                                                const TokenVocabulary& vocab, size_t max_uncertain,
                                                const PositionHash* position_hash,
                                                size_t walk_up_to) {
  FrontierAutomaton automaton(pda);
  const auto& ids = vocab.sorted_ids();
  const ByteSet follow = follow_of(pda, positions, caller_pos);
  std::vector<uint32_t> at(vocab.max_token_bytes() + 1);
  at[0] = automaton.start(positions, caller_pos);
  PositionTokenMasks out;

  if (!position_hash) {
    WalkOut walk;
    if (!walk_range(automaton, at, follow, vocab, 0, ids.size(), 0, max_uncertain, 0, walk)) {
      return gave_up_masks();
    }
    fill_listed(
        out, vocab, walk.accepted.size(), walk.uncertain.size(),
        [&](auto&& set) {
          for (uint32_t i : walk.accepted) set(ids[i]);
        },
        [&](auto&& set) {
          for (const auto& [first, end] : walk.rejected) {
            for (uint32_t i = first; i < end; ++i) set(ids[i]);
          }
        });
    std::vector<std::string_view> tails;
    tails.reserve(walk.tail_depths.size());
    for (auto& u : walk.uncertain) {
      const std::string_view t = vocab.sorted_token(u.id);
      for (uint32_t k = u.first_tail; k < u.first_tail + u.num_tails; ++k) {
        tails.push_back(t.substr(walk.tail_depths[k]));
      }
      u.id = ids[u.id];
    }
    add_uncertain_tokens(out, walk.uncertain, tails);
    return out;
  }

  // Composed from cached subtrees (see SubtreeClasses).
  at.resize(std::max<size_t>(at.size(), SubtreeComposer::kMaxDepth + 2));
  SubtreeComposer composer(automaton, at, follow, vocab, max_uncertain, *position_hash, walk_up_to);
  const auto all = composer.node(0, ids.size(), 0);
  if (!all) return gave_up_masks();
  fill_listed(
      out, vocab, all->n_accepted, all->n_uncertain,
      [&](auto&& set) { all->each_accepted(0, [&](size_t i) { set(ids[i]); }); },
      [&](auto&& set) { all->each_rejected(0, [&](size_t i) { set(ids[i]); }); });
  std::vector<Uncertain> uncertain;
  std::vector<std::string_view> tails;
  uncertain.reserve(all->n_uncertain);
  all->each_uncertain(0, [&](size_t i, const Uncertain& u, const SubtreeClasses& owner) {
    const std::string_view t = vocab.sorted_token(i);
    uncertain.push_back({ids[i], static_cast<uint32_t>(tails.size()), u.num_tails});
    for (uint32_t k = u.first_tail; k < u.first_tail + u.num_tails; ++k) {
      tails.push_back(t.substr(owner.tail_depths[k]));
    }
  });
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
