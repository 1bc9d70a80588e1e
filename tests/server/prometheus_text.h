// A strict checker for the Prometheus text exposition format (0.0.4), used by the metrics and
// HTTP tests: every line must be "# HELP name text", "# TYPE name type", or a sample
// "name{label="value",...} value"; samples must belong to a family declared by # TYPE.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace ruvllm::server::test {

struct PrometheusSample {
  std::string name;
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct PrometheusParse {
  std::vector<std::string> errors;  // "line N: what is wrong"; empty when the text is valid
  std::map<std::string, std::string> types;  // family -> counter/gauge/histogram/...
  std::vector<PrometheusSample> samples;

  // The value of the sample with this name and exactly these labels; NaN when absent.
  double value(const std::string& name,
               const std::map<std::string, std::string>& labels = {}) const;
};

PrometheusParse parse_prometheus_text(const std::string& text);

}  // namespace ruvllm::server::test
