#include "cli/text_file.h"

#include <fstream>
#include <sstream>

#include "core/error.h"

namespace ruvllm::cli {

std::string read_text_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read " + path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace ruvllm::cli
