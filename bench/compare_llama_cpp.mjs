#!/usr/bin/env node
// Side-by-side speed of RuvLLM and llama.cpp on the same GGUF files, same machine, same protocol:
// runs `ruvllm bench` and bench/llama_cpp/bench.mjs (llama.cpp's prebuilt CPU binaries from the
// node-llama-cpp npm package) for every model and thread count, then prints a markdown table.
//
// Models are given as SHAPE:TYPE (a random-weight file written once with `ruvllm make-model` into
// --models-dir and reused afterwards) or as paths of existing GGUF files. The two engines run
// alternately per model and thread count, so slow drift in machine load hits both alike; the
// load average is printed with the table because figures taken on a busy machine are noise.
//
// Usage: node bench/compare_llama_cpp.mjs [--models LIST|smollm2|all] [--threads 1,2]
//          [-p 512] [-n 128] [-r 5] [--ruvllm build/ruvllm] [--models-dir DIR]
//          [--bandwidth GBPS] [--json-out FILE]
// Needs `npm ci` in bench/llama_cpp (scripts/setup.sh does it).
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, "..");
const llamaBench = path.join(here, "llama_cpp", "bench.mjs");

const TYPES = ["q8_0", "q4_0", "q4_k_m", "f16"];
const PRESETS = {
  smollm2: TYPES.map((t) => `smollm2-135m:${t}`),
  all: ["smollm2-135m", "qwen2.5-0.5b", "llama-3.2-1b"].flatMap(
    (shape) => TYPES.map((type) => `${shape}:${type}`)),
};

function usage(message) {
  if (message) console.error(`compare_llama_cpp: ${message}`);
  console.error(
    "usage: node bench/compare_llama_cpp.mjs [--models LIST|smollm2|all] [--threads 1,2]\n" +
    "         [-p 512] [-n 128] [-r 5] [--ruvllm build/ruvllm] [--models-dir DIR]\n" +
    "         [--bandwidth GBPS] [--json-out FILE]\n" +
    "  LIST: comma-separated SHAPE:TYPE (made with ruvllm make-model when missing) or .gguf paths");
  process.exit(2);
}

function parseOptions() {
  let v;
  try {
    ({ values: v } = parseArgs({
      options: {
        models: { type: "string", default: "smollm2" },
        threads: { type: "string", default: "1,2" },
        "prompt-tokens": { type: "string", short: "p", default: "512" },
        "gen-tokens": { type: "string", short: "n", default: "128" },
        reps: { type: "string", short: "r", default: "5" },
        ruvllm: { type: "string", default: path.join(repo, "build", "ruvllm") },
        "models-dir": { type: "string", default: path.join(os.tmpdir(), "ruvllm-bench-models") },
        bandwidth: { type: "string" },
        "json-out": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (e) {
    usage(e.message);
  }
  if (v.help) usage();
  const count = (s, what) => {
    if (!/^\d+$/.test(s)) usage(`${what} must be a non-negative integer, not '${s}'`);
    return s;
  };
  const threads = v.threads.split(",").map((t) => Number(count(t.trim(), "--threads")));
  if (threads.some((t) => t < 1)) usage("--threads must be >= 1");
  if (v.bandwidth !== undefined && !(Number(v.bandwidth) > 0)) usage("--bandwidth must be > 0");
  if (!fs.existsSync(v.ruvllm)) {
    usage(`no ruvllm executable at ${v.ruvllm} (build it, or pass --ruvllm)`);
  }
  return {
    models: (PRESETS[v.models] ?? v.models.split(",")).map((m) => m.trim()).filter(Boolean),
    threads,
    p: count(v["prompt-tokens"], "-p"),
    n: count(v["gen-tokens"], "-n"),
    reps: count(v.reps, "-r"),
    ruvllm: path.resolve(v.ruvllm),
    modelsDir: v["models-dir"],
    bandwidth: v.bandwidth,
    jsonOut: v["json-out"],
  };
}

// A model spec is a GGUF path, or SHAPE:TYPE for a random-weight file made on first use.
function resolveModel(spec, opts) {
  if (spec.endsWith(".gguf")) {
    if (!fs.existsSync(spec)) throw new Error(`no such model file: ${spec}`);
    return { file: spec, label: path.basename(spec, ".gguf"), type: "" };
  }
  const m = /^([^:]+):([^:]+)$/.exec(spec);
  if (!m) throw new Error(`model '${spec}' is neither a .gguf path nor SHAPE:TYPE`);
  const [, shape, type] = m;
  const file = path.join(opts.modelsDir, `${shape}-${type}.gguf`);
  if (!fs.existsSync(file)) {
    fs.mkdirSync(opts.modelsDir, { recursive: true });
    console.error(`making ${file}`);
    const partial = `${file}.partial`;  // never leave a truncated file under the final name
    run(opts.ruvllm, ["make-model", "--shape", shape, "--type", type, "-o", partial]);
    fs.renameSync(partial, file);
  }
  return { file, label: shape, type };
}

function run(command, args) {
  const r = spawnSync(command, args, { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    const commandLine = `${path.basename(command)} ${args.join(" ")}`;
    throw new Error(`${commandLine} exited with ${r.status}:\n${r.stderr}`);
  }
  return r.stdout;
}

function lastJsonLine(text) {
  const line = text.trim().split("\n").filter((l) => l.startsWith("{")).pop();
  if (!line) throw new Error(`no JSON result in output:\n${text}`);
  return JSON.parse(line);
}

// Both benches take the same -p/-n/-t/-r and print one JSON object with the same keys.
const protocolArgs = (threads, opts) =>
  ["-p", opts.p, "-n", opts.n, "-t", String(threads), "-r", opts.reps, "--json"];

function benchOurs(file, threads, opts) {
  const args = ["bench", "-m", file, ...protocolArgs(threads, opts)];
  if (opts.bandwidth) args.push("--bandwidth", opts.bandwidth);
  return lastJsonLine(run(opts.ruvllm, args));
}

function benchLlamaCpp(file, threads, opts) {
  const args = [llamaBench, "--model", file, ...protocolArgs(threads, opts)];
  return lastJsonLine(run(process.execPath, args));
}

function typeName(model, llama) {
  if (model.type) return model.type.toUpperCase();
  // llama.cpp describes the file type as e.g. "llama 256M Q4_K - Medium".
  const described = llama.type_description.split(" ").slice(2).join(" ");
  const mix = /^(Q\d_K) - (Small|Medium|Large)$/.exec(described);
  return mix ? `${mix[1]}_${mix[2][0]}` : described || "?";
}

const loadAverage = () => os.loadavg().map((l) => l.toFixed(2)).join(", ");
const fmt = (x) => (x > 0 ? x.toFixed(1) : "–");
const ratio = (a, b) => (a > 0 && b > 0 ? `${(a / b).toFixed(2)}x` : "–");
const spread = (r, key) => `${fmt(r[key])} (${fmt(r[`${key}_min`])}–${fmt(r[`${key}_max`])})`;
const share = (x) => (x > 0 ? `${(100 * x).toFixed(0)}%` : "–");
const tableRow = (cells) => console.log(`| ${cells.join(" | ")} |`);
const tableHead = (cells) => {
  tableRow(cells);
  tableRow(cells.map(() => "---"));
};

function printTables(rows, opts, loadBefore) {
  const cpu = `${os.cpus()[0]?.model ?? "?"}, ${os.availableParallelism()} CPUs`;
  console.log(`RuvLLM vs llama.cpp, pp${opts.p} / tg${opts.n}, tok/s, median (min–max) of ` +
              `${opts.reps} runs. ${cpu}.`);
  if (rows.length) {
    const llama = rows[0].llama;
    console.log(`llama.cpp: ${llama.llama_cpp_release} (node-llama-cpp prebuilt), ` +
                `${llama.cpu_backend.trim()}`);
  }
  console.log(`Load average (1, 5, 15 min): before ${loadBefore}; after ${loadAverage()}.\n`);
  tableHead(["model", "type", "threads", "ours prefill", "ours decode", "llama.cpp prefill",
             "llama.cpp decode", "prefill ratio", "decode ratio", "ours decode / ceiling"]);
  for (const { model, type, threads, ours, llama } of rows) {
    tableRow([model, type, threads, spread(ours, "prefill_tok_s"), spread(ours, "decode_tok_s"),
              spread(llama, "prefill_tok_s"), spread(llama, "decode_tok_s"),
              ratio(ours.prefill_tok_s, llama.prefill_tok_s),
              ratio(ours.decode_tok_s, llama.decode_tok_s), share(ours.decode_ceiling_share)]);
  }
  if (opts.threads.length < 2) return;

  // The issue's yardstick: ours at the most threads against llama.cpp's best thread count.
  const top = Math.max(...opts.threads);
  const byFile = new Map();  // Map.groupBy needs Node 21
  for (const r of rows) byFile.set(r.file, [...(byFile.get(r.file) ?? []), r]);
  console.log(`\nOurs at ${top} threads against llama.cpp's best thread count:\n`);
  tableHead(["model", "type", "ours prefill", "llama.cpp best prefill (threads)", "prefill ratio",
             "ours decode", "llama.cpp best decode (threads)", "decode ratio"]);
  for (const group of byFile.values()) {
    const ours = group.find((r) => r.threads === top)?.ours;
    if (!ours) continue;
    const best = (key) => group.reduce((b, r) => (r.llama[key] > b.llama[key] ? r : b));
    const bp = best("prefill_tok_s"), bd = best("decode_tok_s");
    tableRow([group[0].model, group[0].type,
              fmt(ours.prefill_tok_s), `${fmt(bp.llama.prefill_tok_s)} (${bp.threads})`,
              ratio(ours.prefill_tok_s, bp.llama.prefill_tok_s),
              fmt(ours.decode_tok_s), `${fmt(bd.llama.decode_tok_s)} (${bd.threads})`,
              ratio(ours.decode_tok_s, bd.llama.decode_tok_s)]);
  }
}

function main() {
  const opts = parseOptions();
  if (!fs.existsSync(path.join(here, "llama_cpp", "node_modules", "node-llama-cpp"))) {
    throw new Error("node-llama-cpp is not installed: run `npm ci` in bench/llama_cpp");
  }
  const loadBefore = loadAverage();
  const rows = [];
  for (const spec of opts.models) {
    const model = resolveModel(spec, opts);
    for (const threads of opts.threads) {
      console.error(`${model.file}, ${threads} thread(s): ruvllm...`);
      const ours = benchOurs(model.file, threads, opts);
      console.error(`${model.file}, ${threads} thread(s): llama.cpp...`);
      const llama = benchLlamaCpp(model.file, threads, opts);
      if (ours.model_bytes !== llama.model_bytes) {
        console.error(`note: model_bytes differ: ours ${ours.model_bytes}, ` +
                      `llama.cpp ${llama.model_bytes}`);
      }
      const type = typeName(model, llama);
      rows.push({ file: model.file, model: model.label, type, threads, ours, llama });
    }
  }
  if (opts.jsonOut) {
    const record = { load_before: loadBefore, load_after: loadAverage(), rows };
    fs.writeFileSync(opts.jsonOut, JSON.stringify(record, null, 2));
  }
  printTables(rows, opts, loadBefore);
}

try {
  main();
} catch (e) {
  console.error(`compare_llama_cpp: ${e.message}`);
  process.exit(1);
}
