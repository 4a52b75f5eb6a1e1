/**
 * Export benchmark (prints figures; not a timed test): `npm run bench:export -w packages/functions`.
 * Stores reviews in DynamoDB Local (a child JVM, so its memory is not ours) with BatchWriteItem,
 * then streams `GET /api/getcsv` through the local adapter and reads it to the end, counting rows and
 * bytes while sampling this process's memory. It does this at 10,000 and again at 100,000 reviews: flat
 * memory means the peak growth barely changes although the file is ten times larger.
 * Options: `--sizes 10000,100000`.
 */
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { parseArgs } from 'node:util';
import { BatchWriteCommand } from '@aws-sdk/lib-dynamodb';
import { pino } from 'pino';
import { LABELS, type StoredReview } from '@sentiment/core';
import { generateSecret } from '@sentiment/core/trust';
import { createDocumentClient } from '../src/clients.ts';
import { startApiServer } from '../src/local/api-server.ts';
import { ensureReviewsTable } from '../src/local/dynamo.ts';

const { values } = parseArgs({ options: { sizes: { type: 'string', default: '10000,100000' } } });
const sizes = values.sizes.split(',').map(Number);
const TABLE = 'reviews-bench';
const WORDS = [
  'I',
  'was',
  'so',
  'angry',
  'when',
  'my',
  'friend',
  'lied',
  'to',
  'me',
  'about',
  'the',
  'exam',
  'café',
  'naïve',
  '😀',
  'felt',
  'ashamed',
  'afraid',
  '"really"',
  'home,',
  'night;',
  'alone',
];

function syntheticReview(i: number): StoredReview {
  const length = 12 + (i % 30);
  const words = Array.from({ length }, (_, k) => WORDS[(i * 7 + k * 13) % WORDS.length]);
  const text = `${i % 50 === 0 ? '=' : ''}${words.join(' ')} #${i}`;
  const label = LABELS[i % LABELS.length]!;
  const predictedLabel = LABELS[(i * 3) % LABELS.length]!;
  const weights = LABELS.map((_, k) => 1 + ((i + k) % 5));
  const sum = weights.reduce((a, b) => a + b, 0);
  return {
    id: randomUUID(),
    text,
    predictedLabel,
    label,
    action: label === predictedLabel ? 'approved' : 'revised',
    modelVersion: 'bench-1',
    probabilities: Object.fromEntries(LABELS.map((l, k) => [l, weights[k]! / sum])) as StoredReview['probabilities'],
    createdAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
    updatedAt: new Date(1_700_000_000_000 + i * 1000).toISOString(),
  };
}

const child = spawn(process.execPath, [new URL('./local-dynamo.ts', import.meta.url).pathname], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
const { endpoint } = JSON.parse(line) as { endpoint: string };
const client = createDocumentClient({ endpoint });
await ensureReviewsTable(client, TABLE);
const operatorToken = generateSecret();
const api = await startApiServer({
  port: 0,
  tableName: TABLE,
  endpoint,
  logger: pino({ level: 'silent' }),
  ensureTable: false,
  operatorToken,
  predictionSecret: generateSecret(),
});

async function store(from: number, to: number): Promise<number> {
  const started = performance.now();
  let next = from;
  async function worker(): Promise<void> {
    while (next < to) {
      const batch = [];
      for (let k = 0; k < 25 && next < to; k++) batch.push(syntheticReview(next++));
      let request: Record<string, { PutRequest: { Item: StoredReview } }[]> | undefined = {
        [TABLE]: batch.map((Item) => ({ PutRequest: { Item } })),
      };
      while (request && Object.keys(request).length > 0) {
        const result = await client.send(new BatchWriteCommand({ RequestItems: request }));
        request = result.UnprocessedItems as typeof request;
      }
    }
  }
  await Promise.all(Array.from({ length: 4 }, worker));
  return (performance.now() - started) / 1000;
}

/**
 * One full export. Raw peaks include garbage V8 has not collected yet (it grows the heap before a major
 * GC); with `liveHeap`, a forced GC every 200 ms samples the heap that is really retained.
 */
async function exportOnce(liveHeap = false): Promise<{ rows: number; bytes: number; seconds: number; rssGrowthMiB: number; heapGrowthMiB: number }> {
  globalThis.gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const sample = () => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  };
  // With liveHeap, sample only right after each forced GC, so garbage does not count.
  const sampler = setInterval(liveHeap ? () => undefined : sample, 10);
  const collector =
    liveHeap && globalThis.gc
      ? setInterval(() => {
          globalThis.gc?.();
          sample();
        }, 200)
      : undefined;
  const started = performance.now();
  const response = await fetch(`${api.url}/api/getcsv`, { headers: { authorization: `Bearer ${operatorToken}` } });
  if (response.status !== 200 || !response.body) throw new Error(`getcsv answered ${response.status}`);
  let bytes = 0;
  let lineBreaks = 0;
  for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    // Synthetic texts hold no CR or LF, so every CR LF pair ends a record.
    for (let i = chunk.indexOf(0x0a); i !== -1; i = chunk.indexOf(0x0a, i + 1)) lineBreaks++;
  }
  const seconds = (performance.now() - started) / 1000;
  clearInterval(sampler);
  clearInterval(collector);
  const mib = (n: number) => Math.round((n / 1024 / 1024) * 10) / 10;
  return { rows: lineBreaks - 1, bytes, seconds, rssGrowthMiB: mib(peakRss - base.rss), heapGrowthMiB: mib(peakHeap - base.heapUsed) };
}

try {
  let stored = 0;
  console.log(`node ${process.version}, ${process.platform}; DynamoDB Local in-memory in a child JVM; adapter and reader in this process`);
  for (const size of sizes) {
    const writeSeconds = await store(stored, size);
    stored = size;
    const result = await exportOnce();
    if (result.rows !== size) throw new Error(`exported ${result.rows} rows, expected ${size}`);
    const live = await exportOnce(true);
    if (live.rows !== size) throw new Error(`exported ${live.rows} rows, expected ${size}`);
    console.log(
      `reviews ${size}: stored in ${writeSeconds.toFixed(1)} s (BatchWriteItem x25); export rows ${result.rows}, bytes ${result.bytes} ` +
        `(${(result.bytes / 1024 / 1024).toFixed(1)} MiB), ${result.seconds.toFixed(2)} s, ${Math.round(result.rows / result.seconds)} rows/s, ` +
        `peak RSS growth ${result.rssGrowthMiB} MiB, peak heap growth ${result.heapGrowthMiB} MiB (incl. uncollected garbage); ` +
        `with a GC every 200 ms: live heap growth ${live.heapGrowthMiB} MiB, RSS growth ${live.rssGrowthMiB} MiB`,
    );
  }
} finally {
  await api.close();
  client.destroy();
  child.kill('SIGTERM');
}
