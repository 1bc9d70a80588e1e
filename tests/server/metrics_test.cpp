// The metrics registry and its Prometheus text exposition.
#include "server/metrics.h"

#include <gtest/gtest.h>

#include <cmath>
#include <thread>

#include "core/error.h"
#include "prometheus_text.h"

namespace ruvllm::server {
namespace {

using test::parse_prometheus_text;

TEST(PrometheusChecker, RejectsMalformedText) {
  // The checker itself must fail on bad input, or the exposition tests prove nothing.
  EXPECT_TRUE(parse_prometheus_text("# TYPE a counter\na 1\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("a 1\n").errors.empty());                         // undeclared
  EXPECT_FALSE(parse_prometheus_text("# TYPE a counter\na{x=1} 1\n").errors.empty());  // unquoted
  EXPECT_FALSE(parse_prometheus_text("# TYPE a counter\na one\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("# TYPE a counter\na\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("# TYPE a countr\na 1\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("# TYPE 1a counter\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("# TYPE a counter\na{x=\"1\"} 1").errors.empty());  // no \n
  EXPECT_FALSE(parse_prometheus_text("# TYPE a histogram\na_bucket 1\n").errors.empty());
  EXPECT_FALSE(parse_prometheus_text("# TYPE a counter\n\na 1\n").errors.empty());
}

TEST(Metrics, CountersGaugesAndLabels) {
  MetricsRegistry registry;
  Counter& ok = registry.counter("http_requests_total", "Requests.", {{"status", "200"}});
  registry.counter("http_requests_total", "Requests.", {{"status", "400"}}).inc(2);
  ok.inc();
  ok.inc(0.5);
  ok.inc(-3);  // counters never go down
  EXPECT_EQ(&ok, &registry.counter("http_requests_total", "Requests.", {{"status", "200"}}));
  Gauge& active = registry.gauge("active", "Active requests.");
  active.set(3);
  active.add(-1);
  auto parsed = parse_prometheus_text(registry.render());
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0];
  EXPECT_EQ(parsed.types["http_requests_total"], "counter");
  EXPECT_EQ(parsed.types["active"], "gauge");
  EXPECT_DOUBLE_EQ(parsed.value("http_requests_total", {{"status", "200"}}), 1.5);
  EXPECT_DOUBLE_EQ(parsed.value("http_requests_total", {{"status", "400"}}), 2);
  EXPECT_DOUBLE_EQ(parsed.value("active"), 2);
}

TEST(Metrics, HistogramBucketsAreCumulative) {
  MetricsRegistry registry;
  Histogram& h = registry.histogram("latency_seconds", "Latency.", {0.1, 1, 10}, {{"phase", "x"}});
  for (double v : {0.05, 0.1, 0.5, 2.0, 50.0}) h.observe(v);
  std::string text = registry.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0] << "\n" << text;
  EXPECT_EQ(parsed.types["latency_seconds"], "histogram");
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"phase", "x"}, {"le", "0.1"}}), 2);
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"phase", "x"}, {"le", "1"}}), 3);
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"phase", "x"}, {"le", "10"}}), 4);
  EXPECT_EQ(parsed.value("latency_seconds_bucket", {{"phase", "x"}, {"le", "+Inf"}}), 5);
  EXPECT_EQ(parsed.value("latency_seconds_count", {{"phase", "x"}}), 5);
  EXPECT_NEAR(parsed.value("latency_seconds_sum", {{"phase", "x"}}), 52.65, 1e-9);
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  MetricsRegistry registry;
  registry.counter("weird_total", "Help with \\ and\nnewline.", {{"path", "a\"b\\c\nd"}}).inc();
  std::string text = registry.render();
  auto parsed = parse_prometheus_text(text);
  ASSERT_TRUE(parsed.errors.empty()) << parsed.errors[0] << "\n" << text;
  EXPECT_EQ(parsed.value("weird_total", {{"path", "a\"b\\c\nd"}}), 1);
}

TEST(Metrics, RejectsBadNamesAndTypeConflicts) {
  MetricsRegistry registry;
  EXPECT_THROW(registry.counter("bad-name", "x"), Error);
  EXPECT_THROW(registry.counter("9lives", "x"), Error);
  registry.counter("thing", "x");
  EXPECT_THROW(registry.gauge("thing", "x"), Error);
}

TEST(Metrics, ConcurrentIncrementsAreNotLost) {
  MetricsRegistry registry;
  Counter& c = registry.counter("c_total", "c");
  Histogram& h = registry.histogram("h", "h", latency_buckets());
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        c.inc();
        h.observe(0.01);
      }
    });
  for (auto& t : threads) t.join();
  EXPECT_EQ(c.value(), 40000);
  EXPECT_EQ(h.snapshot().count, 40000u);
}

}  // namespace
}  // namespace ruvllm::server
