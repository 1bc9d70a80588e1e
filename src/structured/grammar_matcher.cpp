#include "structured/grammar_matcher.h"

#include <algorithm>
#include <cstring>

namespace ruvllm::structured {

namespace {
// Above this many distinct undecided suffixes, a position is studied together with its caller.
constexpr size_t kDeepenAboveSuffixes = 32;
// A study alone that finds more uncertain tokens than this stops early: it would end up deepened.
constexpr size_t kGiveUpAboveUncertain = 1024;
}  // namespace

GrammarMatcher::GrammarMatcher(std::shared_ptr<const CompiledGrammar> grammar)
    : grammar_(std::move(grammar)), stepper_(grammar_->pda(), pool_) {
  reset();
}

void GrammarMatcher::reset() {
  pool_.clear();
  history_.assign(1, PdaFrontier{});
  stepper_.initial(history_[0]);
  terminated_at_.assign(1, false);
  terminated_ = false;
}

bool GrammarMatcher::can_terminate() const {
  return !terminated_ && history_.back().accepting;
}

bool GrammarMatcher::feed(std::string_view bytes, PdaFrontier& out) {
  if (walk_.size() < 2) walk_.resize(2);
  PdaFrontier* cur = &history_.back();
  int flip = 0;
  for (char c : bytes) {
    PdaFrontier& next = walk_[flip];
    stepper_.advance(cur->tops, static_cast<uint8_t>(c), next);
    if (next.tops.empty() && !next.accepting) return false;
    cur = &next;
    flip ^= 1;
  }
  out = *cur;
  return true;
}

bool GrammarMatcher::accept_bytes(std::string_view bytes) {
  if (terminated_) return false;
  PdaFrontier next;
  if (!feed(bytes, next)) return false;
  history_.push_back(std::move(next));
  terminated_at_.push_back(false);
  return true;
}

bool GrammarMatcher::accept_token(int32_t id) {
  const TokenVocabulary& vocab = grammar_->vocab();
  if (terminated_ || id < 0 || static_cast<size_t>(id) >= vocab.size()) return false;
  if (vocab.is_eog(id)) {
    if (!can_terminate()) return false;
    history_.push_back(history_.back());
    terminated_at_.push_back(true);
    terminated_ = true;
    return true;
  }
  if (vocab.is_special(id) || vocab.bytes(id).empty()) return false;
  return accept_bytes(vocab.bytes(id));
}

void GrammarMatcher::rollback(size_t n) {
  n = std::min(n, history_.size() - 1);
  history_.resize(history_.size() - n);
  terminated_at_.resize(history_.size());
  terminated_ = terminated_at_.back();
}

void GrammarMatcher::add_uncertain(uint32_t resume, const PositionTokenMasks& masks,
                                   uint32_t* words) {
  // Check each distinct suffix once against the real frames below the studied ones.
  if (walk_.size() < 2) walk_.resize(2);
  walk_[0].clear();
  stepper_.return_to(resume, walk_[0]);
  suffix_ok_.assign(masks.suffixes.size(), 0);
  size_t valid = 0;
  for (size_t k = 0; k < masks.suffixes.size(); ++k) {
    const std::string& s = masks.suffixes[k];
    size_t d = std::min<size_t>(masks.suffix_lcp[k], valid);
    bool dead = walk_[d].tops.empty();
    while (d < s.size() && !dead) {
      if (walk_.size() < d + 2) walk_.resize(d + 2);
      stepper_.advance(walk_[d].tops, static_cast<uint8_t>(s[d]), walk_[d + 1]);
      ++d;
      dead = walk_[d].tops.empty() && !walk_[d].accepting;
    }
    valid = d;
    suffix_ok_[k] = !dead && d == s.size();
  }
  for (size_t i = 0; i < masks.uncertain_ids.size(); ++i) {
    const int32_t id = masks.uncertain_ids[i];
    uint32_t& w = words[id / 32];
    const uint32_t bit = 1u << (id % 32);
    if (w & bit) continue;
    for (uint32_t j = masks.suffix_begin[i]; j < masks.suffix_begin[i + 1]; ++j) {
      if (suffix_ok_[masks.suffix_of[j]]) {
        w |= bit;
        break;
      }
    }
  }
}

void GrammarMatcher::fill_next_token_mask(uint32_t* words) {
  const TokenVocabulary& vocab = grammar_->vocab();
  const size_t n_words = vocab.mask_words();
  std::memset(words, 0, n_words * sizeof(uint32_t));
  if (terminated_) return;
  // Copy: computing masks may grow history_'s scratch neighbours but never history_ itself.
  const PdaFrontier& cur = history_.back();
  // Group the stack tops by caller: tops sharing a caller are studied as one frontier.
  groups_.clear();
  for (uint32_t top : cur.tops) groups_.push_back({pool_.parent(top), pool_.pos(top)});
  std::sort(groups_.begin(), groups_.end());
  groups_.erase(std::unique(groups_.begin(), groups_.end()), groups_.end());
  for (size_t g = 0; g < groups_.size();) {
    const uint32_t caller = groups_[g].first;
    positions_.clear();
    for (; g < groups_.size() && groups_[g].first == caller; ++g)
      positions_.push_back(groups_[g].second);
    // Study the group alone, or with its caller when alone leaves too much undecided.
    const bool can_deepen = caller > StackPool::kUnknownCaller;
    const PositionTokenMasks* masks = &grammar_->masks_for(
        positions_, std::nullopt, can_deepen ? kGiveUpAboveUncertain : SIZE_MAX);
    uint32_t resume = caller;
    if (can_deepen && (masks->gave_up || masks->suffixes.size() > kDeepenAboveSuffixes)) {
      masks = &grammar_->masks_for(positions_, pool_.pos(caller), SIZE_MAX,
                                   masks->gave_up ? nullptr : masks);
      resume = pool_.parent(caller);
    }
    if (masks->lists_rejected) {
      const uint32_t* normal = vocab.normal_mask().data();
      if (groups_.size() == positions_.size()) {
        // The only group: write straight into the mask.
        std::memcpy(words, normal, n_words * sizeof(uint32_t));
        for (int32_t id : masks->listed) words[id / 32] &= ~(1u << (id % 32));
        for (int32_t id : masks->uncertain_ids) words[id / 32] &= ~(1u << (id % 32));
      } else {
        scratch_words_.assign(normal, normal + n_words);
        for (int32_t id : masks->listed) scratch_words_[id / 32] &= ~(1u << (id % 32));
        for (int32_t id : masks->uncertain_ids) scratch_words_[id / 32] &= ~(1u << (id % 32));
        for (size_t w = 0; w < n_words; ++w) words[w] |= scratch_words_[w];
      }
    } else {
      for (int32_t id : masks->listed) words[id / 32] |= 1u << (id % 32);
    }
    if (!masks->uncertain_ids.empty()) add_uncertain(resume, *masks, words);
  }
  if (cur.accepting) {
    for (int32_t id : vocab.eog_ids()) words[id / 32] |= 1u << (id % 32);
  }
}

}  // namespace ruvllm::structured
