// SHA-256 digests (OpenSSL EVP), computed incrementally so a download is hashed as it arrives.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

struct evp_md_ctx_st;

namespace ruvllm::cli {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void update(const void* data, size_t n);
  // Lower-case hex digest (64 characters); the hasher starts over afterwards.
  std::string hex_digest();
  void reset();

 private:
  evp_md_ctx_st* ctx_;
};

// Hashes the first `limit` bytes of a file (all of it by default) into `hasher`. Throws Error
// when the file cannot be read or is shorter than `limit`.
void hash_file(const std::filesystem::path& path, Sha256& hasher, uint64_t limit = UINT64_MAX);

// True when `text` is 64 hex digits (either case): the shape of a SHA-256 digest.
bool is_sha256_hex(std::string_view text);

}  // namespace ruvllm::cli
