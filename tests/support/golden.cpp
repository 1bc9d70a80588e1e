#include "support/golden.h"

#include <array>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <sys/wait.h>
#include <unistd.h>

namespace ruvllm::test {

std::filesystem::path golden_dir() {
  if (const char* env = std::getenv("RUVLLM_GOLDEN"); env && *env) return env;
  return std::filesystem::path(RUVLLM_SOURCE_DIR) / ".." / "shared" / "golden";
}

std::filesystem::path golden(const std::string& relative) { return golden_dir() / relative; }

bool in_ci() {
  const char* ci = std::getenv("CI");
  if (!ci) return false;
  std::string v(ci);
  return v == "true" || v == "1" || v == "TRUE" || v == "True";
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path.string());
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::filesystem::path ruvllm_binary() { return RUVLLM_BINARY; }

static std::string slurp_fd(int fd) {
  std::string s;
  std::array<char, 65536> buf;
  ssize_t n;
  while ((n = ::read(fd, buf.data(), buf.size())) > 0) s.append(buf.data(), size_t(n));
  return s;
}

int run_command(const std::string& command, std::string* out, std::string* err) {
  char err_path[] = "/tmp/ruvllm-test-stderr-XXXXXX";
  int err_fd = mkstemp(err_path);
  if (err_fd < 0) throw std::runtime_error("mkstemp failed");
  std::string full = command + " 2>" + err_path;
  FILE* p = ::popen(full.c_str(), "r");
  if (!p) throw std::runtime_error("popen failed: " + command);
  std::string captured = slurp_fd(fileno(p));
  int status = ::pclose(p);
  if (out) *out = captured;
  if (err) *err = slurp_fd(err_fd);
  ::close(err_fd);
  ::unlink(err_path);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -1;
}

}  // namespace ruvllm::test
