// Tool-using agents from LangChain JS against `ruvllm serve`: LangGraph's prebuilt ReAct agent
// (createReactAgent: model node -> ToolNode -> model node ...) running several rounds of tool
// calls, and ChatOpenAI.withStructuredOutput() through both of its methods (a forced function
// call and response_format json_schema). The model is a random-weight golden chat model with the
// Llama 3.1 template, so every argument the tools receive is valid only because the server
// constrains the calls.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ChatOpenAI } from '@langchain/openai';
import { tool } from '@langchain/core/tools';
import { HumanMessage } from '@langchain/core/messages';
import { createReactAgent } from '@langchain/langgraph/prebuilt';
import { z } from 'zod';
import { golden } from './lib/golden.mjs';
import { startServer } from './lib/server.mjs';

const llama3 = golden('models/tiny-llama3-chat-q8_0.gguf');

describe('LangGraph and LangChain agents (Llama 3.1 template)', { skip: llama3 ? false : 'golden model missing' }, () => {
  let server;
  let model;
  before(async () => {
    server = await startServer({ model: llama3, args: ['--parallel', '2', '--ctx', '4096', '-t', '2'] });
    model = new ChatOpenAI({
      model: 'tiny', apiKey: 'unused', temperature: 1, maxTokens: 400, maxRetries: 0,
      configuration: { baseURL: server.baseURL },
    });
  });
  after(async () => {
    const { code } = await server.stop();
    assert.equal(code, 0, `server exit code ${code}\n${server.stderr()}`);
  });

  test('createReactAgent runs several rounds of tool calls, then answers', async () => {
    const received = [];
    const weatherSchema = z.object({ city: z.string().max(16), unit: z.enum(['celsius', 'fahrenheit']) });
    const lightSchema = z.object({ room: z.enum(['kitchen', 'hall', 'attic']), level: z.number().int().min(0).max(10) });
    const getWeather = tool(async (args) => {
      received.push(['get_weather', weatherSchema.parse(args)]);
      return `Sunny in ${args.city}`;
    }, { name: 'get_weather', description: 'Current weather in a city', schema: weatherSchema });
    const setLight = tool(async (args) => {
      received.push(['set_light', lightSchema.parse(args)]);
      return `${args.room} at ${args.level}`;
    }, { name: 'set_light', description: 'Dim a light', schema: lightSchema });
    const tools = [getWeather, setLight];
    // The agent must call a tool in its first three turns and answer in text after that (a
    // random-weight model would not decide either by itself).
    const rounds = 3;
    const calling = model.bindTools(tools, { tool_choice: 'required', parallel_tool_calls: false });
    const answering = model.bindTools(tools, { tool_choice: 'none' });
    const agent = createReactAgent({
      llm: (state) => (state.messages.filter((m) => m.getType() === 'tool').length < rounds ? calling : answering),
      tools,
    });
    const result = await agent.invoke(
      { messages: [new HumanMessage('Check the weather in Oslo, then dim the hall.')] },
      { recursionLimit: 20 },
    );
    const messages = result.messages;
    const toolMessages = messages.filter((m) => m.getType() === 'tool');
    assert.equal(toolMessages.length, rounds, messages.map((m) => m.getType()).join(' '));
    for (const m of toolMessages) assert.notEqual(m.status, 'error', String(m.content));
    assert.equal(received.length, rounds, 'every call reached its tool with arguments its schema accepts');
    const calls = messages.filter((m) => m.getType() === 'ai' && m.tool_calls?.length);
    assert.equal(calls.length, rounds);
    for (const ai of calls) for (const c of ai.tool_calls) assert.match(c.id, /^call_/);
    const last = messages.at(-1);
    assert.equal(last.getType(), 'ai');
    assert.equal(last.tool_calls?.length ?? 0, 0);
    assert.equal(typeof last.content, 'string');
  });

  test('createReactAgent streams its steps (updates mode)', async () => {
    const echo = tool(async ({ text }) => text.toUpperCase(), {
      name: 'shout', description: 'Upper-case a text', schema: z.object({ text: z.string().max(12) }),
    });
    const agent = createReactAgent({
      llm: (state) =>
        state.messages.some((m) => m.getType() === 'tool')
          ? model.bindTools([echo], { tool_choice: 'none' })
          : model.bindTools([echo], { tool_choice: 'required', parallel_tool_calls: false }),
      tools: [echo],
    });
    const nodes = [];
    const stream = await agent.stream({ messages: [new HumanMessage('Shout hello.')] }, { streamMode: 'updates', recursionLimit: 10 });
    for await (const update of stream) nodes.push(...Object.keys(update));
    assert.deepEqual(nodes, ['agent', 'tools', 'agent']);
  });

  for (const method of ['functionCalling', 'jsonSchema']) {
    test(`withStructuredOutput (${method}) returns an object its schema accepts`, async () => {
      const schema = z.object({
        title: z.string().max(20),
        priority: z.enum(['low', 'high']),
        estimate: z.number().int().min(1).max(8),
        tags: z.array(z.enum(['bug', 'ui', 'docs'])).max(3),
      });
      const structured = model.withStructuredOutput(schema, { name: 'ticket', method });
      for (let seed = 1; seed <= 3; seed++) {
        const ticket = await structured.invoke('File a ticket for the broken login button.', { seed });
        assert.deepEqual(schema.parse(ticket), ticket);
      }
    });
  }
});
