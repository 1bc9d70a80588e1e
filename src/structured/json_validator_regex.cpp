#include "structured/json_validator_regex.h"

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

bool EcmaRegex::search(std::string_view text) const {
  std::wstring wide = utf8_to_wide(text);
  return std::regex_search(wide, regex_);
}

}  // namespace ruvllm::structured::detail
