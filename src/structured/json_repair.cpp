// repair_json: where the value is (code fences, prose), which candidate to believe, and the
// final check that the output is strict JSON.
#include "structured/json_repair.h"

#include "structured/json_repair_parser.h"

namespace ruvllm::structured {

std::string_view to_string(JsonFix fix) {
  switch (fix) {
    case JsonFix::kExtracted:
      return "extracted from surrounding text";
    case JsonFix::kCodeFence:
      return "extracted from a code fence";
    case JsonFix::kComment:
      return "removed comments";
    case JsonFix::kTrailingComma:
      return "removed trailing commas";
    case JsonFix::kMissingComma:
      return "inserted missing commas";
    case JsonFix::kMissingColon:
      return "inserted missing colons";
    case JsonFix::kSingleQuotes:
      return "converted single-quoted strings";
    case JsonFix::kUnquotedKey:
      return "quoted bare keys";
    case JsonFix::kUnquotedString:
      return "quoted bare text values";
    case JsonFix::kPythonLiteral:
      return "converted Python/JavaScript literals";
    case JsonFix::kNonFiniteNumber:
      return "replaced NaN/Infinity with null";
    case JsonFix::kNumberFormat:
      return "normalised number syntax";
    case JsonFix::kControlCharacter:
      return "escaped control characters in strings";
    case JsonFix::kInvalidEscape:
      return "fixed invalid escapes";
    case JsonFix::kUnescapedQuote:
      return "escaped quotes inside strings";
    case JsonFix::kUnclosedString:
      return "closed unterminated strings";
    case JsonFix::kUnclosedContainer:
      return "closed unterminated arrays/objects";
    case JsonFix::kMismatchedBracket:
      return "fixed mismatched brackets";
    case JsonFix::kDroppedIncomplete:
      return "dropped incomplete members";
    case JsonFix::kInvalidUtf8:
      return "replaced invalid UTF-8";
    case JsonFix::kStrayCharacter:
      return "skipped stray characters";
  }
  return "unknown fix";
}

bool JsonRepairResult::has(JsonFix fix) const {
  for (JsonFix f : fixes) {
    if (f == fix) return true;
  }
  return false;
}

namespace {

// A stretch of the input to search: a code fence's content, or the whole text.
struct Region {
  std::size_t begin = 0, end = 0;              // content
  std::size_t outer_begin = 0, outer_end = 0;  // including the fence lines
  bool fenced = false;
};

std::vector<Region> code_fences(std::string_view text) {
  std::vector<Region> regions;
  std::size_t search = 0;
  while (true) {
    std::size_t open = text.find("```", search);
    if (open == std::string_view::npos) break;
    std::size_t newline = text.find('\n', open + 3);
    if (newline == std::string_view::npos) break;  // "```json" and nothing after it
    std::size_t close = text.find("```", newline + 1);
    Region region;
    region.fenced = true;
    region.outer_begin = open;
    region.begin = newline + 1;
    region.end = close == std::string_view::npos ? text.size() : close;
    region.outer_end = close == std::string_view::npos ? text.size() : close + 3;
    regions.push_back(region);
    if (close == std::string_view::npos) break;
    search = close + 3;
  }
  return regions;
}

bool has_text(std::string_view text) {
  for (char c : text) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return true;
  }
  return false;
}

// The best reading of `region`: among candidates that needed no guesswork the one covering most
// text, else the largest guessed one. A good candidate's inside is not searched again.
std::optional<detail::RepairCandidate> best_candidate(std::string_view text, const Region& region,
                                                      const JsonRepairOptions& options) {
  std::string_view content = text.substr(region.begin, region.end - region.begin);
  detail::TolerantJsonParser parser(content, options.max_depth);
  std::optional<detail::RepairCandidate> strong, weak;
  std::size_t pos = 0;
  for (std::size_t tried = 0; tried < options.max_candidates; ++tried) {
    std::size_t start = content.find_first_of("{[", pos);
    if (start == std::string_view::npos) break;
    pos = start + 1;
    std::optional<detail::RepairCandidate> candidate = parser.parse_at(start);
    if (!candidate || !nlohmann::json::accept(candidate->json)) continue;
    std::size_t span = candidate->end - candidate->begin;
    auto& best = candidate->weak ? weak : strong;
    if (!best || span > best->end - best->begin) {
      if (!candidate->weak) pos = candidate->end;
      best = std::move(candidate);
    }
  }
  return strong ? std::move(strong) : std::move(weak);
}

JsonRepairResult make_result(std::string_view text, const Region& region,
                             detail::RepairCandidate candidate) {
  JsonRepairResult result;
  result.begin = region.begin + candidate.begin;
  result.end = region.begin + candidate.end;
  result.truncated = candidate.truncated;
  bool outside_text = has_text(text.substr(region.begin, candidate.begin)) ||
                      has_text(text.substr(result.end, region.end - result.end));
  if (region.fenced) {
    result.fixes.push_back(JsonFix::kCodeFence);
    outside_text = outside_text || has_text(text.substr(0, region.outer_begin)) ||
                   has_text(text.substr(region.outer_end));
  }
  if (outside_text) result.fixes.push_back(JsonFix::kExtracted);
  result.fixes.insert(result.fixes.end(), candidate.fix_order.begin(), candidate.fix_order.end());
  result.value = nlohmann::ordered_json::parse(candidate.json);
  result.json = std::move(candidate.json);
  return result;
}

}  // namespace

std::optional<JsonRepairResult> repair_json(std::string_view text,
                                            const JsonRepairOptions& options) {
  try {
    // Valid JSON (any value, surrounding whitespace allowed) needs no repair.
    if (nlohmann::json::accept(text)) {
      JsonRepairResult result;
      result.value = nlohmann::ordered_json::parse(text);
      result.json = result.value.dump();
      std::size_t first = text.find_first_not_of(" \t\r\n");
      std::size_t last = text.find_last_not_of(" \t\r\n");
      result.begin = first;
      result.end = last + 1;
      return result;
    }
    std::vector<Region> regions = code_fences(text);
    Region whole;
    whole.end = whole.outer_end = text.size();
    regions.push_back(whole);
    for (const Region& region : regions) {
      if (auto candidate = best_candidate(text, region, options)) {
        return make_result(text, region, std::move(*candidate));
      }
    }
    return std::nullopt;
  } catch (const std::exception&) {
    return std::nullopt;  // only allocation failure gets here: the parser validates its output
  }
}

}  // namespace ruvllm::structured
