// Continuous batching of generation requests over N parallel sequence slots.
//
// Requests wait in a bounded queue (submit() answers 429 when it is full) and are admitted into
// free slots between steps. Each slot owns a runtime Session (its own KV cache). One scheduler
// thread runs steps; a step is one forward pass of at most `prefill_chunk` tokens:
//   - every generating slot samples one token from its last logits, streams its text (through
//     the tokenizer's StreamDecoder and the runtime's StopStringFilter) and evaluates that token;
//   - the rest of the step's tokens go to slots still evaluating their prompts, the shortest
//     remaining prompt first: a cache hit's short suffix (or a short prompt) is not held up
//     behind long cold prompts, and a long prompt never stalls the generating slots for more
//     than one pass. After the first prompt chunk, another joins the pass only when its cost
//     is below a pass's fixed cost (SchedulerParams::pass_overhead_tokens): sharing a pass
//     saves that overhead once but makes the first prompt wait for the other's compute, which
//     for a chunk costlier than the overhead raises the mean time to first token (e.g. eight
//     cache hits of 16 new tokens after 4,096 cached ones go one after another, not all in one
//     pass that none of them sees the end of before all are done). A chunk's cost counts its
//     tokens' attention over what precedes them, in tokens of weight compute. A prompt passed
//     over for kMaxSkippedSteps steps in a row goes first, so none starves.
// With a grammar, each sample is masked by the slot's GrammarMatcher (src/structured); when the
// token budget (max_tokens, context) is about to run out inside an unfinished grammar, the
// shortest completion is written instead, so constrained answers end well-formed.
// A slot whose client cancelled, or whose deadline passed, is released at the next step.
//
// Prefix cache: every slot's KV blocks come from one byte-bounded pool shared with a
// RadixPrefixCache (src/cache). An admitted request maps the longest cached prefix of its prompt
// (any earlier request's prompt or output, in any slot) and evaluates only the rest
// (usage.prompt_tokens_details.cached_tokens); a finished request's tokens are inserted (a chat
// answer that ended on its own with its last token and the template's end of turn, which the
// next turn holds: GenerationJob::cache_tail). A
// request is admitted only when the blocks it may need can be reserved in the pool (prompt plus
// max_tokens, at most the context): when active sequences hold the budget, it waits in the
// queue instead of allocating, and cached blocks are evicted as new ones are needed.
//
// Batching: the evaluations of one step (a decode token of every generating slot, the prompt
// chunks chosen above, finished answers' cache tails) are collected before any runs and go through
// one multi-sequence forward pass (Session::eval_batch), so each weight matrix is read once per
// step for all of them.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "cache/radix_prefix_cache.h"
#include "core/thread_pool.h"
#include "model/model.h"
#include "runtime/generator.h"
#include "runtime/kv_block_pool.h"
#include "runtime/sampler.h"
#include "runtime/session.h"
#include "server/request_channel.h"
#include "server/server_metrics.h"
#include "structured/compiled_grammar.h"
#include "structured/grammar_matcher.h"
#include "structured/json_validator.h"
#include "tokenizer/tokenizer.h"

namespace ruvllm::server {

struct SchedulerParams {
  int n_slots = 1;              // parallel sequences
  int64_t n_ctx = 0;            // context per slot (0: min(model context, 4096))
  size_t max_queue = 64;        // requests waiting for a slot before submit() refuses
  int64_t prefill_chunk = 256;  // tokens evaluated per step (one forward pass), all slots together
  // The fixed cost of a forward pass (reading the weights, thread meetings), in tokens of weight
  // compute: a second prompt chunk shares a pass only when it costs less (see above).
  double pass_overhead_tokens = 32;
  // KV memory of the slots and the prefix cache together (0: cache::default_cache_bytes(), raised
  // to one full context if smaller). An explicit budget below one context is an Error.
  size_t cache_bytes = 0;
  bool prefix_cache = true;  // false: no reuse across requests (blocks are still budgeted)
};

// One generation to run.
struct GenerationJob {
  std::vector<int32_t> prompt;  // must be non-empty and shorter than the context
  SamplerParams sampling;
  int32_t max_tokens = -1;  // < 0: until end of generation or the context is full
  std::vector<std::string> stop;
  int32_t top_logprobs = -1;             // < 0: no logprobs; else alternatives per token (0..20)
  std::chrono::milliseconds timeout{0};  // 0: none; else from submission to the last token
  // Constrained decoding: only tokens this grammar allows are sampled, and generation ends
  // when the grammar is complete and the model picks an end-of-generation token.
  std::shared_ptr<const structured::CompiledGrammar> grammar;
  // Lazy grammars (tool calls in `auto` mode): generation is unconstrained until the generated
  // text (special tokens included) contains one of these triggers; from then on that trigger's
  // grammar constrains everything after it. Ignored when `grammar` is set.
  struct GrammarTrigger {
    std::string text;
    std::shared_ptr<const structured::CompiledGrammar> grammar;
  };
  std::vector<GrammarTrigger> grammar_triggers;
  // The JSON Schema of response_format, checked on the finished output: the grammar does not
  // enforce every keyword (uniqueItems, not, multipleOf...). An output that ends on its own
  // (end-of-generation, not a stop string or the token budget) and does not validate finishes
  // the request with ApiError 500 "output_validation_failed" naming the failures.
  std::shared_ptr<const structured::JsonSchemaValidator> output_schema;
  // Stream the text of special tokens (such as <|python_tag|>) instead of dropping it.
  bool special_text = false;
  // The `cache_prefix` request extension: cache_enable false keeps the request out of the prefix
  // cache (no lookup, no insert); a cache_key with a positive cache_ttl pins the prompt's cached
  // blocks against eviction for that long.
  bool cache_enable = true;
  std::string cache_key;
  std::chrono::seconds cache_ttl{0};
  // What the chat template writes after an assistant message's content (ChatML: "<|im_end|>\n"),
  // as text and as tokens. When a generation ends on its own (an end-of-generation token or
  // max_tokens) and its last content token's text followed by this text tokenizes to that token
  // and these tokens, the slot evaluates the answer's last sampled token (when it is content)
  // and these tokens after the response went out, before the sequence goes into the prefix
  // cache: the conversation's next turn holds them, so its cache hit goes on past the answer.
  // The end-of-generation token itself is content of no turn and is not cached.
  std::string cache_tail_text;
  std::vector<int32_t> cache_tail;
};

class Scheduler {
 public:
  // `pool` (may be null) is used by one step at a time and must outlive the scheduler.
  Scheduler(std::shared_ptr<const Model> model, const Tokenizer& tokenizer, SchedulerParams params,
            ThreadPool* pool, ServerMetrics* metrics);
  ~Scheduler();
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Queues a job. Throws ApiError 429 when the queue is full, 503 when shutting down, 400 when
  // the prompt does not fit the context.
  std::shared_ptr<RequestChannel> submit(GenerationJob job);

  // Finishes queued and running requests with 503 and joins the scheduler thread.
  void stop();

  int64_t n_ctx() const { return n_ctx_; }
  int n_slots() const { return int(slots_.size()); }
  // Prefix-cache statistics (GET /v1/cache/stats); safe from any thread.
  cache::PrefixCacheStats cache_stats() const { return cache_->stats(); }
  size_t cache_budget_bytes() const { return kv_pool_->budget_bytes(); }

 private:
  using Clock = std::chrono::steady_clock;

  struct Pending {
    GenerationJob job;
    std::shared_ptr<RequestChannel> channel;
    Clock::time_point submitted;
  };

  struct Slot {
    std::unique_ptr<Session> session;
    bool busy = false;
    GenerationJob job;
    std::shared_ptr<RequestChannel> channel;
    std::optional<Sampler> sampler;
    std::optional<StreamDecoder> decoder;
    std::optional<StopStringFilter> stops;  // refers to job.stop
    std::optional<structured::GrammarMatcher> matcher;
    std::vector<uint32_t> mask;      // allowed-token bit set of the matcher
    std::string trigger_tail;        // last generated bytes, while waiting for a grammar trigger
    std::vector<float> logits_copy;  // scratch for resampling around a rejected trigger
    std::vector<int32_t> closing;    // forced tokens completing the grammar (reversed)
    std::vector<int32_t> plan;       // a completion of the grammar's current state...
    int32_t plan_at = -1;            // ...valid while `generated` equals this
    std::string output;              // the text sent so far, kept when job.output_schema is set
    std::optional<KvBlockPool::Reservation> reservation;  // the blocks this request may use
    size_t prompt_done = 0;  // prompt tokens evaluated (including reused)
    int64_t cached = 0;      // prompt tokens mapped from the prefix cache
    int32_t generated = 0;
    int32_t next_token = -1;  // sampled, waiting to be evaluated in this step's batch
    int skipped_steps = 0;    // steps in a row that evaluated none of this slot's prompt
    // After the response: tokens evaluated with the step's pass before the sequence is cached
    // (GenerationJob::cache_tail); the slot stays busy until the pass is over.
    std::vector<int32_t> epilogue;
    std::vector<TokenLogprobInfo> logprobs;
    Clock::time_point submitted, started, decode_started;
  };

  void run();
  void admit_locked();
  bool step();  // false when no slot is busy
  void advance(Slot& slot);
  // Gives the step's remaining tokens to the prefilling slots (see the file comment).
  void schedule_prefill();
  // Cost of the slot's next n prompt tokens in tokens of weight compute (see key_cost_).
  double chunk_cost(const Slot& slot, size_t n) const;
  void sample(Slot& slot);
  // What pick_token returns instead of a token when the generation must end here.
  static constexpr int32_t kEndStop = -1;    // the grammar is complete (finish_reason stop)
  static constexpr int32_t kEndLength = -2;  // no complete answer fits the budget (length)
  // Samples the slot's next token under its grammar (or lazy grammar triggers), or kEndStop /
  // kEndLength (scheduler_grammar.cpp).
  int32_t pick_token(Slot& slot);
  // The tokens left before the slot must stop (max_tokens or a full context).
  int64_t token_budget(const Slot& slot) const;
  // The token to take under the slot's grammar given the `sampled` one (accepted into the
  // matcher): near the end of the budget a token is taken only if the grammar can still be
  // completed after it, with room for the end-of-generation token; otherwise the completion
  // from the current state is forced, or the generation ends (kEndLength when even that does
  // not fit).
  int32_t budgeted_token(Slot& slot, int32_t sampled);
  // A short completion of the slot's grammar from its current state, as tokens.
  std::optional<std::vector<int32_t>> completion_tokens(Slot& slot);
  // The error for a finished output that does not match job.output_schema (nullopt when it
  // does, or when there is no schema).
  std::optional<ApiError> output_schema_error(const Slot& slot) const;
  void prefilled(Slot& slot, size_t n);  // bookkeeping after a prompt chunk was evaluated
  // Sets slot.epilogue for an answer that ends on its own (called from sample(), before
  // finish()); `unevaluated` is its last sampled token when that is content not evaluated yet
  // (max_tokens), nullopt after an end-of-generation token.
  void plan_epilogue(Slot& slot, std::optional<int32_t> unevaluated);
  // Caches the slot's sequence after its epilogue ran (or failed) and frees the slot.
  void end_epilogue(Slot& slot);
  void run_batch();
  void emit(Slot& slot, std::string text);
  void finish(Slot& slot, FinishReason reason, std::optional<ApiError> error = std::nullopt);
  Slot* free_slot_locked();
  // Caches the slot's evaluated tokens and returns its blocks and reservation.
  void release_kv(Slot& slot, bool cache_it);
  void register_cache_metrics();
  void publish_cache_metrics();
  void update_gauges_locked();

  std::shared_ptr<const Model> model_;
  const Tokenizer& tokenizer_;
  SchedulerParams params_;
  ServerMetrics* metrics_;
  int64_t n_ctx_ = 0;
  // The cost of one attended key relative to a token's weight compute (multiply-adds per key of
  // every layer's attention over those of its matrices).
  double key_cost_ = 0;
  std::shared_ptr<KvBlockPool> kv_pool_;
  std::unique_ptr<cache::RadixPrefixCache> cache_;
  struct CacheMetrics {
    Counter* lookups = nullptr;
    Counter* hits = nullptr;
    Counter* hit_tokens = nullptr;
    Counter* miss_tokens = nullptr;
    Counter* evictions = nullptr;
    Gauge* cached_bytes = nullptr;
    Gauge* pool_bytes = nullptr;
    Gauge* budget_bytes = nullptr;
    Gauge* hit_rate = nullptr;
    uint64_t evictions_seen = 0;
  } cache_metrics_;
  bool waiting_for_memory_ = false;  // the queue head waits for KV room (logged once per wait)
  std::vector<Slot> slots_;
  // One step's evaluations: a prompt chunk of a prefilling slot or a slot's sampled token.
  struct BatchWork {
    Slot* slot;
    std::span<const int32_t> tokens;
    bool prefill;
    bool epilogue = false;   // tokens after a finished answer (Slot::epilogue)
    size_t seen_before = 0;  // the session's token count before the step
    bool failed = false;
  };
  std::vector<BatchWork> batch_;
  std::vector<Slot*> prefilling_;  // this step's slots still evaluating their prompts
  static constexpr int kMaxSkippedSteps = 8;

  std::mutex mutex_;
  std::condition_variable wake_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace ruvllm::server
