/**
 * `npm run bench:explain -w packages/model-service`: prints figures, asserts nothing.
 *
 * What confidence and explanations cost, on the served model (MODEL_DIR or models/CURRENT), one
 * sentence per call, CPU time of the process per call, in one process with the variants interleaved
 * round by round (the machine is noisy: compare the ratios of one run):
 * - `predict`: probabilities only (the path before confidence existed);
 * - `score`: probabilities and confidence (what every `POST /predict` now calls);
 * - `score + explain`: what `POST /predict` with `"explain": true` calls.
 * Also the memory the explanations keep: the weight table read out of `model.onnx`.
 *
 * Env: BENCH_ROUNDS (default 5), BENCH_CALLS (per variant and round, default 400).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LABELS, normalizeText, type Label } from '@sentiment/core';
import { MODEL_FILES } from '../src/serving/artifacts.ts';
import { loadOnnxPredictor } from '../src/serving/onnx-predictor.ts';
import { readLinearWeights } from '../src/serving/onnx-weights.ts';
import { readExplainBenchEnv } from './env.ts';

const { rounds, calls, modelDir } = readExplainBenchEnv();

const SENTENCES = [
  'I was terrified when a man with a knife followed me home in the dark.',
  'My brother forgot my birthday again and I felt it was my fault.',
  'Our teacher told me the exam results were excellent.',
  'A stranger on the bus laughed when I tripped on the stairs at the wedding.',
  'The neighbours left rotting food in the kitchen for a week, while I just stood there and watched, unable to say anything at all.',
  'qwzx vbnm',
].map((text) => normalizeText(text));

const predictor = await loadOnnxPredictor(modelDir, { threads: 1 });
if (!predictor.explain) throw new Error(`${modelDir} cannot be explained`);
const explain = (text: string, label: Label) => predictor.explain!(text, label);

const best = (p: Record<Label, number>) => LABELS.reduce((a, b) => (p[b] > p[a] ? b : a));
const variants: Record<string, (text: string) => Promise<unknown>> = {
  predict: (text) => predictor.predict([text]),
  score: (text) => predictor.score([text]),
  'score + explain': async (text) => {
    const [scored] = await predictor.score([text]);
    return explain(text, best(scored!.probabilities));
  },
};

// Warm-up, then interleaved rounds; the median round per variant is reported.
for (const run of Object.values(variants)) for (let i = 0; i < 200; i++) await run(SENTENCES[i % SENTENCES.length]!);
const perCall: Record<string, number[]> = Object.fromEntries(Object.keys(variants).map((name) => [name, []]));
for (let round = 0; round < rounds; round++) {
  for (const [name, run] of Object.entries(variants)) {
    // CPU time of the process (all threads), not wall time: on a shared machine waiting for a core inflates the latter.
    const start = process.cpuUsage();
    for (let i = 0; i < calls; i++) await run(SENTENCES[i % SENTENCES.length]!);
    const used = process.cpuUsage(start);
    perCall[name]!.push((used.user + used.system) / calls);
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const base = median(perCall['predict']!);
console.log(`model ${path.basename(modelDir)}, ${rounds} rounds × ${calls} calls per variant, one sentence per call, CPU time (median round)`);
for (const [name, values] of Object.entries(perCall)) {
  const m = median(values);
  console.log(`${name.padEnd(18)} ${m.toFixed(1).padStart(7)} µs CPU/call  ×${(m / base).toFixed(3)} of predict`);
}

const weights = readLinearWeights(await readFile(path.join(modelDir, MODEL_FILES.onnx)));
const tableBytes = weights.table.byteLength + weights.bias.byteLength;
console.log(
  `weight table kept for explanations: ${(tableBytes / 2 ** 20).toFixed(2)} MiB (${weights.table.length / weights.classes} rows × ${weights.classes} float32)`,
);
await predictor.close();
