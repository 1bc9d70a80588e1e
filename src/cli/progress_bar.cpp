#include "cli/progress_bar.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace ruvllm::cli {

bool is_terminal(std::FILE* stream) {
  return isatty(fileno(stream)) == 1;
}

std::string format_bytes(uint64_t bytes) {
  static const char* const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = double(bytes);
  int unit = 0;
  while (value >= 1024 && unit < 4) {
    value /= 1024;
    ++unit;
  }
  char buf[32];
  if (unit == 0)
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  else
    std::snprintf(buf, sizeof buf, "%.1f %s", value, units[unit]);
  return buf;
}

namespace {

std::string format_duration(double seconds) {
  char buf[32];
  const long s = std::lround(seconds);
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%lds", s);
  return buf;
}

}  // namespace

ProgressBar::ProgressBar(std::string label, uint64_t total, std::FILE* stream, uint64_t start)
    : label_(std::move(label)),
      total_(total),
      stream_(stream),
      terminal_(is_terminal(stream)),
      start_(start),
      done_(start),
      began_(std::chrono::steady_clock::now()),
      last_draw_(began_ - std::chrono::seconds(10)) {}

ProgressBar::~ProgressBar() {
  // An operation that failed part-way leaves the bar where it stopped; end its line so the
  // error message that follows starts on a fresh one.
  if (!finished_ && terminal_ && last_draw_ > began_) std::fputc('\n', stream_);
}

std::string ProgressBar::render(uint64_t done, bool final) const {
  using namespace std::chrono;
  const double elapsed = duration<double>(steady_clock::now() - began_).count();
  const double speed = elapsed > 0 ? double(done - std::min(done, start_)) / elapsed : 0;
  std::string line = label_;
  char buf[96];
  if (total_ > 0) {
    const double fraction = std::min(1.0, double(done) / double(total_));
    if (terminal_) {
      constexpr int kWidth = 24;
      const int filled = int(fraction * kWidth);
      line += "  [";
      for (int i = 0; i < kWidth; ++i) line += i < filled ? '=' : (i == filled ? '>' : ' ');
      line += ']';
    }
    std::snprintf(buf, sizeof buf, " %4.0f%%  ", fraction * 100);
    line += buf;
    line += format_bytes(done) + "/" + format_bytes(total_);
  } else {
    line += "  " + format_bytes(done);
  }
  if (speed > 0) line += "  " + format_bytes(uint64_t(speed)) + "/s";
  if (final) {
    line += "  in " + format_duration(elapsed);
  } else if (total_ > 0 && speed > 0 && done < total_) {
    line += "  ETA " + format_duration(double(total_ - done) / speed);
  }
  return line;
}

void ProgressBar::update(uint64_t done) {
  using namespace std::chrono;
  if (finished_) return;
  done_ = done;
  const auto now = steady_clock::now();
  if (terminal_) {
    if (now - last_draw_ < milliseconds(100)) return;
    // Pad over the remains of a longer previous line.
    std::fprintf(stream_, "\r%-90s", render(done, false).c_str());
    std::fflush(stream_);
    last_draw_ = now;
    return;
  }
  if (total_ > 0) {
    const int decile = int(std::min<uint64_t>(10, done * 10 / total_));
    if (decile <= last_decile_ || decile >= 10) return;  // 100% is finish()'s line
    last_decile_ = decile;
  } else if (now - last_draw_ < seconds(2)) {
    return;
  }
  std::fprintf(stream_, "%s\n", render(done, false).c_str());
  std::fflush(stream_);
  last_draw_ = now;
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_)
    std::fprintf(stream_, "\r%-90s\n", render(done_, true).c_str());
  else
    std::fprintf(stream_, "%s\n", render(done_, true).c_str());
  std::fflush(stream_);
}

}  // namespace ruvllm::cli
