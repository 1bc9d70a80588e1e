// The global functions a chat template can call: Jinja2's range, dict, namespace, cycler and
// joiner, plus transformers' raise_exception(message) and strftime_now(format).
#pragma once

#include <functional>
#include <string>

#include "chat/render_arena.h"
#include "chat/scope.h"

namespace ruvllm::chat {

// Formats the current time with a strftime format.
using StrftimeFn = std::function<std::string(const std::string& format)>;

// The local time formatted with std::strftime.
std::string strftime_local_now(const std::string& format);

// Binds the globals in `scope`.
// Objects they create (namespaces) are tracked in `arena`.
void install_globals(Scope& scope, StrftimeFn strftime_now, RenderArena& arena);

}  // namespace ruvllm::chat
