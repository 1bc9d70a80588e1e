#include "structured/token_vocabulary.h"

#include <algorithm>

#include "core/error.h"

namespace ruvllm::structured {

TokenVocabulary::TokenVocabulary(std::vector<std::string> bytes, std::vector<bool> special,
                                 std::vector<int32_t> eog)
    : bytes_(std::move(bytes)), special_(std::move(special)), eog_(std::move(eog)) {
  if (special_.size() != bytes_.size()) {
    throw Error("TokenVocabulary: special flags and token bytes differ in length");
  }
  for (int32_t id : eog_) {
    if (id < 0 || static_cast<size_t>(id) >= bytes_.size()) {
      throw Error("TokenVocabulary: end-of-generation id " + std::to_string(id) + " out of range");
    }
    special_[id] = true;
  }
  std::sort(eog_.begin(), eog_.end());
  eog_.erase(std::unique(eog_.begin(), eog_.end()), eog_.end());
  normal_mask_.assign(mask_words(), 0);
  uint64_t h = 0xCBF29CE484222325ull;
  for (size_t id = 0; id < bytes_.size(); ++id) {
    for (unsigned char c : bytes_[id]) h = (h ^ c) * 0x100000001B3ull;
    h = (h ^ (special_[id] ? 0x1FF : 0x100)) * 0x100000001B3ull;
    if (special_[id] || bytes_[id].empty()) continue;
    sorted_.push_back(static_cast<int32_t>(id));
    normal_mask_[id / 32] |= 1u << (id % 32);
  }
  for (int32_t id : eog_) h = (h ^ static_cast<uint64_t>(id)) * 0x100000001B3ull;
  fingerprint_ = h;
  std::sort(sorted_.begin(), sorted_.end(),
            [&](int32_t a, int32_t b) { return bytes_[a] < bytes_[b]; });
  sorted_offset_.reserve(sorted_.size() + 1);
  for (int32_t id : sorted_) {
    sorted_offset_.push_back(static_cast<uint32_t>(sorted_bytes_.size()));
    sorted_bytes_ += bytes_[id];
  }
  sorted_offset_.push_back(static_cast<uint32_t>(sorted_bytes_.size()));
  plain_from_.resize(sorted_.size());
  for (size_t i = 0; i < sorted_.size(); ++i) {
    const std::string& t = bytes_[sorted_[i]];
    size_t d = t.size();
    while (d > 0 && is_plain_byte(static_cast<uint8_t>(t[d - 1]))) --d;
    plain_from_[i] = static_cast<uint16_t>(std::min<size_t>(d, 0xFFFF));
  }
  lcp_.assign(sorted_.size(), 0);
  for (size_t i = 1; i < sorted_.size(); ++i) {
    const std::string& a = bytes_[sorted_[i - 1]];
    const std::string& b = bytes_[sorted_[i]];
    size_t n = 0;
    while (n < a.size() && n < b.size() && n < 0xFFFF && a[n] == b[n]) ++n;
    lcp_[i] = static_cast<uint16_t>(n);
  }
  // subtree_end(i, d) = first j > i with lcp[j] < d. Sweep right to left keeping, per depth,
  // the nearest index to the right whose lcp is below that depth.
  size_t max_len = 0;
  for (int32_t id : sorted_) max_len = std::max(max_len, bytes_[id].size());
  max_token_bytes_ = max_len;
  std::vector<uint32_t> next_below(max_len + 2, static_cast<uint32_t>(sorted_.size()));
  subtree_offset_.resize(sorted_.size());
  size_t total = 0;
  for (size_t i = 0; i < sorted_.size(); ++i) {
    subtree_offset_[i] = static_cast<uint32_t>(total);
    total += bytes_[sorted_[i]].size();
  }
  subtree_end_.resize(total);
  for (size_t i = sorted_.size(); i-- > 0;) {
    if (i + 1 < sorted_.size()) {
      for (size_t d = lcp_[i + 1] + 1; d <= max_len; ++d)
        next_below[d] = static_cast<uint32_t>(i + 1);
    }
    const size_t len = bytes_[sorted_[i]].size();
    for (size_t d = 1; d <= len; ++d) subtree_end_[subtree_offset_[i] + d - 1] = next_below[d];
  }
}

bool TokenVocabulary::is_eog(int32_t id) const {
  return std::binary_search(eog_.begin(), eog_.end(), id);
}

}  // namespace ruvllm::structured
