// URI references (RFC 3986) and JSON pointers (RFC 6901) as JSON Schema's "$id" and "$ref" use
// them.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ruvllm::structured::detail {

// A URI reference split into its five components (RFC 3986 §3); absent components are nullopt,
// which differs from present-but-empty ("http://x?" has an empty query).
struct UriParts {
  std::optional<std::string> scheme;
  std::optional<std::string> authority;
  std::string path;
  std::optional<std::string> query;
  std::optional<std::string> fragment;
};

UriParts parse_uri_reference(std::string_view text);
std::string compose_uri(const UriParts& parts);

// Resolves `reference` against the absolute URI `base` (RFC 3986 §5.2, strict).
std::string resolve_uri(std::string_view base, std::string_view reference);

// Splits "a#b" into ("a", "b"); a URI without '#' gives ("a", "").
std::pair<std::string, std::string> split_fragment(std::string_view uri);

// Decodes %XX escapes; malformed escapes are kept as they are.
std::string percent_decode(std::string_view text);

// The tokens of a JSON pointer ("" is the whole document). Throws FormatError when `pointer` is
// not a pointer (does not start with '/', or has a '~' not followed by 0 or 1).
std::vector<std::string> parse_json_pointer(std::string_view pointer);

// Escapes a reference token for a JSON pointer ("~" -> "~0", "/" -> "~1").
std::string escape_pointer_token(std::string_view token);

}  // namespace ruvllm::structured::detail
