#include "tokenizer/vocab.h"

#include <algorithm>
#include <cstring>
#include <utility>

#include "core/error.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

constexpr std::string_view kSpaceEscape = "\xE2\x96\x81";  // U+2581

[[noreturn]] void fail(const std::string& what) {
  throw FormatError("tokenizer metadata: " + what);
}

uint32_t attr_from_type(int64_t type) {
  switch (type) {
    case 1:
      return kAttrNormal;
    case 2:
      return kAttrUnknown;
    case 3:
      return kAttrControl;
    case 4:
      return kAttrUserDefined;
    case 5:
      return kAttrUnused;
    case 6:
      return kAttrByte;
    default:
      return kAttrUndefined;
  }
}

TokenType type_from_int(int64_t type) {
  return (type >= 1 && type <= 6) ? TokenType(type) : TokenType::Undefined;
}

void set_kind_defaults(Vocab& v) {
  if (v.model == "llama") {
    v.kind = VocabKind::Spm;
    v.bos = 1, v.eos = 2, v.unk = 0;
    v.add_space_prefix = true, v.clean_spaces = false, v.add_bos = true, v.add_eos = false;
  } else if (v.model == "bert") {
    v.kind = VocabKind::Wpm;
    v.bos = 101, v.unk = 100, v.sep = 102, v.pad = 0, v.mask = 103;
    v.add_space_prefix = false, v.clean_spaces = true, v.add_bos = true, v.add_eos = false;
    v.add_sep = true;
  } else if (v.model == "gpt2") {
    v.kind = VocabKind::Bpe;
    v.bos = 11, v.eos = 11;
    v.add_space_prefix = false, v.escape_whitespaces = false, v.clean_spaces = true;
  } else if (v.model == "none" || v.model == "no_vocab") {
    throw UnsupportedError("the model has no vocabulary (tokenizer.ggml.model = '" + v.model +
                           "'), so it cannot tokenize text");
  } else {
    throw UnsupportedError("unsupported tokenizer kind tokenizer.ggml.model = '" + v.model +
                           "' (RuvLLM supports llama, gpt2 and bert)");
  }
}

void apply_pre_tokenizer(Vocab& v, const gguf::GgufFile& file) {
  v.pre = file.get_string("tokenizer.ggml.pre").value_or("");
  if (v.kind != VocabKind::Bpe) {
    if (v.pre.empty()) v.pre = "default";
    return;
  }
  if (is_unsupported_pre_tokenizer(v.pre))
    throw UnsupportedError("unsupported pre-tokenizer tokenizer.ggml.pre = '" + v.pre + "'");
  const PreTokenizerSpec* spec = find_pre_tokenizer(v.pre);
  if (!spec) throw UnsupportedError("unknown pre-tokenizer tokenizer.ggml.pre = '" + v.pre + "'");
  if (v.pre.empty()) v.pre = "default";
  v.clean_spaces = spec->clean_spaces;
  v.ignore_merges = spec->ignore_merges;
  if (spec->add_bos) v.add_bos = true;
  if (spec->no_bos) v.bos = -1;
  if (spec->add_sep) v.add_sep = true;
}

void load_tokens(Vocab& v, const gguf::GgufFile& file) {
  auto texts = file.get_string_array("tokenizer.ggml.tokens");
  if (!texts) fail("missing tokenizer.ggml.tokens");
  if (texts->empty()) fail("tokenizer.ggml.tokens is empty");
  if (texts->size() > size_t(INT32_MAX)) fail("too many tokens");
  const size_t n = texts->size();

  std::optional<std::vector<float>> scores = file.get_float_array("tokenizer.ggml.scores");
  if (scores && scores->size() != n)
    fail("tokenizer.ggml.scores has " + std::to_string(scores->size()) + " entries for " +
         std::to_string(n) + " tokens");
  std::optional<std::vector<int64_t>> types = file.get_int_array("tokenizer.ggml.token_type");
  if (types && types->size() != n)
    fail("tokenizer.ggml.token_type has " + std::to_string(types->size()) + " entries for " +
         std::to_string(n) + " tokens");

  v.tokens.resize(n);
  v.text_to_id.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    TokenData& t = v.tokens[i];
    t.text = std::string((*texts)[i]);
    // llama.cpp gives empty strings a placeholder so every token has a distinct text.
    if (t.text.empty()) t.text = "[EMPTY_" + std::to_string(i) + "]";
    auto [it, inserted] = v.text_to_id.emplace(t.text, int32_t(i));
    if (!inserted)
      fail("duplicate token '" + t.text + "' at ids " + std::to_string(it->second) + " and " +
           std::to_string(i));
    v.max_token_len = std::max(v.max_token_len, t.text.size());
    t.score = scores ? (*scores)[i] : 0.0f;
    if (types) {
      t.type = type_from_int((*types)[i]);
      t.attr = attr_from_type((*types)[i]);
    } else {
      t.type = TokenType::Normal;
      t.attr = kAttrNormal;
    }
  }
}

void load_merges(Vocab& v, const gguf::GgufFile& file) {
  if (v.kind != VocabKind::Bpe) return;
  const gguf::Value* merges = file.find("tokenizer.ggml.merges");
  if (!merges) fail("byte-level BPE vocabulary without tokenizer.ggml.merges");
  if (merges->type != gguf::ValueType::Array || merges->elem_type != gguf::ValueType::String)
    fail("tokenizer.ggml.merges is not an array of strings");
  v.merge_ranks.reserve(merges->array.size());
  std::string key;
  for (size_t i = 0; i < merges->array.size(); ++i) {
    std::string_view m = merges->array[i].s;
    // The separator is the first space after the first byte (a merge may start with a space).
    size_t pos = m.size() > 1 ? m.find(' ', 1) : std::string_view::npos;
    if (pos == std::string_view::npos) continue;  // llama.cpp records an unusable empty pair
    Vocab::merge_key(key, m.substr(0, pos), m.substr(pos + 1));
    v.merge_ranks.emplace(key, int32_t(i));  // the first rank of a duplicate wins
  }
}

void load_special_ids(Vocab& v, const gguf::GgufFile& file) {
  const int32_t n = v.n_tokens();
  const std::pair<const char*, int32_t*> keys[] = {
      {"tokenizer.ggml.bos_token_id", &v.bos},
      {"tokenizer.ggml.eos_token_id", &v.eos},
      {"tokenizer.ggml.eot_token_id", &v.eot},
      {"tokenizer.ggml.eom_token_id", &v.eom},
      {"tokenizer.ggml.unknown_token_id", &v.unk},
      {"tokenizer.ggml.seperator_token_id", &v.sep},
      {"tokenizer.ggml.padding_token_id", &v.pad},
      {"tokenizer.ggml.mask_token_id", &v.mask},
      {"tokenizer.ggml.fim_pre_token_id", &v.fim_pre},
      {"tokenizer.ggml.fim_suf_token_id", &v.fim_suf},
      {"tokenizer.ggml.fim_mid_token_id", &v.fim_mid},
      {"tokenizer.ggml.fim_pad_token_id", &v.fim_pad},
      {"tokenizer.ggml.fim_rep_token_id", &v.fim_rep},
      {"tokenizer.ggml.fim_sep_token_id", &v.fim_sep},
      {"tokenizer.ggml.prefix_token_id", &v.fim_pre},  // deprecated spellings
      {"tokenizer.ggml.suffix_token_id", &v.fim_suf},
      {"tokenizer.ggml.middle_token_id", &v.fim_mid},
  };
  for (const auto& [key, id] : keys) {
    // A per-kind default that does not fit a small vocabulary is dropped, as llama.cpp does.
    if (*id >= n) *id = -1;
    std::optional<int64_t> value = file.get_int(key);
    if (!value) continue;
    // Converters write -1 (often as the u32 0xFFFFFFFF) for "none"; llama.cpp then keeps the
    // default for the kind, and so do we.
    if (*value < 0 || *value == int64_t(UINT32_MAX)) continue;
    if (*value >= n)
      fail(std::string(key) + " = " + std::to_string(*value) + " is outside the vocabulary of " +
           std::to_string(n) + " tokens");
    *id = int32_t(*value);
  }

  if (auto b = file.get_bool("tokenizer.ggml.add_bos_token")) v.add_bos = *b;
  if (auto b = file.get_bool("tokenizer.ggml.add_eos_token")) v.add_eos = *b;
  if (auto b = file.get_bool("tokenizer.ggml.add_sep_token")) v.add_sep = *b;
  if (v.add_bos && v.bos < 0)
    fail("tokenizer.ggml.add_bos_token is true but there is no BOS token");
  if (v.add_eos && v.eos < 0)
    fail("tokenizer.ggml.add_eos_token is true but there is no EOS token");
  if (v.add_sep && v.sep < 0)
    fail("tokenizer.ggml.add_sep_token is true but there is no SEP token");

  if (auto b = file.get_bool("tokenizer.ggml.normalizer.lowercase")) v.lowercase = *b;
  v.strip_accents = v.lowercase;
  if (auto b = file.get_bool("tokenizer.ggml.normalizer.strip_accents")) v.strip_accents = *b;
}

// llama.cpp finds end-of-turn and fill-in-the-middle tokens by their text when the metadata
// does not name them, and makes sure they are control tokens.
void detect_special_by_text(Vocab& v) {
  struct Rule {
    int32_t* id;
    std::initializer_list<std::string_view> texts;
  };
  const Rule rules[] = {
      {&v.eot,
       {"<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>",
        "<EOT>", "_<EOT>", "[EOT]",
        "<\xEF\xBD\x9C"
        "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
        "<end_of_utterance>"}},
      {&v.eom, {"<|eom_id|>"}},
      {&v.fim_pre,
       {"<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "begin\xEF\xBD\x9C>",
        "<PRE>", "\xE2\x96\x81<PRE>", "<|code_prefix|>", "<|prefix|>"}},
      {&v.fim_suf,
       {"<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81hole\xEF\xBD\x9C>",
        "<SUF>", "\xE2\x96\x81<SUF>", "<|code_suffix|>", "<|suffix|>"}},
      {&v.fim_mid,
       {"<|fim_middle|>", "<fim-middle>", "<fim_middle>",
        "<\xEF\xBD\x9C"
        "fim\xE2\x96\x81"
        "end\xEF\xBD\x9C>",
        "<MID>", "\xE2\x96\x81<MID>", "<|code_middle|>", "<|middle|>"}},
      {&v.fim_pad, {"<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"}},
      {&v.fim_rep, {"<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"}},
      {&v.fim_sep, {"<|file_sep|>"}},
  };
  for (const Rule& rule : rules) {
    if (*rule.id >= 0) continue;
    // Lowest matching id, so the choice does not depend on hash order.
    int32_t best = -1;
    for (std::string_view text : rule.texts) {
      if (auto id = v.find(text); id && (best < 0 || *id < best)) best = *id;
    }
    if (best >= 0) {
      *rule.id = best;
      v.tokens[best].attr |= kAttrControl;
    }
  }
}

void build_eog(Vocab& v) {
  std::vector<int32_t> eog;
  for (int32_t id : {v.fim_pad, v.fim_rep, v.fim_sep})
    if (id >= 0) eog.push_back(id);
  static const std::initializer_list<std::string_view> kEogTexts = {
      "<|eot_id|>",
      "<|im_end|>",
      "<|end|>",
      "<|return|>",
      "<|call|>",
      "<|flush|>",
      "<|calls|>",
      "<end_of_turn>",
      "<|endoftext|>",
      "</s>",
      "<|eom_id|>",
      "<EOT>",
      "_<EOT>",
      "[EOT]",
      "[EOS]",
      "<|end_of_text|>",
      "<end_of_utterance>",
      "<eos>",
      "<turn|>",
      "<|tool_response>",
      "<\xEF\xBD\x9C"
      "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>",
      "[e~["};
  for (std::string_view text : kEogTexts) {
    if (auto id = v.find(text)) {
      eog.push_back(*id);
      v.tokens[*id].attr |= kAttrControl;
    }
  }
  // gpt-oss style tokens are always rendered.
  for (std::string_view text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
    if (auto id = v.find(text)) v.tokens[*id].attr = kAttrUserDefined;
  }
  for (int32_t id : {v.eos, v.eot, v.eom})
    if (id >= 0) eog.push_back(id);
  std::sort(eog.begin(), eog.end());
  eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

  auto has = [&](std::string_view text) {
    auto id = v.find(text);
    return id && std::binary_search(eog.begin(), eog.end(), *id);
  };
  auto remove = [&](std::string_view text, uint32_t new_attr) {
    auto id = v.find(text);
    eog.erase(std::remove(eog.begin(), eog.end(), *id), eog.end());
    v.tokens[*id].attr = new_attr;
  };
  // Harmony (gpt-oss) and solar-open use <|end|> between messages, not to end generation.
  bool has_call = has("<|call|>") || has("<|calls|>");
  if (has("<|end|>") && ((has("<|return|>") && has_call) || (has_call && has("<|flush|>"))))
    remove("<|end|>", kAttrUserDefined);
  // Gemma 4 and PaddleOCR: </s> is ordinary text there.
  if (has("<|tool_response>") && has("</s>")) remove("</s>", kAttrNormal);
  v.eog = std::move(eog);
}

bool contains_any(std::string_view s, std::initializer_list<std::string_view> parts) {
  for (auto p : parts)
    if (s.find(p) != std::string_view::npos) return true;
  return false;
}

void build_special_tokens(Vocab& v) {
  for (int32_t id = 0; id < v.n_tokens(); ++id) {
    if (v.tokens[id].attr & (kAttrControl | kAttrUserDefined | kAttrUnknown))
      v.special_tokens.push_back(id);
  }
  std::stable_sort(v.special_tokens.begin(), v.special_tokens.end(), [&](int32_t a, int32_t b) {
    return v.tokens[a].text.size() > v.tokens[b].text.size();
  });
}

// llama.cpp's per-model attribute fixes (strip spaces around some special tokens).
void apply_model_attributes(Vocab& v, const gguf::GgufFile& file) {
  std::string name = file.get_string("general.name").value_or("");
  std::transform(name.begin(), name.end(), name.begin(),
                 [](char c) { return char(std::tolower(static_cast<unsigned char>(c))); });
  const std::string arch = file.get_string("general.architecture").value_or("");
  auto set = [&](std::string_view text, uint32_t attr, bool on) {
    auto id = v.find(text);
    if (!id) return;
    if (on)
      v.tokens[*id].attr |= attr;
    else
      v.tokens[*id].attr &= ~attr;
  };
  if (contains_any(v.pre, {"jina-v2-de", "jina-v2-es", "jina-v2-code"}) ||
      contains_any(arch, {"nomic-bert-moe", "jina-bert-v3"})) {
    set("<mask>", kAttrLstrip, true);
  } else if (contains_any(name, {"phi-3", "phi3"})) {
    for (int32_t id : v.special_tokens) v.tokens[id].attr |= kAttrRstrip;
    set("</s>", kAttrRstrip, true);
    for (std::string_view t : {"<unk>", "<s>", "<|endoftext|>"}) set(t, kAttrRstrip, false);
  } else if (contains_any(name, {"modern-bert"})) {
    set("[MASK]", kAttrLstrip, true);
  }
}

uint8_t parse_byte_token(std::string_view text) {
  // "<0xXX>": llama.cpp reads the two characters after "<0x" as hex.
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  if (text.size() < 5) return 0;
  int hi = hex(text[3]), lo = hex(text[4]);
  if (hi < 0) return 0;
  if (lo < 0) return uint8_t(hi);
  return uint8_t(hi * 16 + lo);
}

// llama.cpp's token_to_piece with special = true.
std::string make_piece(const Vocab& v, const TokenData& t) {
  const uint32_t attr = t.attr;
  if (attr & (kAttrUnknown | kAttrControl | kAttrUserDefined)) return t.text;
  if (v.kind == VocabKind::Bpe) {
    if (attr & kAttrNormal) {
      std::string out;
      for (uint32_t cp : decode_utf8(t.text)) {
        int b = unicode_to_byte(cp);
        if (b >= 0) {
          out.push_back(char(b));
        } else {
          // Not a GPT-2 byte code point: llama.cpp spells out what it could not map.
          std::string utf8 = encode_utf8(cp);
          out += "[UNK_BYTE_0x";
          static const char* kHex = "0123456789abcdef";
          for (unsigned char c : utf8) {
            out.push_back(kHex[c >> 4]);
            out.push_back(kHex[c & 15]);
          }
          out += t.text + "]";
        }
      }
      return out;
    }
  } else if (attr & kAttrNormal) {
    std::string out;
    out.reserve(t.text.size());
    size_t i = 0;
    while (i < t.text.size()) {
      if (t.text.compare(i, kSpaceEscape.size(), kSpaceEscape) == 0) {
        out.push_back(' ');
        i += kSpaceEscape.size();
      } else {
        out.push_back(t.text[i++]);
      }
    }
    return out;
  }
  if (attr & kAttrByte) {
    if (v.kind == VocabKind::Wpm) return t.text;
    return std::string(1, char(parse_byte_token(t.text)));
  }
  return "";
}

}  // namespace

void Vocab::merge_key(std::string& key, std::string_view left, std::string_view right) {
  // Length-prefixed so that no two pairs share a key.
  key.clear();
  uint32_t n = uint32_t(left.size());
  key.append(reinterpret_cast<const char*>(&n), sizeof(n));
  key.append(left);
  key.append(right);
}

int32_t Vocab::merge_rank(std::string_view left, std::string_view right) const {
  thread_local std::string key;
  merge_key(key, left, right);
  auto it = merge_ranks.find(std::string_view(key));
  return it == merge_ranks.end() ? -1 : it->second;
}

int32_t Vocab::byte_to_token(uint8_t b) const {
  if (kind == VocabKind::Spm) {
    static const char* kHex = "0123456789ABCDEF";
    const char buf[6] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
    if (auto id = find(std::string_view(buf, 6))) return *id;
    if (auto id = find(std::string_view(reinterpret_cast<const char*>(&b), 1))) return *id;
  } else {
    if (auto id = find(byte_to_unicode(b))) return *id;
  }
  // llama.cpp would abort here; a vocabulary without byte tokens gets the unknown token.
  return unk;
}

Vocab load_vocab(const gguf::GgufFile& file) {
  Vocab v;
  auto model = file.get_string("tokenizer.ggml.model");
  if (!model) fail("missing tokenizer.ggml.model (the model has no tokenizer)");
  v.model = *model;
  set_kind_defaults(v);
  apply_pre_tokenizer(v, file);
  if (auto b = file.get_bool("tokenizer.ggml.add_space_prefix")) v.add_space_prefix = *b;
  if (auto b = file.get_bool("tokenizer.ggml.remove_extra_whitespaces"))
    v.remove_extra_whitespaces = *b;

  load_tokens(v, file);
  load_merges(v, file);
  load_special_ids(v, file);
  detect_special_by_text(v);
  build_eog(v);
  build_special_tokens(v);
  apply_model_attributes(v, file);

  v.pieces.reserve(v.tokens.size());
  for (const TokenData& t : v.tokens) v.pieces.push_back(make_piece(v, t));
  return v;
}

}  // namespace ruvllm::tokenizer_detail
