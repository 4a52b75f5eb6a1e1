/**
 * `npm run bench:train -w packages/model-service [-- --reviews 10000 --folds 5 --workers n]`: times
 * a full retrain (`npm run train`, CV included) on ISEAR `train.csv` plus N app reviews, and prints
 * figures; asserts nothing. For CPU time run it under `/usr/bin/time -v` (worker threads count in
 * the training process's user time).
 *
 * The reviews are made up from ISEAR itself (first half of one answer + second half of another
 * with the same label), written as an app export (`EXPORT_COLUMNS`) into a temporary folder, so
 * the vocabulary grows as real new text would. Nothing is written into the repository.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { EXPORT_COLUMNS, LABELS } from '@sentiment/core';
import { readLabelledCsv } from '../src/training/csv.ts';
import { seededRandom } from '../src/training/pipeline.ts';
import { readIsearTrainCsv } from './env.ts';

const PACKAGE_DIR = fileURLToPath(new URL('..', import.meta.url));
const REPO_ROOT = path.join(PACKAGE_DIR, '..', '..');

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    reviews: { type: 'string', default: '10000' },
    folds: { type: 'string', default: '5' },
    isear: { type: 'string', default: readIsearTrainCsv() ?? path.join(REPO_ROOT, '..', 'shared', 'data', 'isear', 'train.csv') },
    'no-glove': { type: 'boolean', default: false },
    workers: { type: 'string' },
  },
});
const count = Number(values.reviews);
if (!existsSync(values.isear)) {
  console.error(`bench:train: ISEAR not found at ${values.isear} (set ISEAR_TRAIN_CSV or --isear)`);
  process.exit(1);
}
const isear = await readLabelledCsv(values.isear);
const random = seededRandom(7);
const byLabel = new Map(LABELS.map((label) => [label, isear.texts.filter((_, i) => isear.labels[i] === label)]));
const quote = (s: string) => `"${s.replaceAll('"', '""')}"`;
const rows: string[] = [];
for (let i = 0; i < count; i++) {
  const label = LABELS[i % LABELS.length]!;
  const pool = byLabel.get(label)!;
  const a = pool[Math.floor(random() * pool.length)]!.split(' ');
  const b = pool[Math.floor(random() * pool.length)]!.split(' ');
  const text = [...a.slice(0, Math.ceil(a.length / 2)), ...b.slice(Math.floor(b.length / 2))].join(' ');
  const created = new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString();
  rows.push([`r${i}`, quote(text), label, label, 'confirmed', 'bench', created, ...LABELS.map(() => '0.142857'), '', ''].join(','));
}
const dir = await mkdtemp(path.join(tmpdir(), 'train-bench-'));
try {
  const reviews = path.join(dir, 'sentiment.csv');
  await writeFile(reviews, `${EXPORT_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`);
  const args = ['src/training/train-cli.ts', '--data', values.isear, '--data', reviews, '--folds', values.folds, '--out', dir, '--version', 'bench'];
  if (values['no-glove']) args.push('--no-glove');
  if (values.workers !== undefined) args.push('--workers', values.workers);
  console.log(`training on ${isear.texts.length} ISEAR rows + ${count} reviews, ${values.folds}-fold CV …`);
  const started = performance.now();
  const child = spawn(process.execPath, args, { cwd: PACKAGE_DIR, stdio: ['ignore', 'ignore', 'inherit'] });
  const [code] = (await once(child, 'exit')) as [number | null];
  const wall = (performance.now() - started) / 1000;
  if (code !== 0) throw new Error(`train exited with ${code}`);
  const info = JSON.parse(await readFile(path.join(dir, 'bench', 'model.json'), 'utf8')) as {
    trainingSeconds: number;
    evaluation: { metrics: { accuracy: number } };
  };
  console.log(
    `wall ${wall.toFixed(1)} s (process start to exit), training ${info.trainingSeconds} s as recorded; CV accuracy ${info.evaluation.metrics.accuracy.toFixed(3)}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
