#include "structured/json_validator_regex.h"

#include <pthread.h>

#include <algorithm>

#include "core/error.h"

namespace ruvllm::structured::detail {

std::wstring utf8_to_wide(std::string_view text) {
  static_assert(sizeof(wchar_t) == 4, "UTF-32 wchar_t expected");
  std::wstring out;
  out.reserve(text.size());
  std::size_t i = 0;
  while (i < text.size()) {
    unsigned char lead = static_cast<unsigned char>(text[i]);
    int extra = lead < 0x80           ? 0
                : (lead >> 5) == 0x6  ? 1
                : (lead >> 4) == 0xE  ? 2
                : (lead >> 3) == 0x1E ? 3
                                      : -1;
    if (extra < 0 || i + extra >= text.size()) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    char32_t cp = extra == 0 ? lead : lead & (0x3F >> extra);
    bool valid = true;
    for (int k = 1; k <= extra; ++k) {
      unsigned char cont = static_cast<unsigned char>(text[i + k]);
      if ((cont & 0xC0) != 0x80) valid = false;
      cp = (cp << 6) | (cont & 0x3F);
    }
    static constexpr char32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (!valid || cp < kMinForLength[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out.push_back(0xFFFD);
      ++i;
      continue;
    }
    out.push_back(static_cast<wchar_t>(cp));
    i += extra + 1;
  }
  return out;
}

EcmaRegex::EcmaRegex(const std::string& pattern) : pattern_(pattern) {
  try {
    regex_ = std::wregex(utf8_to_wide(pattern), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw FormatError("regular expression /" + pattern + "/ is not supported: " + e.what());
  }
}

namespace {

// libstdc++ matches recursively, a few hundred bytes of stack per input character, so a long
// string can overflow a thread's stack. Short inputs run in place; longer ones on a helper thread
// whose stack is sized for them.
constexpr std::size_t kInlineMatchLimit = 1000;
constexpr std::size_t kStackBytesPerChar = 4096;

struct MatchJob {
  const std::wregex* regex;
  const std::wstring* text;
  bool matched = false;
  bool failed = false;
};

void* run_match(void* arg) {
  auto* job = static_cast<MatchJob*>(arg);
  try {
    job->matched = std::regex_search(*job->text, *job->regex);
  } catch (const std::exception&) {
    job->failed = true;  // e.g. std::regex_error(error_complexity)
  }
  return nullptr;
}

}  // namespace

bool EcmaRegex::search(std::string_view text) const {
  std::wstring wide = utf8_to_wide(text);
  MatchJob job{&regex_, &wide};
  if (wide.size() <= kInlineMatchLimit) {
    run_match(&job);
  } else {
    if (wide.size() > kMaxMatchLength) return false;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr,
                              std::max<std::size_t>(8u << 20, wide.size() * kStackBytesPerChar));
    pthread_t thread;
    if (pthread_create(&thread, &attr, run_match, &job) != 0) {
      pthread_attr_destroy(&attr);
      throw Error("cannot start a thread to match a regular expression against a long string");
    }
    pthread_join(thread, nullptr);
    pthread_attr_destroy(&attr);
  }
  return job.matched && !job.failed;
}

}  // namespace ruvllm::structured::detail
