/**
 * `npm run bench -w packages/model-service`: prints figures, asserts nothing.
 *
 * 1. Model only: the real ONNX predictor on the served model (MODEL_DIR or models/CURRENT),
 *    time per sentence at batch 1 and batch 64 (tokenising and, for a joint model, the sentence
 *    encoder included), after a warm-up; wall time and this process's CPU time (on a shared
 *    machine wall time includes waiting for a core). Then the same for BENCH_BASELINE_DIR
 *    (default isear-v3) in the same run, so the two compare. Issue 11's target: ≤ 5 ms per
 *    sentence at batch 1 with the encoder.
 * 2. HTTP: the real service process (`src/main.ts`, LOG_LEVEL=info so request logging is paid for,
 *    stdout discarded) on 127.0.0.1, loaded by autocannon from this process: `POST /predict` beside
 *    the bare `GET /healthz` of the same Koa app. Load generator and server share this machine's
 *    cores, so the figures are a floor for a dedicated host.
 *
 * 3. The predict overhead: 1 / (POST /predict req/s) − 1 / (GET /healthz req/s) − the model's own
 *    time at batch 1 on the sentence the HTTP run posts, i.e. what each prediction pays beyond the
 *    bare route and the model (body parsing, validation, text rules, logging, metrics, JSON).
 *    Issue 10's target is at most 0.05 ms. The same difference in CPU time (the service's threads
 *    from /proc, the model's from process.cpuUsage) is printed beside it where /proc exists: on a
 *    shared machine, waiting for a core inflates 1/req/s but not CPU time. The same difference is also
 *    taken within each round (the model measured again for 1 s right after the round's two routes)
 *    and its median printed, so a load that drifts between rounds moves all three terms together.
 *    The service batches the requests it reads in one event-loop turn (`src/serving/batcher.ts`); the
 *    bench reads the mean texts per run from `/metrics` (`model_run_texts`) and prints the same
 *    difference once more with the model measured at that batch size, so the batching's saving is
 *    shown apart from the route's own overhead.
 *
 * Env: BENCH_SECONDS (per HTTP round, default 5), BENCH_ROUNDS (alternating rounds per route, default 3), BENCH_CONNECTIONS (default 10), ORT_THREADS (default 1).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import autocannon from 'autocannon';
import { normalizeText } from '@sentiment/core';
import { PACKAGE_DIR } from '../src/config.ts';
import { loadOnnxPredictor } from '../src/serving/onnx-predictor.ts';
import { SERVICE_NODE_FLAGS } from '../src/node-flags.ts';
import { childEnv, readHttpBenchEnv } from './env.ts';

const { config, seconds, connections, rounds, baselineDir } = readHttpBenchEnv();

// Made-up sentences in the style of ISEAR answers (not ISEAR itself), 5 to 40 words.
const SUBJECTS = ['I', 'My brother', 'Our teacher', 'A stranger on the bus', 'My best friend', 'The neighbours'];
const EVENTS = [
  'shouted at me in front of everyone',
  'forgot my birthday again',
  'told me the exam results were excellent',
  'was hurt in a car accident late at night',
  'lied to my parents about where we had been',
  'left rotting food in the kitchen for a week',
  'passed away after a long illness',
  'laughed when I tripped on the stairs at the wedding',
];
const TAILS = ['', ' and I could not sleep', ' and I felt it was my fault', ' while I just stood there and watched, unable to say anything at all'];
const SENTENCES = Array.from({ length: 64 }, (_, i) =>
  normalizeText(`${SUBJECTS[i % SUBJECTS.length]} ${EVENTS[(i * 5) % EVENTS.length]}${TAILS[(i * 3) % TAILS.length]}.`),
);

/** The sentence `POST /predict` sends; its model-only time enters the overhead figure. */
const HTTP_SENTENCE = SENTENCES[5]!;
/** Issue 10: predict overhead at most this many milliseconds per request. */
const OVERHEAD_TARGET_MS = 0.05;

function line(label: string, value: string): void {
  console.log(`${label.padEnd(44)} ${value}`);
}

/**
 * CPU time in ms used so far by all threads of process `pid` (Linux `/proc/<pid>/task/<tid>/schedstat`,
 * nanoseconds on CPU); undefined where /proc is missing. Threads that ended earlier are not counted.
 */
function processCpuMs(pid: number): number | undefined {
  try {
    let ns = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    return ns / 1e6;
  } catch {
    return undefined;
  }
}

/** Resident memory of process `pid` in MiB (Linux `/proc/<pid>/status`): now and peak; undefined where /proc is missing. */
function processMemoryMiB(pid: number): { rss: number; peak: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kib = (field: string) => Number(/(\d+) kB/.exec(status.split('\n').find((l) => l.startsWith(field)) ?? '')?.[1]);
    return { rss: kib('VmRSS:') / 1024, peak: kib('VmHWM:') / 1024 };
  } catch {
    return undefined;
  }
}

/** Figures per unit of work: wall time and CPU time, in ms. */
interface Cost {
  wallMs: number;
  cpuMs: number | undefined;
}

/** Issue 11: the served prediction, sentence encoder included, at most this many ms per sentence at batch 1. */
const ENCODER_TARGET_MS = 5;

/**
 * Model-only figures of the model in `modelDir`; returns the cost of one call at batch 1 on
 * {@link HTTP_SENTENCE}, and `again` to measure that once more (1 s) beside each HTTP round, then `close`.
 */
async function modelOnly(
  modelDir: string,
): Promise<{ http: Cost; again(): Promise<Cost>; atBatch(batch: number): Promise<Cost>; close(): Promise<void> }> {
  const loadStart = performance.now();
  const predictor = await loadOnnxPredictor(modelDir, { threads: config.ortThreads });
  line(
    'model',
    `${predictor.modelVersion} (${modelDir.replace(PACKAGE_DIR, '')}), ORT_THREADS=${config.ortThreads}${predictor.encoderLogits ? ', with the sentence encoder' : ''}`,
  );
  line('session load', `${(performance.now() - loadStart).toFixed(0)} ms`);
  for (let i = 0; i < 20; i++) await predictor.predict(SENTENCES.slice(0, 8)); // warm-up

  const measure = async (batch: number, budgetMs: number, only?: string) => {
    let sentences = 0;
    const start = performance.now();
    const cpuStart = process.cpuUsage();
    for (let i = 0; performance.now() - start < budgetMs; i++) {
      const texts = only !== undefined ? [only] : batch === 1 ? [SENTENCES[i % SENTENCES.length]!] : SENTENCES.slice(0, batch);
      await predictor.predict(texts);
      sentences += texts.length;
    }
    const cpu = process.cpuUsage(cpuStart);
    return { wallMs: (performance.now() - start) / sentences, cpuMs: (cpu.user + cpu.system) / 1000 / sentences };
  };
  const b1 = await measure(1, 2_000);
  const b64 = await measure(64, 2_000);
  const http = await measure(1, 2_000, HTTP_SENTENCE);
  const verdict = (cost: Cost) =>
    predictor.encoderLogits
      ? ` (target ≤ ${ENCODER_TARGET_MS} ms with the encoder: wall ${cost.wallMs <= ENCODER_TARGET_MS ? 'met' : 'not met'}, CPU ${cost.cpuMs !== undefined && cost.cpuMs <= ENCODER_TARGET_MS ? 'met' : 'not met'})`
      : '';
  const figures = (cost: Cost) =>
    `${(cost.wallMs * 1000).toFixed(1)} µs per sentence (${(1000 / cost.wallMs).toFixed(0)} sentences/s), CPU ${((cost.cpuMs ?? Number.NaN) * 1000).toFixed(1)} µs`;
  line('model only, batch 1', figures(b1) + verdict(b1));
  line('model only, batch 64', figures(b64));
  line('model only, batch 1, the HTTP sentence', `${(http.wallMs * 1000).toFixed(1)} µs (CPU ${(http.cpuMs * 1000).toFixed(1)} µs)`);
  return {
    http,
    again: () => measure(1, 1_000, HTTP_SENTENCE),
    // Per text, `batch` copies of the HTTP sentence in one call: the model's cost at the batch size the service formed.
    atBatch: async (batch: number) => {
      const start = performance.now();
      const cpuStart = process.cpuUsage();
      const texts = Array.from({ length: batch }, () => HTTP_SENTENCE);
      let sentences = 0;
      while (performance.now() - start < 1_000) {
        await predictor.predict(texts);
        sentences += batch;
      }
      const cpu = process.cpuUsage(cpuStart);
      return { wallMs: (performance.now() - start) / sentences, cpuMs: (cpu.user + cpu.system) / 1000 / sentences };
    },
    close: () => predictor.close(),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** One round of each route and the model beside them: the costs of one request and one model call. */
interface RoundCosts {
  healthz: Cost;
  predict: Cost;
  model: Cost;
}

/**
 * HTTP figures; returns the cost of one request of each route (wall = 1 / median req/s) and, per
 * round, both routes' costs with the model's measured right after them (`modelRound`).
 */
async function http(modelRound: () => Promise<Cost>): Promise<{ healthz: Cost; predict: Cost; perRound: RoundCosts[]; textsPerRun: number }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, 'src/main.ts'], {
    cwd: PACKAGE_DIR,
    env: childEnv({ PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info', MODEL_DIR: config.modelDir }),
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const ok = await fetch(`${url}/readyz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
      if (Date.now() > deadline || child.exitCode !== null) throw new Error('service did not become ready');
      await sleep(200);
    }
    interface Round {
      reqPerSec: number;
      p50: number;
      p99: number;
      bad: number;
      cpuMs: number | undefined;
    }
    const runTexts = async (): Promise<{ sum: number; count: number }> => {
      const text = await (await fetch(`${url}/metrics`)).text();
      const read = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
      return { sum: read('model_run_texts_sum'), count: read('model_run_texts_count') };
    };
    const batching = { texts: 0, runs: 0 };
    const load = async (options: { method?: string; path: string; body?: string }, duration: number): Promise<Round> => {
      const runsStart = options.path === '/predict' ? await runTexts() : undefined;
      const cpuStart = child.pid === undefined ? undefined : processCpuMs(child.pid);
      const result = await autocannon({
        url: `${url}${options.path}`,
        method: options.method ?? 'GET',
        headers: options.body ? { 'content-type': 'application/json' } : {},
        body: options.body,
        connections,
        duration,
      });
      const cpuEnd = child.pid === undefined ? undefined : processCpuMs(child.pid);
      if (runsStart) {
        const runsEnd = await runTexts();
        batching.texts += runsEnd.sum - runsStart.sum;
        batching.runs += runsEnd.count - runsStart.count;
      }
      return {
        reqPerSec: result.requests.average,
        p50: result.latency.p50,
        p99: result.latency.p99,
        bad: result.errors + result.timeouts + result.non2xx,
        cpuMs: cpuStart === undefined || cpuEnd === undefined ? undefined : (cpuEnd - cpuStart) / result.requests.total,
      };
    };
    const routes = {
      healthz: { name: 'GET /healthz (bare route)', options: { path: '/healthz' }, rounds: [] as Round[] },
      predict: {
        name: 'POST /predict',
        options: { method: 'POST', path: '/predict', body: JSON.stringify({ text: HTTP_SENTENCE }) },
        rounds: [] as Round[],
      },
    };
    line(
      'HTTP load',
      `autocannon, ${connections} connections, 127.0.0.1, after 1 s of warm-up per route: ${rounds} alternating rounds of ${seconds} s per route, medians`,
    );
    for (const route of Object.values(routes)) await load(route.options, 1); // JIT and lazy start-up costs
    const perRound: RoundCosts[] = [];
    for (let r = 0; r < rounds; r++) {
      for (const route of Object.values(routes)) route.rounds.push(await load(route.options, seconds));
      const cost = (x: Round): Cost => ({ wallMs: 1000 / x.reqPerSec, cpuMs: x.cpuMs });
      perRound.push({ healthz: cost(routes.healthz.rounds[r]!), predict: cost(routes.predict.rounds[r]!), model: await modelRound() });
    }
    const summary = (route: (typeof routes)[keyof typeof routes]): Cost => {
      const rs = route.rounds;
      const reqPerSec = median(rs.map((x) => x.reqPerSec));
      const cpu = rs.every((x) => x.cpuMs !== undefined) ? median(rs.map((x) => x.cpuMs!)) : undefined;
      const bad = rs.reduce((sum, x) => sum + x.bad, 0);
      line(
        `HTTP ${route.name}`,
        `${reqPerSec.toFixed(0)} req/s (rounds ${rs.map((x) => x.reqPerSec.toFixed(0)).join(', ')}), p50 ${median(rs.map((x) => x.p50))} ms, p99 ${median(rs.map((x) => x.p99))} ms` +
          (bad ? `, ${bad} errors/non-2xx` : '') +
          (cpu === undefined ? '' : `, service CPU ${(cpu * 1000).toFixed(1)} µs per request`),
      );
      return { wallMs: 1000 / reqPerSec, cpuMs: cpu };
    };
    const result = { healthz: summary(routes.healthz), predict: summary(routes.predict), perRound, textsPerRun: batching.texts / batching.runs };
    line(
      'POST /predict: texts per model run',
      `${result.textsPerRun.toFixed(2)} on average (${batching.runs} runs; requests read in the same event-loop turn share a run)`,
    );
    const memory = child.pid === undefined ? undefined : processMemoryMiB(child.pid);
    if (memory) line('service memory after the load', `${memory.rss.toFixed(0)} MiB resident, peak ${memory.peak.toFixed(0)} MiB (target ≤ 300 MiB)`);
    return result;
  } finally {
    child.kill('SIGTERM');
    await once(child, 'exit');
  }
}

console.log(`model-service bench — node ${process.version}, ${new Date().toISOString()}`);
const modelRun = await modelOnly(config.modelDir);
const model = modelRun.http;
if (baselineDir !== config.modelDir) {
  line('beside it, in the same run', '');
  await (await modelOnly(baselineDir)).close();
}
const routes = await http(() => modelRun.again());
const batchOfService = Math.max(1, Math.round(routes.textsPerRun));
const modelAtBatch = await modelRun.atBatch(batchOfService);
await modelRun.close();
const overheadMs = routes.predict.wallMs - routes.healthz.wallMs - model.wallMs;
line(
  'predict overhead',
  `${overheadMs.toFixed(3)} ms per request = 1/predict ${routes.predict.wallMs.toFixed(3)} ms − 1/healthz ${routes.healthz.wallMs.toFixed(3)} ms − model ${model.wallMs.toFixed(3)} ms ` +
    `(target ≤ ${OVERHEAD_TARGET_MS} ms: ${overheadMs <= OVERHEAD_TARGET_MS ? 'met' : 'not met'})`,
);
if (routes.predict.cpuMs !== undefined && routes.healthz.cpuMs !== undefined && model.cpuMs !== undefined) {
  const cpuOverheadMs = routes.predict.cpuMs - routes.healthz.cpuMs - model.cpuMs;
  line(
    'predict overhead, CPU time',
    `${cpuOverheadMs.toFixed(3)} ms per request = predict ${routes.predict.cpuMs.toFixed(3)} ms − healthz ${routes.healthz.cpuMs.toFixed(3)} ms − model ${model.cpuMs.toFixed(3)} ms (service threads; not inflated by waiting for a core)`,
  );
}
// The same difference within each round (both routes, then the model for 1 s): a load that drifts
// between rounds on a shared machine moves all three terms of a round together.
const perRound = routes.perRound.map((r) => r.predict.wallMs - r.healthz.wallMs - r.model.wallMs);
line(
  'predict overhead, median of rounds',
  `${median(perRound).toFixed(3)} ms per request (rounds ${perRound.map((x) => x.toFixed(3)).join(', ')}; model ${routes.perRound.map((r) => r.model.wallMs.toFixed(3)).join(', ')} ms)`,
);
if (routes.perRound.every((r) => r.predict.cpuMs !== undefined && r.healthz.cpuMs !== undefined && r.model.cpuMs !== undefined)) {
  const cpuPerRound = routes.perRound.map((r) => r.predict.cpuMs! - r.healthz.cpuMs! - r.model.cpuMs!);
  line(
    'predict overhead, CPU time, median of rounds',
    `${median(cpuPerRound).toFixed(3)} ms per request (rounds ${cpuPerRound.map((x) => x.toFixed(3)).join(', ')})`,
  );
}
// The service batches the requests it reads in one event-loop turn, so under this load each prediction
// pays the model's cost at that batch size, not at batch 1: the figure above credits that saving to the
// route. The same difference against the model at the service's own batch size leaves it with the model.
const strictMs = routes.predict.wallMs - routes.healthz.wallMs - modelAtBatch.wallMs;
line(
  'predict overhead, model at the batch it ran',
  `${strictMs.toFixed(3)} ms per request = 1/predict − 1/healthz − model ${modelAtBatch.wallMs.toFixed(3)} ms per text at batch ${batchOfService} ` +
    `(CPU ${(routes.predict.cpuMs !== undefined && routes.healthz.cpuMs !== undefined ? routes.predict.cpuMs - routes.healthz.cpuMs - (modelAtBatch.cpuMs ?? Number.NaN) : Number.NaN).toFixed(3)} ms)`,
);
