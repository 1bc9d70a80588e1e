// Reading a whole text file named on the command line (templates, schemas, grammars).
#pragma once

#include <string>

namespace ruvllm::cli {

// The file's bytes; throws Error naming the path when it cannot be read.
std::string read_text_file(const std::string& path);

}  // namespace ruvllm::cli
