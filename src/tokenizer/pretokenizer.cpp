#include "tokenizer/pretokenizer.h"

#include <algorithm>
#include <map>
#include <optional>

#include "core/error.h"
#include "tokenizer/regex.h"
#include "tokenizer/unicode.h"

namespace ruvllm::tokenizer_detail {

namespace {

// The patterns, as llama.cpp lists them (from the models' tokenizer.json files; `(?i:...)`
// spelled out because std::regex lacks it).
const char* const kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";
const char* const kLlama3 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const kQwen2 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const kDeepseek3Main =
    R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const kBloom = R"re( ?[^(\s|.,!?…。，、।۔،)]+)re";
const char* const kCjkKana = R"re([一-龥぀-ゟ゠-ヿ]+)re";
const char* const kCjkHangul = R"re([一-龥ࠀ-一가-퟿]+)re";
const char* const kGpt4o =
    R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
const char* const kCasedWords =
    R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

PreTokenizerSpec spec(std::vector<std::string> regexes, bool clean_spaces = true) {
  PreTokenizerSpec s;
  s.regexes = std::move(regexes);
  s.clean_spaces = clean_spaces;
  return s;
}

const std::map<std::string, PreTokenizerSpec, std::less<>>& specs() {
  static const std::map<std::string, PreTokenizerSpec, std::less<>> table = [] {
    std::map<std::string, PreTokenizerSpec, std::less<>> t;
    auto add = [&](std::initializer_list<const char*> names, const PreTokenizerSpec& s) {
      for (const char* n : names) t.emplace(n, s);
    };

    add({"", "default"},
        spec({R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2, R"re(\p{N}+)re", R"re([0-9][0-9][0-9])re"}));

    PreTokenizerSpec llama3 = spec({kLlama3});
    llama3.ignore_merges = true;
    llama3.add_bos = true;
    add({"llama3", "llama-v3", "llama-bpe", "falcon3", "falcon-h1", "pixtral", "midm-2.0", "lfm2",
         "jina-v5-nano"},
        llama3);
    add({"dbrx", "smaug-bpe"}, spec({kLlama3}));
    PreTokenizerSpec chatglm = spec({kLlama3});
    chatglm.no_bos = true;
    add({"glm4", "chatglm-bpe"}, chatglm);

    // Note: some range ends are canonical singletons (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126,
    // U+212A) that must stay as written, not as their NFC equivalents.
    add({"deepseek-llm"},
        spec(
            {R"re([\r\n])re",
             R"re(\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-ώᾀ-ᾴᾶ-ᾼιῂ-ῄῆ-ῌῐ-ΐῖ-Ίῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤΩℨK-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+)re",
             R"re(\s?[!-/:-~！-／：-～‘-‟　-。]+)re", R"re(\s+$)re", kCjkHangul, R"re(\p{N}+)re"},
            false));
    add({"deepseek-coder"},
        spec({R"re([\r\n])re", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re", kCjkHangul, R"re(\p{N})re"},
             false));
    add({"deepseek-v3", "hunyuan-dense", "hy_v4", "joyai-llm"},
        spec({R"re(\p{N}{1,3})re", kCjkKana, kDeepseek3Main}, false));
    add({"spark2_5"},
        spec(
            {R"re(\p{N}{1,3})re", kCjkKana,
             R"re([!"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~][A-Za-z]+|[^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+| ?[\p{P}\p{S}]+|[\r\n]|\s+(?!\S)|\s+)re",
             R"re(\p{N})re"},
            false));

    add({"falcon"}, spec({R"re([\p{P}\$\+<=>\^~\|`]+)re", kGpt2, R"re([0-9][0-9][0-9])re"}));

    const PreTokenizerSpec starcoder = spec({R"re(\p{N})re", kGpt2});
    add({"starcoder", "refact", "codeshell", "exaone", "minerva-7b", "mellum2"}, starcoder);
    add({"command-r", "smollm"}, spec({R"re(\p{N})re", kGpt2}, false));

    add({"gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v2-es", "jina-v2-de", "a.x-4.0",
         "mellum", "modern-bert", "mpt", "olmo", "jais", "exaone4"},
        spec({kGpt2}));
    PreTokenizerSpec gpt2_sep = spec({kGpt2});
    gpt2_sep.add_sep = true;
    add({"jina-v1-en", "jina-v2-code", "roberta-bpe"}, gpt2_sep);
    add({"trillion", "granite-docling"}, spec({kGpt2}, false));

    add({"stablelm2", "megrez"}, spec({kQwen2}));
    add({"qwen2", "deepseek-r1-qwen", "kormo", "f2llmv2", "hunyuan", "solar-open", "grok-2"},
        spec({kQwen2}, false));
    add({"qwen35"},
        spec(
            {R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?[\p{L}\p{M}]+|\p{N}| ?[^\s\p{L}\p{M}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
            false));
    add({"laguna"}, spec({R"re([^\n]+|[\n]+)re", kQwen2}, false));
    add({"ufakzeka"},
        spec(
            {R"re([^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
            false));

    add({"bloom", "gpt3-finnish"}, spec({kBloom}));
    add({"poro-chat"}, spec({kBloom}, false));
    add({"viking"}, spec({kBloom, R"re(\p{N})re"}, false));

    PreTokenizerSpec tekken = spec(
        {R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))*((?=[\p{L}])([^A-Z]))+|[^\r\n\p{L}\p{N}]?((?=[\p{L}])([^a-z]))+((?=[\p{L}])([^A-Z]))*|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
        false);
    tekken.ignore_merges = true;
    tekken.add_bos = true;
    add({"tekken"}, tekken);

    PreTokenizerSpec chameleon =
        spec({R"re(<sentinel:[0-9]+>)re", R"re((IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z)re",
              R"re(([\t\n]|    |  ))re", R"re(\p{N})re", R"re([\p{P}!-/:-@\[-`{-~])re", kGpt2},
             false);
    chameleon.add_bos = true;
    add({"chameleon"}, chameleon);

    add({"gpt-4o", "llama4", "kanana2", "talkie", "minimax-m2"}, spec({kGpt4o}, false));
    PreTokenizerSpec granite_multi = spec(
        {R"re([^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))*((?=[\p{L}\p{M}])([^A-Z]))+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?((?=[\p{L}\p{M}])([^a-z]))+((?=[\p{L}\p{M}])([^A-Z]))*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
        false);
    granite_multi.ignore_merges = true;
    add({"granite-embed-multi-97m"}, granite_multi);
    add({"tiny_aya", "cohere2moe"}, spec({R"re(\d{1,3}(?=(?:\d{3})*\b))re", kCasedWords}, false));
    add({"superbpe"}, spec({R"re(\p{N}+)re", R"re((?=(\d{3})+(?!\d)))re"}, false));
    add({"bailingmoe", "bailingmoe2", "llada-moe"},
        spec(
            {R"re('(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]|\s+(?!\S)|\s+)re"},
            false));
    add({"seed-coder"},
        spec(
            {R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1}| ?[^\s\p{L}\p{N}\r\n]+|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
            false));
    add({"exaone-moe"},
        spec(
            {R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]?|\s*[\r\n]|\s+(?!\S)|\s+)re"},
            false));
    add({"jais-2"},
        spec(
            {R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s{512}(?!\S)|\s{256}(?!\S)|\s{128}(?!\S)|\s{64}(?!\S)|\s{32}(?!\S)|\s{16}(?!\S)|\s{8}(?!\S)|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1})re"}));
    PreTokenizerSpec youtu = spec(
        {R"re([가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+)re",
         R"re([^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]*[\p{Ll}\p{Lm}\p{Lo}\p{M}]+(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|[^\r\n\p{L}\p{N}]?[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]+[\p{Ll}\p{Lm}\p{Lo}\p{M}]*(?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])?|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n/]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"},
        false);
    youtu.ignore_merges = true;
    add({"youtu"}, youtu);
    PreTokenizerSpec minicpm5 = spec(
        {R"re(\p{N}{1,3})re",
         R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}+| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re"});
    minicpm5.ignore_merges = true;
    add({"minicpm5"}, minicpm5);
    return t;
  }();
  return table;
}

constexpr uint32_t kOutOfRange = 0xFFFFFFFF;

// A view of one piece [begin, end) of the code points, answering "outside" past its edges the
// way llama.cpp's custom splitters do (no flags, an out-of-range code point).
struct Piece {
  const std::vector<uint32_t>& cps;
  const std::vector<uint16_t>& flags;
  size_t begin, end;
  uint32_t cp(size_t i) const { return i >= begin && i < end ? cps[i] : kOutOfRange; }
  uint16_t fl(size_t i) const { return i >= begin && i < end ? flags[i] : 0; }
};

bool letter(uint16_t f) {
  return f & kCpLetter;
}
bool number(uint16_t f) {
  return f & kCpNumber;
}
bool space(uint16_t f) {
  return f & kCpWhitespace;
}
// [^\s\p{L}\p{N}] inside the piece.
bool other(uint16_t f) {
  return !(f & (kCpWhitespace | kCpLetter | kCpNumber)) && f != 0;
}

// Emits token boundaries within one piece.
struct Emitter {
  std::vector<size_t>& out;
  size_t prev;
  size_t to(size_t end) {
    size_t len = end - prev;
    if (len > 0) out.push_back(len);
    prev = end;
    return len;
  }
};

// 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
void split_gpt2(const Piece& p, std::vector<size_t>& out) {
  Emitter em{out, p.begin};
  for (size_t pos = p.begin; pos < p.end;) {
    const uint32_t c = p.cp(pos);
    const uint16_t f = p.fl(pos);
    if (c == '\'' && pos + 1 < p.end) {
      const uint32_t n1 = p.cp(pos + 1);
      if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
        pos += em.to(pos + 2);
        continue;
      }
      if (pos + 2 < p.end) {
        const uint32_t n2 = p.cp(pos + 2);
        if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
          pos += em.to(pos + 3);
          continue;
        }
      }
    }
    uint16_t f2 = c == ' ' ? p.fl(pos + 1) : f;
    if (letter(f2) || number(f2) || other(f2)) {
      auto same = letter(f2) ? letter : number(f2) ? number : other;
      pos += (c == ' ');
      while (same(f2)) f2 = p.fl(++pos);
      em.to(pos);
      continue;
    }
    size_t n_space = 0;
    while (space(p.fl(pos + n_space))) ++n_space;
    if (n_space > 1 && p.cp(pos + n_space) != kOutOfRange) {
      pos += n_space - 1;  // \s+(?!\S): leave the last space to the next word
      em.to(pos);
      continue;
    }
    if (n_space > 0) {
      pos += n_space;
      em.to(pos);
      continue;
    }
    em.to(++pos);
  }
}

// (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|
// \s*[\r\n]+|\s+(?!\S)|\s+
void split_llama3(const Piece& p, std::vector<size_t>& out) {
  Emitter em{out, p.begin};
  for (size_t pos = p.begin; pos < p.end;) {
    const uint32_t c = p.cp(pos);
    const uint16_t f = p.fl(pos);
    if (c == '\'' && pos + 1 < p.end) {
      const uint32_t n1 = cp_to_lower(p.cp(pos + 1));
      if (n1 == 's' || n1 == 't' || n1 == 'm' || n1 == 'd') {
        pos += em.to(pos + 2);
        continue;
      }
      if (pos + 2 < p.end) {
        const uint32_t n2 = cp_to_lower(p.cp(pos + 2));
        if ((n1 == 'r' && n2 == 'e') || (n1 == 'v' && n2 == 'e') || (n1 == 'l' && n2 == 'l')) {
          pos += em.to(pos + 3);
          continue;
        }
      }
    }
    if (!(c == '\r' || c == '\n' || number(f))) {
      if (letter(f) || letter(p.fl(pos + 1))) {
        ++pos;
        while (letter(p.fl(pos))) ++pos;
        em.to(pos);
        continue;
      }
    }
    if (number(f)) {
      size_t start = pos;
      while (number(p.fl(pos))) {
        if (++pos - start >= 3) {
          em.to(pos);
          start = pos;
        }
      }
      em.to(pos);
      continue;
    }
    uint16_t f2 = c == ' ' ? p.fl(pos + 1) : f;
    // llama.cpp tests the flags of the current character here, not of f2.
    if (!(f2 & (kCpWhitespace | kCpLetter | kCpNumber)) && f != 0) {
      pos += (c == ' ');
      while (other(f2)) f2 = p.fl(++pos);
      uint32_t c2 = p.cp(pos);
      while (c2 == '\r' || c2 == '\n') c2 = p.cp(++pos);
      em.to(pos);
      continue;
    }
    size_t n_space = 0, last_newline_end = 0;
    while (space(p.fl(pos + n_space))) {
      uint32_t c2 = p.cp(pos + n_space);
      if (c2 == '\r' || c2 == '\n') last_newline_end = pos + n_space + 1;
      ++n_space;
    }
    if (last_newline_end > 0) {
      pos = last_newline_end;
      em.to(pos);
      continue;
    }
    if (n_space > 1 && p.cp(pos + n_space) != kOutOfRange) {
      pos += n_space - 1;
      em.to(pos);
      continue;
    }
    if (n_space > 0) {
      pos += n_space;
      em.to(pos);
      continue;
    }
    em.to(++pos);
  }
}

enum class StepKind { Gpt2, Llama3, Regex };

}  // namespace

struct PreTokenizer::Step {
  StepKind kind;
  std::optional<Regex> regex;
};

const PreTokenizerSpec* find_pre_tokenizer(std::string_view name) {
  const auto& t = specs();
  auto it = t.find(name);
  return it == t.end() ? nullptr : &it->second;
}

bool is_unsupported_pre_tokenizer(std::string_view name) {
  for (std::string_view n :
       {"kimi-k2", "afmoe", "gemma4", "sarvam-moe", "whitespace", "granite-embed-multi-311m"})
    if (name == n) return true;
  return false;
}

PreTokenizer::PreTokenizer(const PreTokenizerSpec& spec) {
  for (const std::string& r : spec.regexes) {
    if (r == kGpt2) {
      steps_.push_back({StepKind::Gpt2, std::nullopt});
    } else if (r == kLlama3) {
      steps_.push_back({StepKind::Llama3, std::nullopt});
    } else {
      steps_.push_back({StepKind::Regex, Regex(r)});
    }
  }
}

PreTokenizer::~PreTokenizer() = default;

std::vector<std::string> PreTokenizer::split(std::string_view text) const {
  const std::vector<uint32_t> cps = decode_utf8(text);
  std::vector<uint16_t> flags;
  std::vector<uint32_t> collapsed, codepoints;
  std::vector<size_t> pieces{cps.size()}, next;
  for (const Step& step : steps_) {
    next.clear();
    if (step.kind == StepKind::Regex) {
      const bool use_collapsed = step.regex->collapsed();
      std::vector<uint32_t>& sym = use_collapsed ? collapsed : codepoints;
      if (sym.empty() && !cps.empty()) {
        sym.resize(cps.size());
        for (size_t i = 0; i < cps.size(); ++i)
          sym[i] = use_collapsed ? collapse_symbol(cps[i]) : codepoint_symbol(cps[i]);
      }
      step.regex->split(sym, pieces, next);
    } else {
      if (flags.empty() && !cps.empty()) {
        flags.resize(cps.size());
        for (size_t i = 0; i < cps.size(); ++i) flags[i] = cp_flags(cps[i]);
      }
      size_t begin = 0;
      for (size_t len : pieces) {
        Piece piece{cps, flags, begin, begin + len};
        if (step.kind == StepKind::Gpt2)
          split_gpt2(piece, next);
        else
          split_llama3(piece, next);
        begin += len;
      }
    }
    pieces.swap(next);
  }

  std::vector<std::string> words;
  words.reserve(pieces.size());
  std::string utf8;
  size_t begin = 0;
  for (size_t len : pieces) {
    utf8.clear();
    for (size_t i = begin; i < begin + len; ++i) append_utf8(utf8, cps[i]);
    std::string word;
    word.reserve(utf8.size() * 2);
    for (unsigned char b : utf8) word += byte_to_unicode(b);
    words.push_back(std::move(word));
    begin += len;
  }
  return words;
}

}  // namespace ruvllm::tokenizer_detail
