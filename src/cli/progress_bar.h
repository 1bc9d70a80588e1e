// Progress of a long operation (a download, a model load) reported on a terminal stream.
//
// On a terminal the bar redraws one line in place ("\r"), at most ten times a second:
//   model.gguf  [=========>          ]  45%  12.3/27.0 MiB  5.1 MiB/s  ETA 3s
// When the stream is not a terminal (a log file, a pipe, CI) redrawing would fill it with
// carriage returns, so the bar writes a plain line every tenth of the way (and at most one every
// two seconds when the total is unknown) and a final line on finish().
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace ruvllm::cli {

// True when `stream` is attached to a terminal.
bool is_terminal(std::FILE* stream);

// "12.3 MiB", "512 B": a byte count for people.
std::string format_bytes(uint64_t bytes);

class ProgressBar {
 public:
  // `total` of 0 means unknown. `start` is where a resumed operation starts (counted as done,
  // but not in the speed).
  ProgressBar(std::string label, uint64_t total, std::FILE* stream = stderr, uint64_t start = 0);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void set_total(uint64_t total) { total_ = total; }
  // Records that `done` units are complete; redraws when due.
  void update(uint64_t done);
  // Draws the final state and ends the line; later calls do nothing.
  void finish();

 private:
  std::string render(uint64_t done, bool final) const;

  std::string label_;
  uint64_t total_;
  std::FILE* stream_;
  bool terminal_;
  uint64_t start_;
  uint64_t done_ = 0;
  bool finished_ = false;
  int last_decile_ = -1;
  std::chrono::steady_clock::time_point began_;
  std::chrono::steady_clock::time_point last_draw_;
};

}  // namespace ruvllm::cli
