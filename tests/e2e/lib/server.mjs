// Starts `ruvllm serve` on 127.0.0.1 (a free port chosen by the server) for a test file and
// stops it afterwards. The binary is $RUVLLM_BINARY, else build/ruvllm in the repository.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './golden.mjs';

export const binary = process.env.RUVLLM_BINARY || path.join(repoRoot, 'build', 'ruvllm');

// Resolves to { baseURL, origin, port, stderr(), stop() } once /health answers 200.
export async function startServer({ model, args = [], timeoutMs = 60000 }) {
  if (!existsSync(binary)) throw new Error(`ruvllm binary not found: ${binary} (build first)`);
  const child = spawn(binary, ['serve', '-m', model, '--host', '127.0.0.1', '--port', '0', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    log += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));

  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in ${timeoutMs} ms:\n${log}`)), timeoutMs);
    const onData = () => {
      const m = /http:\/\/127\.0\.0\.1:(\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        child.stderr.off('data', onData);
        resolve(Number(m[1]));
      }
    };
    child.stderr.on('data', onData);
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`server exited (code ${code}, signal ${signal}) before listening:\n${log}`));
    });
  });

  const origin = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const r = await fetch(`${origin}/health`);
      if (r.status === 200) break;
    } catch {
      // not accepting connections yet
    }
    if (Date.now() > deadline) throw new Error(`server never became healthy:\n${log}`);
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    port,
    origin,
    baseURL: `${origin}/v1`,
    stderr: () => log,
    // Stops the server with SIGTERM and checks that it shut down cleanly.
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
      const result = await exited;
      clearTimeout(timer);
      return result;
    },
  };
}
