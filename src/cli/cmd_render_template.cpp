// ruvllm render-template: renders a Jinja2 chat template with a JSON context, exactly as
// transformers would, and prints the result with no added newline.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <string>

#include "chat/template.h"
#include "cli/command.h"

namespace {

std::optional<std::string> read_whole_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

int run_render_template(int argc, char** argv) {
  CLI::App app{"Render a chat template with a JSON context (messages, tools, ...)", argv[0]};
  std::string template_path, context_path, pinned_now;
  app.add_option("-t,--template", template_path, "Jinja2 template file")->required();
  app.add_option("-c,--context", context_path,
                 "JSON object of template variables (messages, tools, add_generation_prompt, "
                 "bos_token, eos_token, ...)")
      ->required();
  app.add_option("--strftime-now", pinned_now,
                 "text strftime_now() returns (default: the local time formatted)");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  auto source = read_whole_file(template_path);
  if (!source) {
    std::fprintf(stderr, "ruvllm render-template: cannot read %s\n", template_path.c_str());
    return 2;
  }
  auto context_text = read_whole_file(context_path);
  if (!context_text) {
    std::fprintf(stderr, "ruvllm render-template: cannot read %s\n", context_path.c_str());
    return 2;
  }
  nlohmann::ordered_json context;
  try {
    context = nlohmann::ordered_json::parse(*context_text);
  } catch (const nlohmann::json::exception& e) {
    std::fprintf(stderr, "ruvllm render-template: %s is not valid JSON: %s\n", context_path.c_str(),
                 e.what());
    return 2;
  }
  if (!context.is_object()) {
    std::fprintf(stderr, "ruvllm render-template: the context must be a JSON object\n");
    return 2;
  }

  ruvllm::chat::RenderOptions options;
  if (!pinned_now.empty())
    options.strftime_now = [pinned_now](const std::string&) { return pinned_now; };
  std::string rendered;
  try {
    rendered = ruvllm::chat::Template::parse(*source).render(context, options);
  } catch (const ruvllm::chat::TemplateError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  std::fwrite(rendered.data(), 1, rendered.size(), stdout);
  return 0;
}

const ruvllm::cli::CommandRegistration kRegistration(
    "render-template", "render a Jinja2 chat template with a JSON context", run_render_template);

}  // namespace
