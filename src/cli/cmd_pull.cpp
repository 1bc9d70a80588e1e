// ruvllm pull SOURCE: downloads a GGUF model into the models directory (see model_store.h).
//
// The download goes to NAME.part next to its destination and is resumed from there when an
// earlier run was interrupted. Before the file takes its name it must match the expected SHA-256
// (--sha256, else the server's when it publishes one) and open as a valid GGUF file, so the
// models directory never holds a truncated or foreign file under a model's name.
#include <CLI/CLI.hpp>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "cli/command.h"
#include "cli/http_download.h"
#include "cli/model_store.h"
#include "cli/progress_bar.h"
#include "cli/sha256.h"
#include "core/error.h"
#include "gguf/gguf_file.h"

namespace ruvllm::cli {
namespace {

namespace fs = std::filesystem;

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The Hugging Face token for gated or private repositories, as Hugging Face's tools read it.
std::string hugging_face_token() {
  for (const char* name : {"HF_TOKEN", "HUGGING_FACE_HUB_TOKEN"})
    if (const char* v = std::getenv(name); v && *v) return v;
  return "";
}

void remove_quietly(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

int run_pull(int argc, char** argv) {
  CLI::App app{"Download a GGUF model into the models directory", argv[0]};
  std::string source, models_dir, expected_sha, name;
  bool force = false, quiet = false;
  int attempts = 5;
  app.add_option("source", source, "hf://OWNER/REPO/FILE.gguf or an http(s):// URL")->required();
  app.add_option("--models-dir", models_dir,
                 "models directory (default: $RUVLLM_MODELS or ~/.cache/ruvllm/models)");
  app.add_option("--sha256", expected_sha, "expected SHA-256 of the file (64 hex digits)");
  app.add_option("--name", name, "local file name (default: the source's file name)");
  app.add_option("--attempts", attempts, "tries for dropped connections (each resumes)")
      ->capture_default_str()
      ->check(CLI::Range(1, 100));
  app.add_flag("-f,--force", force, "download again even when the model is already there");
  app.add_flag("-q,--quiet", quiet, "no progress output");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  if (!expected_sha.empty() && !is_sha256_hex(expected_sha)) {
    std::fprintf(stderr, "ruvllm pull: --sha256 must be 64 hex digits, not '%s'\n",
                 expected_sha.c_str());
    return 2;
  }
  expected_sha = lower(expected_sha);

  PullSource resolved;
  fs::path dir;
  try {
    resolved = resolve_pull_source(source);
    dir = models_directory(models_dir);
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm pull: %s\n", e.what());
    return 2;
  }
  if (name.empty()) name = resolved.file_name;
  if (name.empty() || name == "." || name == ".." || name.find('/') != std::string::npos) {
    std::fprintf(stderr, "ruvllm pull: '%s' is not a file name (use --name)\n", name.c_str());
    return 2;
  }
  if (fs::path(name).extension() != ".gguf") name += ".gguf";
  const fs::path destination = dir / name;
  const fs::path part = dir / (name + ".part");

  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    std::fprintf(stderr, "ruvllm pull: cannot create %s: %s\n", dir.c_str(), ec.message().c_str());
    return 1;
  }
  if (fs::exists(destination) && !force) {
    if (!expected_sha.empty()) {
      Sha256 hasher;
      hash_file(destination, hasher);
      if (hasher.hex_digest() != expected_sha) {
        std::fprintf(stderr,
                     "ruvllm pull: %s exists with a different SHA-256; use --force to replace it\n",
                     destination.c_str());
        return 1;
      }
    }
    std::fprintf(stderr, "ruvllm pull: %s is already there (use --force to download again)\n",
                 destination.c_str());
    std::printf("%s\n", destination.c_str());
    return 0;
  }

  DownloadRequest request;
  request.url = resolved.url;
  request.part_path = part;
  request.label = name;
  request.max_attempts = attempts;
  request.show_progress = !quiet;
  if (resolved.hugging_face)
    if (const std::string token = hugging_face_token(); !token.empty())
      request.headers.push_back("Authorization: Bearer " + token);

  if (!quiet) std::fprintf(stderr, "pulling %s\n", resolved.url.c_str());
  DownloadResult result;
  try {
    result = download(request);
    // A part file left by an earlier run may belong to another version of the file; when the
    // checksum disagrees after resuming, the fresh bytes alone decide.
    const std::string& want = !expected_sha.empty() ? expected_sha : result.server_sha256;
    if (result.resumed_from > 0 && !want.empty() && result.sha256 != want) {
      std::fprintf(stderr,
                   "ruvllm pull: the resumed file does not match its checksum; downloading it "
                   "again from the start\n");
      remove_quietly(part);
      result = download(request);
    }
  } catch (const HttpError& e) {
    std::fprintf(stderr, "ruvllm pull: %s\n", e.what());
    if ((e.status() == 401 || e.status() == 403) && resolved.hugging_face)
      std::fprintf(stderr, "ruvllm pull: gated or private repository? Set HF_TOKEN.\n");
    remove_quietly(part);  // nothing of an error answer is worth keeping
    return 1;
  } catch (const Error& e) {
    std::fprintf(stderr, "ruvllm pull: %s\n", e.what());
    return 1;
  }

  const std::string& want = !expected_sha.empty() ? expected_sha : result.server_sha256;
  if (!want.empty() && result.sha256 != want) {
    std::fprintf(stderr,
                 "ruvllm pull: checksum mismatch for %s: expected SHA-256 %s (%s), got %s; the "
                 "download was discarded\n",
                 name.c_str(), want.c_str(), expected_sha.empty() ? "from the server" : "--sha256",
                 result.sha256.c_str());
    remove_quietly(part);
    return 1;
  }
  try {
    gguf::GgufFile::open(part.string());
  } catch (const Error& e) {
    std::fprintf(stderr,
                 "ruvllm pull: %s is not a valid GGUF file (%s); the download was discarded\n",
                 resolved.url.c_str(), e.what());
    remove_quietly(part);
    return 1;
  }
  fs::rename(part, destination, ec);
  if (ec) {
    std::fprintf(stderr, "ruvllm pull: cannot move %s into place: %s\n", part.c_str(),
                 ec.message().c_str());
    return 1;
  }
  if (!quiet)
    std::fprintf(stderr, "saved %s (%s, sha256 %s%s)\n", destination.c_str(),
                 format_bytes(result.size).c_str(), result.sha256.c_str(),
                 want.empty() ? ", not verified: no checksum given or published" : ", verified");
  std::printf("%s\n", destination.c_str());
  return 0;
}

CommandRegistration reg("pull", "download a GGUF model (hf://OWNER/REPO/FILE.gguf or a URL)",
                        run_pull);

}  // namespace
}  // namespace ruvllm::cli
