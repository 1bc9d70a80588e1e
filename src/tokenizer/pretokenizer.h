// Byte-level BPE pre-tokenization: splitting text into words before merges, as llama.cpp does.
//
// llama.cpp picks a list of regexes from `tokenizer.ggml.pre` and applies them one after the
// other: each regex splits every piece produced so far into its matches and the gaps between
// them. The GPT-2 and Llama 3 patterns run through hand-written splitters (with llama.cpp's
// exact behaviour); every other pattern runs through our ECMAScript-style matcher (regex.h) on
// the same "collapsed" text llama.cpp feeds std::regex. Words come back in GPT-2 byte encoding.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::tokenizer_detail {

class Regex;

// A pre-tokenizer name from `tokenizer.ggml.pre`, the regexes llama.cpp uses for it, and the
// vocabulary flags llama.cpp sets along with it.
struct PreTokenizerSpec {
  std::vector<std::string> regexes;
  bool clean_spaces = true;
  bool ignore_merges = false;
  bool add_bos = false;
  bool no_bos = false;  // the BOS default is cleared (chatglm)
  bool add_sep = false;
};

// nullptr when llama.cpp does not know the name either. An empty name means "default".
const PreTokenizerSpec* find_pre_tokenizer(std::string_view name);
// Names llama.cpp knows but RuvLLM does not implement (non-byte-level BPE and custom splitters).
bool is_unsupported_pre_tokenizer(std::string_view name);

class PreTokenizer {
 public:
  explicit PreTokenizer(const PreTokenizerSpec& spec);
  ~PreTokenizer();
  // Words of `text`, each in GPT-2 byte encoding.
  std::vector<std::string> split(std::string_view text) const;

 private:
  struct Step;
  std::vector<Step> steps_;
};

}  // namespace ruvllm::tokenizer_detail
