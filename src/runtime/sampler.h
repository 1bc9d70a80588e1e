// Picks the next token from a row of logits.
//
// The chain follows llama.cpp's default order so that the same settings behave the same way:
// allowed-token mask -> logit bias -> repetition / frequency / presence penalties -> top-k ->
// top-p -> min-p -> temperature -> draw from the softmax with a seeded RNG. A temperature of zero
// or less is greedy (argmax after mask, bias and penalties). The same seed and inputs always give
// the same tokens.
#pragma once

#include <cstdint>
#include <random>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ruvllm {

struct SamplerParams {
  float temperature = 0.8f;     // <= 0: greedy
  int32_t top_k = 40;           // <= 0: all tokens
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off (llama.cpp semantics: divide positive, multiply negative)
  int32_t repeat_last_n = 64;   // window for all penalties; -1: everything accepted so far
  float frequency_penalty = 0;  // subtracted per occurrence in the window (OpenAI semantics)
  float presence_penalty = 0;   // subtracted once if present in the window
  std::vector<std::pair<int32_t, float>> logit_bias;  // added to the logit; -inf bans a token
  uint64_t seed = 0xFFFFFFFF;                         // 0xFFFFFFFF: a random seed
};

// A token and its log-probability (OpenAI `logprobs`).
struct TokenLogprob {
  int32_t id;
  float logprob;
};

class Sampler {
 public:
  Sampler(SamplerParams params, int32_t n_vocab);

  // Samples from `logits` (n_vocab floats; modified in place).
  int32_t sample(float* logits) { return sample(logits, nullptr); }
  // As above, with a bitmask of allowed tokens (bit i of word i/32); tokens not allowed are never
  // chosen. Returns -1 when the mask allows nothing.
  int32_t sample(float* logits, const uint32_t* allowed);

  // Records a token (prompt or generated) for the penalties.
  void accept(int32_t token);
  void reset();

  const SamplerParams& params() const { return params_; }
  // The seed actually used (a random one when params.seed was 0xFFFFFFFF).
  uint64_t seed() const { return seed_; }

  // log-softmax of the logits the last sample() saw after mask, bias and penalties (before
  // top-k/p and temperature), as OpenAI's `logprobs` report them: the chosen token's logprob and
  // the `n` most likely alternatives.
  float last_logprob(int32_t token) const;
  std::vector<TokenLogprob> last_top(int n) const;

 private:
  void apply_penalties(float* logits) const;
  // Keeps the shortest most likely prefix of the candidates whose mass reaches top_p; the first
  // `sorted` candidates are already in order.
  void keep_top_p(size_t sorted);
  // Probabilities of the candidates (softmax of their logits, in place).
  void softmax();
  int32_t draw();
  // The log-softmax normaliser of last_logits_, computed when logprobs are first asked for.
  float last_log_sum() const;

  SamplerParams params_;
  int32_t n_vocab_;
  uint64_t seed_;
  std::mt19937_64 rng_;
  std::vector<int32_t> history_;
  struct Candidate {
    int32_t id;
    float logit;
    float p;
  };
  std::vector<Candidate> candidates_;  // reused scratch
  // The last row (for logprobs), its maximum and its log-softmax normaliser (NaN until asked).
  std::vector<float> last_logits_;
  float last_max_ = 0;
  mutable float last_log_sum_ = 0;
};

}  // namespace ruvllm
