import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

// Build outputs and dependencies: never inputs of the static export.
const SKIP = new Set(['node_modules', '.next', 'out', 'dist', 'coverage', 'test-results', 'playwright-report']);

/** Latest modification time (ms since epoch) of any file under `dir`, skipping build outputs; 0 if none. */
export function newestMtime(dir: string): number {
  let newest = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (SKIP.has(entry.name)) continue;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(path));
    else if (entry.isFile()) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether the static export in `outDir` must be (re)built: its `index.html` is missing, or older
 * than a file among `sourceDirs` (the web package and `packages/core`, whose code it bundles).
 */
export function webBuildNeeded(outDir: string, sourceDirs: readonly string[]): boolean {
  let built: number;
  try {
    built = statSync(join(outDir, 'index.html')).mtimeMs;
  } catch {
    return true;
  }
  return sourceDirs.some((dir) => newestMtime(dir) > built);
}
