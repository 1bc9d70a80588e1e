// Variable scopes while rendering. A scope maps names to values and falls back to its parent:
// globals <- template context <- for-loop iterations / macro calls / with blocks. `if` blocks
// share their enclosing scope, so `{% set %}` inside them is visible after them, while
// assignments inside a loop body vanish when the iteration ends (Jinja2's scoping rules).
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.h"

namespace ruvllm::chat {

class Scope {
 public:
  explicit Scope(std::shared_ptr<Scope> parent = nullptr) : parent_(std::move(parent)) {}

  // The innermost binding of `name`, or null.
  const Value* find(const std::string& name) const {
    for (const Scope* s = this; s; s = s->parent_.get()) {
      for (const auto& [k, v] : s->vars_)
        if (k == name) return &v;
    }
    return nullptr;
  }

  // Binds `name` in this scope (shadowing outer bindings).
  void set(const std::string& name, Value value) {
    for (auto& [k, v] : vars_) {
      if (k == name) {
        v = std::move(value);
        return;
      }
    }
    vars_.emplace_back(name, std::move(value));
  }

  // Drops every binding (used to break reference cycles when a render ends).
  void clear() {
    vars_.clear();
    parent_.reset();
  }

 private:
  std::shared_ptr<Scope> parent_;
  std::vector<std::pair<std::string, Value>> vars_;
};

using ScopePtr = std::shared_ptr<Scope>;

}  // namespace ruvllm::chat
