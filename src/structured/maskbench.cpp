#include "structured/maskbench.h"

#include <time.h>
#include <algorithm>
#include <chrono>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "structured/compiled_grammar.h"
#include "structured/grammar_matcher.h"

namespace ruvllm::structured {

namespace {

// Microseconds on the wall clock or the thread's CPU clock.
double now_us(bool cpu_clock) {
  if (cpu_clock) {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) * 1e6 + static_cast<double>(ts.tv_nsec) / 1e3;
  }
  return std::chrono::duration<double, std::micro>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool allowed(const std::vector<uint32_t>& mask, int32_t id) {
  return (mask[id / 32] >> (id % 32)) & 1u;
}

}  // namespace

double MaskBenchReport::percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * static_cast<double>(values.size() - 1);
  return values[static_cast<size_t>(rank + 0.5)];
}

std::vector<std::filesystem::path> maskbench_files(const std::filesystem::path& dir, size_t limit) {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.is_regular_file() && entry.path().extension() == ".json")
      files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  if (limit == 0 || limit >= files.size()) return files;
  std::vector<std::filesystem::path> picked;
  for (size_t i = 0; i < limit; ++i) picked.push_back(files[i * files.size() / limit]);
  return picked;
}

MaskBenchReport run_maskbench(const std::vector<std::filesystem::path>& files,
                              const std::shared_ptr<const TokenVocabulary>& vocab,
                              const TextEncoder& encode, const JsonSchemaGrammarOptions& options,
                              bool cpu_clock) {
  MaskBenchReport report;
  std::vector<uint32_t> mask(vocab->mask_words());
  for (const auto& path : files) {
    ++report.schemas;
    const std::string name = path.filename().string();
    nlohmann::ordered_json doc;
    try {
      std::ifstream in(path, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      doc = nlohmann::ordered_json::parse(ss.str());
    } catch (const std::exception& e) {
      report.problems.push_back(name + ": unreadable: " + e.what());
      continue;
    }
    std::shared_ptr<CompiledGrammar> compiled;
    std::unique_ptr<GrammarMatcher> matcher;
    const double start = now_us(cpu_clock);
    try {
      JsonSchemaGrammar g = json_schema_to_grammar(doc.at("schema"), options);
      compiled = std::make_shared<CompiledGrammar>(g.grammar, vocab);
      compiled->unenforced = std::move(g.unenforced);
      matcher = std::make_unique<GrammarMatcher>(compiled);
      matcher->fill_next_token_mask(mask.data());
    } catch (const std::exception& e) {
      report.problems.push_back(name + ": compile failed: " + e.what());
      continue;
    }
    report.ttfm_us.push_back(now_us(cpu_clock) - start);
    ++report.compiled;
    bool pass = true;
    const auto tests = doc.find("tests");
    if (tests != doc.end() && tests->is_array()) {
      for (size_t t = 0; t < tests->size(); ++t) {
        const auto& test = (*tests)[t];
        if (!test.contains("text") || !test.contains("valid")) continue;
        ++report.tests;
        const bool valid = test["valid"].get<bool>();
        const std::vector<int32_t> ids = encode(test["text"].get<std::string>());
        matcher->reset();
        bool accepted = true;
        size_t refused_at = ids.size();
        for (size_t i = 0; i <= ids.size(); ++i) {
          const double t0 = now_us(cpu_clock);
          matcher->fill_next_token_mask(mask.data());
          report.tbm_us.push_back(now_us(cpu_clock) - t0);
          if (i == ids.size()) {
            bool can_end = matcher->can_terminate();
            for (int32_t eog : vocab->eog_ids()) can_end = can_end && allowed(mask, eog);
            accepted = can_end;
            break;
          }
          const bool in_mask = allowed(mask, ids[i]);
          const bool committed = in_mask && matcher->accept_token(ids[i]);
          if (in_mask != committed || (!in_mask && matcher->accept_token(ids[i]))) {
            report.problems.push_back(name + " test " + std::to_string(t) +
                                      ": mask and matcher disagree at token " + std::to_string(i));
            pass = false;
          }
          if (!committed) {
            accepted = false;
            refused_at = i;
            break;
          }
        }
        if (accepted != valid) {
          pass = false;
          if (valid) {
            ++report.valid_rejected;
            std::string where = refused_at < ids.size()
                                    ? "token " + std::to_string(refused_at) + " '" +
                                          vocab->bytes(ids[refused_at]) + "'"
                                    : "end";
            report.problems.push_back(name + " test " + std::to_string(t) +
                                      ": valid instance rejected at " + where);
          } else {
            ++report.invalid_accepted;
            report.problems.push_back(name + " test " + std::to_string(t) +
                                      ": invalid instance accepted (" +
                                      test.value("description", "") + ")");
          }
        }
      }
    }
    if (pass) ++report.passing;
  }
  return report;
}

}  // namespace ruvllm::structured
