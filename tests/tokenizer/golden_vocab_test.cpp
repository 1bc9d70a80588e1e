// llama.cpp's tokenizer test vectors (golden/tokenizer): every case of every vocabulary must
// tokenize to exactly the ids llama.cpp produced, and decode back to its input.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "gguf/gguf_file.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm {
namespace {

// The vocabularies in golden/tokenizer that come with test vectors.
const char* const kVocabs[] = {"bert-bge",  "deepseek-coder", "falcon", "gpt-2",
                               "llama-bpe", "llama-spm",      "mpt",    "phi-3",
                               "refact",    "starcoder"};

struct Case {
  std::string text;
  std::vector<int32_t> ids;
};

// The .inp file holds the cases separated by "\n__ggml_vocab_test__\n" (the file ends with one,
// so a case never includes the newline before a separator); the .out file has one line of
// space-separated ids per case. This is how llama.cpp's test-tokenizer-0 reads them.
std::vector<Case> read_cases(const std::filesystem::path& inp, const std::filesystem::path& out) {
  const std::string raw = test::read_file(inp);
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < raw.size();) {
    size_t next = raw.find(sep, pos);
    if (next == std::string::npos) {
      texts.push_back(raw.substr(pos));
      break;
    }
    texts.push_back(raw.substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<Case> cases;
  std::istringstream lines(test::read_file(out));
  std::string line;
  for (size_t i = 0; std::getline(lines, line); ++i) {
    if (i >= texts.size()) throw std::runtime_error("more .out lines than .inp cases");
    Case c{texts[i], {}};
    std::istringstream ids(line);
    for (int32_t id; ids >> id;) c.ids.push_back(id);
    cases.push_back(std::move(c));
  }
  if (cases.size() != texts.size()) throw std::runtime_error(".inp and .out disagree");
  return cases;
}

// llama.cpp's decoder removes the space before ?!., and 's 'm 're 've and around a lone
// apostrophe for vocabularies with clean_spaces (byte-level BPE, except where the pre-tokenizer
// turns it off). This is the text such a decoder must give back for `s`.
std::string expected_clean_text(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool space_before = !out.empty() && out.back() == ' ' && i > 0;
    if (space_before && (c == '?' || c == '!' || c == '.' || c == ',')) out.pop_back();
    out.push_back(c);
  }
  std::string b;
  for (size_t i = 0; i < out.size(); ++i) {
    if (i > 0 && out[i] == '\'' && i + 1 < out.size() && out[i - 1] == ' ' && out[i + 1] == ' ') {
      b.pop_back();
      b.push_back('\'');
      ++i;
      continue;
    }
    b.push_back(out[i]);
  }
  std::string c;
  for (size_t i = 0; i < b.size(); ++i) {
    if (i > 0 && b[i - 1] == ' ' && b[i] == '\'' && i + 1 < b.size()) {
      char x1 = b[i + 1];
      char x2 = i + 2 < b.size() ? b[i + 2] : 0;
      if (x1 == 's' || x1 == 'm' || (x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e'))
        c.pop_back();
    }
    c.push_back(b[i]);
  }
  return c;
}

bool clean_spaces_vocab(const Tokenizer& tok) {
  if (tok.model_name() == "bert") return true;
  if (tok.model_name() != "gpt2") return false;
  const std::string& pre = tok.pre_name();
  return pre != "deepseek-coder" && pre != "deepseek-llm";
}

class GoldenVocab : public ::testing::TestWithParam<const char*> {};

TEST_P(GoldenVocab, EncodesLikeLlamaCppAndRoundTrips) {
  const std::string name = GetParam();
  const auto dir = test::golden("tokenizer");
  const auto gguf_path = dir / ("ggml-vocab-" + name + ".gguf");
  RUVLLM_REQUIRE_GOLDEN(gguf_path);
  auto file = gguf::GgufFile::open(gguf_path.string());
  auto tok = Tokenizer::from_gguf(*file);
  const auto cases = read_cases(dir / ("ggml-vocab-" + name + ".gguf.inp"),
                                dir / ("ggml-vocab-" + name + ".gguf.out"));
  ASSERT_FALSE(cases.empty());

  size_t encode_ok = 0, decode_ok = 0, decode_checked = 0;
  for (const Case& c : cases) {
    // As llama.cpp's test: no BOS/EOS, control-token texts not parsed.
    const std::vector<int32_t> ids = tok->encode(c.text, false, false);
    EXPECT_EQ(ids, c.ids) << name << ": case '" << c.text << "'";
    if (ids == c.ids) ++encode_ok;

    const std::string decoded = tok->decode(ids);
    if (tok->model_name() == "bert") {
      // WordPiece normalises (lower-case, accents stripped, control characters dropped,
      // punctuation split off), so the text cannot come back; what must come back is the
      // tokenization: decoding is a fixed point of encoding. Words made the unknown token
      // decode to nothing and are skipped.
      if (std::find(ids.begin(), ids.end(), tok->unk_id()) != ids.end()) continue;
      ++decode_checked;
      EXPECT_EQ(tok->encode(decoded, false, false), ids) << name << ": decoded '" << decoded << "'";
      if (tok->encode(decoded, false, false) == ids) ++decode_ok;
    } else {
      // SPM: the first piece's space prefix is removed, so the text comes back as is.
      // Byte-level BPE: every byte is representable, so it comes back exactly, except for the
      // clean-up of spaces before punctuation that llama.cpp applies when decoding.
      ++decode_checked;
      const std::string expected = clean_spaces_vocab(*tok) ? expected_clean_text(c.text) : c.text;
      EXPECT_EQ(decoded, expected) << name << ": case '" << c.text << "'";
      if (decoded == expected) ++decode_ok;
    }
  }
  std::cout << "[ vocab    ] " << name << ": encode " << encode_ok << "/" << cases.size()
            << ", decode " << decode_ok << "/" << decode_checked << "\n";
}

INSTANTIATE_TEST_SUITE_P(Tokenizer, GoldenVocab, ::testing::ValuesIn(kVocabs),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           return n;
                         });

// Every vocabulary in the folder that has test vectors must be in the list above.
TEST(GoldenVocabList, CoversEveryVocabularyWithTestVectors) {
  const auto dir = test::golden("tokenizer");
  RUVLLM_REQUIRE_GOLDEN(dir);
  size_t found = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string f = entry.path().filename().string();
    const std::string prefix = "ggml-vocab-", suffix = ".gguf";
    if (f.rfind(prefix, 0) != 0 || f.size() <= prefix.size() + suffix.size() ||
        f.compare(f.size() - suffix.size(), suffix.size(), suffix) != 0)
      continue;
    if (!std::filesystem::exists(entry.path().string() + ".inp")) continue;
    const std::string name = f.substr(prefix.size(), f.size() - prefix.size() - suffix.size());
    EXPECT_NE(std::find(std::begin(kVocabs), std::end(kVocabs), name), std::end(kVocabs))
        << name << " has test vectors but is not tested";
    ++found;
  }
  EXPECT_EQ(found, std::size(kVocabs));
}

// Vocabularies without test vectors (baichuan, gpt-neox: no tokenizer.ggml.pre, so the default
// pre-tokenizer) must load and round-trip plain text.
TEST(GoldenVocabList, EveryVocabularyLoadsAndRoundTrips) {
  const auto dir = test::golden("tokenizer");
  RUVLLM_REQUIRE_GOLDEN(dir);
  size_t loaded = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() != ".gguf") continue;
    SCOPED_TRACE(entry.path().filename().string());
    auto file = gguf::GgufFile::open(entry.path().string());
    auto tok = Tokenizer::from_gguf(*file);
    const std::string text = "Hello world, this is a test: 1234 (ok).";
    const auto ids = tok->encode(text, false, false);
    EXPECT_FALSE(ids.empty());
    if (tok->model_name() != "bert") {
      EXPECT_EQ(tok->decode(ids), text);
    }
    ++loaded;
  }
  EXPECT_GE(loaded, std::size(kVocabs) + 2);
}

}  // namespace
}  // namespace ruvllm
