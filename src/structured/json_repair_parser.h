// The tolerant parser behind repair_json: reads one object or array from a starting '{' or '['
// and writes it back as strict JSON, recording each repair it had to make.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "structured/json_repair.h"

namespace ruvllm::structured::detail {

// One attempt at reading a value from some start position.
struct RepairCandidate {
  std::string json;
  std::uint32_t fixes = 0;  // bit (1 << JsonFix)
  std::vector<JsonFix> fix_order;
  bool truncated = false;
  // Guesswork was needed (unquoted string values, members without values, skipped characters),
  // so this may be prose in brackets rather than data.
  bool weak = false;
  std::size_t begin = 0, end = 0;  // span in the parsed text
};

class TolerantJsonParser {
 public:
  TolerantJsonParser(std::string_view text, std::size_t max_depth);

  // Reads the value starting at `start` (a '{' or '['). nullopt when too deep.
  std::optional<RepairCandidate> parse_at(std::size_t start);

 private:
  enum class Outcome { kValue, kNone, kEnd };  // kEnd: input ended before the value did
  enum class Context { kTop, kObjectValue, kArrayItem, kKey };

  Outcome parse_value(Context context);
  Outcome parse_object();
  Outcome parse_array();
  Outcome parse_string(Context context);
  Outcome parse_number();
  Outcome parse_word(Context context);
  void parse_escape();
  void copy_utf8_sequence();

  bool string_ends_here(std::size_t after_quote, char quote, Context context) const;
  bool next_line_starts_member(std::size_t newline) const;
  // After a comma that may end a string: does a member / an array item plausibly follow?
  bool member_follows(std::size_t p) const;
  bool item_follows(std::size_t p) const;
  // A quoted key ("name":) starts at `p`.
  bool quoted_key_at(std::size_t p) const;
  // Skips whitespace, at most kMaxLookahead characters.
  std::size_t skip_blank(std::size_t p) const;
  static constexpr std::size_t kMaxLookahead = 256;
  bool closer_expected_by_ancestor(char closer) const;
  void skip_space_and_comments();
  void fix(JsonFix kind);

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }

  std::string_view text_;
  std::size_t max_depth_;
  std::size_t pos_ = 0;
  std::string out_;
  std::vector<char> closers_;  // closing brackets of the open containers, innermost last
  RepairCandidate result_;
};

}  // namespace ruvllm::structured::detail
