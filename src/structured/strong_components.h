// Strongly connected components of a directed graph (internal to the structured module).
#pragma once

#include <cstdint>
#include <vector>

namespace ruvllm::structured {

// The component of each vertex of the graph whose edges from v go to successors[v], numbered
// by Tarjan's algorithm (iterative, so deep grammars do not overflow the stack): a component's
// number is below those of every component that reaches it.
std::vector<uint32_t> strong_components(const std::vector<std::vector<uint32_t>>& successors);

}  // namespace ruvllm::structured
