// Function calling as the official `openai` SDK and LangChain see it: tool_choice auto / none /
// required / named, five and more parallel calls, streamed calls reassembled by the SDK's stream
// helper, multi-round call -> result -> call conversations, and every `arguments` string
// parsing and validating against its tool's schema, against `ruvllm serve` with random-weight
// golden chat models (real vocabularies and templates).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import OpenAI from 'openai';
import { ChatOpenAI } from '@langchain/openai';
import { tool } from '@langchain/core/tools';
import { HumanMessage, ToolMessage } from '@langchain/core/messages';
import { z } from 'zod';
import { golden } from './lib/golden.mjs';
import { startServer } from './lib/server.mjs';

const llama3 = golden('models/tiny-llama3-chat-q8_0.gguf');
const phi3 = golden('models/tiny-phi3-chat-q8_0.gguf');

const weather = {
  type: 'function',
  function: {
    name: 'get_weather',
    description: 'Current weather in a city',
    parameters: {
      type: 'object',
      properties: {
        city: { type: 'string', maxLength: 16 },
        unit: { type: 'string', enum: ['celsius', 'fahrenheit'] },
      },
      required: ['city', 'unit'],
      additionalProperties: false,
    },
  },
};
const lights = {
  type: 'function',
  function: {
    name: 'set_light',
    description: 'Dim a light',
    parameters: {
      type: 'object',
      properties: {
        room: { type: 'string', enum: ['kitchen', 'hall', 'attic'] },
        level: { type: 'integer', minimum: 0, maximum: 10 },
        on: { type: 'boolean' },
      },
      required: ['room', 'level'],
      additionalProperties: false,
    },
  },
};
const tools = [weather, lights];
const messages = [{ role: 'user', content: 'What is the weather in Oslo? Then dim the hall.' }];
// The Llama 3 end-of-turn tokens, and <|python_tag|> (which opens a call in auto mode).
const noEndOfTurn = { 128001: -100, 128008: -100, 128009: -100 };
const pythonTag = { 128010: 100 };

// Validates `value` against the JSON Schema subset the tools above use.
function schemaErrors(schema, value, at = '') {
  const errors = [];
  const type = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  if (schema.type === 'integer') {
    if (!Number.isInteger(value)) errors.push(`${at}: not an integer`);
  } else if (schema.type && schema.type !== type && !(schema.type === 'number' && type === 'number')) {
    errors.push(`${at}: ${type} is not ${schema.type}`);
  }
  if (schema.enum && !schema.enum.includes(value)) errors.push(`${at}: not in enum`);
  if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below minimum`);
  if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above maximum`);
  if (schema.maxLength !== undefined && [...value].length > schema.maxLength) errors.push(`${at}: too long`);
  if (type === 'object' && schema.type === 'object') {
    for (const key of schema.required ?? []) if (!(key in value)) errors.push(`${at}/${key}: missing`);
    for (const [key, v] of Object.entries(value)) {
      if (schema.properties?.[key]) errors.push(...schemaErrors(schema.properties[key], v, `${at}/${key}`));
      else if (schema.additionalProperties === false) errors.push(`${at}/${key}: not allowed`);
    }
  }
  return errors;
}

// Every call names an offered tool and its arguments parse and validate.
function assertValidCalls(calls, offered = tools) {
  assert.ok(Array.isArray(calls) && calls.length >= 1, `expected tool calls, got ${JSON.stringify(calls)}`);
  for (const call of calls) {
    assert.equal(call.type, 'function');
    assert.match(call.id, /^call_/);
    const def = offered.find((t) => t.function.name === call.function.name);
    assert.ok(def, `unknown tool ${call.function.name}`);
    assert.equal(typeof call.function.arguments, 'string');
    const args = JSON.parse(call.function.arguments);
    assert.deepEqual(schemaErrors(def.function.parameters, args), [], call.function.arguments);
  }
}

describe('tool calling with the openai SDK (Llama 3.1 template)', { skip: llama3 ? false : 'golden model missing' }, () => {
  let server;
  let client;
  before(async () => {
    server = await startServer({ model: llama3, args: ['--parallel', '2', '--ctx', '4096', '-t', '2'] });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 300000 });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit code ${code}\n${server.stderr()}`);
  });

  const create = (params) =>
    client.chat.completions.create({ model: 'tiny', messages, tools, temperature: 1, max_tokens: 600, ...params });

  test('required: every answer calls a tool with valid arguments', async () => {
    for (let seed = 1; seed <= 5; seed++) {
      const r = await create({ tool_choice: 'required', seed });
      assert.equal(r.choices[0].finish_reason, 'tool_calls');
      assert.equal(r.choices[0].message.content, null);
      assertValidCalls(r.choices[0].message.tool_calls);
    }
  });

  test('named: only that function is called', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const r = await create({ tool_choice: { type: 'function', function: { name: 'set_light' } }, seed });
      assertValidCalls(r.choices[0].message.tool_calls);
      for (const call of r.choices[0].message.tool_calls) assert.equal(call.function.name, 'set_light');
    }
  });

  test('none: text only', async () => {
    const r = await create({ tool_choice: 'none', seed: 4, max_tokens: 12 });
    assert.equal(r.choices[0].message.tool_calls, undefined);
    assert.equal(typeof r.choices[0].message.content, 'string');
  });

  test('auto: a call the model starts is completed validly', async () => {
    const r = await create({ tool_choice: 'auto', seed: 9, logit_bias: pythonTag });
    assert.equal(r.choices[0].finish_reason, 'tool_calls');
    assertValidCalls(r.choices[0].message.tool_calls);
    const text = await create({ tool_choice: 'auto', seed: 9, max_tokens: 16 });
    if (text.choices[0].message.tool_calls) assertValidCalls(text.choices[0].message.tool_calls);
    else assert.equal(typeof text.choices[0].message.content, 'string');
  });

  test('parallel_tool_calls: five and more calls in one answer', async () => {
    const r = await create({ tools: [lights], tool_choice: 'required', seed: 3, logit_bias: noEndOfTurn });
    const calls = r.choices[0].message.tool_calls;
    assert.ok(calls.length >= 5, `only ${calls.length} calls`);
    assertValidCalls(calls, [lights]);
    assert.equal(new Set(calls.map((c) => c.id)).size, calls.length);
    const one = await create({ tools: [lights], tool_choice: 'required', seed: 3, logit_bias: noEndOfTurn, parallel_tool_calls: false });
    assert.equal(one.choices[0].message.tool_calls.length, 1);
  });

  test('streamed calls reassemble (SDK stream helper) into the same calls', async () => {
    const params = { model: 'tiny', messages, tools, temperature: 1, max_tokens: 600, tool_choice: 'required', seed: 21 };
    const whole = await client.chat.completions.create(params);
    const stream = client.chat.completions.stream(params);
    const deltas = [];
    stream.on('tool_calls.function.arguments.delta', (e) => deltas.push(e));
    const final = await stream.finalChatCompletion();
    const calls = final.choices[0].message.tool_calls;
    assertValidCalls(calls);
    assert.equal(final.choices[0].finish_reason, 'tool_calls');
    assert.deepEqual(
      calls.map((c) => [c.function.name, c.function.arguments]),
      whole.choices[0].message.tool_calls.map((c) => [c.function.name, c.function.arguments]),
    );
    assert.ok(deltas.length >= calls.length, 'arguments arrive as deltas');
  });

  test('five rounds of call -> tool result -> call', async () => {
    const history = [...messages];
    for (let round = 0; round < 6; round++) {
      const r = await client.chat.completions.create({
        model: 'tiny', messages: history, tools, tool_choice: 'required', temperature: 1, seed: 50 + round, max_tokens: 600,
      });
      const message = r.choices[0].message;
      assertValidCalls(message.tool_calls);
      history.push(message);
      for (const call of message.tool_calls)
        history.push({ role: 'tool', tool_call_id: call.id, content: JSON.stringify({ ok: true, round }) });
    }
    const last = await client.chat.completions.create({ model: 'tiny', messages: history, tools, tool_choice: 'none', max_tokens: 8 });
    assert.equal(typeof last.choices[0].message.content, 'string');
  });

  test('LangChain ChatOpenAI.bindTools and an agent loop', async () => {
    const model = new ChatOpenAI({
      model: 'tiny', apiKey: 'unused', temperature: 1, maxTokens: 600, maxRetries: 0,
      configuration: { baseURL: server.baseURL },
    });
    const getWeather = tool(async ({ city }) => `Sunny in ${city}`, {
      name: 'get_weather',
      description: 'Current weather in a city',
      schema: z.object({ city: z.string().max(16), unit: z.enum(['celsius', 'fahrenheit']) }),
    });
    const setLight = tool(async ({ room, level }) => `${room} at ${level}`, {
      name: 'set_light',
      description: 'Dim a light',
      schema: z.object({ room: z.enum(['kitchen', 'hall', 'attic']), level: z.number().int().min(0).max(10) }),
    });
    const byName = { get_weather: getWeather, set_light: setLight };
    const withTools = model.bindTools([getWeather, setLight], { tool_choice: 'required' });
    const history = [new HumanMessage('Check the weather in Oslo, then dim the hall.')];
    let executed = 0;
    for (let step = 0; step < 3; step++) {
      const ai = await withTools.invoke(history, { seed: 70 + step });
      assert.ok(ai.tool_calls.length >= 1, 'the agent step calls a tool');
      history.push(ai);
      for (const call of ai.tool_calls) {
        const impl = byName[call.name];
        assert.ok(impl, `unknown tool ${call.name}`);
        impl.schema.parse(call.args); // the arguments satisfy the zod schema
        history.push(new ToolMessage({ content: await impl.invoke(call.args), tool_call_id: call.id }));
        executed++;
      }
    }
    assert.ok(executed >= 3);
    const answer = await model.bindTools([getWeather, setLight], { tool_choice: 'none' }).invoke(history);
    assert.equal(typeof answer.content, 'string');
  });
});

describe('tool calling with a template without tool support (Phi-3.5, generic format)', { skip: phi3 ? false : 'golden model missing' }, () => {
  let server;
  let client;
  before(async () => {
    server = await startServer({ model: phi3, args: ['--ctx', '4096', '-t', '2'] });
    client = new OpenAI({ baseURL: server.baseURL, apiKey: 'unused', maxRetries: 0, timeout: 300000 });
  });
  after(async () => {
    await server.stop();
  });

  test('required and named calls are valid', async () => {
    for (let seed = 1; seed <= 3; seed++) {
      const r = await client.chat.completions.create({ model: 'tiny', messages, tools, tool_choice: 'required', temperature: 1, seed, max_tokens: 600 });
      assertValidCalls(r.choices[0].message.tool_calls);
    }
    const named = await client.chat.completions.create({
      model: 'tiny', messages, tools, tool_choice: { type: 'function', function: { name: 'get_weather' } }, temperature: 1, seed: 5, max_tokens: 600,
    });
    assertValidCalls(named.choices[0].message.tool_calls);
  });
});
