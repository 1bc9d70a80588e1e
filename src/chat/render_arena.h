// Bookkeeping for one render call that lets every value be freed when it ends.
//
// Macros keep their defining scope alive and are themselves stored in a scope, and a namespace
// can hold itself; both make shared_ptr cycles. The arena tracks the scopes and objects a render
// creates and, when the render ends, empties those still alive, which breaks any cycle.
#pragma once

#include <memory>
#include <vector>

#include "chat/scope.h"

namespace ruvllm::chat {

class RenderArena {
 public:
  RenderArena() = default;
  RenderArena(const RenderArena&) = delete;
  RenderArena& operator=(const RenderArena&) = delete;

  ~RenderArena() {
    for (auto& w : scopes_)
      if (auto s = w.lock()) s->clear();
    for (auto& w : objects_) {
      if (auto o = w.lock()) {
        o->attributes.clear();
        o->call = nullptr;
      }
    }
  }

  ScopePtr new_scope(ScopePtr parent) {
    auto s = std::make_shared<Scope>(std::move(parent));
    remember(scopes_, s);
    return s;
  }

  void track(const std::shared_ptr<ObjectData>& object) { remember(objects_, object); }

 private:
  // Keeps weak references, dropping expired ones whenever the list doubles (amortized O(1)).
  template <typename T>
  static void remember(std::vector<std::weak_ptr<T>>& list, const std::shared_ptr<T>& item) {
    if (list.size() >= 64 && (list.size() & (list.size() - 1)) == 0) {
      std::erase_if(list, [](const std::weak_ptr<T>& w) { return w.expired(); });
    }
    list.push_back(item);
  }

  std::vector<std::weak_ptr<Scope>> scopes_;
  std::vector<std::weak_ptr<ObjectData>> objects_;
};

}  // namespace ruvllm::chat
