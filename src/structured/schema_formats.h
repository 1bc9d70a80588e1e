// GBNF for the JSON Schema string formats the grammar enforces.
#pragma once

#include <optional>
#include <string>

namespace ruvllm::structured {

// GBNF for the JSON string contents (no quotes) of `format`, or nullopt for formats that are not
// enforced: date, time, date-time, uuid, email, ipv4, ipv6 (simplified), uri, hostname, and
// (as extensions) int32/int64-free formats are left out.
std::optional<std::string> format_gbnf(const std::string& format);

}  // namespace ruvllm::structured
