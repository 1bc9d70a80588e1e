// A Prometheus metrics registry with text exposition (format version 0.0.4).
//
// Metrics are grouped in families (one name, help text and type); each family holds one series
// per distinct label set. Counters and gauges are lock-free doubles; a histogram series holds
// cumulative bucket counts, a sum and a count. Series are created on first use and live as long
// as the registry, so references returned by counter()/gauge()/histogram() stay valid and can be
// cached by hot paths. All methods are thread-safe.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace ruvllm::server {

// Label name -> value; std::map keeps the exposition order stable.
using Labels = std::map<std::string, std::string>;

class Counter {
 public:
  void inc(double amount = 1.0);  // amount must be >= 0
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void set(double value) { value_.store(value, std::memory_order_relaxed); }
  void add(double amount);
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: the upper bounds of the buckets, ascending; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void observe(double value);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot snapshot() const;

 private:
  std::vector<double> bounds_;
  mutable std::mutex mutex_;
  std::vector<uint64_t> counts_;  // per bucket (not cumulative), last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class MetricsRegistry {
 public:
  // The series of family `name` with `labels`, created on first use. A family's type and
  // bucket bounds are fixed by its first use; using a name with another type throws Error.
  Counter& counter(const std::string& name, const std::string& help, const Labels& labels = {});
  Gauge& gauge(const std::string& name, const std::string& help, const Labels& labels = {});
  Histogram& histogram(const std::string& name, const std::string& help,
                       const std::vector<double>& bounds, const Labels& labels = {});

  // The whole registry in Prometheus text format: per family "# HELP", "# TYPE", then one line
  // per series (histograms: _bucket{le=...}, _sum, _count).
  std::string render() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;
    std::map<Labels, std::unique_ptr<Counter>> counters;
    std::map<Labels, std::unique_ptr<Gauge>> gauges;
    std::map<Labels, std::unique_ptr<Histogram>> histograms;
  };
  Family& family(const std::string& name, const std::string& help, Type type);

  mutable std::mutex mutex_;
  std::map<std::string, Family> families_;
};

// Default latency buckets in seconds, 1 ms to 2 minutes.
const std::vector<double>& latency_buckets();

}  // namespace ruvllm::server
