// Python methods of str, dict and list values, as a template sees them through Jinja2's
// ImmutableSandboxedEnvironment: `"a b".split()`, `d.items()`, `xs.index(x)`...
//
// Methods that would mutate a list or dict (append, pop, update, ...) exist but are unsafe in the
// immutable sandbox: looking one up gives an undefined that raises SecurityError when called,
// exactly as transformers' environment does.
#pragma once

#include <optional>
#include <string>

#include "chat/value.h"

namespace ruvllm::chat {

// The bound method `self.name`, or nullopt when the value's type has no such method.
std::optional<Value> bound_method(const Value& self, const std::string& name);

}  // namespace ruvllm::chat
