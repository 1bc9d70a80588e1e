// JSON text as Python's json.dumps writes it by default (", " and ": " separators, non-ASCII
// kept), which is how chat templates print tool arguments (`tojson`) and therefore how models
// have learned to write them.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace ruvllm::tools {

std::string python_json_dumps(const nlohmann::ordered_json& value);

}  // namespace ruvllm::tools
