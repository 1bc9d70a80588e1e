// The server's access log: `ruvllm serve` writes one logfmt line per request to stderr with the
// request's id, method, path, status and duration, and returns the id in X-Request-Id (the
// client's own id when it sends a usable one).
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

// `ruvllm serve` with its stderr in a file, so the test can read the log as it grows.
class Server {
 public:
  explicit Server(std::vector<std::string> args)
      : log_(fs::temp_directory_path() / ("ruvllm-request-log-" + std::to_string(getpid()))) {
    pid_ = fork();
    if (pid_ == 0) {
      if (!freopen(log_.c_str(), "w", stderr)) _exit(126);
      std::string binary = test::ruvllm_binary().string();
      std::vector<char*> argv{binary.data()};
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
  }
  ~Server() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
    }
    fs::remove(log_);
  }

  std::string log() const {
    try {
      return test::read_file(log_);
    } catch (const std::exception&) {
      return "";
    }
  }

  // Waits until the log matches `pattern`; returns the first match's groups (empty on timeout).
  std::smatch wait_for(const std::string& pattern, std::chrono::seconds timeout = 30s) {
    const std::regex re(pattern);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    std::smatch m;
    while (std::chrono::steady_clock::now() < deadline) {
      text_ = log();
      if (std::regex_search(text_, m, re)) return m;
      std::this_thread::sleep_for(50ms);
    }
    return std::smatch();
  }

 private:
  fs::path log_;
  pid_t pid_ = -1;
  std::string text_;  // the text the last match points into
};

TEST(RequestLog, EveryRequestGetsAnIdAndALogLine) {
  const auto model = test::golden("models/stories260Ktok512.gguf");
  RUVLLM_REQUIRE_GOLDEN(model);
  Server server({"serve", "-m", model.string(), "--port", "0", "-t", "1", "--max-body", "1000"});
  const auto listening = server.wait_for(R"(http://127\.0\.0\.1:([0-9]+))");
  ASSERT_FALSE(listening.empty()) << server.log();
  httplib::Client client("127.0.0.1", std::stoi(listening[1]));
  client.set_read_timeout(30, 0);

  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  const std::string id = health->get_header_value("X-Request-Id");
  EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9]+"))) << id;
  EXPECT_FALSE(server
                   .wait_for("[0-9T:.-]+ info http request id=" + id +
                             " method=GET path=/health status=200 ms=[0-9.]+ remote=127.0.0.1\n")
                   .empty())
      << server.log();

  // A usable client id is kept; an unusable one is replaced.
  auto models = client.Get("/v1/models", {{"X-Request-Id", "trace-42.a"}});
  ASSERT_TRUE(models);
  EXPECT_EQ(models->get_header_value("X-Request-Id"), "trace-42.a");
  EXPECT_FALSE(server.wait_for("id=trace-42.a method=GET path=/v1/models status=200 ").empty())
      << server.log();
  auto odd = client.Get("/health", {{"X-Request-Id", "has spaces and \"quotes\""}});
  ASSERT_TRUE(odd);
  const std::string replaced = odd->get_header_value("X-Request-Id");
  EXPECT_NE(replaced, id);
  EXPECT_TRUE(std::regex_match(replaced, std::regex("[0-9a-f]{8}-[0-9]+"))) << replaced;

  // Errors are logged too, including a body refused before routing.
  auto missing = client.Get("/no/such/route");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  EXPECT_FALSE(missing->get_header_value("X-Request-Id").empty());
  EXPECT_FALSE(server.wait_for("method=GET path=/no/such/route status=404 ").empty())
      << server.log();
  auto big = client.Post("/v1/completions", std::string(5000, ' '), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(big->status, 413);
  const std::string big_id = big->get_header_value("X-Request-Id");
  EXPECT_FALSE(big_id.empty());
  EXPECT_FALSE(
      server.wait_for("id=" + big_id + " method=POST path=/v1/completions status=413 ").empty())
      << server.log();
}

}  // namespace
}  // namespace ruvllm
