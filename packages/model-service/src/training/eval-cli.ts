/**
 * `npm run eval -- --data <csv> [--data <csv> …] [--model <dir>] [--json]`
 *
 * Scores a model version on labelled CSVs through ONNX Runtime (the serving path) and prints
 * accuracy, macro-F1, per-label precision/recall/F1 and the confusion matrix.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LABELS } from '@sentiment/core';
import { currentModelDir } from '../serving/artifacts.ts';
import { argmaxRows, computeMetrics, formatMetrics } from './metrics.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { DataError, readLabelledCsv } from './csv.ts';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, UsageError, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';

const USAGE = `Usage: npm run eval -- --data <csv> [--data <csv> ...] [--model <dir>] [--json]

Prints the metrics of a model version on labelled CSV files (same formats as train).

Options:
  --data <csv>     labelled CSV file (repeatable, at least one)
  --model <dir>    model version folder (default: the version in the package's models/CURRENT)
  --batch <n>      texts per ONNX run (default 256)
  --json           print the metrics as JSON instead of tables
  -h, --help       show this help

Exit codes: 0 done, 1 bad input data or model, 2 bad command line.`;

async function main(): Promise<number> {
  const callerCwd = readCallerCwd();
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        data: { type: 'string', multiple: true },
        model: { type: 'string' },
        batch: { type: 'string', default: '256' },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (!values.data || values.data.length === 0) throw new UsageError('at least one --data <csv> is required');
    if (!/^[1-9][0-9]{0,4}$/.test(values.batch)) throw new UsageError(`--batch must be a positive integer, got ${JSON.stringify(values.batch)}`);
  } catch (error) {
    console.error(`eval: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const batchSize = Number(values.batch);
  let modelDir: string;
  try {
    modelDir = values.model ? resolveFromCaller(values.model, callerCwd) : await currentModelDir(PACKAGE_MODELS_DIR);
  } catch (error) {
    console.error(`eval: ${(error as Error).message}`);
    return EXIT_DATA;
  }
  let predictor;
  try {
    predictor = await loadOnnxPredictor(modelDir, { threads: 1 });
  } catch (error) {
    console.error(`eval: cannot load the model in ${modelDir}: ${(error as Error).message}`);
    return EXIT_DATA;
  }
  try {
    for (const file of values.data) {
      let data;
      try {
        data = await readLabelledCsv(resolveFromCaller(file, callerCwd));
      } catch (error) {
        if (error instanceof DataError) {
          console.error(`eval: ${error.message}`);
          return EXIT_DATA;
        }
        throw error;
      }
      const predicted: number[] = [];
      for (let start = 0; start < data.texts.length; start += batchSize) {
        const probs = await predictor.predict(data.texts.slice(start, start + batchSize));
        const flat = probs.flatMap((p) => predictor.labels.map((label) => p[label]));
        // Map the model's output order onto LABELS order for scoring.
        predicted.push(...argmaxRows(flat, predictor.labels.length).map((i) => LABELS.indexOf(predictor.labels[i]!)));
      }
      const metrics = computeMetrics(
        LABELS,
        data.labels.map((label) => LABELS.indexOf(label)),
        predicted,
      );
      if (values.json) {
        console.log(JSON.stringify({ file: path.basename(data.file), sha256: data.sha256, modelVersion: predictor.modelVersion, metrics }));
      } else {
        console.log(`${data.file} (sha256 ${data.sha256.slice(0, 12)}…) with model ${predictor.modelVersion}\n${formatMetrics(metrics)}\n`);
      }
    }
  } finally {
    await predictor.close();
  }
  return 0;
}

process.exitCode = await main();
