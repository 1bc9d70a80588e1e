// The hand-off between the scheduler thread and the HTTP thread serving one request.
//
// The scheduler pushes pieces of generated text (with their tokens' log-probabilities) and
// finally an outcome; the HTTP thread consumes them, either forwarding each piece as a
// Server-Sent Event or collecting the whole answer. Either side may end the exchange early: the
// HTTP side by cancel() (the client went away), the scheduler by finishing with an error.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "server/api_error.h"
#include "server/openai_response.h"

namespace ruvllm::server {

// New text of one generation step (may be empty while a stop string or a UTF-8 character is
// still undecided) and the log-probabilities of the tokens sampled since the last piece.
struct GeneratedPiece {
  std::string text;
  std::vector<TokenLogprobInfo> logprobs;
};

struct GenerationOutcome {
  FinishReason finish_reason = FinishReason::kStop;
  Usage usage;
  std::optional<ApiError> error;  // set when the generation failed or timed out
  bool cancelled = false;         // the client cancelled
};

class RequestChannel {
 public:
  // --- HTTP side ---
  // Waits for the next piece; false once the generation has finished and every piece was read
  // (then outcome() is final). `timeout` bounds the wait: on expiry `*timed_out` is set and
  // false returned.
  bool next(GeneratedPiece& piece, std::chrono::milliseconds timeout, bool* timed_out);
  const GenerationOutcome& outcome() const { return outcome_; }
  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }

  // --- scheduler side ---
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  void push(GeneratedPiece piece);
  void finish(GenerationOutcome outcome);
  bool finished() const;

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<GeneratedPiece> pieces_;
  bool finished_ = false;
  GenerationOutcome outcome_;
  std::atomic<bool> cancelled_{false};
};

}  // namespace ruvllm::server
