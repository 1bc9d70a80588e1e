// "format" checks of the JSON Schema validator.
#pragma once

#include <string>
#include <string_view>

namespace ruvllm::structured::detail {

// Checks a string against format `format` (date, time, date-time, email, hostname, ipv4, ipv6,
// uri, uri-reference, uuid, json-pointer, relative-json-pointer, regex). Unknown formats pass.
bool check_format(std::string_view format, const std::string& value);

// An IDNA A-label ("xn--..."): valid Punycode (RFC 3492) whose decoded U-label follows the IDNA
// 2008 rules that can be checked without Unicode script data (RFC 5891 §5.4, RFC 5892 exceptions
// and contextual rules; scripts are approximated by their main blocks).
bool is_valid_a_label(std::string_view label);

// Decodes the Punycode part of an A-label (without "xn--"); false when it is malformed.
bool punycode_decode(std::string_view encoded, std::u32string* out);

}  // namespace ruvllm::structured::detail
