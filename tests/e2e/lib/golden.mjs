// Where the golden test data lives: $RUVLLM_GOLDEN, else ../shared/golden beside the repository.
// Under CI=true a missing file is an error (the suite must fail, not skip).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export const goldenDir = process.env.RUVLLM_GOLDEN || path.resolve(repoRoot, '../shared/golden');

// The absolute path of a golden file, or null (locally) when it is missing; throws under CI.
export function golden(relative) {
  const file = path.join(goldenDir, relative);
  if (existsSync(file)) return file;
  if (process.env.CI === 'true') throw new Error(`golden file missing under CI: ${file}`);
  return null;
}

export { repoRoot };
