// ruvllm tokenize: prints the token ids of a text under a model's tokenizer, as one JSON array.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "cli/command.h"
#include "core/error.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace {

int run_tokenize(int argc, char** argv) {
  CLI::App app{"Print the token ids of TEXT as a JSON array", argv[0]};
  std::string model_path, text;
  bool no_bos = false, special = false, pieces = false;
  app.add_option("-m,--model", model_path, "GGUF model (or vocabulary-only GGUF)")->required();
  app.add_flag("--no-bos", no_bos, "do not add BOS/EOS (the vocabulary's special framing)");
  app.add_flag("--special", special, "recognise control-token texts such as <|eot_id|>");
  app.add_flag("--pieces", pieces, "also print each token's text, one per line, to stderr");
  app.add_option("text", text, "text to tokenize")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }

  std::unique_ptr<ruvllm::Tokenizer> tok;
  try {
    auto file = ruvllm::gguf::GgufFile::open(model_path);
    tok = ruvllm::Tokenizer::from_gguf(*file);
  } catch (const ruvllm::Error& e) {
    std::fprintf(stderr, "ruvllm tokenize: %s\n", e.what());
    return 2;
  }
  const std::vector<int32_t> ids = tok->encode(text, !no_bos, special);
  std::string out = "[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ", ";
    out += std::to_string(ids[i]);
  }
  out += "]\n";
  std::fputs(out.c_str(), stdout);
  if (pieces) {
    for (int32_t id : ids)
      std::fprintf(stderr, "%6d '%s'\n", id, tok->token_to_bytes(id, true).c_str());
  }
  return 0;
}

const ruvllm::cli::CommandRegistration kRegistration("tokenize",
                                                     "print the token ids of a text (JSON array)",
                                                     run_tokenize);

}  // namespace
