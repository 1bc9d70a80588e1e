#!/usr/bin/env node
// llama.cpp's prefill and decode throughput on a GGUF file, timed with the protocol of
// `ruvllm bench` (and of llama-bench -p/-n), so the two engines can be compared side by side.
//
// llama.cpp comes from the prebuilt CPU binaries that node-llama-cpp ships in its npm package
// (@node-llama-cpp/linux-x64; ggml picks the CPU variant for this machine at load). Nothing is
// downloaded or compiled at run time: `build: "never"` and `skipDownload` make a missing binary
// an error instead.
//
// Protocol, per repetition:
//   prefill  p fixed random tokens evaluated from an empty sequence in batches of 512 (one
//            batch for p <= 512, as llama-bench's n_ubatch); only the evaluation is timed.
//   decode   n tokens evaluated one at a time from an empty sequence, each next token chosen
//            greedily from the previous token's logits (llama-bench's tg also starts from an
//            empty KV cache and computes logits for every token).
// One untimed warm-up of each kind comes first (faults in the mapped weights).
//
// Usage: node bench.mjs --model FILE [-p 512] [-n 128] [-t THREADS] [-r 5] [--flash-attn]
//                       [--json] [-v]
import fs from "node:fs";
import os from "node:os";
import process from "node:process";
import { parseArgs } from "node:util";

import { getLlama, LlamaLogLevel } from "node-llama-cpp";

const UBATCH = 512;  // llama-bench's default n_ubatch

function usage(message) {
  if (message) console.error(`bench.mjs: ${message}`);
  console.error(
    "usage: node bench.mjs --model FILE [-p 512] [-n 128] [-t THREADS] [-r 5] [--flash-attn]\n" +
    "                      [--json] [-v]");
  process.exit(2);
}

function parseOptions() {
  let parsed;
  try {
    parsed = parseArgs({
      options: {
        model: { type: "string", short: "m" },
        "prompt-tokens": { type: "string", short: "p", default: "512" },
        "gen-tokens": { type: "string", short: "n", default: "128" },
        threads: { type: "string", short: "t", default: "0" },
        reps: { type: "string", short: "r", default: "5" },
        "flash-attn": { type: "boolean", default: false },
        json: { type: "boolean", default: false },
        verbose: { type: "boolean", short: "v", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (e) {
    usage(e.message);
  }
  const v = parsed.values;
  if (v.help) usage();
  if (!v.model) usage("--model is required");
  const int = (name, min) => {
    const s = v[name];
    if (!/^\d+$/.test(s) || Number(s) < min) {
      usage(`--${name} must be an integer >= ${min}, not '${s}'`);
    }
    return Number(s);
  };
  const opts = {
    model: v.model,
    p: int("prompt-tokens", 0),
    n: int("gen-tokens", 0),
    threads: int("threads", 0) || os.availableParallelism(),
    reps: int("reps", 1),
    flashAttention: v["flash-attn"],
    json: v.json,
    verbose: v.verbose,
  };
  if (opts.p === 0 && opts.n === 0) usage("-p and -n must not both be 0");
  if (!fs.existsSync(opts.model)) usage(`no such model file: ${opts.model}`);
  return opts;
}

function summarize(values) {
  if (values.length === 0) return { median: 0, min: 0, max: 0 };
  const v = [...values].sort((a, b) => a - b);
  const mid = Math.floor(v.length / 2);
  const median = v.length % 2 ? v[mid] : 0.5 * (v[mid - 1] + v[mid]);
  return { median, min: v[0], max: v[v.length - 1] };
}

// Deterministic token ids (xorshift32), so every run and every engine sees the same prompt.
function randomTokens(count, vocabSize, seed = 1234) {
  let x = seed >>> 0 || 1;
  const tokens = new Array(count);
  for (let i = 0; i < count; ++i) {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    tokens[i] = x % vocabSize;
  }
  return tokens;
}

const seconds = (t0) => Number(process.hrtime.bigint() - t0) / 1e9;

async function timePrefill(sequence, prompt) {
  await sequence.clearHistory();
  const t0 = process.hrtime.bigint();
  await sequence.evaluateWithoutGeneratingNewTokens(prompt);
  return prompt.length / seconds(t0);
}

async function timeDecode(sequence, firstToken, n) {
  await sequence.clearHistory();
  let evaluated = 0;
  const t0 = process.hrtime.bigint();
  // Each iteration evaluates the token chosen last (one llama_decode of one token) and yields
  // the greedy next one; evaluate() feeds it back on the following iteration.
  for await (const token of sequence.evaluate([firstToken], { temperature: 0 })) {
    void token;
    if (++evaluated === n) break;
  }
  const s = seconds(t0);
  if (evaluated !== n) throw new Error(`decode stopped after ${evaluated} of ${n} tokens`);
  return n / s;
}

async function main() {
  const opts = parseOptions();
  const llama = await getLlama({
    gpu: false,
    build: "never",
    usePrebuiltBinaries: true,
    skipDownload: true,
    progressLogs: false,
    maxThreads: opts.threads,
    logLevel: opts.verbose ? LlamaLogLevel.info : LlamaLogLevel.error,
  });
  const model = await llama.loadModel({ modelPath: opts.model, gpuLayers: 0, useMmap: true });
  const vocabSize = model.fileInsights.tokens?.vocabularySize ?? model.tokens.vocabularySize;
  const context = await model.createContext({
    sequences: 1,
    contextSize: Math.max(opts.p, opts.n + 1) + 16,
    batchSize: UBATCH,
    threads: { ideal: opts.threads, min: opts.threads },
    flashAttention: opts.flashAttention,
  });
  const sequence = context.getSequence();
  const prompt = randomTokens(Math.max(opts.p, 1), vocabSize);

  // Warm-up, as llama-bench: one prefill-sized run and one decoded token.
  if (opts.p > 0) await timePrefill(sequence, prompt);
  if (opts.n > 0) await timeDecode(sequence, prompt[0], 1);

  const prefill = [], decode = [];
  for (let r = 0; r < opts.reps; ++r) {
    if (opts.p > 0) prefill.push(await timePrefill(sequence, prompt));
    if (opts.n > 0) decode.push(await timeDecode(sequence, prompt[0], opts.n));
  }
  const pf = summarize(prefill), dc = summarize(decode);
  const release = llama.llamaCppRelease;
  const result = {
    model: opts.model,
    engine: "llama.cpp",
    llama_cpp_release: `${release.repo}@${release.release}`,
    architecture: model.fileInfo.metadata?.general?.architecture ?? "",
    type_description: model.typeDescription,
    model_bytes: model.size,
    threads: context.currentThreads,
    cpu_backend: llama.systemInfo,
    flash_attention: context.flashAttention,
    prompt_tokens: opts.p,
    gen_tokens: opts.n,
    reps: opts.reps,
    prefill_tok_s: pf.median,
    prefill_tok_s_min: pf.min,
    prefill_tok_s_max: pf.max,
    decode_tok_s: dc.median,
    decode_tok_s_min: dc.min,
    decode_tok_s_max: dc.max,
  };
  await context.dispose();
  await model.dispose();
  await llama.dispose();

  if (opts.json) {
    console.log(JSON.stringify(result));
    return;
  }
  const mib = (result.model_bytes / 2 ** 20).toFixed(1);
  console.log(`model      ${result.model} (${result.architecture}, ${mib} MiB)`);
  console.log(`engine     ${result.llama_cpp_release}, ${result.threads} threads`);
  console.log(`cpu        ${result.cpu_backend}`);
  const line = (label, count, s) =>
    console.log(`${label}${String(count).padEnd(5)} ${s.median.toFixed(1).padStart(8)} tok/s  ` +
                `(min ${s.min.toFixed(1)}, max ${s.max.toFixed(1)}, ${opts.reps} reps)`);
  if (opts.p > 0) line("prefill    pp", opts.p, pf);
  if (opts.n > 0) line("decode     tg", opts.n, dc);
}

main().catch((e) => {
  console.error(`bench.mjs: ${e?.message ?? e}`);
  process.exit(1);
});
