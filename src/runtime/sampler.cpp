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

  // Normaliser for logprobs.
  float mx = kNegInf;
  for (int32_t i = 0; i < n_vocab_; ++i) mx = std::max(mx, logits[i]);
  if (mx == kNegInf) return -1;
  double sum = 0;
  for (int32_t i = 0; i < n_vocab_; ++i) sum += std::exp(double(logits[i] - mx));
  std::copy(logits, logits + n_vocab_, last_logits_.begin());
  last_max_ = mx;
  last_log_sum_ = float(std::log(sum));

  if (params_.temperature <= 0) {
    int32_t best = 0;
    for (int32_t i = 1; i < n_vocab_; ++i)
      if (logits[i] > logits[best]) best = i;
    return best;
  }

  candidates_.clear();
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (logits[i] != kNegInf) candidates_.push_back({i, logits[i], 0.f});
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.id < b.id);
  };
  // top-k
  size_t keep = candidates_.size();
  if (params_.top_k > 0 && size_t(params_.top_k) < keep) keep = size_t(params_.top_k);
  std::partial_sort(candidates_.begin(), candidates_.begin() + long(keep), candidates_.end(),
                    by_logit);
  candidates_.resize(keep);

  auto softmax = [&] {
    const float m = candidates_.front().logit;
    double s = 0;
    for (auto& c : candidates_) {
      c.p = std::exp(c.logit - m);
      s += c.p;
    }
    for (auto& c : candidates_) c.p = float(c.p / s);
  };
  softmax();
  // top-p: smallest prefix whose mass reaches p (at least one token).
  if (params_.top_p < 1.0f) {
    double cum = 0;
    size_t n = 0;
    while (n < candidates_.size()) {
      cum += candidates_[n].p;
      ++n;
      if (cum >= params_.top_p) break;
    }
    candidates_.resize(n);
  }
  // min-p: drop tokens less likely than min_p times the best.
  if (params_.min_p > 0) {
    const float floor = candidates_.front().p * params_.min_p;
    size_t n = 1;
    while (n < candidates_.size() && candidates_[n].p >= floor) ++n;
    candidates_.resize(n);
  }
  for (auto& c : candidates_) c.logit /= params_.temperature;
  softmax();
  return draw();
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
  return last_logits_[size_t(token)] - last_max_ - last_log_sum_;
}

std::vector<TokenLogprob> Sampler::last_top(int n) const {
  std::vector<TokenLogprob> all;
  all.reserve(last_logits_.size());
  for (int32_t i = 0; i < n_vocab_; ++i)
    if (last_logits_[size_t(i)] != kNegInf)
      all.push_back({i, last_logits_[size_t(i)] - last_max_ - last_log_sum_});
  const size_t k = std::min(all.size(), size_t(std::max(n, 0)));
  std::partial_sort(all.begin(), all.begin() + long(k), all.end(),
                    [](const auto& a, const auto& b) {
                      return a.logprob > b.logprob || (a.logprob == b.logprob && a.id < b.id);
                    });
  all.resize(k);
  return all;
}

}  // namespace ruvllm
