// `ruvllm serve` as a process: it prints where it listens, answers over loopback, shuts down
// cleanly on SIGTERM, and rejects bad command lines and models with the documented exit codes.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "support/golden.h"

namespace {

using nlohmann::json;

// A `ruvllm serve` child process with its stderr captured.
class ServeProcess {
 public:
  explicit ServeProcess(std::vector<std::string> args) {
    int fds[2];
    if (pipe(fds) != 0) return;
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      close(fds[1]);
      std::vector<char*> argv;
      static std::string binary = ruvllm::test::ruvllm_binary().string();
      argv.push_back(binary.data());
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    err_fd_ = fds[0];
  }
  ~ServeProcess() {
    if (pid_ > 0 && !reaped_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (err_fd_ >= 0) close(err_fd_);
  }

  // Reads stderr until the "serving ... on http://HOST:PORT" line; -1 on exit or timeout.
  int wait_for_port(std::chrono::seconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    const std::regex listening(R"(http://[0-9.]+:([0-9]+))");
    while (std::chrono::steady_clock::now() < deadline) {
      char buf[256];
      fd_set set;
      FD_ZERO(&set);
      FD_SET(err_fd_, &set);
      timeval tv{0, 100000};
      if (select(err_fd_ + 1, &set, nullptr, nullptr, &tv) <= 0) continue;
      const ssize_t n = read(err_fd_, buf, sizeof buf);
      if (n <= 0) return -1;
      stderr_.append(buf, size_t(n));
      std::smatch m;
      if (std::regex_search(stderr_, m, listening)) return std::stoi(m[1]);
    }
    return -1;
  }

  // Sends a signal and returns the exit status (-1 when killed or still running after 20 s).
  int terminate(int sig) {
    kill(pid_, sig);
    for (int i = 0; i < 200; ++i) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        reaped_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
      }
      usleep(100000);
    }
    return -1;
  }

  const std::string& stderr_text() const { return stderr_; }

 private:
  pid_t pid_ = -1;
  int err_fd_ = -1;
  bool reaped_ = false;
  std::string stderr_;
};

TEST(ServeCommand, ServesOverLoopbackAndStopsOnSigterm) {
  const auto model = ruvllm::test::golden("models/stories260Ktok512.gguf");
  RUVLLM_REQUIRE_GOLDEN(model);
  ServeProcess server({"serve", "-m", model.string(), "--port", "0", "--parallel", "2", "-t", "1",
                       "--api-key", "k1", "--alias", "stories"});
  const int port = server.wait_for_port(std::chrono::seconds(30));
  ASSERT_GT(port, 0) << server.stderr_text();

  httplib::Client client("127.0.0.1", port);
  client.set_read_timeout(30, 0);
  auto health = client.Get("/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  auto unauthorized = client.Get("/v1/models");
  ASSERT_TRUE(unauthorized);
  EXPECT_EQ(unauthorized->status, 401);
  httplib::Headers auth = {{"Authorization", "Bearer k1"}};
  auto models = client.Get("/v1/models", auth);
  ASSERT_TRUE(models);
  EXPECT_EQ(json::parse(models->body)["data"][0]["id"], "stories");
  auto completion = client.Post("/v1/completions", auth,
                                json{{"prompt", "Once upon a time"}, {"max_tokens", 8}}.dump(),
                                "application/json");
  ASSERT_TRUE(completion);
  ASSERT_EQ(completion->status, 200) << completion->body;
  EXPECT_EQ(json::parse(completion->body)["object"], "text_completion");

  EXPECT_EQ(server.terminate(SIGTERM), 0) << server.stderr_text();
}

TEST(ServeCommand, UsageAndModelErrors) {
  const std::string bin = ruvllm::test::ruvllm_binary().string();
  std::string out, err;
  EXPECT_EQ(ruvllm::test::run_command(bin + " serve", &out, &err), 2);
  EXPECT_EQ(ruvllm::test::run_command(bin + " serve -m /nonexistent/model.gguf", &out, &err), 2);
  EXPECT_EQ(ruvllm::test::run_command(bin + " serve -m x.gguf --port 70000", &out, &err), 2);
  // An existing file that is not a GGUF model fails to load: a runtime failure.
  const std::string not_a_model = std::string(RUVLLM_SOURCE_DIR) + "/tests/cli/serve_test.cpp";
  EXPECT_EQ(ruvllm::test::run_command(bin + " serve -m " + not_a_model + " --port 0", &out, &err),
            1);
  EXPECT_NE(err.find("cannot load"), std::string::npos) << err;
}

}  // namespace
