#include "structured/schema_formats.h"

namespace ruvllm::structured {

namespace {

// RFC 3339 full-date: month 01-12, day 01-31 (day-of-month limits are the validator's job).
const char* const kDate =
    "[0-9]{4} \"-\" (\"0\" [1-9] | \"1\" [0-2]) \"-\" (\"0\" [1-9] | [12] [0-9] | \"3\" [01])";
// RFC 3339 full-time: HH:MM:SS with optional fraction and a required offset (leap second 60).
const char* const kTime =
    "([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9] \":\" ([0-5] [0-9] | \"60\") (\".\" [0-9]+)? "
    "([zZ] | [+-] ([01] [0-9] | \"2\" [0-3]) \":\" [0-5] [0-9])";
const char* const kUuid =
    "[0-9a-fA-F]{8} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" [0-9a-fA-F]{4} \"-\" "
    "[0-9a-fA-F]{12}";
const char* const kIpv4Octet =
    "(\"25\" [0-5] | \"2\" [0-4] [0-9] | \"1\" [0-9] [0-9] | [1-9] [0-9] | [0-9])";
// Local part of dot-atoms (RFC 5321 without quoted strings) @ a domain of labels.
const char* const kEmail =
    "[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+ (\".\" [A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)* \"@\" "
    "[A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])? (\".\" [A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])?)*";
const char* const kHostname =
    "[A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])? (\".\" [A-Za-z0-9] ([A-Za-z0-9-]* [A-Za-z0-9])?)*";
// RFC 3986 absolute URI: scheme ":" then URI characters (structure beyond that is validated
// after generation). JSON escapes '/' optionally.
const char* const kUri =
    "[A-Za-z] [A-Za-z0-9+.-]* \":\" ([A-Za-z0-9\\-._~:/?#@!$&'()*+,;=%] | \"\\\\/\" | \"[\" | "
    "\"]\")*";

}  // namespace

std::optional<std::string> format_gbnf(const std::string& format) {
  if (format == "date") return std::string(kDate);
  if (format == "time") return std::string(kTime);
  if (format == "date-time") return std::string(kDate) + " [Tt ] " + kTime;
  if (format == "uuid") return std::string(kUuid);
  if (format == "ipv4") {
    return std::string(kIpv4Octet) + " (\".\" " + kIpv4Octet + "){3}";
  }
  if (format == "email") return std::string(kEmail);
  if (format == "hostname") return std::string(kHostname);
  if (format == "uri") return std::string(kUri);
  return std::nullopt;
}

}  // namespace ruvllm::structured
