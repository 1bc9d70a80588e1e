#include "server/model_service.h"

#include <chrono>
#include <cmath>
#include <filesystem>

#include "chat/template_error.h"
#include "server/api_error.h"

namespace ruvllm::server {

using nlohmann::ordered_json;

ordered_json template_messages(const std::vector<ChatMessage>& messages) {
  ordered_json out = ordered_json::array();
  for (const ChatMessage& m : messages) {
    ordered_json message = {{"role", role_name(m.role)}};
    message["content"] = m.content ? ordered_json(*m.content) : ordered_json(nullptr);
    if (!m.name.empty()) message["name"] = m.name;
    if (!m.tool_calls.empty()) {
      ordered_json calls = ordered_json::array();
      for (const ToolCall& call : m.tool_calls) {
        ordered_json arguments = ordered_json::parse(call.arguments, nullptr, false);
        if (arguments.is_discarded() || !arguments.is_object()) arguments = call.arguments;
        calls.push_back({{"id", call.id},
                         {"type", "function"},
                         {"function", {{"name", call.name}, {"arguments", arguments}}}});
      }
      message["tool_calls"] = std::move(calls);
    }
    if (!m.tool_call_id.empty()) message["tool_call_id"] = m.tool_call_id;
    out.push_back(std::move(message));
  }
  return out;
}

ordered_json template_tools(const std::vector<ToolDefinition>& tools) {
  if (tools.empty()) return nullptr;
  ordered_json out = ordered_json::array();
  for (const ToolDefinition& tool : tools) {
    ordered_json function = {{"name", tool.name}};
    if (!tool.description.empty()) function["description"] = tool.description;
    function["parameters"] = ordered_json::parse(tool.parameters.dump());
    out.push_back({{"type", "function"}, {"function", std::move(function)}});
  }
  return out;
}

std::vector<tools::FunctionTool> function_tools(const std::vector<ToolDefinition>& tools) {
  std::vector<tools::FunctionTool> out;
  for (const ToolDefinition& tool : tools)
    out.push_back(
        {tool.name, tool.description, ordered_json::parse(tool.parameters.dump()), tool.strict});
  return out;
}

ModelService::ModelService(const ModelServiceParams& params, ServerMetrics* metrics)
    : request_timeout_(params.request_timeout) {
  model_id_ = params.model_id.empty() ? std::filesystem::path(params.model_path).stem().string()
                                      : params.model_id;
  created_ = std::chrono::duration_cast<std::chrono::seconds>(
                 std::chrono::system_clock::now().time_since_epoch())
                 .count();
  pool_ = std::make_unique<ThreadPool>(params.threads);
  model_ = Model::load(params.model_path);
  tokenizer_ = Tokenizer::from_gguf(model_->file());
  if (params.chat_template) {
    const chat::ChatTemplate from_model = chat::ChatTemplate::from_gguf(model_->file());
    template_ = std::make_unique<chat::ChatTemplate>(*params.chat_template, from_model.bos_token(),
                                                     from_model.eos_token());
  } else {
    template_ = std::make_unique<chat::ChatTemplate>(chat::ChatTemplate::from_gguf(model_->file()));
  }
  tool_calling_ = std::make_unique<tools::ToolCalling>(*template_, params.tool_format);
  grammars_ = std::make_unique<structured::GrammarCompiler>(
      structured::TokenVocabulary::from_tokenizer(*tokenizer_));
  probe_assistant_tail();
  scheduler_ = std::make_unique<Scheduler>(model_, *tokenizer_, params.scheduler,
                                           pool_->size() > 1 ? pool_.get() : nullptr, metrics);
}

// Renders a question answered in two ways, each followed by no message or by one of two user
// messages: what follows the answer's content in all six is the template's end of an assistant
// turn. It is used only when every rendering tokenizes to the question's prompt, the content's
// tokens and the tail's tokens in a row (so an answer ending in a word and followed by the tail
// keeps its tokens, and the tail's tokens do not depend on the next message). Templates that
// render differently (or reject such conversations) get no tail.
void ModelService::probe_assistant_tail() {
  const auto message = [](const char* role, const char* content) {
    return ordered_json{{"role", role}, {"content", content}};
  };
  try {
    const ordered_json question = ordered_json::array({message("user", "Hello")});
    const std::string asked = template_->apply(question, nullptr, /*add_generation_prompt=*/true);
    std::optional<std::string> tail;
    std::vector<std::pair<std::string, std::string>> renderings;  // (answer, conversation)
    for (const char* answer : {"Hi there", "Sure, here it is"})
      for (const char* next : {"", "Thanks", "And then what"}) {
        ordered_json messages = question;
        messages.push_back(message("assistant", answer));
        if (*next) messages.push_back(message("user", next));
        const std::string text = template_->apply(messages, nullptr, false);
        const size_t n = std::char_traits<char>::length(answer);
        if (text.compare(0, asked.size(), asked) != 0 || text.compare(asked.size(), n, answer) != 0)
          return;
        const std::string_view after = std::string_view(text).substr(asked.size() + n);
        if (!tail) tail = std::string(after);
        size_t common = 0;
        while (common < tail->size() && common < after.size() && (*tail)[common] == after[common])
          ++common;
        tail->resize(common);
        renderings.emplace_back(answer, text);
      }
    if (!tail || tail->empty()) return;
    const std::vector<int32_t> tail_tokens = tokenizer_->encode(*tail, false, true);
    const std::vector<int32_t> asked_tokens = tokenize_prompt(asked);
    for (const auto& [answer, text] : renderings) {
      std::vector<int32_t> expected = asked_tokens;
      const std::vector<int32_t> content = tokenizer_->encode(answer, false, true);
      expected.insert(expected.end(), content.begin(), content.end());
      expected.insert(expected.end(), tail_tokens.begin(), tail_tokens.end());
      const std::vector<int32_t> got = tokenize_prompt(text);
      if (got.size() < expected.size() ||
          !std::equal(expected.begin(), expected.end(), got.begin()))
        return;
    }
    assistant_tail_text_ = std::move(*tail);
    assistant_tail_ = tail_tokens;
  } catch (const std::exception&) {
    // A template that rejects these conversations: no tail.
  }
}

ModelService::~ModelService() {
  if (scheduler_) scheduler_->stop();
}

std::string ModelService::render_chat_prompt(const ChatCompletionRequest& request) const {
  try {
    return tool_calling_->render(template_messages(request.messages), function_tools(request.tools),
                                 /*add_generation_prompt=*/true);
  } catch (const chat::TemplateError& e) {
    // The template rejected the conversation (e.g. roles that do not alternate), as
    // transformers' apply_chat_template would.
    throw ApiError::invalid_param(
        "messages", "The chat template rejected the conversation: " + std::string(e.what()));
  }
}

std::vector<int32_t> ModelService::tokenize_prompt(const std::string& text) const {
  // Templates usually write the BOS token themselves; the tokenizer adds it too when the
  // vocabulary asks for one, so drop the template's copy rather than start with two.
  std::string_view body = text;
  const std::string& bos = template_->bos_token();
  if (tokenizer_->add_bos() && !bos.empty() && body.substr(0, bos.size()) == bos)
    body.remove_prefix(bos.size());
  return tokenizer_->encode(body, /*add_special=*/true, /*parse_special=*/true);
}

GenerationJob ModelService::base_job(const GenerationOptions& o) const {
  GenerationJob job;
  job.max_tokens = o.max_tokens ? *o.max_tokens : -1;
  job.stop = o.stop;
  job.top_logprobs = o.logprobs ? o.top_logprobs : -1;
  job.timeout = request_timeout_;
  job.grammar = compile_constraint(o);
  job.output_schema = output_validator(o);
  job.cache_enable = o.cache_prefix.enable;
  job.cache_key = o.cache_prefix.key;
  job.cache_ttl = std::chrono::seconds(o.cache_prefix.ttl_seconds);
  SamplerParams& s = job.sampling;
  s.temperature = o.temperature;
  s.top_k = o.top_k < 0 ? 0 : o.top_k;
  s.top_p = o.top_p;
  s.min_p = o.min_p;
  s.presence_penalty = o.presence_penalty;
  s.frequency_penalty = o.frequency_penalty;
  s.seed = o.seed ? *o.seed : 0xFFFFFFFFu;
  const int32_t n_vocab = tokenizer_->n_vocab();
  for (const auto& [token, bias] : o.logit_bias) {
    if (token >= n_vocab)
      throw ApiError::invalid_param("logit_bias",
                                    "'logit_bias' names token " + std::to_string(token) +
                                        ", outside the vocabulary of " + std::to_string(n_vocab));
    // OpenAI: -100 bans the token outright.
    s.logit_bias.emplace_back(token, bias <= -100.0f ? -INFINITY : bias);
  }
  return job;
}

std::shared_ptr<const structured::CompiledGrammar> ModelService::compile_constraint(
    const GenerationOptions& o) const {
  const ResponseFormat& format = o.response_format;
  const char* param = o.grammar.empty() ? "response_format" : "grammar";
  try {
    if (!o.grammar.empty()) return grammars_->compile_gbnf(o.grammar);
    switch (format.kind) {
      case ResponseFormat::Kind::kText:
        return nullptr;
      case ResponseFormat::Kind::kJsonObject:
        return grammars_->compile_any_json(/*object_only=*/true);
      case ResponseFormat::Kind::kJsonSchema: {
        if (format.schema.is_null()) return grammars_->compile_any_json(/*object_only=*/false);
        structured::JsonSchemaGrammarOptions options;
        options.strict = format.strict;
        // Generation needs one order of keys: large objects in schema order keep every
        // "required" enforced (in any order, only six could be tracked).
        options.ordered_large_objects = true;
        return grammars_->compile_json_schema(format.schema.dump(), options);
      }
    }
  } catch (const UnsupportedError& e) {
    throw ApiError(400, "invalid_request_error", std::string(param) + ": " + e.what(), param,
                   "unsupported_schema");
  } catch (const Error& e) {
    throw ApiError::invalid_param(param, std::string(param) + " is invalid: " + e.what());
  }
  return nullptr;
}

std::shared_ptr<const structured::JsonSchemaValidator> ModelService::output_validator(
    const GenerationOptions& o) const {
  const ResponseFormat& format = o.response_format;
  if (!o.grammar.empty() || format.kind != ResponseFormat::Kind::kJsonSchema ||
      format.schema.is_null())
    return nullptr;
  try {
    return std::make_shared<const structured::JsonSchemaValidator>(
        structured::JsonSchemaValidator::compile(format.schema));
  } catch (const Error& e) {
    throw ApiError::invalid_param("response_format",
                                  std::string("response_format is invalid: ") + e.what());
  }
}

PreparedJob ModelService::prepare_chat(const ChatCompletionRequest& request) const {
  PreparedJob prepared;
  prepared.job = base_job(request.options);
  std::string prompt = render_chat_prompt(request);
  if (!request.tools.empty() && request.tool_choice.mode != ToolChoice::Mode::kNone)
    prompt += plan_tool_calls(request, prompt, prepared);
  prepared.job.prompt = tokenize_prompt(prompt);
  if (request.tools.empty()) {
    prepared.job.cache_tail_text = assistant_tail_text_;
    prepared.job.cache_tail = assistant_tail_;
  }
  return prepared;
}

std::string ModelService::plan_tool_calls(const ChatCompletionRequest& request,
                                          const std::string& prompt, PreparedJob& prepared) const {
  tools::ToolChoice choice;
  switch (request.tool_choice.mode) {
    case ToolChoice::Mode::kAuto:
      choice.mode = tools::ToolChoice::Mode::kAuto;
      break;
    case ToolChoice::Mode::kNone:
      choice.mode = tools::ToolChoice::Mode::kNone;
      break;
    case ToolChoice::Mode::kRequired:
      choice.mode = tools::ToolChoice::Mode::kRequired;
      break;
    case ToolChoice::Mode::kNamed:
      choice.mode = tools::ToolChoice::Mode::kNamed;
      choice.name = request.tool_choice.function_name;
      break;
  }
  tools::ToolGrammarPlan plan;
  GenerationJob& job = prepared.job;
  try {
    plan = tool_calling_->plan(function_tools(request.tools), choice, request.parallel_tool_calls,
                               prompt);
    if (!plan.gbnf.empty()) {
      job.grammar = grammars_->compile_gbnf(plan.gbnf);  // the calls take precedence
    } else if (!job.grammar) {
      for (const auto& lazy : plan.lazy)
        job.grammar_triggers.push_back({lazy.trigger, grammars_->compile_gbnf(lazy.gbnf)});
    }
  } catch (const UnsupportedError& e) {
    throw ApiError(400, "invalid_request_error", std::string("tools: ") + e.what(), "tools",
                   "unsupported_schema");
  } catch (const Error& e) {
    throw ApiError::invalid_param("tools", std::string("tools are invalid: ") + e.what());
  }
  job.special_text = true;  // call markers may be special tokens (<|python_tag|>)
  PreparedJob::ToolOutput output;
  output.calling = tool_calling_.get();
  output.output_prefix = plan.output_prefix;
  output.forced = choice.mode == tools::ToolChoice::Mode::kRequired ||
                  choice.mode == tools::ToolChoice::Mode::kNamed;
  for (const auto& lazy : plan.lazy) output.triggers.push_back(lazy.trigger);
  const bool constrained =
      output.forced ? bool(job.grammar) : !job.grammar_triggers.empty() && plan.gbnf.empty();
  output.streamable = constrained && plan.unenforced.empty();
  for (const ToolDefinition& tool : request.tools) output.names.push_back(tool.name);
  try {
    output.validator =
        std::make_shared<const tools::ToolCallValidator>(function_tools(request.tools));
  } catch (const Error& e) {
    throw ApiError::invalid_param("tools", std::string("tools are invalid: ") + e.what());
  }
  prepared.tool_output = std::move(output);
  return plan.prompt_suffix;
}

PreparedJob ModelService::prepare_completion(const CompletionRequest& request) const {
  PreparedJob prepared;
  prepared.job = base_job(request.options);
  if (const auto* text = std::get_if<std::string>(&request.prompt)) {
    prepared.job.prompt = tokenizer_->encode(*text, /*add_special=*/true, /*parse_special=*/true);
    if (request.echo) prepared.echo_text = *text;
  } else {
    prepared.job.prompt = std::get<std::vector<int32_t>>(request.prompt);
    // Checked before decode: echo turns the ids into text here (Scheduler::submit checks again).
    ApiError::check_token_ids(prepared.job.prompt, tokenizer_->n_vocab(), "prompt");
    if (request.echo) prepared.echo_text = tokenizer_->decode(prepared.job.prompt);
  }
  return prepared;
}

}  // namespace ruvllm::server
