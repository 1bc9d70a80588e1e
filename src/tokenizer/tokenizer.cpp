#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <bitset>

#include "core/error.h"
#include "tokenizer/encoder.h"
#include "tokenizer/vocab.h"

namespace ruvllm {

using tokenizer_detail::kAttrControl;
using tokenizer_detail::kAttrLstrip;
using tokenizer_detail::kAttrRstrip;
using tokenizer_detail::kAttrUnknown;
using tokenizer_detail::kAttrUserDefined;
using tokenizer_detail::TextEncoder;
using tokenizer_detail::Vocab;
using tokenizer_detail::VocabKind;

namespace {

// A piece of the input: plain text (token < 0) or a special token found in it.
struct Fragment {
  int32_t token;
  size_t offset;
  size_t length;
};

bool is_c_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// llama.cpp's tokenizer_st_partition: for each special token, longest first, split every text
// fragment at each of its occurrences. Without parse_special only user-defined tokens count.
std::vector<Fragment> partition(const Vocab& vocab, std::string_view text, bool parse_special) {
  std::vector<Fragment> frags{{-1, 0, text.size()}};
  std::vector<Fragment> next;
  // Most special tokens do not occur at all; the bytes present rule out most of them at once.
  std::bitset<256> present;
  for (unsigned char c : text) present.set(c);
  for (int32_t id : vocab.special_tokens) {
    const auto& tok = vocab.tokens[id];
    if (!parse_special && (tok.attr & (kAttrControl | kAttrUnknown))) continue;
    const std::string& needle = tok.text;
    if (!present.test(static_cast<unsigned char>(needle[0]))) continue;
    if (text.find(needle) == std::string_view::npos) continue;
    bool found_any = false;
    next.clear();
    for (const Fragment& f : frags) {
      if (f.token >= 0) {
        next.push_back(f);
        continue;
      }
      size_t base = f.offset, len = f.length;
      while (true) {
        size_t match = text.substr(0, base + len).find(needle, base);
        if (match == std::string_view::npos) {
          if (len > 0) next.push_back({-1, base, len});
          break;
        }
        found_any = true;
        size_t left_len = match - base;
        if (tok.attr & kAttrLstrip)
          while (left_len > 0 && is_c_space(text[base + left_len - 1])) --left_len;
        if (left_len > 0) next.push_back({-1, base, left_len});
        next.push_back({id, 0, 0});
        size_t right = match + needle.size();
        size_t right_len = base + len - right;
        if (tok.attr & kAttrRstrip)
          while (right_len > 0 && is_c_space(text[right])) ++right, --right_len;
        base = right;
        len = right_len;
        if (len == 0) break;
      }
    }
    if (found_any) frags.swap(next);
  }
  return frags;
}

void escape_spaces(std::string& s) {
  std::string out;
  out.reserve(s.size() + s.size() / 2);
  for (char c : s) {
    if (c == ' ')
      out += "\xE2\x96\x81";
    else
      out.push_back(c);
  }
  s.swap(out);
}

// llama.cpp's clean_up_tokenization_spaces, done in place the way llama.cpp does it (the passes
// read characters they may already have rewritten, which matters for inputs like " ' ' "):
// no space before ?!., ; " ' " becomes "'"; no space before the contractions 's 'm 're 've.
std::string clean_spaces(std::string text) {
  size_t total = text.size();
  // Pass 1: " ?", " !", " .", " ,".
  size_t n = total;
  total = total ? 1 : 0;
  for (size_t i = 1; i < n; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
    text[total++] = x;
  }
  // Pass 2: a lone apostrophe between spaces.
  n = total;
  total = total ? 1 : 0;
  for (size_t i = 1; i < n; ++i) {
    const char x = text[i];
    if (x == '\'' && i + 1 < n && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --total;
      text[++i] = '\0';
    }
    text[total++] = x;
  }
  // Pass 3: " 's", " 'm", " 're", " 've" (llama.cpp keeps " 't", " 'd", " 'll").
  n = total;
  total = total ? 1 : 0;
  for (size_t i = 1; i < n; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < n) {
      const char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (i + 2 < n) {
        const char x2 = text[i + 2];
        if ((x1 == 'r' && x2 == 'e') || (x1 == 'v' && x2 == 'e')) --total;
      }
    }
    text[total++] = x;
  }
  text.resize(total);
  return text;
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Vocab> vocab, std::unique_ptr<TextEncoder> encoder)
    : vocab_(std::move(vocab)), encoder_(std::move(encoder)) {}

Tokenizer::~Tokenizer() = default;

std::unique_ptr<Tokenizer> Tokenizer::from_gguf(const gguf::GgufFile& file) {
  auto vocab = std::make_unique<Vocab>(tokenizer_detail::load_vocab(file));
  std::unique_ptr<TextEncoder> encoder;
  switch (vocab->kind) {
    case VocabKind::Spm:
      encoder = tokenizer_detail::make_spm_encoder(*vocab);
      break;
    case VocabKind::Bpe:
      encoder = tokenizer_detail::make_bpe_encoder(*vocab);
      break;
    case VocabKind::Wpm:
      encoder = tokenizer_detail::make_wpm_encoder(*vocab);
      break;
  }
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(vocab), std::move(encoder)));
}

int32_t Tokenizer::n_vocab() const {
  return vocab_->n_tokens();
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const Vocab& v = *vocab_;
  std::vector<int32_t> out;
  std::vector<Fragment> frags;
  if (!text.empty()) frags = partition(v, text, parse_special);

  switch (v.kind) {
    case VocabKind::Spm: {
      bool prev_special = true;  // the first text fragment gets the space prefix
      if (add_special && v.add_bos) out.push_back(v.bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) {
          out.push_back(f.token);
          prev_special = true;
          continue;
        }
        std::string s;
        if (v.add_space_prefix && prev_special) s = " ";
        s.append(text.substr(f.offset, f.length));
        escape_spaces(s);
        encoder_->encode(s, out);
        prev_special = false;
      }
      if (add_special && v.add_eos) out.push_back(v.eos);
      break;
    }
    case VocabKind::Bpe: {
      if (add_special && v.add_bos) out.push_back(v.bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0) {
          out.push_back(f.token);
          continue;
        }
        if (v.escape_whitespaces) {
          std::string s(text.substr(f.offset, f.length));
          escape_spaces(s);
          encoder_->encode(s, out);
        } else {
          encoder_->encode(text.substr(f.offset, f.length), out);
        }
      }
      if (add_special && v.add_eos) out.push_back(v.eos);
      break;
    }
    case VocabKind::Wpm: {
      // WordPiece always frames the text as [CLS] ... [SEP] when asked for special tokens.
      if (add_special && v.bos >= 0) out.push_back(v.bos);
      for (const Fragment& f : frags) {
        if (f.token >= 0)
          out.push_back(f.token);
        else
          encoder_->encode(text.substr(f.offset, f.length), out);
      }
      if (add_special && v.sep >= 0) out.push_back(v.sep);
      break;
    }
  }
  return out;
}

std::string Tokenizer::token_to_bytes(int32_t id, bool special) const {
  const Vocab& v = *vocab_;
  if (!v.valid(id))
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(v.n_tokens()) + " tokens");
  if (!special && (v.tokens[id].attr & (kAttrUnknown | kAttrControl))) return "";
  return v.pieces[id];
}

std::string Tokenizer::decode(const std::vector<int32_t>& ids, bool special) const {
  std::string out;
  bool strip_space = vocab_->add_space_prefix;
  for (int32_t id : ids) {
    std::string piece = token_to_bytes(id, special);
    // llama.cpp removes the space prefix from the first piece only.
    if (strip_space && !piece.empty() && piece[0] == ' ') piece.erase(0, 1);
    strip_space = false;
    out += piece;
  }
  if (vocab_->clean_spaces) out = clean_spaces(out);
  return out;
}

int32_t Tokenizer::bos_id() const {
  return vocab_->bos;
}
int32_t Tokenizer::eos_id() const {
  return vocab_->eos;
}
int32_t Tokenizer::eot_id() const {
  return vocab_->eot;
}
int32_t Tokenizer::unk_id() const {
  return vocab_->unk;
}
int32_t Tokenizer::sep_id() const {
  return vocab_->sep;
}
int32_t Tokenizer::pad_id() const {
  return vocab_->pad;
}
bool Tokenizer::add_bos() const {
  return vocab_->add_bos;
}
bool Tokenizer::add_eos() const {
  return vocab_->add_eos;
}
bool Tokenizer::add_space_prefix() const {
  return vocab_->add_space_prefix;
}

bool Tokenizer::is_eog(int32_t id) const {
  return std::binary_search(vocab_->eog.begin(), vocab_->eog.end(), id);
}

const std::vector<int32_t>& Tokenizer::eog_ids() const {
  return vocab_->eog;
}

bool Tokenizer::is_control(int32_t id) const {
  if (!vocab_->valid(id)) return false;
  return vocab_->tokens[id].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown);
}

TokenType Tokenizer::token_type(int32_t id) const {
  if (!vocab_->valid(id)) return TokenType::Undefined;
  return vocab_->tokens[id].type;
}

const std::string& Tokenizer::token_text(int32_t id) const {
  if (!vocab_->valid(id))
    throw Error("token id " + std::to_string(id) + " is outside the vocabulary of " +
                std::to_string(vocab_->n_tokens()) + " tokens");
  return vocab_->tokens[id].text;
}

std::optional<int32_t> Tokenizer::find_token(std::string_view text) const {
  return vocab_->find(text);
}

const std::string& Tokenizer::model_name() const {
  return vocab_->model;
}
const std::string& Tokenizer::pre_name() const {
  return vocab_->pre;
}

}  // namespace ruvllm
