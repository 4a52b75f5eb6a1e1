/**
 * Review-console benchmark (prints figures; not a timed test): `npm run bench:console -w packages/functions`.
 * Seeds DynamoDB Local (the store `npm start` runs, on disk in a temporary folder) with 100,000 reviews
 * over three model versions and 60 days (ISEAR sentences when `../shared/data/isear/train.csv` is there,
 * else synthetic ones; ~60 % approved, ~10 % blind, ~2 % corrected, a quarter with a shadow answer),
 * written with BatchWriteItem, and the stats items counted from the seeded reviews (as the repair command
 * would from a scan) and written with them. Then, through the real local HTTP adapter with the operator
 * token, it times the first page of `GET /api/reviews` (no filter, label, word, confusion cell) and
 * `GET /api/stats` (one version whole, one version with partial days, all versions), median and p95 over
 * `--runs`; sends 100 real corrections and deletions through the API, each twice (a double click, a retried
 * delete); and finally checks that every stats answer equals a recount of ONE full scan of the table.
 * Options: `--reviews 100000`, `--runs 30`, `--data <csv>`, `--in-memory` (DynamoDB Local without disk).
 */
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { BatchWriteCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { parse } from 'csv-parse/sync';
import { pino } from 'pino';
import { LABELS, StatsResponseSchema, type Label, type StoredReview } from '@sentiment/core';
import { generateSecret } from '@sentiment/core/trust';
import { createDocumentClient } from '../src/clients.ts';
import { startApiServer } from '../src/local/api-server.ts';
import { ensureReviewsTable, startLocalDynamo } from '../src/local/dynamo.ts';
import { countersOf, dayOf, toItem } from '../src/review/items.ts';
import { statsFromCounters } from '../src/review/stats.ts';
import { createReviewStore, TOTAL_SCOPE } from '../src/review/store.ts';

const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');
const { values } = parseArgs({
  options: {
    reviews: { type: 'string', default: '100000' },
    runs: { type: 'string', default: '30' },
    data: { type: 'string', default: resolve(REPO_ROOT, '../shared/data/isear/train.csv') },
    'in-memory': { type: 'boolean', default: false },
  },
});
const TOTAL = Number(values.reviews);
const RUNS = Number(values.runs);
const TABLE = 'reviews-bench';
const VERSIONS = ['2025-01-10-a', '2025-02-20-b', '2025-03-30-c'];
const START = Date.parse('2025-02-01T00:00:00.000Z');
const DAYS = 60;

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function sentences(): { texts: string[]; source: string } {
  if (existsSync(values.data)) {
    const rows = parse<{ text: string }>(readFileSync(values.data), { columns: true, skip_empty_lines: true });
    return { texts: rows.map((r) => r.text.replace(/\s+/g, ' ').trim()).filter(Boolean), source: 'ISEAR sentences' };
  }
  const words = 'I was so angry when my friend lied to me about the exam and felt ashamed afraid alone at home'.split(' ');
  const rand = random(3);
  const texts = Array.from({ length: 5000 }, () =>
    Array.from({ length: 8 + Math.floor(rand() * 20) }, () => words[Math.floor(rand() * words.length)]).join(' '),
  );
  return { texts, source: 'synthetic sentences (no ISEAR file)' };
}

function probabilitiesWithTop(top: Label, rand: () => number): StoredReview['probabilities'] {
  const raw = LABELS.map((label) => (label === top ? 2 + rand() * 6 : rand()));
  const sum = raw.reduce((a, b) => a + b, 0);
  return Object.fromEntries(LABELS.map((label, i) => [label, raw[i]! / sum])) as StoredReview['probabilities'];
}

function seedReview(i: number, texts: string[], rand: () => number): StoredReview {
  const createdAt = new Date(START + Math.floor(rand() * DAYS * 86_400_000)).toISOString();
  const modelVersion = VERSIONS[Math.min(2, Math.floor((Date.parse(createdAt) - START) / (20 * 86_400_000)))]!;
  const predictedLabel = LABELS[Math.floor(rand() * 7)]!;
  const agree = rand() < 0.62;
  const label: Label = agree ? predictedLabel : LABELS[Math.floor(rand() * 7)]!;
  const blind = rand() < 0.1;
  const corrected = rand() < 0.02;
  const action = corrected ? 'corrected' : blind ? 'blind' : label === predictedLabel ? 'approved' : 'revised';
  const shadowLabel = rand() < 0.65 ? label : LABELS[Math.floor(rand() * 7)]!;
  return {
    id: randomUUID(),
    text: texts[i % texts.length]!,
    predictedLabel,
    label,
    action,
    modelVersion,
    probabilities: probabilitiesWithTop(predictedLabel, rand),
    createdAt,
    updatedAt: createdAt,
    ...(blind ? { blind: true } : {}),
    ...(corrected ? { correctedBy: 'operator:bench', correctedAt: createdAt } : {}),
    ...(rand() < 0.25 ? { shadow: { modelVersion: 'shadow-d', label: shadowLabel, probabilities: probabilitiesWithTop(shadowLabel, rand) } } : {}),
  };
}

function summary(ms: number[]): { median: number; p95: number } {
  const sorted = [...ms].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
  return { median: Math.round(at(0.5) * 10) / 10, p95: Math.round(at(0.95) * 10) / 10 };
}

const dir = values['in-memory'] ? undefined : await mkdtemp(join(tmpdir(), 'bench-console-'));
let started = performance.now();
const dynamo = await startLocalDynamo(dir ? { path: dir } : {});
const startMs = performance.now() - started;
const client = createDocumentClient({ endpoint: dynamo.endpoint });
await ensureReviewsTable(client, TABLE);
const store = createReviewStore({ client, tableName: TABLE });
const operatorToken = generateSecret();
const api = await startApiServer({
  port: 0,
  tableName: TABLE,
  endpoint: dynamo.endpoint,
  logger: pino({ level: 'silent' }),
  ensureTable: false,
  predictionSecret: generateSecret(),
  operatorToken,
});
const auth = { authorization: `Bearer ${operatorToken}` };

try {
  const { texts, source } = sentences();
  console.log(`DynamoDB Local ready in ${Math.round(startMs)} ms (${dir ? 'on disk' : 'in memory'}); seeding ${TOTAL} reviews from ${source}`);
  const rand = random(42);
  const reviews = Array.from({ length: TOTAL }, (_, i) => seedReview(i, texts, rand));
  started = performance.now();
  const batches: StoredReview[][] = [];
  for (let i = 0; i < reviews.length; i += 25) batches.push(reviews.slice(i, i + 25));
  // A few batches in flight; unprocessed items are sent again.
  let next = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      while (next < batches.length) {
        let requests = batches[next++]!.map((review) => ({ PutRequest: { Item: toItem(review, randomUUID()) } }));
        while (requests.length) {
          const out = await client.send(new BatchWriteCommand({ RequestItems: { [TABLE]: requests } }));
          requests = (out.UnprocessedItems?.[TABLE] ?? []) as typeof requests;
        }
      }
    }),
  );
  // The counters of the seeded reviews, per version and day and per version in total (what rebuildStats writes).
  const buckets = new Map<string, Map<string, number>>();
  for (const review of reviews) {
    for (const key of [`${review.modelVersion}\n${dayOf(review.createdAt)}`, `${TOTAL_SCOPE}\n${review.modelVersion}`]) {
      const counters = buckets.get(key) ?? new Map<string, number>();
      for (const name of countersOf(review)) counters.set(name, (counters.get(name) ?? 0) + 1);
      buckets.set(key, counters);
    }
  }
  for (const [key, counters] of buckets) {
    const [scope, bucket] = key.split('\n') as [string, string];
    await client.send(new PutCommand({ TableName: `${TABLE}-stats`, Item: { scope, bucket, ...Object.fromEntries(counters) } }));
  }
  const seedMs = performance.now() - started;
  console.log(`seeded in ${(seedMs / 1000).toFixed(1)} s (BatchWriteItem, and ${buckets.size} stats items counted from the seeded reviews)`);

  async function time(path: string): Promise<{ median: number; p95: number; detail: string }> {
    const ms: number[] = [];
    let detail = '';
    for (let run = 0; run < RUNS; run++) {
      const t = performance.now();
      const response = await fetch(`${api.url}${path}`, { headers: auth });
      const body = (await response.json()) as { reviews?: unknown[] | number; nextCursor?: string | null };
      ms.push(performance.now() - t);
      if (response.status !== 200) throw new Error(`${path}: ${response.status} ${JSON.stringify(body)}`);
      detail = Array.isArray(body.reviews) ? `${body.reviews.length} reviews${body.nextCursor ? ', more' : ''}` : `${body.reviews} reviews counted`;
    }
    return { ...summary(ms), detail };
  }

  const v = VERSIONS[1]!;
  const rare = texts.length > 1000 ? 'tornado' : 'ashamed';
  const lists: [string, string][] = [
    ['first page, no filter', '/api/reviews'],
    ['first page, label=fear', '/api/reviews?label=fear'],
    ['first page, q=friend', '/api/reviews?q=friend'],
    [`first page, q=${rare} (rare word)`, `/api/reviews?q=${rare}`],
    ['confusion cell: version + label + predictedLabel', `/api/reviews?modelVersion=${v}&label=sadness&predictedLabel=fear`],
    ['first page, maxConfidence=0.3', '/api/reviews?maxConfidence=0.3'],
  ];
  const statsQueries: [string, string][] = [
    ['stats, one version (whole range)', `/api/stats?modelVersion=${v}`],
    ['stats, one version, 10 days with partial edge days', `/api/stats?modelVersion=${v}&from=2025-02-25T13:30:00Z&to=2025-03-07T09:15:00Z`],
    ['stats, all versions (whole range)', '/api/stats'],
    ['stats, all versions, 30 days with partial edge days', '/api/stats?from=2025-02-10T06:00:00Z&to=2025-03-12T18:00:00Z'],
  ];
  console.log(`\n${RUNS} runs each, through the local HTTP adapter (ms):`);
  console.log('| request | median | p95 | answer |');
  console.log('| --- | ---: | ---: | --- |');
  for (const [name, path] of [...lists, ...statsQueries]) {
    const r = await time(path);
    console.log(`| ${name} | ${r.median} | ${r.p95} | ${r.detail} |`);
  }

  // Real operator writes through the API: corrections, deletions (and their retries), then exactness again.
  started = performance.now();
  const page = (await (await fetch(`${api.url}/api/reviews?modelVersion=${v}&limit=100`, { headers: auth })).json()) as { reviews: StoredReview[] };
  for (const [i, review] of page.reviews.entries()) {
    const url = `${api.url}/api/reviews/${review.id}`;
    if (i % 3 === 0) {
      await fetch(url, { method: 'DELETE', headers: auth });
      await fetch(url, { method: 'DELETE', headers: auth }); // a retried delete: 404, nothing counted twice
    } else {
      const label = LABELS[(LABELS.indexOf(review.label) + 1 + (i % 6)) % 7]!;
      const patch = { method: 'PATCH', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ label }) };
      await Promise.all([fetch(url, patch), fetch(url, patch)]); // a double click
    }
  }
  const writesMs = performance.now() - started;
  console.log(`\n${page.reviews.length} operator writes (each sent twice) in ${(writesMs / 1000).toFixed(1)} s`);

  // One full scan, every stats query's selection recounted from it, compared with the API's answers.
  started = performance.now();
  const answers = await Promise.all(
    statsQueries.map(async ([, path]) => StatsResponseSchema.parse(await (await fetch(`${api.url}${path}`, { headers: auth })).json())),
  );
  const recounts = answers.map(() => new Map<string, number>());
  let scanned = 0;
  for await (const review of store.scanReviews()) {
    scanned++;
    answers.forEach((stats, i) => {
      if (stats.modelVersion !== null && review.modelVersion !== stats.modelVersion) return;
      if (stats.from !== null && review.createdAt < stats.from) return;
      if (stats.to !== null && review.createdAt >= stats.to) return;
      for (const name of countersOf(review)) recounts[i]!.set(name, (recounts[i]!.get(name) ?? 0) + 1);
    });
  }
  const equal = answers.map((stats, i) => JSON.stringify(stats) === JSON.stringify(statsFromCounters(recounts[i]!, stats)));
  statsQueries.forEach(([name], i) => console.log(`  ${name}: ${equal[i] ? 'equal' : 'MISMATCH'}`));
  console.log(
    `stats equal to a recount of one full scan (${scanned} reviews, ${((performance.now() - started) / 1000).toFixed(1)} s) after the seeding and the operator writes: ${equal.every(Boolean)}`,
  );
  process.exitCode = equal.every(Boolean) ? 0 : 1;
} finally {
  await api.close();
  client.destroy();
  await dynamo.close();
  if (dir) await rm(dir, { recursive: true, force: true });
}
