// Exact GBNF for decimal integers and bounded numbers within ranges.
//
// JSON Schema bounds such as {"type": "integer", "minimum": -5, "maximum": 1234} are enforced in
// the grammar itself: the digit strings of [lo, hi] are split by length and then by leading
// digits (like 0-1233 → [0-9] | [1-9][0-9] | [1-9][0-9][0-9] | 1[0-1][0-9][0-9] | 12[0-2][0-9]
// | 123[0-3]...). Numbers are canonical JSON: no leading zeros, no plus sign.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace ruvllm::structured {

// Digits of the non-negative integers in [lo, hi] (hi absent: unbounded, up to 20 digits, as
// the converter's plain JSON numbers). Empty range: a grammar matching nothing.
std::string gbnf_uint_range(uint64_t lo, std::optional<uint64_t> hi);

// JSON integers in [lo, hi]; absent bounds are unbounded (up to 20 digits).
std::string gbnf_int_range(std::optional<int64_t> lo, std::optional<int64_t> hi);

// JSON numbers x (optional fraction, no exponent) with integer bounds lo <(=) x <(=) hi; an
// absent bound is unbounded. Exclusive flags make the bound strict.
std::string gbnf_number_range(std::optional<int64_t> lo, bool lo_exclusive,
                              std::optional<int64_t> hi, bool hi_exclusive);

}  // namespace ruvllm::structured
