#include "structured/integer_range_gbnf.h"

#include <gtest/gtest.h>

#include <random>

#include "matcher_support.h"

#if RUVLLM_HAVE_RAPIDCHECK
#include <rapidcheck/gtest.h>
#endif

namespace ruvllm::structured {
namespace {

using test::accepts;
using test::compile;

std::shared_ptr<const CompiledGrammar> int_grammar(std::optional<int64_t> lo,
                                                   std::optional<int64_t> hi) {
  return compile("root ::= " + gbnf_int_range(lo, hi));
}

TEST(IntegerRangeGbnf, ExhaustiveSmallRanges) {
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {0, 0},     {0, 9},   {1, 10}, {7, 123},   {-15, 15}, {-130, -7},
      {99, 1001}, {10, 19}, {-1, 0}, {100, 100}, {0, 250}};
  for (auto [lo, hi] : ranges) {
    SCOPED_TRACE(std::to_string(lo) + ".." + std::to_string(hi));
    auto g = int_grammar(lo, hi);
    for (int64_t v = lo - 30; v <= hi + 30; ++v) {
      ASSERT_EQ(accepts(g, std::to_string(v)), v >= lo && v <= hi) << v;
    }
    EXPECT_FALSE(accepts(g, "01"));
    EXPECT_FALSE(accepts(g, "-0"));
    EXPECT_FALSE(accepts(g, "+1"));
  }
}

TEST(IntegerRangeGbnf, HalfOpenRanges) {
  auto at_least = int_grammar(37, std::nullopt);
  auto at_most = int_grammar(std::nullopt, -4);
  for (int64_t v = -200; v <= 200; ++v) {
    ASSERT_EQ(accepts(at_least, std::to_string(v)), v >= 37) << v;
    ASSERT_EQ(accepts(at_most, std::to_string(v)), v <= -4) << v;
  }
  EXPECT_TRUE(accepts(at_least, "123456789012345"));
  EXPECT_FALSE(accepts(at_least, "0123"));
  EXPECT_TRUE(accepts(at_most, "-9223372036854775807"));
  // An unbounded side stops at 20 digits, as plain JSON numbers do: longer numbers overflow
  // common parsers (a random-weight model once wrote a 400-digit "number" with a minimum).
  EXPECT_TRUE(accepts(at_least, "1" + std::string(19, '0')));
  EXPECT_FALSE(accepts(at_least, "1" + std::string(20, '0')));
  EXPECT_TRUE(accepts(at_most, "-" + std::string(20, '9')));
  EXPECT_FALSE(accepts(at_most, "-1" + std::string(20, '0')));
  auto number_at_least =
      compile("root ::= " + gbnf_number_range(-2421, false, std::nullopt, false));
  EXPECT_TRUE(accepts(number_at_least, std::string(20, '7') + ".5"));
  EXPECT_FALSE(accepts(number_at_least, std::string(21, '7')));
  EXPECT_TRUE(accepts(int_grammar(std::nullopt, std::nullopt), "-0") == false);
}

TEST(IntegerRangeGbnf, EmptyRangeMatchesNothing) {
  auto g = int_grammar(5, 4);
  for (int v = -10; v < 10; ++v) EXPECT_FALSE(accepts(g, std::to_string(v)));
}

TEST(NumberRangeGbnf, FractionsAtTheBounds) {
  auto g = compile("root ::= " + gbnf_number_range(0, false, 10, false));
  EXPECT_TRUE(accepts(g, "0"));
  EXPECT_TRUE(accepts(g, "0.5"));
  EXPECT_TRUE(accepts(g, "9.999"));
  EXPECT_TRUE(accepts(g, "10"));
  EXPECT_TRUE(accepts(g, "10.000"));
  EXPECT_FALSE(accepts(g, "10.001"));
  EXPECT_FALSE(accepts(g, "-0.1"));
  EXPECT_FALSE(accepts(g, "11"));
  auto open = compile("root ::= " + gbnf_number_range(-2, true, 3, true));
  EXPECT_FALSE(accepts(open, "-2"));
  EXPECT_TRUE(accepts(open, "-1.99"));
  EXPECT_TRUE(accepts(open, "-0.5"));
  EXPECT_TRUE(accepts(open, "2.999"));
  EXPECT_FALSE(accepts(open, "3"));
  EXPECT_FALSE(accepts(open, "3.0"));
  EXPECT_FALSE(accepts(open, "-2.0"));
  EXPECT_TRUE(accepts(open, "-2.01") == false);
}

#if RUVLLM_HAVE_RAPIDCHECK
RC_GTEST_PROP(IntegerRangeGbnf, RandomBoundsAgreeWithComparison, ()) {
  const auto a = *rc::gen::inRange<int64_t>(-100000, 100000);
  const auto b = *rc::gen::inRange<int64_t>(-100000, 100000);
  const int64_t lo = std::min(a, b), hi = std::max(a, b);
  auto g = int_grammar(lo, hi);
  for (int i = 0; i < 40; ++i) {
    const auto v = *rc::gen::oneOf(rc::gen::inRange<int64_t>(lo - 3, hi + 4),
                                   rc::gen::inRange<int64_t>(-300000, 300000));
    RC_ASSERT(accepts(g, std::to_string(v)) == (v >= lo && v <= hi));
  }
}

RC_GTEST_PROP(NumberRangeGbnf, RandomDecimalsAgreeWithComparison, ()) {
  const auto lo = *rc::gen::inRange<int64_t>(-50, 50);
  const auto hi = *rc::gen::inRange<int64_t>(lo, 60);
  const bool lo_ex = *rc::gen::arbitrary<bool>();
  const bool hi_ex = *rc::gen::arbitrary<bool>();
  auto g = compile("root ::= " + gbnf_number_range(lo, lo_ex, hi, hi_ex));
  for (int i = 0; i < 30; ++i) {
    const auto whole = *rc::gen::inRange<int64_t>(-70, 70);
    const auto frac = *rc::gen::inRange<int>(0, 100);
    const double v = whole < 0 ? whole - frac / 100.0 : whole + frac / 100.0;
    std::string text = std::to_string(whole);
    if (whole == 0 && frac > 0 && *rc::gen::arbitrary<bool>()) {
      text = "-0";
    }
    const double value = text == "-0" ? -frac / 100.0 : v;
    char buf[8];
    std::snprintf(buf, sizeof buf, "%02d", frac);
    if (frac > 0) text += std::string(".") + buf;
    const bool inside = (lo_ex ? value > lo : value >= lo) && (hi_ex ? value < hi : value <= hi);
    RC_ASSERT(accepts(g, text) == inside);
  }
}
#endif

}  // namespace
}  // namespace ruvllm::structured
