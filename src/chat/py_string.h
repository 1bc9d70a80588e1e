// Python str semantics over UTF-8 strings: code-point length and indexing, whitespace, strip,
// split, case mapping, repr, and HTML escaping as markupsafe does it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ruvllm::chat::py {

// UTF-8 <-> code points. Invalid bytes decode as U+FFFD.
std::u32string decode_utf8(std::string_view s);
std::string encode_utf8(std::u32string_view s);
void append_utf8(std::string& out, char32_t cp);

// Number of code points (Python len()).
size_t length(std::string_view s);

// Python str.isspace() for one code point.
bool is_space(char32_t cp);

// str.strip/lstrip/rstrip; `chars` absent means whitespace.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);

// str.split(sep, maxsplit) and str.rsplit; sep absent splits on runs of whitespace.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               int64_t maxsplit);
std::vector<std::string> rsplit(std::string_view s, const std::optional<std::string>& sep,
                                int64_t maxsplit);
// str.splitlines(keepends).
std::vector<std::string> splitlines(std::string_view s, bool keepends);

// str.replace(old, new, count); count < 0 replaces all.
std::string replace(std::string_view s, std::string_view old_sub, std::string_view new_sub,
                    int64_t count);
// str.count(sub) (non-overlapping).
int64_t count(std::string_view s, std::string_view sub);
// str.find(sub) as a code-point index, -1 when absent.
int64_t find(std::string_view s, std::string_view sub);
int64_t rfind(std::string_view s, std::string_view sub);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
// str.title(): first letter of each run of letters upper, the rest lower.
std::string title(std::string_view s);
// str.capitalize(): first character upper, the rest lower.
std::string capitalize(std::string_view s);
std::string swapcase(std::string_view s);
bool is_upper(std::string_view s);
bool is_lower(std::string_view s);
bool is_alpha(std::string_view s);
bool is_digit(std::string_view s);
bool is_alnum(std::string_view s);
bool is_all_space(std::string_view s);

// str.center(width, fill), ljust, rjust.
std::string center(std::string_view s, int64_t width, char32_t fill);
std::string ljust(std::string_view s, int64_t width, char32_t fill);
std::string rjust(std::string_view s, int64_t width, char32_t fill);

// repr() of a str: quotes chosen as Python does, escapes for control characters.
std::string repr(std::string_view s);

// markupsafe.escape(): & < > " ' as entities.
std::string html_escape(std::string_view s);

}  // namespace ruvllm::chat::py
