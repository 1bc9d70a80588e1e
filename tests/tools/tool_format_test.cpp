// Format detection, and round trips: a conversation with calls rendered through each family's
// real template (or a template of that syntax) reads back as the same calls.
#include <gtest/gtest.h>

#include "chat/template_error.h"
#include "tool_test_support.h"
#include "tools/tool_calling.h"

namespace ruvllm::tools {
namespace {

using test::conversation_with_calls;
using test::example_calls;
using test::example_tools;
using test::golden_template;
using test::same_calls;

// Mistral-style template (v0.3 syntax) written for these tests: ids must be 9 characters.
const char* const kMistralTemplate = R"({{- bos_token }}
{%- for m in messages %}
{%- if m.role == 'user' %}
{%- if loop.last and tools %}[AVAILABLE_TOOLS] {{ tools|tojson }}[/AVAILABLE_TOOLS]{%- endif %}
[INST] {{ m.content }}[/INST]
{%- elif m.role == 'assistant' and m.tool_calls %}[TOOL_CALLS] [
{%- for c in m.tool_calls %}
{%- if c.id|length != 9 %}{{ raise_exception("Tool call IDs should be alphanumeric strings with length 9!") }}{%- endif %}
{"name": "{{ c.function.name }}", "arguments": {{ c.function.arguments|tojson }}, "id": "{{ c.id }}"}
{%- if not loop.last %}, {% endif %}
{%- endfor %}]{{ eos_token }}
{%- elif m.role == 'assistant' %}{{ m.content }}{{ eos_token }}
{%- elif m.role == 'tool' %}[TOOL_RESULTS] {"content": {{ m.content|tojson }}, "call_id": "{{ m.tool_call_id }}"}[/TOOL_RESULTS]
{%- endif %}
{%- endfor %})";

// Functionary-v3.2-style template written for these tests (generation prompt ends in ">>>").
const char* const kFunctionaryV32Template = R"({{- bos_token }}
{%- if tools %}<|start_header_id|>system<|end_header_id|>

// Supported function definitions
{{ tools|tojson }}<|eot_id|>{%- endif %}
{%- for m in messages %}
{%- if m.role == 'assistant' %}<|start_header_id|>assistant<|end_header_id|>

{% if m.content %}>>>all
{{ m.content }}{% endif %}
{%- for c in m.tool_calls or [] %}>>>{{ c.function.name }}
{{ c.function.arguments }}{% endfor %}<|eot_id|>
{%- else %}<|start_header_id|>{{ m.role }}<|end_header_id|>

{{ m.content }}<|eot_id|>
{%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}<|start_header_id|>assistant<|end_header_id|>

>>>{%- endif %})";

TEST(ToolFormatDetection, GoldenTemplates) {
  const std::vector<std::pair<std::string, ToolFormat>> cases = {
      {"NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.json", ToolFormat::kHermes},
      {"NousResearch-Hermes-3-Llama-3.1-8B-tool_use.json", ToolFormat::kHermes},
      {"Qwen-Qwen2.5-7B-Instruct.json", ToolFormat::kHermes},
      {"meta-llama-Llama-3.1-8B-Instruct.json", ToolFormat::kLlama3},
      {"meta-llama-Llama-3.2-3B-Instruct.json", ToolFormat::kLlama3},
      {"meta-llama-Llama-3.3-70B-Instruct.json", ToolFormat::kLlama3},
      {"meetkai-functionary-medium-v3.1.json", ToolFormat::kFunctionaryV31},
      {"CohereForAI-c4ai-command-r-plus-tool_use.json", ToolFormat::kCommandR},
      {"deepseek-ai-DeepSeek-R1-Distill-Llama-8B.json", ToolFormat::kDeepSeekR1},
      {"llama-cpp-deepseek-r1.json", ToolFormat::kDeepSeekR1},
      {"microsoft-Phi-3.5-mini-instruct.json", ToolFormat::kGeneric},
      {"google-gemma-2-2b-it.json", ToolFormat::kGeneric},
  };
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
  for (const auto& [file, format] : cases) {
    auto tmpl = golden_template(file);
    EXPECT_EQ(tool_format_name(detect_tool_format(tmpl->source())), tool_format_name(format))
        << file;
  }
  EXPECT_EQ(detect_tool_format(kMistralTemplate), ToolFormat::kMistral);
  EXPECT_EQ(detect_tool_format(kFunctionaryV32Template), ToolFormat::kFunctionaryV32);
  EXPECT_EQ(detect_tool_format(chat::kChatMlTemplate), ToolFormat::kGeneric);
}

TEST(ToolFormatNames, RoundTrip) {
  for (ToolFormat f : {ToolFormat::kHermes, ToolFormat::kLlama3, ToolFormat::kMistral,
                       ToolFormat::kFunctionaryV31, ToolFormat::kFunctionaryV32,
                       ToolFormat::kCommandR, ToolFormat::kDeepSeekR1, ToolFormat::kGeneric})
    EXPECT_EQ(tool_format_from_name(tool_format_name(f)), f);
  EXPECT_FALSE(tool_format_from_name("nonsense").has_value());
}

// Every format reads back what it writes, for one call and for several.
TEST(ToolFormatText, WriteThenParse) {
  for (ToolFormat f : {ToolFormat::kHermes, ToolFormat::kLlama3, ToolFormat::kMistral,
                       ToolFormat::kFunctionaryV31, ToolFormat::kFunctionaryV32,
                       ToolFormat::kCommandR, ToolFormat::kDeepSeekR1, ToolFormat::kGeneric}) {
    auto syntax = make_tool_syntax(f);
    for (size_t n : {size_t(1), size_t(2)}) {
      const std::vector<ToolCall> all = example_calls();
      std::vector<ToolCall> calls(all.begin(), all.begin() + n);
      const ParsedOutput out = syntax->parse(syntax->write_calls(calls));
      EXPECT_TRUE(same_calls(out.calls, calls)) << tool_format_name(f) << " n=" << n;
      EXPECT_EQ(out.content.find_first_not_of(" \n"), std::string::npos) << tool_format_name(f);
      for (const ToolCall& call : out.calls) EXPECT_TRUE(call.id.starts_with("call_"));
    }
  }
}

struct TemplateCase {
  std::string name;
  std::string golden_file;  // empty: `source`
  const char* source = nullptr;
  ToolFormat format;
};

std::vector<TemplateCase> template_cases() {
  return {
      {"qwen2.5", "Qwen-Qwen2.5-7B-Instruct.json", nullptr, ToolFormat::kHermes},
      {"hermes2pro", "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.json", nullptr,
       ToolFormat::kHermes},
      {"hermes3", "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.json", nullptr, ToolFormat::kHermes},
      {"llama3.1", "meta-llama-Llama-3.1-8B-Instruct.json", nullptr, ToolFormat::kLlama3},
      {"llama3.2", "meta-llama-Llama-3.2-3B-Instruct.json", nullptr, ToolFormat::kLlama3},
      {"llama3.3", "meta-llama-Llama-3.3-70B-Instruct.json", nullptr, ToolFormat::kLlama3},
      {"functionary3.1", "meetkai-functionary-medium-v3.1.json", nullptr,
       ToolFormat::kFunctionaryV31},
      {"command-r", "CohereForAI-c4ai-command-r-plus-tool_use.json", nullptr,
       ToolFormat::kCommandR},
      {"r1-distill", "deepseek-ai-DeepSeek-R1-Distill-Llama-8B.json", nullptr,
       ToolFormat::kDeepSeekR1},
      {"r1-llamacpp", "llama-cpp-deepseek-r1.json", nullptr, ToolFormat::kDeepSeekR1},
      {"phi3.5", "microsoft-Phi-3.5-mini-instruct.json", nullptr, ToolFormat::kGeneric},
      {"mistral", "", kMistralTemplate, ToolFormat::kMistral},
      {"functionary3.2", "", kFunctionaryV32Template, ToolFormat::kFunctionaryV32},
  };
}

std::unique_ptr<chat::ChatTemplate> load(const TemplateCase& c) {
  if (c.golden_file.empty()) return std::make_unique<chat::ChatTemplate>(c.source, "<s>", "</s>");
  return golden_template(c.golden_file);
}

size_t common_prefix(const std::string& a, const std::string& b) {
  size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return i;
}

// The assistant turn's text, as the template renders it after the generation prompt, parses
// back into the calls it was rendered from.
TEST(ToolFormatTemplates, RenderedCallsParseBack) {
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
  for (const TemplateCase& c : template_cases()) {
    auto tmpl = load(c);
    ToolCalling calling(*tmpl);
    ASSERT_EQ(calling.format(), c.format) << c.name;
    for (size_t n : {size_t(1), size_t(2)}) {
      const std::vector<ToolCall> all = example_calls();
      std::vector<ToolCall> calls(all.begin(), all.begin() + n);
      const auto conversation = conversation_with_calls(calls);
      const std::string prompt =
          calling.render(nlohmann::ordered_json::array({conversation[0]}), example_tools(), true);
      const std::string full = calling.render(conversation, example_tools(), false);
      // The turn starts where the two renderings part, or at the tag they part inside (R1's
      // generation prompt opens <think> where a history turn opens its calls).
      size_t split = common_prefix(prompt, full);
      const size_t tag = full.rfind('<', split);
      if (split < prompt.size() && tag != std::string::npos && full.find('>', tag) >= split)
        split = tag;
      const std::string turn = full.substr(split);
      const ParsedOutput out = calling.parse(turn);
      EXPECT_TRUE(same_calls(out.calls, calls))
          << c.name << " n=" << n << "\nturn: " << turn << "\nprompt: " << prompt;
      // The tools are shown to the model, by the template or in the system prompt.
      EXPECT_NE(prompt.find("get_weather"), std::string::npos) << c.name;
      EXPECT_NE(prompt.find("search_web"), std::string::npos) << c.name;
    }
  }
}

// A whole exchange (calls, tool results, follow-up) renders for every family, including the
// templates that raise on OpenAI-shaped input when given it unchanged (golden cases marked
// expected_error: Command-R, Llama 3.x with two calls, Functionary v3.1, llama.cpp's R1).
TEST(ToolFormatTemplates, ToolResultRoundRenders) {
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
  for (const TemplateCase& c : template_cases()) {
    auto tmpl = load(c);
    ToolCalling calling(*tmpl);
    auto conversation = conversation_with_calls(example_calls());
    conversation.push_back({{"role", "tool"},
                            {"tool_call_id", "call_1"},
                            {"name", "get_weather"},
                            {"content", "{\"temp\": 18}"}});
    conversation.push_back({{"role", "tool"},
                            {"tool_call_id", "call_2"},
                            {"name", "search_web"},
                            {"content", "New model released."}});
    std::string prompt;
    ASSERT_NO_THROW(prompt = calling.render(conversation, example_tools(), true)) << c.name;
    EXPECT_NE(prompt.find("New model released."), std::string::npos) << c.name;
    EXPECT_NE(prompt.find("18"), std::string::npos) << c.name;
  }
}

// The golden cases with tools: where transformers renders the template unchanged, rendering
// through ToolCalling gives the same text (its adapters change nothing these templates need).
TEST(ToolFormatTemplates, GoldenToolCasesUnchanged) {
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
  int compared = 0;
  for (const char* file :
       {"Qwen-Qwen2.5-7B-Instruct.json", "NousResearch-Hermes-2-Pro-Llama-3-8B-tool_use.json",
        "NousResearch-Hermes-3-Llama-3.1-8B-tool_use.json", "meta-llama-Llama-3.1-8B-Instruct.json",
        "meetkai-functionary-medium-v3.1.json"}) {
    nlohmann::ordered_json golden;
    auto loaded = golden_template(file, &golden);
    for (const auto& c : golden["cases"]) {
      const auto& ctx = c["context"];
      if (!c.contains("expected") || !ctx.contains("tools") || ctx["tools"].is_null()) continue;
      chat::ChatTemplate tmpl(golden["template"].get<std::string>(), ctx.value("bos_token", ""),
                              ctx.value("eos_token", ""));
      ToolCalling calling(tmpl);
      std::vector<FunctionTool> tools;
      for (const auto& t : ctx["tools"])
        tools.push_back({t["function"]["name"], t["function"].value("description", ""),
                         t["function"]["parameters"]});
      nlohmann::ordered_json extra = {{"date_string", ctx.value("date_string", "")}};
      EXPECT_EQ(calling.render(ctx["messages"], tools, ctx["add_generation_prompt"], extra),
                c["expected"].get<std::string>())
          << file << " " << c["name"];
      ++compared;
    }
  }
  EXPECT_GE(compared, 7);
}

TEST(ToolFormatTemplates, NoToolsRendersLikeTheTemplate) {
  RUVLLM_REQUIRE_GOLDEN(ruvllm::test::golden("chat"));
  auto tmpl = golden_template("microsoft-Phi-3.5-mini-instruct.json");
  ToolCalling calling(*tmpl);
  const auto messages = nlohmann::ordered_json::array({{{"role", "user"}, {"content", "hi"}}});
  EXPECT_EQ(calling.render(messages, {}, true), tmpl->apply(messages, nullptr, true));
}

}  // namespace
}  // namespace ruvllm::tools
