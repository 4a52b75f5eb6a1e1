/**
 * Measures how the model service starts: milliseconds from spawn to the first 200 from `/readyz`, and
 * the process's resident memory (VmRSS, Linux) at that moment and after 20 predictions.
 *
 *   node scripts/measure-start.ts [runs] -- <command> [args…]
 *   node scripts/measure-start.ts 5 -- node src/main.ts
 *   node scripts/measure-start.ts 5 -- node --import tsx src/main.ts
 *
 * The command runs in packages/model-service with PORT, HOST and LOG_LEVEL set; `node` means the Node
 * running this script. Prints one JSON line per run and the medians.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort } from './stack/free-port.ts';
import { REPO_ROOT, inheritedEnv } from './stack/config.ts';

const separator = process.argv.indexOf('--');
if (separator < 0 || separator === process.argv.length - 1) {
  console.error('usage: node scripts/measure-start.ts [runs] -- <command> [args…]');
  process.exit(2);
}
const runs = Number(process.argv[separator - 1] ?? 5) || 5;
const [rawCommand, ...args] = process.argv.slice(separator + 1) as [string, ...string[]];
const command = rawCommand === 'node' ? process.execPath : rawCommand;

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
  return Math.round((kib / 1024) * 10) / 10;
}

async function once(): Promise<{ readyMs: number; rssReadyMiB: number; rssServingMiB: number }> {
  const port = await freePort();
  const started = performance.now();
  const child = spawn(command, args, {
    cwd: join(REPO_ROOT, 'packages', 'model-service'),
    env: { ...inheritedEnv(), PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const origin = `http://127.0.0.1:${port}`;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`exited with ${child.exitCode} before it was ready`);
      const ok = await fetch(`${origin}/readyz`).then(
        (res) => res.status === 200,
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 10));
    }
    const readyMs = Math.round(performance.now() - started);
    const rssReadyMiB = rssMiB(child.pid!);
    for (let i = 0; i < 20; i++) {
      const res = await fetch(`${origin}/predict`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `I was afraid of the dark night number ${i}` }),
      });
      await res.arrayBuffer();
    }
    return { readyMs, rssReadyMiB, rssServingMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const median = (values: number[]) => values.toSorted((a, b) => a - b)[Math.floor(values.length / 2)]!;
const results = [];
for (let i = 0; i < runs; i++) {
  const result = await once();
  console.log(JSON.stringify(result));
  results.push(result);
}
console.log(
  JSON.stringify({
    node: process.version,
    command: [rawCommand, ...args].join(' '),
    runs,
    medianReadyMs: median(results.map((r) => r.readyMs)),
    medianRssReadyMiB: median(results.map((r) => r.rssReadyMiB)),
    medianRssServingMiB: median(results.map((r) => r.rssServingMiB)),
  }),
);
