// Downloading one file over HTTP(S) with libcurl into a partial file that can be resumed.
//
// Bytes are appended to `part_path`. When it already holds bytes (an earlier run was
// interrupted) the request asks for the rest with `Range: bytes=N-`; a server answering 200
// instead of 206 sends the whole file again, so the part is truncated and filled from the
// start. A connection that drops part-way is resumed the same way, up to `max_attempts` times.
// The file is hashed (SHA-256) as it arrives, so no second pass over it is needed.
//
// Redirects are followed (Hugging Face answers with a redirect to its CDN). The server's idea of
// the file's SHA-256 is taken from `X-Linked-Etag` (Hugging Face's LFS files) or `ETag` of any
// response in the redirect chain when it has the shape of a SHA-256 digest.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "core/error.h"

namespace ruvllm::cli {

// The server answered with an HTTP error status (after retries, for 5xx).
class HttpError : public Error {
 public:
  HttpError(const std::string& message, long status) : Error(message), status_(status) {}
  long status() const { return status_; }

 private:
  long status_;
};

struct DownloadRequest {
  std::string url;
  std::filesystem::path part_path;
  std::vector<std::string> headers;  // extra request headers, "Name: value"
  int max_attempts = 5;              // attempts for dropped connections and 5xx answers
  std::string label;                 // progress bar label
  bool show_progress = true;         // progress on stderr
};

struct DownloadResult {
  uint64_t size = 0;          // bytes in the part file
  uint64_t resumed_from = 0;  // bytes that were already there when the download started
  std::string sha256;         // of the whole part file, lower-case hex
  std::string server_sha256;  // lower-case hex, or empty when the server gave none
  std::string effective_url;  // after redirects
};

// Downloads `request.url` into `request.part_path`. Throws HttpError for HTTP error statuses and
// Error for transfer failures (the part file is kept so a later run can resume it).
DownloadResult download(const DownloadRequest& request);

}  // namespace ruvllm::cli
