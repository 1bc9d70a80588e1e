// The pre-tokenizer regex matcher: ECMAScript semantics, and a differential test against what
// llama.cpp actually runs (std::regex over its "collapsed" text) for every pre-tokenizer.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <regex>

#include "core/error.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {
namespace {

std::vector<size_t> split_cps(const std::string& pattern, const std::string& text) {
  Regex re(pattern);
  std::vector<uint32_t> sym;
  for (uint32_t cp : decode_utf8(text))
    sym.push_back(re.collapsed() ? collapse_symbol(cp) : codepoint_symbol(cp));
  std::vector<size_t> out;
  re.split(sym, {sym.size()}, out);
  return out;
}

TEST(Regex, AlternationIsOrderedNotLongest) {
  EXPECT_EQ(split_cps("a|ab", "ab"), (std::vector<size_t>{1, 1}));
  EXPECT_EQ(split_cps("ab|a", "ab"), (std::vector<size_t>{2}));
}

TEST(Regex, GreedyQuantifiersBacktrackIntoLookahead) {
  // \s+(?!\S) leaves the last space to the following word.
  EXPECT_EQ(split_cps(R"(\s+(?!\S)|\p{L}+| ?\p{L}+)", "a   b"), (std::vector<size_t>{1, 2, 2}));
  EXPECT_EQ(split_cps(R"(\p{N}{1,3})", "1234567"), (std::vector<size_t>{3, 3, 1}));
  EXPECT_EQ(split_cps(R"([0-9]{2,}?)", "12345"), (std::vector<size_t>{2, 2, 1}));
}

TEST(Regex, CategoriesFollowLlamaCppCollapse) {
  // \p{L} covers any letter; \p{S} lacks '~' as in llama.cpp's table.
  EXPECT_EQ(split_cps(R"(\p{L}+)", "héжx1"), (std::vector<size_t>{4, 1}));
  EXPECT_EQ(split_cps(R"(\p{S}+)", "$~€"), (std::vector<size_t>{1, 1, 1}));
  // Non-ASCII whitespace is \s.
  EXPECT_EQ(split_cps(R"(\s+)", "a\u3000\u00A0b"), (std::vector<size_t>{1, 2, 1}));
}

TEST(Regex, EmptyMatchesAdvanceLikeRegexIterator) {
  // Lookahead-only pattern: one empty match, before the last three digits.
  EXPECT_EQ(split_cps(R"((?=(\d{3})+(?!\d)))", "12345"), (std::vector<size_t>{2, 0, 3}));
  EXPECT_EQ(split_cps(R"((?=(\d{3})+(?!\d)))", "1234567"), (std::vector<size_t>{1, 0, 3, 0, 3}));
}

TEST(Regex, LongRunsStayLinear) {
  // \s+$ fails at every space of a long run not at the end; skipping the run keeps this
  // linear (a quadratic search would take hours here).
  const std::string spaces(300000, ' ');
  EXPECT_EQ(split_cps(R"(\s+$)", spaces + "a"), (std::vector<size_t>{300001}));
  EXPECT_EQ(split_cps(R"(\s+$)", "a" + spaces), (std::vector<size_t>{1, 300000}));
}

TEST(Regex, DeepBacktrackingIsAnErrorNotACrash) {
  // General (non one-symbol) repeats recurse per iteration; past a limit the matcher reports
  // an error instead of overflowing the stack.
  std::string abab;
  for (int i = 0; i < 200000; ++i) abab += "ab";
  EXPECT_THROW(split_cps(R"((?:ab)+)", abab), Error);
  EXPECT_THROW(split_cps(R"((?:a\p{M}*)+)", std::string(200000, 'a')), Error);
  EXPECT_EQ(split_cps(R"((?:ab)+)", "ababx"), (std::vector<size_t>{4, 1}));
}

TEST(Regex, UnsupportedSyntaxIsAnError) {
  EXPECT_THROW(Regex("(?<=a)b"), Error);
  EXPECT_THROW(Regex("[a-"), Error);
  EXPECT_THROW(Regex(R"(\p{L}é)"), Error);
}

// ---- llama.cpp's reference procedure, with std::regex as it uses it ----

std::string collapse_pattern(const std::string& re) {
  static const std::map<std::string, std::string> cats = {
      {"\\p{N}", "\xD1\x30-\x39"},
      {"\\p{L}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{Lu}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{Ll}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{Lt}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{Lm}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{Lo}", "\xD2\x41-\x5A\x61-\x7A"},
      {"\\p{P}", "\xD3\x21-\x23\x25-\x2A\x2C-\x2F\x3A-\x3B\x3F-\x40\\\x5B-\\\x5D\x5F\\\x7B\\\x7D"},
      {"\\p{M}", "\xD4"},
      {"\\p{S}", "\xD5\\\x24\\\x2B\x3C-\x3E\x5E\x60\\\x7C"},
  };
  std::string out;
  bool inside = false;
  for (size_t i = 0; i < re.size(); ++i) {
    if (re[i] == '[' && (i == 0 || re[i - 1] != '\\')) {
      out += '[';
      inside = true;
      continue;
    }
    if (inside && re[i] == ']' && re[i - 1] != '\\') {
      out += ']';
      inside = false;
      continue;
    }
    if (re[i] == '\\' && i + 3 < re.size() && re[i + 1] == 'p' && re[i + 2] == '{') {
      size_t close = re.find('}', i + 3);
      if (close != std::string::npos) {
        auto it = cats.find(re.substr(i, close - i + 1));
        if (it != cats.end()) {
          out += inside ? it->second : "[" + it->second + "]";
          i = close;
          continue;
        }
      }
    }
    out += re[i];
  }
  return out;
}

bool uses_categories(const std::string& re) {
  for (const char* c : {"\\p{N}", "\\p{L}", "\\p{P}", "\\p{M}", "\\p{S}", "\\p{Lu}", "\\p{Ll}",
                        "\\p{Lt}", "\\p{Lm}", "\\p{Lo}"})
    if (re.find(c) != std::string::npos) return true;
  return false;
}

template <class CharT>
std::vector<size_t> stl_split(const std::basic_string<CharT>& text,
                              const std::basic_string<CharT>& pattern,
                              const std::vector<size_t>& pieces) {
  std::basic_regex<CharT> expr(pattern,
                               std::regex_constants::optimize | std::regex_constants::nosubs);
  std::vector<size_t> out;
  size_t start = 0;
  for (size_t piece : pieces) {
    std::regex_iterator<const CharT*> it(text.data() + start, text.data() + start + piece, expr),
        end;
    int64_t idx = 0;
    for (; it != end; ++it) {
      auto m = *it;
      if (m.position() > idx) out.push_back(size_t(m.position() - idx));
      out.push_back(size_t(m.length()));
      idx = m.position() + m.length();
    }
    if (idx < int64_t(piece)) out.push_back(piece - size_t(idx));
    start += piece;
  }
  return out;
}

// Words as llama.cpp's unicode_regex_split makes them, with std::regex for every pattern.
std::vector<std::string> reference_split(const std::string& text,
                                         const std::vector<std::string>& regexes) {
  const auto cps = decode_utf8(text);
  std::string collapsed;
  std::wstring wide;
  for (uint32_t cp : cps) {
    collapsed.push_back(char(collapse_symbol(cp)));
    wide.push_back(wchar_t(codepoint_symbol(cp)));
  }
  std::vector<size_t> pieces{cps.size()};
  for (const std::string& re : regexes) {
    if (uses_categories(re)) {
      pieces = stl_split<char>(collapsed, collapse_pattern(re), pieces);
    } else {
      std::wstring wre;
      for (uint32_t cp : decode_utf8(re)) wre.push_back(wchar_t(cp));
      pieces = stl_split<wchar_t>(wide, wre, pieces);
    }
  }
  std::vector<std::string> words;
  size_t begin = 0;
  for (size_t len : pieces) {
    std::string utf8, word;
    for (size_t i = begin; i < begin + len; ++i) append_utf8(utf8, cps[i]);
    for (unsigned char b : utf8) word += byte_to_unicode(b);
    words.push_back(word);
    begin += len;
  }
  return words;
}

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> alphabet = {"a",    "Z",      "k",      "é",
                                                    "ж",    "Ω",      "中",     "ー",
                                                    "ﾊ",    "가",     "3",      "0",
                                                    "٣",    "½",      "Ⅻ",      " ",
                                                    " ",    "  ",     "\t",     "\n",
                                                    "\r\n", "\u00A0", "\u3000", "'",
                                                    "'s",   "'T",     "'re",    "'LL",
                                                    "'ve",  ".",      ",",      "!",
                                                    "?",    "…",      "。",     "，",
                                                    "-",    "_",      "(",      ")",
                                                    "[",    "]",      "$",      "+",
                                                    "<",    "=",      "~",      "|",
                                                    "`",    "^",      "€",      "©",
                                                    "😀",    "\u0301", "\u200B", "\x01",
                                                    "/",    "\\",     "\"",     "#",
                                                    "%",    "@",      "&",      "*",
                                                    "{",    "}",      "IMGIMG", "<sentinel:12>",
                                                    "A",    "B",      "Hello",  "world",
                                                    "The",  "i",      "ا",      "ह",
                                                    "ि",    "123",    "4567"};
  std::uniform_int_distribution<int> len(0, 24);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1);
  std::string s;
  for (int i = len(rng); i > 0; --i) s += alphabet[pick(rng)];
  return s;
}

class PreTokenizerDifferential : public ::testing::TestWithParam<const char*> {};

// Our pre-tokenizer gives the words llama.cpp's (std::regex over collapsed text) gives.
TEST_P(PreTokenizerDifferential, MatchesStdRegexReference) {
  const PreTokenizerSpec* spec = find_pre_tokenizer(GetParam());
  ASSERT_NE(spec, nullptr);
  PreTokenizer pre(*spec);
  std::mt19937 rng(1234);
  for (int i = 0; i < 300; ++i) {
    const std::string text = random_text(rng);
    ASSERT_EQ(pre.split(text), reference_split(text, spec->regexes)) << "text: '" << text << "'";
  }
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, PreTokenizerDifferential,
                         ::testing::Values("default", "llama-bpe", "deepseek-llm", "deepseek-coder",
                                           "deepseek-v3", "falcon", "starcoder", "gpt-2", "qwen2",
                                           "qwen35", "bloom", "viking", "tekken", "chameleon",
                                           "gpt-4o", "granite-embed-multi-97m", "tiny_aya",
                                           "superbpe", "bailingmoe", "seed-coder", "exaone-moe",
                                           "jais-2", "youtu", "minicpm5", "laguna", "ufakzeka",
                                           "spark2_5"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

}  // namespace
}  // namespace ruvllm::tokenizer_detail
