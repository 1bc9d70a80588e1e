#include "server/scheduler.h"

#include <spdlog/spdlog.h>

#include <algorithm>

#include "cache/cache_budget.h"

namespace ruvllm::server {

namespace {

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// The pool budget: the configured bytes, or the default raised to hold one full context.
size_t kv_budget(const SchedulerParams& p, size_t context_bytes) {
  if (p.cache_bytes == 0) return std::max(cache::default_cache_bytes(), context_bytes);
  if (p.cache_bytes < context_bytes)
    throw Error("the KV cache budget of " + std::to_string(p.cache_bytes) +
                " bytes is smaller than one context (" + std::to_string(context_bytes) + " bytes)");
  return p.cache_bytes;
}

}  // namespace

Scheduler::Scheduler(std::shared_ptr<const Model> model, const Tokenizer& tokenizer,
                     SchedulerParams params, ThreadPool* pool, ServerMetrics* metrics)
    : model_(std::move(model)), tokenizer_(tokenizer), params_(params), metrics_(metrics) {
  if (params_.n_slots < 1) throw Error("the scheduler needs at least one slot");
  params_.prefill_chunk = std::max<int64_t>(1, params_.prefill_chunk);
  const ModelConfig& config = model_->config();
  const int64_t n_ctx = default_context_size(config, params_.n_ctx);
  const KvBlockPool probe(config, GgmlType::F16);
  const size_t context_bytes = probe.blocks_for(n_ctx) * probe.block_bytes();
  kv_pool_ = std::make_shared<KvBlockPool>(config, GgmlType::F16, KvBlockPool::kDefaultBlockSize,
                                           kv_budget(params_, context_bytes));
  cache_ = std::make_unique<cache::RadixPrefixCache>(kv_pool_);
  SessionParams session_params;
  session_params.n_ctx = params_.n_ctx;
  session_params.max_batch = params_.prefill_chunk;
  session_params.kv_pool = kv_pool_;
  slots_.resize(size_t(params_.n_slots));
  for (Slot& slot : slots_) slot.session = std::make_unique<Session>(model_, session_params, pool);
  n_ctx_ = slots_[0].session->n_ctx();
  const double head_macs = double(config.n_head) * double(config.head_dim_k);
  const double weight_macs =
      2 * head_macs * double(config.n_embd) + 3 * double(config.n_embd) * double(config.n_ff);
  const double key_macs = double(config.n_head) * double(config.head_dim_k + config.head_dim_v);
  key_cost_ = weight_macs > 0 ? key_macs / weight_macs : 0;
  batch_.reserve(slots_.size());
  prefilling_.reserve(slots_.size());
  if (metrics_) {
    metrics_->slots.set(double(slots_.size()));
    metrics_->kv_cache_cells.set(double(n_ctx_) * double(slots_.size()));
    register_cache_metrics();
  }
  thread_ = std::thread([this] { run(); });
}

Scheduler::~Scheduler() {
  stop();
}

std::shared_ptr<RequestChannel> Scheduler::submit(GenerationJob job) {
  if (job.prompt.empty()) throw ApiError::invalid_request("The prompt is empty");
  if (int64_t(job.prompt.size()) >= n_ctx_)
    throw ApiError::context_length_exceeded("messages", "your prompt", n_ctx_, job.prompt.size());
  ApiError::check_token_ids(job.prompt, tokenizer_.n_vocab(), "prompt");
  auto channel = std::make_shared<RequestChannel>();
  {
    std::lock_guard lock(mutex_);
    if (stopping_) throw ApiError::unavailable("The server is shutting down");
    if (queue_.size() >= params_.max_queue)
      throw ApiError::rate_limited("The server is busy: " + std::to_string(queue_.size()) +
                                   " requests are already waiting. Retry later.");
    queue_.push_back({std::move(job), channel, Clock::now()});
    if (metrics_) metrics_->queued_requests.set(double(queue_.size()));
  }
  wake_.notify_all();
  return channel;
}

void Scheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    if (stopping_ && !thread_.joinable()) return;
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Scheduler::run() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      const auto any_busy = [&] {
        return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.busy; });
      };
      wake_.wait(lock, [&] { return stopping_ || !queue_.empty() || any_busy(); });
      if (stopping_) break;
      admit_locked();
      update_gauges_locked();
    }
    step();
    std::lock_guard lock(mutex_);
    update_gauges_locked();
  }
  // Shutting down: nothing more will run.
  std::lock_guard lock(mutex_);
  for (Slot& slot : slots_)
    if (slot.busy)
      finish(slot, FinishReason::kStop, ApiError::unavailable("The server is shutting down"));
  for (Pending& p : queue_) {
    GenerationOutcome outcome;
    outcome.error = ApiError::unavailable("The server is shutting down");
    p.channel->finish(std::move(outcome));
  }
  queue_.clear();
  update_gauges_locked();
}

Scheduler::Slot* Scheduler::free_slot_locked() {
  for (Slot& slot : slots_)
    if (!slot.busy) return &slot;
  return nullptr;
}

void Scheduler::admit_locked() {
  while (!queue_.empty()) {
    Pending& pending = queue_.front();
    if (pending.channel->cancelled()) {
      GenerationOutcome outcome;
      outcome.cancelled = true;
      pending.channel->finish(std::move(outcome));
      queue_.pop_front();
      continue;
    }
    Slot* slot = free_slot_locked();
    if (!slot) return;
    // Room for the prompt and the completion, claimed before anything is allocated. Capped at
    // the whole budget, so that a single request always gets in once the others have finished.
    const GenerationJob& job = pending.job;
    const int64_t limit = job.max_tokens < 0 ? n_ctx_ : int64_t(job.max_tokens);
    const int64_t need = std::min<int64_t>(
        n_ctx_, int64_t(job.prompt.size()) + limit + int64_t(job.cache_tail.size()));
    auto reservation =
        kv_pool_->try_reserve(std::min(kv_pool_->blocks_for(need), kv_pool_->capacity_blocks()));
    if (!reservation) {
      if (!waiting_for_memory_)
        spdlog::warn("KV cache budget of {} bytes is held by active requests; admission waits",
                     kv_pool_->budget_bytes());
      waiting_for_memory_ = true;
      return;
    }
    waiting_for_memory_ = false;
    slot->reservation = std::move(reservation);
    slot->busy = true;
    slot->job = std::move(pending.job);
    slot->channel = std::move(pending.channel);
    slot->submitted = pending.submitted;
    slot->started = Clock::now();
    queue_.pop_front();

    // Map the longest cached prefix; at least one prompt token is evaluated so the slot has
    // fresh logits for its first sample.
    Session& session = *slot->session;
    const std::vector<int32_t>& prompt = slot->job.prompt;
    size_t reuse = 0;
    session.clear();
    if (params_.prefix_cache && slot->job.cache_enable) {
      reuse = size_t(cache_->attach(session, prompt, int64_t(prompt.size()) - 1));
      if (metrics_ && cache_metrics_.lookups) {
        cache_metrics_.lookups->inc();
        if (reuse > 0) cache_metrics_.hits->inc();
        cache_metrics_.hit_tokens->inc(double(reuse));
        cache_metrics_.miss_tokens->inc(double(prompt.size() - reuse));
      }
    }
    slot->prompt_done = reuse;
    slot->cached = int64_t(reuse);
    slot->generated = 0;
    slot->next_token = -1;
    slot->skipped_steps = 0;
    slot->epilogue.clear();
    slot->logprobs.clear();
    slot->sampler.emplace(slot->job.sampling, int32_t(session.n_vocab()));
    for (int32_t t : slot->job.prompt) slot->sampler->accept(t);
    slot->decoder.emplace(tokenizer_, slot->job.special_text);
    slot->trigger_tail.clear();
    slot->closing.clear();
    slot->plan_at = -1;
    slot->output.clear();
    slot->stops.emplace(slot->job.stop);
    slot->matcher.reset();
    if (slot->job.grammar) {
      slot->matcher.emplace(slot->job.grammar);
      slot->mask.assign(size_t(session.n_vocab() + 31) / 32, 0);
    }
    if (metrics_) {
      metrics_->queue_seconds.observe(seconds_between(slot->submitted, slot->started));
      metrics_->prompt_tokens.inc(double(slot->job.prompt.size()));
      metrics_->cached_prompt_tokens.inc(double(reuse));
    }
  }
}

bool Scheduler::step() {
  batch_.clear();
  prefilling_.clear();
  bool any = false;
  for (Slot& slot : slots_) {
    if (!slot.busy) continue;
    any = true;
    advance(slot);
  }
  schedule_prefill();
  run_batch();
  if (metrics_) {
    double used = 0;
    for (const Slot& slot : slots_) used += double(slot.session->n_past());
    metrics_->kv_cache_used_cells.set(used);
    metrics_->kv_cache_usage_ratio.set(used / (double(n_ctx_) * double(slots_.size())));
  }
  return any;
}

void Scheduler::advance(Slot& slot) {
  const auto now = Clock::now();
  if (slot.channel->cancelled()) {
    if (metrics_) metrics_->cancelled_requests.inc();
    finish(slot, FinishReason::kStop);
    return;
  }
  if (slot.job.timeout.count() > 0 && now - slot.submitted > slot.job.timeout) {
    finish(slot, FinishReason::kLength,
           ApiError(503, "server_error",
                    "The request did not finish within " +
                        std::to_string(slot.job.timeout.count()) + " ms",
                    {}, "timeout"));
    return;
  }
  try {
    if (slot.prompt_done < slot.job.prompt.size()) {
      prefilling_.push_back(&slot);
    } else {
      sample(slot);
    }
  } catch (const std::exception& e) {
    finish(slot, FinishReason::kStop, ApiError::internal(e.what()));
  }
}

void Scheduler::schedule_prefill() {
  if (prefilling_.empty()) return;
  const auto remaining = [](const Slot* s) { return s->job.prompt.size() - s->prompt_done; };
  std::sort(prefilling_.begin(), prefilling_.end(), [&](const Slot* a, const Slot* b) {
    const bool a_starved = a->skipped_steps >= kMaxSkippedSteps;
    const bool b_starved = b->skipped_steps >= kMaxSkippedSteps;
    if (a_starved != b_starved) return a_starved;
    if (a_starved && a->skipped_steps != b->skipped_steps)
      return a->skipped_steps > b->skipped_steps;
    if (remaining(a) != remaining(b)) return remaining(a) < remaining(b);
    return a->started < b->started;
  });
  // The decode tokens (already in batch_) take their share of the pass; many generating slots
  // still leave prompts a quarter of it, so admitted prompts keep moving.
  const int64_t chunk = params_.prefill_chunk;
  int64_t taken = 0;
  for (const BatchWork& work : batch_) taken += int64_t(work.tokens.size());
  size_t room = size_t(std::max(chunk - taken, std::max<int64_t>(1, chunk / 4)));
  bool first = true;
  for (Slot* slot : prefilling_) {
    if (room == 0) {
      ++slot->skipped_steps;
      continue;
    }
    const size_t n = std::min(room, remaining(slot));
    if (!first && chunk_cost(*slot, n) > params_.pass_overhead_tokens) {
      ++slot->skipped_steps;  // cheaper in a pass of its own (see the file comment)
      continue;
    }
    first = false;
    batch_.push_back(
        {slot, std::span<const int32_t>(slot->job.prompt.data() + slot->prompt_done, n), true});
    slot->skipped_steps = 0;
    room -= n;
  }
}

double Scheduler::chunk_cost(const Slot& slot, size_t n) const {
  // Each token attends to the positions before it and itself.
  const double keys = double(slot.prompt_done) + double(n + 1) / 2;
  return double(n) * (1 + keys * key_cost_);
}

void Scheduler::prefilled(Slot& slot, size_t n) {
  slot.prompt_done += n;
  if (slot.prompt_done < slot.job.prompt.size()) return;
  slot.decode_started = Clock::now();
  if (metrics_)
    metrics_->prefill_seconds.observe(seconds_between(slot.started, slot.decode_started));
  if (slot.job.max_tokens == 0) finish(slot, FinishReason::kLength);
}

void Scheduler::sample(Slot& slot) {
  Session& session = *slot.session;
  const int32_t token = pick_token(slot);
  if (token < 0) {
    finish(slot, token == kEndLength ? FinishReason::kLength : FinishReason::kStop);
    return;
  }
  if (slot.job.top_logprobs >= 0) {
    TokenLogprobInfo info;
    info.token = tokenizer_.token_to_bytes(token);
    info.logprob = slot.sampler->last_logprob(token);
    for (const TokenLogprob& alt : slot.sampler->last_top(slot.job.top_logprobs))
      info.top.push_back({tokenizer_.token_to_bytes(alt.id), alt.logprob});
    slot.logprobs.push_back(std::move(info));
  }
  slot.sampler->accept(token);
  ++slot.generated;
  if (tokenizer_.is_eog(token)) {
    emit(slot, {});
    plan_epilogue(slot, std::nullopt);
    finish(slot, FinishReason::kStop);
    return;
  }
  emit(slot, slot.stops->push(slot.decoder->push(token)));
  if (slot.stops->matched()) {
    finish(slot, FinishReason::kStop);
    return;
  }
  if (slot.job.max_tokens >= 0 && slot.generated >= slot.job.max_tokens) {
    plan_epilogue(slot, token);
    finish(slot, FinishReason::kLength);
    return;
  }
  if (session.n_past() >= session.n_ctx()) {
    finish(slot, FinishReason::kLength);
    return;
  }
  slot.next_token = token;
  batch_.push_back({&slot, std::span<const int32_t>(&slot.next_token, 1), false});
}

void Scheduler::run_batch() {
  if (batch_.empty()) return;
  std::vector<Session::BatchItem> items;
  items.reserve(batch_.size());
  for (BatchWork& work : batch_) {
    work.seen_before = work.slot->session->tokens().size();
    items.push_back({work.slot->session.get(), work.tokens});
  }
  try {
    Session::eval_batch(items);
  } catch (const std::exception&) {
    // Find the culprit: evaluate each sequence on its own so one bad request fails alone.
    // A failure inside a pass may leave some sequences already advanced; those are kept.
    for (BatchWork& work : batch_) {
      Session& session = *work.slot->session;
      const size_t seen = session.tokens().size();
      if (seen == work.seen_before + work.tokens.size()) continue;
      try {
        if (seen != work.seen_before) session.truncate(int64_t(work.seen_before));
        session.eval(work.tokens);
      } catch (const std::exception& e) {
        work.failed = true;
        if (work.epilogue) continue;  // the answer went out already; its tail is dropped
        finish(*work.slot, FinishReason::kStop, ApiError::internal(e.what()));
      }
    }
  }
  for (BatchWork& work : batch_) {
    if (work.epilogue) {
      end_epilogue(*work.slot);
      continue;
    }
    if (work.failed) continue;
    if (work.prefill) {
      prefilled(*work.slot, work.tokens.size());
    } else {
      work.slot->next_token = -1;
    }
  }
}

void Scheduler::emit(Slot& slot, std::string text) {
  if (text.empty() && slot.logprobs.empty()) return;
  if (slot.job.output_schema) slot.output += text;
  GeneratedPiece piece;
  piece.text = std::move(text);
  piece.logprobs.swap(slot.logprobs);
  slot.channel->push(std::move(piece));
}

void Scheduler::finish(Slot& slot, FinishReason reason, std::optional<ApiError> error) {
  const bool cancelled = slot.channel->cancelled();
  if (!error && !cancelled && !slot.stops->matched()) {
    // The text held back for a possible stop string or an incomplete character is final now.
    std::string tail = slot.stops->push(slot.decoder->flush());
    tail += slot.stops->flush();
    emit(slot, std::move(tail));
  } else {
    emit(slot, {});
  }
  if (!error && !cancelled && reason == FinishReason::kStop && !slot.stops->matched())
    error = output_schema_error(slot);
  GenerationOutcome outcome;
  outcome.finish_reason = reason;
  outcome.usage.prompt_tokens = int64_t(slot.job.prompt.size());
  outcome.usage.completion_tokens = slot.generated;
  outcome.usage.cached_tokens = slot.cached;
  outcome.error = std::move(error);
  outcome.cancelled = cancelled;
  const auto now = Clock::now();
  if (metrics_) {
    metrics_->generated_tokens.inc(double(slot.generated));
    if (slot.prompt_done >= slot.job.prompt.size() && slot.generated > 0)
      metrics_->decode_seconds.observe(seconds_between(slot.decode_started, now));
    metrics_->request_seconds.observe(seconds_between(slot.submitted, now));
  }
  // An answer that ended on its own may have tokens left to evaluate for the prefix cache
  // (plan_epilogue, called while the step's batch is being built): the response goes out now,
  // the tokens join this step's forward pass and the sequence is cached after it.
  const bool epilogue = !outcome.error && !cancelled && !slot.epilogue.empty();
  if (!epilogue) release_kv(slot, !outcome.error);
  slot.channel->finish(std::move(outcome));
  slot.channel.reset();
  slot.next_token = -1;
  if (epilogue) {
    batch_.push_back({&slot, std::span<const int32_t>(slot.epilogue), false, true});
    return;
  }
  slot.epilogue.clear();
  slot.busy = false;
}

void Scheduler::plan_epilogue(Slot& slot, std::optional<int32_t> unevaluated) {
  slot.epilogue.clear();
  const GenerationJob& job = slot.job;
  if (!params_.prefix_cache || !job.cache_enable || job.cache_tail.empty()) return;
  const Session& session = *slot.session;
  // The answer's last content token: the unevaluated one, or the last evaluated generated one.
  int32_t last = -1;
  if (unevaluated) {
    last = *unevaluated;
  } else if (session.tokens().size() > job.prompt.size()) {
    last = session.tokens().back();
  } else {
    return;  // no content: nothing knowable about the next turn's tokens after the prompt
  }
  if (tokenizer_.is_control(last)) return;
  // The next turn holds the answer's text followed by the tail's; its tokens are these when the
  // last token's text and the tail's tokenize to exactly that token and the tail's tokens.
  std::vector<int32_t> expected = {last};
  expected.insert(expected.end(), job.cache_tail.begin(), job.cache_tail.end());
  if (tokenizer_.encode(tokenizer_.token_to_bytes(last) + job.cache_tail_text,
                        /*add_special=*/false, /*parse_special=*/true) != expected)
    return;
  if (unevaluated) slot.epilogue.push_back(*unevaluated);
  slot.epilogue.insert(slot.epilogue.end(), job.cache_tail.begin(), job.cache_tail.end());
  const int64_t n = session.n_past() + int64_t(slot.epilogue.size());
  if (n > n_ctx_ || !slot.reservation || kv_pool_->blocks_for(n) > slot.reservation->blocks())
    slot.epilogue.clear();
}

void Scheduler::end_epilogue(Slot& slot) {
  release_kv(slot, true);
  slot.epilogue.clear();
  slot.busy = false;
}

void Scheduler::release_kv(Slot& slot, bool cache_it) {
  Session& session = *slot.session;
  if (cache_it && params_.prefix_cache && slot.job.cache_enable && session.n_past() > 0) {
    try {
      cache_->insert(session);
      if (!slot.job.cache_key.empty() && slot.job.cache_ttl.count() > 0)
        cache_->pin(slot.job.cache_key, slot.job.prompt, slot.job.cache_ttl);
    } catch (const std::exception& e) {
      spdlog::warn("prefix cache insert failed: {}", e.what());
    }
  }
  session.clear();
  slot.reservation.reset();
  publish_cache_metrics();
}

void Scheduler::register_cache_metrics() {
  MetricsRegistry& r = metrics_->registry();
  CacheMetrics& m = cache_metrics_;
  m.lookups = &r.counter("ruvllm_prefix_cache_lookups_total", "Prefix-cache lookups (requests).");
  m.hits = &r.counter("ruvllm_prefix_cache_hits_total",
                      "Prefix-cache lookups that reused at least one token.");
  m.hit_tokens = &r.counter("ruvllm_prefix_cache_hit_tokens_total",
                            "Prompt tokens served from the prefix cache.");
  m.miss_tokens = &r.counter("ruvllm_prefix_cache_miss_tokens_total",
                             "Prompt tokens not found in the prefix cache (evaluated).");
  m.evictions =
      &r.counter("ruvllm_prefix_cache_evictions_total", "KV blocks evicted from the prefix cache.");
  m.cached_bytes =
      &r.gauge("ruvllm_prefix_cache_bytes", "Bytes of KV blocks held by the prefix cache.");
  m.pool_bytes = &r.gauge("ruvllm_kv_pool_bytes",
                          "Bytes of KV blocks allocated (prefix cache and active requests).");
  m.budget_bytes = &r.gauge("ruvllm_kv_pool_budget_bytes", "KV memory budget (--cache-bytes).");
  m.hit_rate = &r.gauge("ruvllm_prefix_cache_hit_rate",
                        "Share of looked-up prompt tokens served from the prefix cache.");
  m.budget_bytes->set(double(kv_pool_->budget_bytes()));
}

void Scheduler::publish_cache_metrics() {
  if (!metrics_ || !cache_metrics_.lookups) return;
  const cache::PrefixCacheStats s = cache_->stats();
  CacheMetrics& m = cache_metrics_;
  if (s.evictions > m.evictions_seen) m.evictions->inc(double(s.evictions - m.evictions_seen));
  m.evictions_seen = s.evictions;
  m.cached_bytes->set(double(s.cached_bytes));
  m.pool_bytes->set(double(s.pool_bytes));
  m.hit_rate->set(s.hit_rate());
}

void Scheduler::update_gauges_locked() {
  if (!metrics_) return;
  int active = 0;
  for (const Slot& slot : slots_) active += slot.busy ? 1 : 0;
  metrics_->active_requests.set(active);
  metrics_->queued_requests.set(double(queue_.size()));
}

}  // namespace ruvllm::server
