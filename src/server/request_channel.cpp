#include "server/request_channel.h"

namespace ruvllm::server {

bool RequestChannel::next(GeneratedPiece& piece, std::chrono::milliseconds timeout,
                          bool* timed_out) {
  std::unique_lock lock(mutex_);
  if (timed_out) *timed_out = false;
  if (!ready_.wait_for(lock, timeout, [&] { return !pieces_.empty() || finished_; })) {
    if (timed_out) *timed_out = true;
    return false;
  }
  if (pieces_.empty()) return false;  // finished
  piece = std::move(pieces_.front());
  pieces_.pop_front();
  return true;
}

void RequestChannel::push(GeneratedPiece piece) {
  {
    std::lock_guard lock(mutex_);
    pieces_.push_back(std::move(piece));
  }
  ready_.notify_all();
}

void RequestChannel::finish(GenerationOutcome outcome) {
  {
    std::lock_guard lock(mutex_);
    outcome_ = std::move(outcome);
    finished_ = true;
  }
  ready_.notify_all();
}

bool RequestChannel::finished() const {
  std::lock_guard lock(mutex_);
  return finished_;
}

}  // namespace ruvllm::server
