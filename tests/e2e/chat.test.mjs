// The OpenAI API as the official `openai` SDK sees it: chat and text completions, streaming,
// stop sequences, seeded sampling, usage, logprobs, errors, API keys, embeddings and concurrent
// streams, against `ruvllm serve` with a golden chat model (real vocabulary and chat template).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { golden } from './lib/golden.mjs';
import { startServer } from './lib/server.mjs';

const model = golden('models/tiny-llama3-chat-q8_0.gguf');
const skip = model ? false : 'golden model missing (set RUVLLM_GOLDEN)';

const messages = [
  { role: 'system', content: 'You are a helpful assistant.' },
  { role: 'user', content: 'Write a short story about a robot.' },
];

async function streamText(client, params) {
  const stream = await client.chat.completions.create({
    ...params,
    stream: true,
    stream_options: { include_usage: true },
  });
  let text = '';
  let finish = null;
  let usage = null;
  let role = null;
  for await (const chunk of stream) {
    if (chunk.usage) usage = chunk.usage;
    for (const choice of chunk.choices) {
      if (choice.delta.role) role = choice.delta.role;
      if (choice.delta.content) text += choice.delta.content;
      if (choice.finish_reason) finish = choice.finish_reason;
    }
  }
  return { text, finish, usage, role };
}

describe('openai SDK against ruvllm serve', { skip }, () => {
  let server;
  let client;
  before(async () => {
    server = await startServer({ model, args: ['--parallel', '4', '--ctx', '2048', '-t', '2'] });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit code ${code}\n${server.stderr()}`);
  });

  test('models.list names the served model', async () => {
    const ids = [];
    for await (const m of client.models.list()) ids.push(m.id);
    assert.deepEqual(ids, ['tiny-llama3-chat-q8_0']);
  });

  test('chat completion has OpenAI shape and usage', async () => {
    const r = await client.chat.completions.create({ model: 'tiny-llama3-chat-q8_0', messages, max_tokens: 16, temperature: 0 });
    assert.equal(r.object, 'chat.completion');
    assert.match(r.id, /^chatcmpl-/);
    assert.equal(r.choices.length, 1);
    assert.equal(r.choices[0].index, 0);
    assert.equal(r.choices[0].message.role, 'assistant');
    assert.equal(typeof r.choices[0].message.content, 'string');
    assert.ok(['stop', 'length'].includes(r.choices[0].finish_reason));
    assert.ok(r.usage.prompt_tokens > 10);
    assert.ok(r.usage.completion_tokens >= 1 && r.usage.completion_tokens <= 16);
    assert.equal(r.usage.total_tokens, r.usage.prompt_tokens + r.usage.completion_tokens);
  });

  test('max_tokens ends with finish_reason length', async () => {
    const r = await client.chat.completions.create({ model: 'x', messages, max_tokens: 5, temperature: 0, logit_bias: {} });
    // With random weights an end token may come first; otherwise exactly 5 tokens and "length".
    if (r.choices[0].finish_reason === 'length') assert.equal(r.usage.completion_tokens, 5);
    else assert.ok(r.usage.completion_tokens < 5);
  });

  test('streamed and non-streamed answers are identical for the same seed', async () => {
    const params = { model: 'm', messages, max_tokens: 24, temperature: 0.9, top_p: 0.95, seed: 1234 };
    const plain = await client.chat.completions.create(params);
    const streamed = await streamText(client, params);
    assert.equal(streamed.role, 'assistant');
    assert.equal(streamed.text, plain.choices[0].message.content);
    assert.equal(streamed.finish, plain.choices[0].finish_reason);
    assert.deepEqual(streamed.usage, plain.usage);
  });

  test('the same seed gives the same text; another seed may differ', async () => {
    const params = { model: 'm', messages, max_tokens: 24, temperature: 1.0, seed: 7 };
    const a = await client.chat.completions.create(params);
    const b = await client.chat.completions.create(params);
    assert.equal(a.choices[0].message.content, b.choices[0].message.content);
  });

  test('a stop sequence cuts the text before it', async () => {
    const base = await client.chat.completions.create({ model: 'm', messages, max_tokens: 32, temperature: 0 });
    const text = base.choices[0].message.content;
    assert.ok(text.length >= 8, `greedy text too short to pick a stop string: ${JSON.stringify(text)}`);
    const stop = text.slice(4, 7);
    const cut = text.indexOf(stop);
    const r = await client.chat.completions.create({ model: 'm', messages, max_tokens: 32, temperature: 0, stop: [stop] });
    assert.equal(r.choices[0].message.content, text.slice(0, cut));
    assert.equal(r.choices[0].finish_reason, 'stop');
    const s = await streamText(client, { model: 'm', messages, max_tokens: 32, temperature: 0, stop });
    assert.equal(s.text, text.slice(0, cut));
  });

  test('logprobs with top alternatives', async () => {
    const r = await client.chat.completions.create({ model: 'm', messages, max_tokens: 4, temperature: 0, logprobs: true, top_logprobs: 3 });
    const content = r.choices[0].logprobs.content;
    assert.equal(content.length, r.usage.completion_tokens);
    for (const t of content) {
      assert.ok(t.logprob <= 0);
      assert.equal(t.top_logprobs.length, 3);
      // Greedy: the chosen token is the most likely one.
      assert.ok(Math.abs(t.top_logprobs[0].logprob - t.logprob) < 1e-4);
    }
  });

  test('text completions, plain and streamed', async () => {
    const r = await client.completions.create({ model: 'm', prompt: 'Once upon a time', max_tokens: 12, temperature: 0 });
    assert.equal(r.object, 'text_completion');
    assert.equal(typeof r.choices[0].text, 'string');
    const stream = await client.completions.create({ model: 'm', prompt: 'Once upon a time', max_tokens: 12, temperature: 0, stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.text ?? '';
    assert.equal(text, r.choices[0].text);
  });

  test('bad requests get OpenAI error objects and the server keeps serving', async () => {
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages, temperature: 'hot' }),
      (e) => e instanceof OpenAI.BadRequestError && e.status === 400 && /temperature/.test(e.message),
    );
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: 'not a list' }),
      (e) => e instanceof OpenAI.BadRequestError && /messages/.test(e.message),
    );
    const long = 'word '.repeat(5000);
    await assert.rejects(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: long }] }),
      (e) => e.status === 400 && e.code === 'context_length_exceeded',
    );
    const raw = await fetch(`${server.origin}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"messages": [',
    });
    assert.equal(raw.status, 400);
    const body = await raw.json();
    assert.equal(body.error.type, 'invalid_request_error');
    const missing = await fetch(`${server.origin}/v1/nothing-here`);
    assert.equal(missing.status, 404);
    const ok = await client.chat.completions.create({ model: 'm', messages, max_tokens: 2 });
    assert.equal(ok.choices.length, 1);
  });

  test('embeddings are L2-normalised, one per input, deterministic', async () => {
    const r = await client.embeddings.create({ model: 'm', input: ['hello world', 'a robot story', 'hello world'] });
    assert.equal(r.object, 'list');
    assert.equal(r.data.length, 3);
    r.data.forEach((d, i) => {
      assert.equal(d.index, i);
      assert.equal(d.object, 'embedding');
      const norm = Math.hypot(...d.embedding);
      assert.ok(Math.abs(norm - 1) < 1e-3, `norm ${norm}`);
    });
    assert.deepEqual(r.data[0].embedding, r.data[2].embedding);
    assert.notDeepEqual(r.data[0].embedding, r.data[1].embedding);
    assert.ok(r.usage.prompt_tokens > 0);
    // The SDK asks for base64 by default when no format is given; float is explicit here.
    const f = await client.embeddings.create({ model: 'm', input: 'hello world', encoding_format: 'float' });
    assert.equal(f.data[0].embedding.length, r.data[0].embedding.length);
    f.data[0].embedding.forEach((v, i) => assert.ok(Math.abs(v - r.data[0].embedding[i]) < 1e-6));
  });

  test('concurrent streams all finish and match their sequential answers', async () => {
    const prompts = ['Tell me about cats.', 'What is two plus two?', 'Name a color.', 'Say hello.', 'Count to five.', 'Describe the sea.'];
    const params = (content) => ({ model: 'm', messages: [{ role: 'user', content }], max_tokens: 20, temperature: 0 });
    const sequential = [];
    for (const p of prompts) sequential.push((await client.chat.completions.create(params(p))).choices[0].message.content);
    const concurrent = await Promise.all(prompts.map((p) => streamText(client, params(p))));
    concurrent.forEach((c, i) => {
      assert.ok(['stop', 'length'].includes(c.finish));
      assert.equal(c.text, sequential[i], `prompt ${i} differs when batched`);
    });
  });
});

describe('API keys', { skip }, () => {
  let server;
  before(async () => {
    server = await startServer({ model, args: ['--api-key', 'sk-test-123', '-t', '1'] });
  });
  after(async () => {
    await server.stop();
  });

  test('a wrong key is refused with 401, the right one is served', async () => {
    const bad = new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-wrong', maxRetries: 0 });
    await assert.rejects(bad.chat.completions.create({ model: 'm', messages, max_tokens: 2 }), (e) => e instanceof OpenAI.AuthenticationError && e.status === 401);
    const good = new OpenAI({ baseURL: server.baseURL, apiKey: 'sk-test-123', maxRetries: 0 });
    const r = await good.chat.completions.create({ model: 'm', messages, max_tokens: 2 });
    assert.equal(r.choices.length, 1);
    const health = await fetch(`${server.origin}/health`);
    assert.equal(health.status, 200);
  });
});
