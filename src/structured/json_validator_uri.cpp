#include "structured/json_validator_uri.h"

#include <cctype>

#include "core/error.h"

namespace ruvllm::structured::detail {

UriParts parse_uri_reference(std::string_view text) {
  UriParts parts;
  // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) followed by ':'
  std::size_t colon = text.find(':');
  std::size_t first_delim = text.find_first_of("/?#");
  if (colon != std::string_view::npos && colon > 0 &&
      (first_delim == std::string_view::npos || colon < first_delim) &&
      std::isalpha(static_cast<unsigned char>(text[0]))) {
    bool scheme_ok = true;
    for (std::size_t i = 0; i < colon; ++i) {
      char c = text[i];
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '+' && c != '-' && c != '.') {
        scheme_ok = false;
      }
    }
    if (scheme_ok) {
      parts.scheme = std::string(text.substr(0, colon));
      text.remove_prefix(colon + 1);
    }
  }
  if (std::size_t hash = text.find('#'); hash != std::string_view::npos) {
    parts.fragment = std::string(text.substr(hash + 1));
    text = text.substr(0, hash);
  }
  if (std::size_t q = text.find('?'); q != std::string_view::npos) {
    parts.query = std::string(text.substr(q + 1));
    text = text.substr(0, q);
  }
  if (text.substr(0, 2) == "//") {
    text.remove_prefix(2);
    std::size_t slash = text.find('/');
    parts.authority = std::string(text.substr(0, slash));
    text = slash == std::string_view::npos ? std::string_view() : text.substr(slash);
  }
  parts.path = std::string(text);
  return parts;
}

std::string compose_uri(const UriParts& parts) {
  std::string out;
  if (parts.scheme) out += *parts.scheme + ":";
  if (parts.authority) out += "//" + *parts.authority;
  out += parts.path;
  if (parts.query) out += "?" + *parts.query;
  if (parts.fragment) out += "#" + *parts.fragment;
  return out;
}

namespace {

// RFC 3986 §5.2.4.
std::string remove_dot_segments(std::string_view input) {
  std::string output;
  while (!input.empty()) {
    if (input.substr(0, 3) == "../") {
      input.remove_prefix(3);
    } else if (input.substr(0, 2) == "./") {
      input.remove_prefix(2);
    } else if (input.substr(0, 3) == "/./") {
      input.remove_prefix(2);
    } else if (input == "/.") {
      input = "/";
    } else if (input.substr(0, 4) == "/../" || input == "/..") {
      input = input.size() == 3 ? std::string_view("/") : input.substr(3);
      std::size_t last = output.rfind('/');
      output.resize(last == std::string::npos ? 0 : last);
    } else if (input == "." || input == "..") {
      input = {};
    } else {
      std::size_t start = input[0] == '/' ? 1 : 0;
      std::size_t next = input.find('/', start);
      std::size_t len = next == std::string_view::npos ? input.size() : next;
      output.append(input.substr(0, len));
      input.remove_prefix(len);
    }
  }
  return output;
}

std::string merge_paths(const UriParts& base, const std::string& ref_path) {
  if (base.authority && base.path.empty()) return "/" + ref_path;
  std::size_t slash = base.path.rfind('/');
  if (slash == std::string::npos) return ref_path;
  return base.path.substr(0, slash + 1) + ref_path;
}

}  // namespace

std::string resolve_uri(std::string_view base_text, std::string_view reference) {
  UriParts ref = parse_uri_reference(reference);
  UriParts base = parse_uri_reference(base_text);
  UriParts target;
  if (ref.scheme) {
    target = ref;
    target.path = remove_dot_segments(ref.path);
  } else {
    if (ref.authority) {
      target.authority = ref.authority;
      target.path = remove_dot_segments(ref.path);
      target.query = ref.query;
    } else {
      if (ref.path.empty()) {
        target.path = base.path;
        target.query = ref.query ? ref.query : base.query;
      } else {
        if (ref.path[0] == '/') {
          target.path = remove_dot_segments(ref.path);
        } else {
          target.path = remove_dot_segments(merge_paths(base, ref.path));
        }
        target.query = ref.query;
      }
      target.authority = base.authority;
    }
    target.scheme = base.scheme;
  }
  target.fragment = ref.fragment;
  return compose_uri(target);
}

std::pair<std::string, std::string> split_fragment(std::string_view uri) {
  std::size_t hash = uri.find('#');
  if (hash == std::string_view::npos) return {std::string(uri), std::string()};
  return {std::string(uri.substr(0, hash)), std::string(uri.substr(hash + 1))};
}

std::string percent_decode(std::string_view text) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && hex(text[i + 1]) >= 0 && hex(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(text[i + 1]) * 16 + hex(text[i + 2])));
      i += 2;
    } else {
      out.push_back(text[i]);
    }
  }
  return out;
}

std::vector<std::string> parse_json_pointer(std::string_view pointer) {
  std::vector<std::string> tokens;
  if (pointer.empty()) return tokens;
  if (pointer[0] != '/') {
    throw FormatError("JSON pointer \"" + std::string(pointer) + "\" does not start with '/'");
  }
  std::string token;
  for (std::size_t i = 1; i <= pointer.size(); ++i) {
    if (i == pointer.size() || pointer[i] == '/') {
      tokens.push_back(std::move(token));
      token.clear();
    } else if (pointer[i] == '~') {
      if (i + 1 < pointer.size() && (pointer[i + 1] == '0' || pointer[i + 1] == '1')) {
        token.push_back(pointer[i + 1] == '0' ? '~' : '/');
        ++i;
      } else {
        throw FormatError("JSON pointer \"" + std::string(pointer) +
                          "\" has a '~' not followed by 0 or 1");
      }
    } else {
      token.push_back(pointer[i]);
    }
  }
  return tokens;
}

std::string escape_pointer_token(std::string_view token) {
  std::string out;
  out.reserve(token.size());
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace ruvllm::structured::detail
