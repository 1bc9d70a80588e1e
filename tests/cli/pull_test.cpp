// `ruvllm pull` and `ruvllm list` against an HTTP server the test runs on 127.0.0.1: downloads
// with and without Range support, Hugging Face style redirects with X-Linked-Etag checksums,
// connections that drop part-way (resumed), partial files left by an earlier run, and the errors
// (404, a body that is not GGUF, a wrong checksum) that must leave nothing under a model's name.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/file.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/golden.h"

namespace ruvllm {
namespace {

namespace fs = std::filesystem;

const char* const kModel = "models/tiny-llama-q8_0.gguf";

std::string quote(const std::string& s) {
  return "'" + s + "'";
}

std::string sha256_of(const fs::path& path) {
  std::string out;
  EXPECT_EQ(test::run_command("sha256sum " + quote(path.string()), &out), 0);
  return out.substr(0, 64);
}

void write_bytes(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// A loopback HTTP server with the routes the tests need. Requests' Range headers are recorded.
class ModelServer {
 public:
  explicit ModelServer(std::string model) : model_(std::move(model)) {
    sha_ = sha256_of(test::golden(kModel));
    // The file, with httplib answering Range requests (206) itself.
    server_.Get("/files/model.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("ETag", "\"" + sha_ + "\"");
      res.set_content(model_, "application/octet-stream");
    });
    // Hugging Face: /OWNER/REPO/resolve/REV/FILE redirects to a CDN, naming the file's SHA-256
    // in X-Linked-Etag; the CDN's own ETag is not a SHA-256.
    server_.Get("/owner/repo/resolve/main/model.gguf",
                [this](const httplib::Request& req, httplib::Response& res) {
                  record(req);
                  res.set_header("X-Linked-Etag", "\"" + sha_ + "\"");
                  res.set_redirect("/cdn/model.gguf");
                });
    server_.Get("/owner/repo/resolve/main/corrupt.gguf",
                [this](const httplib::Request& req, httplib::Response& res) {
                  record(req);
                  res.set_header("X-Linked-Etag", "\"" + std::string(64, 'a') + "\"");
                  res.set_redirect("/cdn/model.gguf");
                });
    server_.Get("/cdn/model.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_header("ETag", "\"d41d8cd98f00b204e9800998ecf8427e\"");
      res.set_content(model_, "application/octet-stream");
    });
    // Ignores Range: always the whole file with 200, chunked (httplib applies Range requests
    // to every other kind of response, and this one has no length).
    server_.Get("/norange/model.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 200;
      res.set_chunked_content_provider(
          "application/octet-stream", [this](size_t offset, httplib::DataSink& sink) {
            if (offset < model_.size())
              sink.write(model_.data() + offset, std::min<size_t>(65536, model_.size() - offset));
            else
              sink.done();
            return true;
          });
    });
    // Drops the connection half-way through a request for the whole file; serves ranges.
    server_.Get("/flaky/model.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      if (req.has_header("Range")) {
        res.set_content(model_, "application/octet-stream");
        return;
      }
      const size_t half = model_.size() / 2;
      res.set_content_provider(model_.size(), "application/octet-stream",
                               [this, half](size_t offset, size_t length, httplib::DataSink& sink) {
                                 if (offset >= half) return false;  // closes the connection
                                 sink.write(model_.data() + offset,
                                            std::min(length, half - offset));
                                 return true;
                               });
    });
    server_.Get("/files/page.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.set_content("<html><body>Not a model</body></html>", "text/html");
    });
    server_.Get("/error/model.gguf", [this](const httplib::Request& req, httplib::Response& res) {
      record(req);
      res.status = 500;
      res.set_content("internal trouble", "text/plain");
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~ModelServer() {
    server_.stop();
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  int port() const { return port_; }
  const std::string& sha() const { return sha_; }

  // "path Range" of every request so far ("-" when there was no Range header).
  std::vector<std::string> requests() {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void record(const httplib::Request& req) {
    std::lock_guard lock(mutex_);
    requests_.push_back(req.path + " " +
                        (req.has_header("Range") ? req.get_header_value("Range") : "-"));
  }

  std::string model_;
  std::string sha_;
  httplib::Server server_;
  int port_ = -1;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<std::string> requests_;
};

class PullTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists(test::golden(kModel))) {
      RUVLLM_REQUIRE_GOLDEN(test::golden(kModel));
    }
    model_ = test::read_file(test::golden(kModel));
    dir_ = fs::temp_directory_path() /
           ("ruvllm-pull-test-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    server_ = std::make_unique<ModelServer>(model_);
  }
  void TearDown() override {
    server_.reset();
    fs::remove_all(dir_);
  }

  int pull(const std::string& args, std::string* out, std::string* err,
           const std::string& env = "") {
    return test::run_command(env + " " + quote(test::ruvllm_binary().string()) + " pull " + args +
                                 " --models-dir " + quote(dir_.string()),
                             out, err);
  }

  std::vector<std::string> files() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
    std::sort(names.begin(), names.end());
    return names;
  }

  std::string model_;
  fs::path dir_;
  std::unique_ptr<ModelServer> server_;
};

TEST_F(PullTest, DownloadsVerifiesAgainstTheServersEtagAndLists) {
  std::string out, err;
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 0) << err;
  EXPECT_EQ(out, (dir_ / "model.gguf").string() + "\n");
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
  EXPECT_EQ(files(), std::vector<std::string>{"model.gguf"});
  EXPECT_NE(err.find("verified"), std::string::npos) << err;
  EXPECT_NE(err.find("100%"), std::string::npos) << err;  // the last progress line

  // Pulling again finds it there and downloads nothing.
  const size_t n_requests = server_->requests().size();
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 0) << err;
  EXPECT_NE(err.find("already there"), std::string::npos) << err;
  EXPECT_EQ(server_->requests().size(), n_requests);

  ASSERT_EQ(test::run_command(quote(test::ruvllm_binary().string()) + " list --models-dir " +
                                  quote(dir_.string()),
                              &out, &err),
            0)
      << err;
  EXPECT_NE(out.find("NAME"), std::string::npos) << out;
  EXPECT_NE(out.find("model.gguf"), std::string::npos) << out;
  EXPECT_NE(out.find("llama"), std::string::npos) << out;
  EXPECT_NE(out.find("Q8_0"), std::string::npos) << out;

  ASSERT_EQ(test::run_command("RUVLLM_MODELS=" + quote(dir_.string()) + " " +
                                  quote(test::ruvllm_binary().string()) + " list --json",
                              &out, &err),
            0)
      << err;
  const auto listed = nlohmann::json::parse(out);
  ASSERT_EQ(listed.size(), 1u) << out;
  EXPECT_EQ(listed[0]["name"], "model.gguf");
  EXPECT_EQ(listed[0]["architecture"], "llama");
  EXPECT_EQ(listed[0]["quantization"], "Q8_0");
  EXPECT_EQ(listed[0]["size"], model_.size());
  EXPECT_GT(listed[0]["parameters"].get<int64_t>(), 1'000'000);
}

TEST_F(PullTest, HuggingFaceSourceFollowsTheRedirectAndChecksXLinkedEtag) {
  const std::string env = "HF_ENDPOINT=" + server_->url("");
  std::string out, err;
  ASSERT_EQ(pull("hf://owner/repo/model.gguf --name mine", &out, &err, env), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "mine.gguf"), model_);
  EXPECT_NE(err.find("verified"), std::string::npos) << err;
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], "/owner/repo/resolve/main/model.gguf -");
  EXPECT_EQ(requests[1], "/cdn/model.gguf -");

  // The same bytes announced with another SHA-256 are refused and nothing is kept.
  EXPECT_EQ(pull("hf://owner/repo/corrupt.gguf", &out, &err, env), 1);
  EXPECT_NE(err.find("checksum mismatch"), std::string::npos) << err;
  EXPECT_EQ(files(), std::vector<std::string>{"mine.gguf"});
}

TEST_F(PullTest, ExplicitSha256IsChecked) {
  std::string out, err;
  const std::string url = quote(server_->url("/norange/model.gguf"));
  EXPECT_EQ(pull(url + " --sha256 " + std::string(64, '0'), &out, &err), 1);
  EXPECT_NE(err.find("checksum mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("--sha256"), std::string::npos) << err;
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(pull(url + " --sha256 nothex", &out, &err), 2);
  ASSERT_EQ(pull(url + " --sha256 " + server_->sha(), &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
}

TEST_F(PullTest, DroppedConnectionIsResumedWithARangeRequest) {
  std::string out, err;
  ASSERT_EQ(
      pull(quote(server_->url("/flaky/model.gguf")) + " --sha256 " + server_->sha(), &out, &err), 0)
      << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
  EXPECT_NE(err.find("resuming at byte " + std::to_string(model_.size() / 2)), std::string::npos)
      << err;
  const auto requests = server_->requests();
  ASSERT_EQ(requests.size(), 2u);
  EXPECT_EQ(requests[0], "/flaky/model.gguf -");
  EXPECT_EQ(requests[1], "/flaky/model.gguf bytes=" + std::to_string(model_.size() / 2) + "-");
}

TEST_F(PullTest, DroppedConnectionWithoutAttemptsLeftKeepsThePartForTheNextRun) {
  std::string out, err;
  const std::string url = quote(server_->url("/flaky/model.gguf"));
  EXPECT_EQ(pull(url + " --attempts 1", &out, &err), 1);
  EXPECT_NE(err.find("run the command again to resume"), std::string::npos) << err;
  ASSERT_EQ(files(), std::vector<std::string>{"model.gguf.part"});
  EXPECT_EQ(fs::file_size(dir_ / "model.gguf.part"), model_.size() / 2);

  ASSERT_EQ(pull(url, &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
  EXPECT_EQ(files(), std::vector<std::string>{"model.gguf"});
  EXPECT_EQ(server_->requests().back(),
            "/flaky/model.gguf bytes=" + std::to_string(model_.size() / 2) + "-");
}

TEST_F(PullTest, PartFromAnEarlierRunIsResumed) {
  const size_t have = 100'000;
  write_bytes(dir_ / "model.gguf.part", model_.substr(0, have));
  std::string out, err;
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
  EXPECT_EQ(server_->requests().back(), "/files/model.gguf bytes=" + std::to_string(have) + "-");

  // A part that is already the whole file: the server answers 416 and the part is complete.
  write_bytes(dir_ / "other.gguf.part", model_);
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")) + " --name other", &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "other.gguf"), model_);
}

TEST_F(PullTest, ServerIgnoringRangeRestartsFromTheStart) {
  write_bytes(dir_ / "model.gguf.part", std::string(1000, 'x'));
  std::string out, err;
  ASSERT_EQ(pull(quote(server_->url("/norange/model.gguf")), &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
  EXPECT_EQ(server_->requests().back(), "/norange/model.gguf bytes=1000-");
}

TEST_F(PullTest, StalePartWithTheWrongBytesIsDownloadedAgain) {
  // A part from another file: resuming gives the wrong checksum, so it is fetched afresh.
  write_bytes(dir_ / "model.gguf.part", std::string(100'000, 'x'));
  std::string out, err;
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 0) << err;
  EXPECT_NE(err.find("again from the start"), std::string::npos) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
}

TEST_F(PullTest, PartBeingWrittenByAnotherPullIsLeftAlone) {
  write_bytes(dir_ / "model.gguf.part", model_.substr(0, 1000));
  const int fd = open((dir_ / "model.gguf.part").c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(flock(fd, LOCK_EX), 0);
  std::string out, err;
  EXPECT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 1);
  EXPECT_NE(err.find("another download"), std::string::npos) << err;
  EXPECT_EQ(fs::file_size(dir_ / "model.gguf.part"), 1000u);
  close(fd);
  ASSERT_EQ(pull(quote(server_->url("/files/model.gguf")), &out, &err), 0) << err;
  EXPECT_EQ(test::read_file(dir_ / "model.gguf"), model_);
}

TEST_F(PullTest, HttpErrorsFailWithTheStatusAndLeaveNothing) {
  std::string out, err;
  EXPECT_EQ(pull(quote(server_->url("/files/missing.gguf")), &out, &err), 1);
  EXPECT_NE(err.find("404"), std::string::npos) << err;
  EXPECT_TRUE(files().empty());

  EXPECT_EQ(pull(quote(server_->url("/error/model.gguf")) + " --attempts 2", &out, &err), 1);
  EXPECT_NE(err.find("500"), std::string::npos) << err;
  EXPECT_NE(err.find("internal trouble"), std::string::npos) << err;
  EXPECT_TRUE(files().empty());
  EXPECT_EQ(server_->requests().size(), 2u);  // the 500 tried twice (the 404 has no route)
}

TEST_F(PullTest, BodyThatIsNotGgufIsRejected) {
  std::string out, err;
  EXPECT_EQ(pull(quote(server_->url("/files/page.gguf")), &out, &err), 1);
  EXPECT_NE(err.find("not a valid GGUF"), std::string::npos) << err;
  EXPECT_TRUE(files().empty());
}

TEST_F(PullTest, BadSourcesAreUsageErrors) {
  std::string out, err;
  EXPECT_EQ(pull("ftp://example.com/model.gguf", &out, &err), 2);
  EXPECT_NE(err.find("hf://OWNER/REPO/FILE.gguf"), std::string::npos) << err;
  EXPECT_EQ(pull("hf://owner/model.gguf", &out, &err), 2);
  EXPECT_EQ(pull(quote(server_->url("/")), &out, &err), 2);
  EXPECT_EQ(pull("", &out, &err), 2);
  EXPECT_TRUE(server_->requests().empty());
}

TEST(ListCommand, EmptyDirectoryAndInvalidFiles) {
  const fs::path dir = fs::temp_directory_path() / ("ruvllm-list-test-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "sub");
  std::string out, err;
  const std::string list =
      quote(test::ruvllm_binary().string()) + " list --models-dir " + quote(dir.string());
  ASSERT_EQ(test::run_command(list, &out, &err), 0) << err;
  EXPECT_EQ(out, "");
  EXPECT_NE(err.find("no models"), std::string::npos) << err;

  write_bytes(dir / "sub" / "broken.gguf", "GGUF but not really");
  write_bytes(dir / "half.gguf.part", "GGUF");
  ASSERT_EQ(test::run_command(list, &out, &err), 0) << err;
  EXPECT_NE(out.find("sub/broken.gguf"), std::string::npos) << out;
  EXPECT_NE(out.find("invalid GGUF"), std::string::npos) << out;
  EXPECT_EQ(out.find("half"), std::string::npos) << out;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace ruvllm
