#include "runtime/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace ruvllm {
namespace {

constexpr float kNegInf = -std::numeric_limits<float>::infinity();

bool allowed_bit(const uint32_t* mask, int32_t id) {
  return (mask[id >> 5] >> (id & 31)) & 1u;
}

// The candidates' order: more likely first, ties by id (a total order, so every sort agrees).
constexpr auto more_likely = [](const auto& a, const auto& b) {
  return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
};

}  // namespace

Sampler::Sampler(SamplerParams params, int32_t n_vocab)
    : params_(std::move(params)), n_vocab_(n_vocab) {
  seed_ = params_.seed;
  if (seed_ == 0xFFFFFFFFu) seed_ = std::random_device{}();
  rng_.seed(seed_);
  candidates_.reserve(size_t(n_vocab));
  last_logits_.resize(size_t(n_vocab));
}

void Sampler::reset() {
  history_.clear();
  rng_.seed(seed_);
}

void Sampler::accept(int32_t token) {
  history_.push_back(token);
}

void Sampler::apply_penalties(float* logits) const {
  const bool repeat = params_.repeat_penalty != 1.0f;
  if (!repeat && params_.frequency_penalty == 0 && params_.presence_penalty == 0) return;
  if (history_.empty() || params_.repeat_last_n == 0) return;
  size_t start = 0;
  if (params_.repeat_last_n > 0 && history_.size() > size_t(params_.repeat_last_n))
    start = history_.size() - size_t(params_.repeat_last_n);
  std::unordered_map<int32_t, int> counts;
  for (size_t i = start; i < history_.size(); ++i) counts[history_[i]]++;
  for (const auto& [id, count] : counts) {
    if (id < 0 || id >= n_vocab_) continue;
    float& l = logits[id];
    if (repeat) l = l > 0 ? l / params_.repeat_penalty : l * params_.repeat_penalty;
    l -= float(count) * params_.frequency_penalty + params_.presence_penalty;
  }
}

int32_t Sampler::sample(float* logits, const uint32_t* allowed) {
  if (allowed)
    for (int32_t i = 0; i < n_vocab_; ++i)
      if (!allowed_bit(allowed, i)) logits[i] = kNegInf;
  for (const auto& [id, bias] : params_.logit_bias)
    if (id >= 0 && id < n_vocab_) logits[id] += bias;
  apply_penalties(logits);

  // The row for logprobs; its normaliser is computed only if logprobs are asked for.
  float mx = kNegInf;
  for (int32_t i = 0; i < n_vocab_; ++i) mx = std::max(mx, logits[i]);
  if (mx == kNegInf) return -1;
  std::copy(logits, logits + n_vocab_, last_logits_.begin());
  last_max_ = mx;
  last_log_sum_ = std::numeric_limits<float>::quiet_NaN();

  if (params_.temperature <= 0) {
    int32_t best = 0;
    for (int32_t i = 1; i < n_vocab_; ++i)
      if (logits[i] > logits[best]) best = i;
    return best;
  }

  candidates_.clear();
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (logits[i] != kNegInf) candidates_.push_back({i, logits[i], 0.f});
  // top-k: the k most likely, sorted (a heap pass over the vocabulary, cheap for small k).
  size_t sorted = 0;
  if (params_.top_k > 0 && size_t(params_.top_k) < candidates_.size()) {
    sorted = size_t(params_.top_k);
    std::partial_sort(candidates_.begin(), candidates_.begin() + long(sorted), candidates_.end(),
                      more_likely);
    candidates_.resize(sorted);
  }
  softmax();
  if (params_.top_p < 1.0f) keep_top_p(sorted);
  // min-p: drop tokens less likely than min_p times the best.
  if (params_.min_p > 0) {
    float best = 0;
    for (const auto& c : candidates_) best = std::max(best, c.p);
    const float floor = best * params_.min_p;
    std::erase_if(candidates_, [&](const Candidate& c) { return c.p < floor; });
  }
  for (auto& c : candidates_) c.logit /= params_.temperature;
  softmax();
  return draw();
}

void Sampler::softmax() {
  float m = kNegInf;
  for (const auto& c : candidates_) m = std::max(m, c.logit);
  double s = 0;
  for (auto& c : candidates_) {
    c.p = std::exp(c.logit - m);
    s += c.p;
  }
  for (auto& c : candidates_) c.p = float(c.p / s);
}

void Sampler::keep_top_p(size_t sorted) {
  // Sorts only as far as the mass needs: a prefix sorted in growing steps, each step a partial
  // sort of the rest, is the full sort's prefix (the order is total), at a fraction of its cost
  // over a large vocabulary.
  size_t n = 0;
  double cum = 0;
  while (n < candidates_.size()) {
    if (n == sorted) {
      const size_t next = std::min(candidates_.size(), std::max<size_t>(64, sorted * 4));
      std::partial_sort(candidates_.begin() + long(sorted), candidates_.begin() + long(next),
                        candidates_.end(), more_likely);
      sorted = next;
    }
    cum += candidates_[n].p;
    ++n;
    if (cum >= params_.top_p) break;
  }
  candidates_.resize(std::max<size_t>(n, 1));
}

float Sampler::last_log_sum() const {
  if (std::isnan(last_log_sum_)) {
    double sum = 0;
    for (float l : last_logits_) sum += std::exp(double(l - last_max_));
    last_log_sum_ = float(std::log(sum));
  }
  return last_log_sum_;
}

int32_t Sampler::draw() {
  // 53 random bits -> a double in [0, 1): portable across standard libraries.
  const double u = double(rng_() >> 11) * (1.0 / 9007199254740992.0);
  double cum = 0;
  for (const auto& c : candidates_) {
    cum += c.p;
    if (u < cum) return c.id;
  }
  return candidates_.back().id;
}

float Sampler::last_logprob(int32_t token) const {
  if (token < 0 || token >= n_vocab_) return kNegInf;
  return last_logits_[size_t(token)] - last_max_ - last_log_sum();
}

std::vector<TokenLogprob> Sampler::last_top(int n) const {
  const float log_sum = last_log_sum();
  std::vector<TokenLogprob> all;
  all.reserve(last_logits_.size());
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (last_logits_[size_t(i)] != kNegInf)
      all.push_back({i, last_logits_[size_t(i)] - last_max_ - log_sum});
  const size_t k = std::min(all.size(), size_t(std::max(n, 0)));
  std::partial_sort(all.begin(), all.begin() + long(k), all.end(),
                    [](const auto& a, const auto& b) {
                      return a.logprob > b.logprob || (a.logprob == b.logprob && a.id < b.id);
                    });
  all.resize(k);
  return all;
}

}  // namespace ruvllm
