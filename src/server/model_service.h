// The model behind the HTTP API: weights, tokenizer, chat template and the scheduler that runs
// generations, plus the translation of OpenAI requests into generation jobs.
//
// `response_format` (json_object / json_schema) and `grammar` (GBNF) compile, through the
// structured module's cached GrammarCompiler, into a grammar that masks every sampling step; a
// json_schema is also compiled into a validator that checks the finished output (for keywords a
// grammar cannot enforce).
// Tools (src/tools) are rendered in the format the template was written for; `required` and
// named tool choices force a grammar of that format over the tools' argument schemas, and
// `auto` arms lazy grammars that take over when the model starts a call.
// Chat requests are rendered with the model's own chat template (src/chat;
// `tokenizer.chat_template` from the GGUF, or a template file given on the command line) and
// tokenized with special tokens recognised. Checks only the model can make happen here and raise
// ApiError 400: token ids in `logit_bias` or a token prompt outside the vocabulary, a template that
// rejects the conversation, a prompt longer than the context (in Scheduler::submit).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "chat/chat_template.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "server/openai_request.h"
#include "server/scheduler.h"
#include "server/server_metrics.h"
#include "structured/grammar_compiler.h"
#include "tokenizer/tokenizer.h"
#include "tools/tool_calling.h"
#include "tools/tool_validation.h"

namespace ruvllm::server {

struct ModelServiceParams {
  std::string model_path;
  std::string model_id;  // name reported by /v1/models; empty: the file name without .gguf
  SchedulerParams scheduler;
  int threads = 0;                               // compute threads (0: hardware threads)
  std::optional<std::string> chat_template;      // template source overriding the model's
  std::chrono::milliseconds request_timeout{0};  // 0: none
  // Tool-call format ("hermes", "llama3", ... see tools::tool_format_name) overriding the one
  // detected from the chat template.
  std::optional<tools::ToolFormat> tool_format;
};

// A request turned into a job, with what the response needs besides the generated text.
struct PreparedJob {
  GenerationJob job;
  std::string echo_text;  // completions with echo: the prompt text to prepend
  // Chat requests that may call tools: how to read the calls out of the generated text.
  struct ToolOutput {
    const tools::ToolCalling* calling = nullptr;
    std::string output_prefix;          // forced calls: the section opening put in the prompt
    std::vector<std::string> triggers;  // texts that open a call section in free text
    bool forced = false;                // tool_choice required or named
    // The call section is written under a grammar that enforces every tool's whole schema, so
    // calls can be streamed as they are generated.
    bool streamable = false;
    std::vector<std::string> names;                             // the tools that may be called
    std::shared_ptr<const tools::ToolCallValidator> validator;  // checks every returned call
  };
  std::optional<ToolOutput> tool_output;
};

class ModelService {
 public:
  // Loads the model; throws Error (FormatError, UnsupportedError...) when it cannot.
  ModelService(const ModelServiceParams& params, ServerMetrics* metrics);
  ~ModelService();

  const std::string& model_id() const { return model_id_; }
  int64_t created() const { return created_; }
  const Tokenizer& tokenizer() const { return *tokenizer_; }
  const chat::ChatTemplate& chat_template() const { return *template_; }
  const tools::ToolCalling& tool_calling() const { return *tool_calling_; }
  Scheduler& scheduler() { return *scheduler_; }
  int64_t n_ctx() const { return scheduler_->n_ctx(); }
  const std::shared_ptr<const Model>& model() const { return model_; }

  // The prompt text of a chat request, rendered with the chat template.
  std::string render_chat_prompt(const ChatCompletionRequest& request) const;

  PreparedJob prepare_chat(const ChatCompletionRequest& request) const;
  PreparedJob prepare_completion(const CompletionRequest& request) const;

  // What the chat template writes after an assistant message's content whatever the content
  // and the next message (ChatML: "<|im_end|>\n"), and its tokens there; empty when that is not
  // knowable. Chat jobs without tools carry it as GenerationJob::cache_tail.
  const std::string& assistant_tail_text() const { return assistant_tail_text_; }
  const std::vector<int32_t>& assistant_tail() const { return assistant_tail_; }

 private:
  GenerationJob base_job(const GenerationOptions& options) const;
  // The grammar a request's response_format or `grammar` asks for (null: unconstrained).
  std::shared_ptr<const structured::CompiledGrammar> compile_constraint(
      const GenerationOptions& options) const;
  // The validator of the finished output for a json_schema response_format (null: none).
  std::shared_ptr<const structured::JsonSchemaValidator> output_validator(
      const GenerationOptions& options) const;
  std::vector<int32_t> tokenize_prompt(const std::string& text) const;
  // Arms the job for the request's tool choice; returns text to append to the prompt.
  std::string plan_tool_calls(const ChatCompletionRequest& request, const std::string& prompt,
                              PreparedJob& prepared) const;
  void probe_assistant_tail();

  std::string model_id_;
  int64_t created_ = 0;
  std::chrono::milliseconds request_timeout_;
  std::unique_ptr<ThreadPool> pool_;
  std::shared_ptr<const Model> model_;
  std::unique_ptr<Tokenizer> tokenizer_;
  std::unique_ptr<chat::ChatTemplate> template_;
  std::unique_ptr<tools::ToolCalling> tool_calling_;       // renders tools and calls for template_
  std::unique_ptr<structured::GrammarCompiler> grammars_;  // caches compiled grammars
  std::unique_ptr<Scheduler> scheduler_;
  std::string assistant_tail_text_;
  std::vector<int32_t> assistant_tail_;
};

// The conversation as the chat template sees it (transformers' message dicts): tool-call
// arguments become objects when they are JSON objects, as templates expect.
nlohmann::ordered_json template_messages(const std::vector<ChatMessage>& messages);
// `tools` as transformers passes them to templates; null when there are none.
nlohmann::ordered_json template_tools(const std::vector<ToolDefinition>& tools);
// The request's tools in the tools module's terms.
std::vector<tools::FunctionTool> function_tools(const std::vector<ToolDefinition>& tools);

}  // namespace ruvllm::server
