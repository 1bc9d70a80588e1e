#include "cli/http_download.h"

#include <curl/curl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <memory>
#include <optional>
#include <thread>

#include "cli/progress_bar.h"
#include "cli/sha256.h"

namespace ruvllm::cli {
namespace {

std::string lower(std::string s) {
  for (char& c : s) c = char(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return std::string(s);
}

// An ETag such as `"abc..."` or `W/"abc..."` as a lower-case SHA-256 hex digest, if it is one.
std::optional<std::string> etag_sha256(std::string value) {
  if (value.rfind("W/", 0) == 0) value.erase(0, 2);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  if (!is_sha256_hex(value)) return std::nullopt;
  return lower(value);
}

// "bytes START-END/TOTAL" or "bytes */TOTAL": START (-1 when absent) and TOTAL (-1 when "*").
struct ContentRange {
  long long start = -1;
  long long total = -1;
};
std::optional<ContentRange> parse_content_range(const std::string& value) {
  ContentRange r;
  if (value.rfind("bytes ", 0) != 0) return std::nullopt;
  const std::string spec = value.substr(6);
  const size_t slash = spec.find('/');
  if (slash == std::string::npos) return std::nullopt;
  const std::string range = spec.substr(0, slash), total = spec.substr(slash + 1);
  try {
    if (range != "*") r.start = std::stoll(range.substr(0, range.find('-')));
    if (total != "*") r.total = std::stoll(total);
  } catch (const std::exception&) {
    return std::nullopt;
  }
  return r;
}

bool transient(CURLcode code) {
  switch (code) {
    case CURLE_PARTIAL_FILE:
    case CURLE_RECV_ERROR:
    case CURLE_SEND_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

// The state of one attempt (one curl_easy_perform), shared with curl's callbacks.
struct Attempt {
  CURL* curl = nullptr;
  std::FILE* file = nullptr;
  Sha256* hasher = nullptr;
  ProgressBar* bar = nullptr;
  uint64_t offset = 0;   // bytes in the part file before this attempt's body
  uint64_t written = 0;  // body bytes this attempt appended
  bool body_started = false;
  long status = 0;
  std::string status_line;
  std::string error_body;       // start of an error response's body
  std::string failure;          // why a callback aborted the transfer
  std::string content_range;    // of the final response
  std::string linked_etag_sha;  // X-Linked-Etag of any response in the chain
  std::string etag_sha;         // ETag of any response in the chain
};

size_t on_header(char* data, size_t size, size_t count, void* user) {
  auto& a = *static_cast<Attempt*>(user);
  const size_t n = size * count;
  const std::string line = trim(std::string_view(data, n));
  if (line.rfind("HTTP/", 0) == 0) {  // a new response of the redirect chain
    a.status_line = line;
    a.content_range.clear();
    return n;
  }
  const size_t colon = line.find(':');
  if (colon == std::string::npos) return n;
  const std::string name = lower(line.substr(0, colon));
  const std::string value = trim(std::string_view(line).substr(colon + 1));
  if (name == "content-range") {
    a.content_range = value;
  } else if (name == "x-linked-etag") {
    if (auto sha = etag_sha256(value)) a.linked_etag_sha = *sha;
  } else if (name == "etag") {
    if (auto sha = etag_sha256(value)) a.etag_sha = *sha;
  }
  return n;
}

// Called for the first body bytes: decides whether they continue the part file.
bool start_body(Attempt& a) {
  curl_easy_getinfo(a.curl, CURLINFO_RESPONSE_CODE, &a.status);
  if (a.status >= 400) return true;
  if (a.status == 206) {
    const auto range = parse_content_range(a.content_range);
    if (!range || range->start != static_cast<long long>(a.offset)) {
      a.failure = "the server resumed at the wrong place (Content-Range: '" + a.content_range +
                  "', expected to start at byte " + std::to_string(a.offset) + ")";
      return false;
    }
  } else if (a.offset > 0) {
    // The server ignored the Range request and sends the whole file: start over.
    std::fflush(a.file);
    if (ftruncate(fileno(a.file), 0) != 0) {
      a.failure = "cannot truncate the partial file";
      return false;
    }
    std::fseek(a.file, 0, SEEK_SET);
    a.hasher->reset();
    a.offset = 0;
  }
  curl_off_t length = -1;
  curl_easy_getinfo(a.curl, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  if (a.bar && length >= 0) a.bar->set_total(a.offset + uint64_t(length));
  return true;
}

size_t on_body(char* data, size_t size, size_t count, void* user) {
  auto& a = *static_cast<Attempt*>(user);
  const size_t n = size * count;
  if (!a.body_started) {
    a.body_started = true;
    if (!start_body(a)) return 0;  // aborts the transfer (CURLE_WRITE_ERROR)
  }
  if (a.status >= 400) {
    if (a.error_body.size() < 512) a.error_body.append(data, std::min<size_t>(n, 512));
    return n;
  }
  if (std::fwrite(data, 1, n, a.file) != n) {
    a.failure = "cannot write the partial file (disk full?)";
    return 0;
  }
  a.hasher->update(data, n);
  a.written += n;
  if (a.bar) a.bar->update(a.offset + a.written);
  return n;
}

// A short, printable excerpt of an error response's body for the message.
std::string body_excerpt(const std::string& body) {
  std::string out;
  for (char c : body) {
    if (c == '\n' || c == '\r') {
      if (!out.empty()) break;
      continue;
    }
    if (!std::isprint(static_cast<unsigned char>(c))) return "";
    out += c;
    if (out.size() >= 200) break;
  }
  return trim(out);
}

struct CurlGlobal {
  CurlGlobal() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~CurlGlobal() { curl_global_cleanup(); }
};

uint64_t file_size_or_zero(const std::filesystem::path& path) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(path, ec);
  return ec ? 0 : size;
}

}  // namespace

DownloadResult download(const DownloadRequest& request) {
  static CurlGlobal global;
  DownloadResult result;
  result.resumed_from = file_size_or_zero(request.part_path);

  Sha256 hasher;
  if (result.resumed_from > 0) hash_file(request.part_path, hasher, result.resumed_from);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(request.part_path.c_str(), "ab"),
                                                       &std::fclose);
  if (!file) throw Error("cannot write " + request.part_path.string());
  // Two pulls appending to one part file would interleave their bytes.
  if (flock(fileno(file.get()), LOCK_EX | LOCK_NB) != 0)
    throw Error("another download is writing " + request.part_path.string());

  std::unique_ptr<CURL, void (*)(CURL*)> curl(curl_easy_init(), &curl_easy_cleanup);
  if (!curl) throw Error("libcurl: cannot create a transfer");
  curl_slist* header_list = nullptr;
  for (const auto& h : request.headers) header_list = curl_slist_append(header_list, h.c_str());
  std::unique_ptr<curl_slist, void (*)(curl_slist*)> headers(header_list, &curl_slist_free_all);

  std::optional<ProgressBar> bar;
  if (request.show_progress) bar.emplace(request.label, 0, stderr, result.resumed_from);

  uint64_t offset = result.resumed_from;
  std::string linked_etag_sha, etag_sha;
  for (int attempt = 1;; ++attempt) {
    Attempt a;
    a.curl = curl.get();
    a.file = file.get();
    a.hasher = &hasher;
    a.bar = bar ? &*bar : nullptr;
    a.offset = offset;
    char error_buffer[CURL_ERROR_SIZE] = "";
    CURL* c = curl.get();
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, request.url.c_str());
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, 10L);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_USERAGENT, "ruvllm/0.1");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 30L);
    // A transfer that stalls (under 1 byte/s for a minute) is dropped and resumed.
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, 60L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error_buffer);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &a);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &a);
    const std::string range = std::to_string(offset) + "-";
    if (offset > 0) curl_easy_setopt(c, CURLOPT_RANGE, range.c_str());

    const CURLcode code = curl_easy_perform(c);
    std::fflush(file.get());
    if (!a.linked_etag_sha.empty()) linked_etag_sha = a.linked_etag_sha;
    if (!a.etag_sha.empty()) etag_sha = a.etag_sha;
    offset = a.offset + a.written;
    if (!a.body_started) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &a.status);
    char* effective = nullptr;
    curl_easy_getinfo(c, CURLINFO_EFFECTIVE_URL, &effective);
    if (effective) result.effective_url = effective;

    if (code == CURLE_OK && a.status == 416 && offset > 0) {
      // The range starts at or past the end: the part may already be the whole file.
      const auto range_info = parse_content_range(a.content_range);
      if (range_info && range_info->total == static_cast<long long>(offset)) break;
      // Otherwise the part does not belong to this file (it is longer): start afresh.
      std::fflush(file.get());
      if (ftruncate(fileno(file.get()), 0) != 0)
        throw Error("cannot truncate " + request.part_path.string());
      hasher.reset();
      offset = 0;
      if (attempt < request.max_attempts) continue;
    }
    if (code == CURLE_OK && a.status < 400) break;

    const bool server_error = code == CURLE_OK && a.status >= 500;
    if ((transient(code) || server_error) && attempt < request.max_attempts) {
      const auto wait = std::chrono::milliseconds(std::min(250 << (attempt - 1), 8000));
      std::fprintf(stderr, "\n%s: %s; resuming at byte %llu (attempt %d of %d)\n",
                   request.label.c_str(),
                   server_error ? a.status_line.c_str()
                                : (error_buffer[0] ? error_buffer : curl_easy_strerror(code)),
                   static_cast<unsigned long long>(offset), attempt + 1, request.max_attempts);
      std::this_thread::sleep_for(wait);
      continue;
    }
    if (code == CURLE_OK) {
      std::string message =
          "HTTP error: " +
          (a.status_line.empty() ? "status " + std::to_string(a.status) : a.status_line) + " for " +
          request.url;
      const std::string excerpt = body_excerpt(a.error_body);
      if (!excerpt.empty()) message += " (" + excerpt + ")";
      throw HttpError(message, a.status);
    }
    std::string message =
        !a.failure.empty()
            ? a.failure
            : (error_buffer[0] ? std::string(error_buffer) : std::string(curl_easy_strerror(code)));
    throw Error("download of " + request.url + " failed: " + message +
                (offset > 0 ? " (" + std::to_string(offset) +
                                  " bytes kept; run the command again to resume)"
                            : ""));
  }
  if (bar) {
    bar->update(offset);
    bar->finish();
  }
  result.size = offset;
  result.sha256 = hasher.hex_digest();
  result.server_sha256 = !linked_etag_sha.empty() ? linked_etag_sha : etag_sha;
  return result;
}

}  // namespace ruvllm::cli
