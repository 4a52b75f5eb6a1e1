/**
 * `npm run bench:switch -w packages/model-service`: prints figures, asserts nothing.
 *
 * The real service process (`src/main.ts`) on a copy of two committed versions (the served one and
 * another), loaded by autocannon from this process on 127.0.0.1:
 *
 * 1. Hot switch under load: `POST /predict` for BENCH_SWITCH_SECONDS while `models/CURRENT` is
 *    rewritten every 2 s to the other version (as promote and rollback do). Prints the requests,
 *    the failed ones (errors, timeouts, non-2xx), each switch's load time (from the service's
 *    `model switched` lines) and the latency beside a window of the same length without switches.
 * 2. Shadow cost: `POST /predict` without a shadow and with the other version as shadow (written to
 *    `models/SHADOW`, hot-loaded), BENCH_ROUNDS alternating rounds of BENCH_SECONDS each, medians:
 *    req/s, p50, p99 and the service's CPU time per request (/proc, where it exists).
 *
 * Load generator and server share this machine's cores: compare the ratios within one run.
 * Env: BENCH_SECONDS (default 5), BENCH_ROUNDS (default 3), BENCH_CONNECTIONS (default 10),
 * BENCH_SWITCH_SECONDS (default 12), ORT_THREADS (default 1).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import autocannon from 'autocannon';
import { normalizeText } from '@sentiment/core';
import { PACKAGE_DIR } from '../src/config.ts';
import { spawnServiceProcess } from '../src/service-process.ts';
import { childEnv, readHttpBenchEnv, readSwitchBenchSeconds } from './env.ts';

const { config, seconds, connections, rounds } = readHttpBenchEnv();
const switchSeconds = readSwitchBenchSeconds();
const SENTENCE = normalizeText('My best friend lied to my parents about where we had been and I felt it was my fault.');
const SWITCH_EVERY_MS = 2000;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(36)} ${value}`);
}

/** CPU time in ms of all threads of `pid` so far (Linux /proc), undefined elsewhere. */
function processCpuMs(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const modelsDir = path.join(PACKAGE_DIR, 'models');
const served = path.basename(config.modelDir);
const other = readdirSync(modelsDir)
  .filter((name) => name !== served && existsSync(path.join(modelsDir, name, 'model.onnx')))
  .sort()
  .at(-1);
if (other === undefined) {
  console.error(`bench:switch needs a second committed version in ${modelsDir} besides ${served}`);
  process.exit(1);
}

const root = await mkdtemp(path.join(tmpdir(), 'switch-bench-'));
const copy = path.join(root, 'models');
for (const v of [served, other]) await cp(path.join(modelsDir, v), path.join(copy, v), { recursive: true });
await writeFile(path.join(copy, 'CURRENT'), `${served}\n`);

const service = spawnServiceProcess(
  { MODELS_DIR: copy, ORT_THREADS: String(config.ortThreads), MODEL_WATCH_MS: '500', LOG_LEVEL: 'info' },
  childEnv({}),
);
try {
  const url = await service.url();
  await service.waitFor((l) => l.msg === 'ready');
  console.log(`model-service switch bench — node ${process.version}, ${new Date().toISOString()}`);
  line('versions', `${served} (served) and ${other}, ORT_THREADS=${config.ortThreads}, ${connections} connections`);

  const predict = (duration: number) =>
    autocannon({
      url: `${url}/predict`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: SENTENCE }),
      connections,
      duration,
    });
  await predict(1); // warm-up

  // 1. Hot switch under load.
  const steady = await predict(switchSeconds);
  const mark = service.lines.length;
  let target = served;
  const switcher = setInterval(() => {
    target = target === served ? other : served;
    // As promote and rollback write it: a complete temporary file renamed over CURRENT.
    void writeFile(path.join(copy, 'CURRENT.tmp'), `${target}\n`).then(() => rename(path.join(copy, 'CURRENT.tmp'), path.join(copy, 'CURRENT')));
  }, SWITCH_EVERY_MS);
  const switching = await predict(switchSeconds);
  clearInterval(switcher);
  await new Promise((r) => setTimeout(r, 1500));
  const switches = service.lines.slice(mark).filter((l) => l.msg === 'model switched' && l.role === 'champion');
  const failedLoads = service.lines.slice(mark).filter((l) => String(l.msg).startsWith('model switch failed'));
  const bad = (r: Awaited<ReturnType<typeof autocannon>>) => r.errors + r.timeouts + r.non2xx;
  line(
    'hot switch: requests',
    `${switching.requests.total} during ${switchSeconds} s with ${switches.length} switches (${failedLoads.length} failed loads)`,
  );
  line('hot switch: failed requests', `${bad(switching)} (errors ${switching.errors}, timeouts ${switching.timeouts}, non-2xx ${switching.non2xx})`);
  line('hot switch: load time per switch', `${switches.map((l) => `${String(l.loadMs)} ms`).join(', ') || '–'} (new session beside the old one)`);
  line(
    'latency p50 / p99 / max',
    `steady ${steady.latency.p50} / ${steady.latency.p99} / ${steady.latency.max} ms (${steady.requests.average.toFixed(0)} req/s, ${bad(steady)} failed); ` +
      `switching ${switching.latency.p50} / ${switching.latency.p99} / ${switching.latency.max} ms (${switching.requests.average.toFixed(0)} req/s)`,
  );
  // Leave the served version as it was before the shadow rounds.
  if (target !== served) {
    const back = service.lines.length;
    await writeFile(path.join(copy, 'CURRENT'), `${served}\n`);
    await service.waitFor((l) => l.msg === 'model switched' && l.to === served && service.lines.indexOf(l) >= back);
  }

  // 2. Shadow cost, alternating rounds.
  const results: Record<'without' | 'with', Array<{ reqPerSec: number; p50: number; p99: number; cpuMs: number | undefined; bad: number }>> = {
    without: [],
    with: [],
  };
  const setShadow = async (on: boolean) => {
    const at = service.lines.length;
    if (on) await writeFile(path.join(copy, 'SHADOW'), `${other}\n`);
    else await rm(path.join(copy, 'SHADOW'), { force: true });
    await service.waitFor(
      (l) => (on ? l.msg === 'model switched' && l.role === 'shadow' : l.msg === 'shadow stopped') && service.lines.indexOf(l) >= at,
    );
    await predict(1);
  };
  for (let r = 0; r < rounds; r++) {
    for (const mode of ['without', 'with'] as const) {
      if (mode === 'with') await setShadow(true);
      const cpuStart = processCpuMs(service.child.pid);
      const result = await predict(seconds);
      const cpuEnd = processCpuMs(service.child.pid);
      results[mode].push({
        reqPerSec: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        cpuMs: cpuStart === undefined || cpuEnd === undefined ? undefined : (cpuEnd - cpuStart) / result.requests.total,
        bad: bad(result),
      });
      if (mode === 'with') await setShadow(false);
    }
  }
  const summary = (mode: 'without' | 'with') => {
    const rs = results[mode];
    const cpu = rs.every((x) => x.cpuMs !== undefined) ? median(rs.map((x) => x.cpuMs!)) : undefined;
    return { reqPerSec: median(rs.map((x) => x.reqPerSec)), p50: median(rs.map((x) => x.p50)), p99: median(rs.map((x) => x.p99)), cpu, rounds: rs };
  };
  const [without, withShadow] = [summary('without'), summary('with')];
  for (const [name, s] of [
    ['predict, no shadow', without],
    [`predict, shadow ${other}`, withShadow],
  ] as const) {
    line(
      name,
      `${s.reqPerSec.toFixed(0)} req/s (rounds ${s.rounds.map((x) => x.reqPerSec.toFixed(0)).join(', ')}), p50 ${s.p50} ms, p99 ${s.p99} ms` +
        (s.cpu === undefined ? '' : `, service CPU ${(s.cpu * 1000).toFixed(0)} µs per request`) +
        `, ${s.rounds.reduce((n, x) => n + x.bad, 0)} failed`,
    );
  }
  line(
    'shadow cost',
    `throughput ×${(withShadow.reqPerSec / without.reqPerSec).toFixed(2)}` +
      (withShadow.cpu !== undefined && without.cpu !== undefined
        ? `, CPU per request +${((withShadow.cpu - without.cpu) * 1000).toFixed(0)} µs (×${(withShadow.cpu / without.cpu).toFixed(2)})`
        : ''),
  );
} finally {
  service.child.kill('SIGTERM');
  await once(service.child, 'exit');
  await rm(root, { recursive: true, force: true });
}
