// A CI-sized MaskBench run: 200 schema files spread over the golden MaskBench set, tokenized
// with the Llama 3 vocabulary. No valid instance may be rejected and nothing may crash.
#include "structured/maskbench.h"

#include <gtest/gtest.h>

#include "gguf/gguf_file.h"
#include "support/golden.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::structured {
namespace {

TEST(MaskBenchSample, NoValidInstanceRejected) {
  const auto vocab_path = test::golden("tokenizer/ggml-vocab-llama-bpe.gguf");
  const auto dir = test::golden("maskbench");
  RUVLLM_REQUIRE_GOLDEN(vocab_path);
  RUVLLM_REQUIRE_GOLDEN(dir);
  auto file = gguf::GgufFile::open(vocab_path.string());
  auto tok = Tokenizer::from_gguf(*file);
  auto vocab = TokenVocabulary::from_tokenizer(*tok);
  ASSERT_EQ(vocab->size(), 128256u);

  const auto files = maskbench_files(dir, 200);
  ASSERT_EQ(files.size(), 200u);
  JsonSchemaGrammarOptions options;
  options.whitespace = JsonSchemaGrammarOptions::Whitespace::kFlexible;
  const MaskBenchReport r = run_maskbench(
      files, vocab, [&](const std::string& text) { return tok->encode(text, false, false); },
      options);
  std::string problems;
  for (const auto& p : r.problems) problems += p + "\n";
  EXPECT_EQ(r.schemas, 200u);
  EXPECT_EQ(r.valid_rejected, 0u) << problems;
  EXPECT_GE(r.compiled, 195u) << problems;
  EXPECT_GE(r.passing, 170u) << problems;
  EXPECT_GT(r.tests, 400u);
  EXPECT_EQ(problems.find("disagree"), std::string::npos) << problems;
}

}  // namespace
}  // namespace ruvllm::structured
