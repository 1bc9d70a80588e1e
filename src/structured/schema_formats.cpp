#include "structured/schema_formats.h"

#include <string>

namespace ruvllm::structured {

namespace {

// RFC 3339 full-date with the days of each month; February 29 only in leap years (divisible by
// 4, centuries only when divisible by 400).
const char* const kDate =
    "[0-9]{4} \"-\" ((\"0\" [13578] | \"1\" [02]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01]) | "
    "(\"0\" [469] | \"11\") \"-\" (\"0\" [1-9] | [12] [0-9] | \"30\") | "
    "\"02-\" (\"0\" [1-9] | \"1\" [0-9] | \"2\" [0-8])) | "
    "([0-9]{2} (\"0\" [48] | [2468] [048] | [13579] [26]) | ([02468] [048] | [13579] [26]) \"00\") "
    "\"-02-29\"";
// RFC 3339 full-time: HH:MM:SS with optional fraction and a required offset. A leap second is
// valid only at 23:59 UTC; the grammar allows it at 23:59:60 with a zero offset (other offsets
// are valid too but rare enough to leave out).
const char* const kTime =
    "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" [0-5] [0-9] (\".\" [0-9]+)? "
    "([zZ] | [+-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9]) | "
    "\"23:59:60\" (\".\" [0-9]+)? ([zZ] | [+-] \"00:00\")";
const char* const kUuid =
    "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
    "[0-9a-fA-F]{12}";
const char* const kIpv4Octet =
    "(\"25\" [0-5] | \"2\" [0-4] [0-9] | \"1\" [0-9] [0-9] | [1-9] [0-9] | [0-9])";

// An RFC 1123 label of at most `max_len` (>= 4) letters, digits and inner hyphens, without
// "--" at positions 3-4 (reserved for IDNA A-labels, which must decode).
std::string host_label(int max_len) {
  const std::string an = "[A-Za-z0-9]", ah = "[A-Za-z0-9-]";
  const std::string tail = an + " (" + ah + "{0," + std::to_string(max_len - 4) + "} " + an +
                           ")? | \"-\" " + an + " (" + ah + "{0," + std::to_string(max_len - 5) +
                           "} " + an + ")?";
  return "(" + an + " (" + an + " | " + ah + " (" + tail + "))?)";
}

// Host names of at most 253 characters: up to 3 labels of up to 63 characters, or 4 to 10
// labels of up to 24.
std::string hostname() {
  const std::string long_label = host_label(63), short_label = host_label(24);
  return "(" + long_label + " (\".\" " + long_label + "){0,2} | " + short_label + " (\".\" " +
         short_label + "){3,9})";
}

// Local part of dot-atoms (RFC 5321 without quoted strings) @ a host name.
std::string email() {
  return "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+ (\".\" [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)* \"@\" " +
         hostname();
}

// RFC 3986 absolute URI: scheme ":" hier-part ["?" query] ["#" fragment], with registered-name
// hosts (IP literals are left out). JSON text may escape '/' as "\/".
std::string uri() {
  const std::string pchar = "([A-Za-z0-9._~!$&'()*+,;=:@-] | \"%\" [0-9A-Fa-f] [0-9A-Fa-f])";
  const std::string slash = "(\"/\" | \"\\\\/\")";
  const std::string segments = "(" + slash + " " + pchar + "*)*";
  const std::string authority =
      "(([A-Za-z0-9._~!$&'()*+,;=:-] | \"%\" [0-9A-Fa-f] [0-9A-Fa-f])* \"@\")? "
      "([A-Za-z0-9._~!$&'()*+,;=-] | \"%\" [0-9A-Fa-f] [0-9A-Fa-f])* (\":\" [0-9]*)?";
  const std::string hier = "(" + slash + " " + slash + " " + authority + " " + segments + " | " +
                           slash + " (" + pchar + "+ " + segments + ")? | " + pchar + "+ " +
                           segments + ")?";
  const std::string query = "(" + pchar + " | " + slash + " | \"?\")*";
  return "[A-Za-z] [A-Za-z0-9+.-]* \":\" " + hier + " (\"?\" " + query + ")? (\"#\" " + query +
         ")?";
}

}  // namespace

std::optional<std::string> format_gbnf(const std::string& format) {
  if (format == "date") return std::string(kDate);
  if (format == "time") return std::string(kTime);
  if (format == "date-time") return "(" + std::string(kDate) + ") [Tt] (" + kTime + ")";
  if (format == "uuid") return std::string(kUuid);
  if (format == "ipv4") {
    return std::string(kIpv4Octet) + " (\".\" " + kIpv4Octet + "){3}";
  }
  if (format == "email") return email();
  if (format == "hostname") return hostname();
  if (format == "uri") return uri();
  return std::nullopt;
}

}  // namespace ruvllm::structured
