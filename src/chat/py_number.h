// Python number formatting and parsing: repr() of floats (shortest round-trip digits, switching to
// exponent notation outside 1e-4..1e16), and the int()/float() conversions Jinja2 filters use.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ruvllm::chat::py {

// repr(float): "1.0", "0.1", "1e-05", "1e+16", "nan", "inf", "-inf".
std::string float_repr(double v);

// Python int(s, base) for a string (surrounding whitespace and underscores allowed); nullopt when
// it is not a valid literal or does not fit 64 bits. base 0 accepts 0x/0o/0b prefixes.
std::optional<int64_t> parse_int(std::string_view s, int base = 10);

// Python float(s): decimal and exponent forms, "inf", "nan" (any case); nullopt otherwise.
std::optional<double> parse_float(std::string_view s);

// Python round(v, ndigits) with round-half-even on the exact binary value.
double round_half_even(double v, int ndigits);

}  // namespace ruvllm::chat::py
