// Errors raised at RuvLLM's API edges.
//
// `Error` carries a message meant for a person: what went wrong and, where it helps, what to do.
// Hot paths return status values instead of throwing; everything that parses input from outside
// (files, HTTP bodies, command lines) throws one of these with a precise message.
#pragma once

#include <stdexcept>
#include <string>

namespace ruvllm {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

// Input that does not follow its format (corrupt GGUF, bad JSON, bad grammar).
class FormatError : public Error {
 public:
  using Error::Error;
};

// A well-formed request that RuvLLM does not support (unknown architecture, tensor type...).
class UnsupportedError : public Error {
 public:
  using Error::Error;
};

}  // namespace ruvllm
