/**
 * `npm run experiment -w packages/model-service -- --candidate <name> [--data <csv>] [--folds k] [--json]`
 *
 * Scores one model candidate by stratified k-fold cross-validation with the same folds (same
 * seed) as every other candidate and as `train`, so the model card's figures are comparable.
 */
import { parseArgs } from 'node:util';
import { LABELS, type Label } from '@sentiment/core';
import { argmaxRows, computeMetrics, formatMetrics } from '../src/training/metrics.ts';
import { EXIT_DATA, EXIT_USAGE, UsageError, endProgress, progress, resolveFromCaller } from '../src/training/cli-common.ts';
import { DataError, readLabelledCsv } from '../src/training/csv.ts';
import { readCallerCwd } from '../src/training/env.ts';
import { DEFAULT_RNN_OPTIONS, fitBiGru } from './rnn.ts';
import {
  crossValidate,
  DEFAULT_TRAIN_OPTIONS,
  labelIndexes,
  stratifiedFolds,
  loadGlove,
  predictTrained,
  trainModel,
  type Glove,
  type TrainOptions,
} from '../src/training/pipeline.ts';

type Fit = (texts: string[], labels: Label[], fold: number) => Promise<(texts: string[]) => Promise<Float64Array>>;

interface Candidate {
  description: string;
  needsGlove: boolean;
  /** `report(fold, name, probabilities)` lets an ensemble report its members on the same fold. */
  make(glove: Glove | undefined, say: (m: string) => void, tweak: Partial<Tweak>, report: MemberReport): Fit;
}

type MemberReport = (fold: number, member: string, probabilities: Float64Array) => void;

interface Tweak {
  l2: number;
  l2Dense: number;
  gloveScale: number;
  charNgramMin: number;
  charNgramMax: number;
  charScale: number;
  wordScale: number;
  minDf: number;
  wordNgramMax: number;
  maxIterations: number;
  supervisedWeight: number;
}

function linearOptions(gloveScale: number, tweak: Partial<Tweak>): TrainOptions {
  const base = DEFAULT_TRAIN_OPTIONS;
  return {
    ...base,
    features: {
      ...base.features,
      gloveScale: tweak.gloveScale ?? gloveScale,
      charNgramMin: tweak.charNgramMin ?? base.features.charNgramMin,
      charNgramMax: tweak.charNgramMax ?? base.features.charNgramMax,
      charScale: tweak.charScale ?? base.features.charScale,
      wordScale: tweak.wordScale ?? base.features.wordScale,
      minDf: tweak.minDf ?? base.features.minDf,
      wordNgramMax: tweak.wordNgramMax ?? base.features.wordNgramMax,
      supervisedWeight: tweak.supervisedWeight ?? base.features.supervisedWeight ?? 0,
    },
    linear: {
      ...base.linear,
      l2: tweak.l2 ?? base.linear.l2,
      l2Dense: tweak.l2Dense ?? base.linear.l2Dense,
      maxIterations: tweak.maxIterations ?? base.linear.maxIterations,
    },
  };
}

function linearFit(glove: Glove | undefined, options: TrainOptions, say: (m: string) => void): Fit {
  return (texts, labels, fold) => {
    const trained = trainModel(texts, labels, options, glove, (it, loss) => say(`fold ${fold + 1}: iteration ${it}, loss ${loss.toFixed(4)}`));
    return Promise.resolve((batch: string[]) => Promise.resolve(predictTrained(trained, batch)));
  };
}

const CANDIDATES: Record<string, Candidate> = {
  tfidf: {
    description: 'TF-IDF word 1-2-grams + character n-grams, multinomial logistic regression (L-BFGS)',
    needsGlove: false,
    make: (_glove, say, tweak) => linearFit(undefined, linearOptions(0, tweak), say),
  },
  'tfidf-glove': {
    description: 'the same plus the mean GloVe 6B 100d vector of the words (the shipped recipe)',
    needsGlove: true,
    make: (glove, say, tweak) => linearFit(glove, linearOptions(DEFAULT_TRAIN_OPTIONS.features.gloveScale, tweak), say),
  },
  bigru: {
    description: `bidirectional GRU (${DEFAULT_RNN_OPTIONS.units} units each way) over fixed GloVe 100d token vectors, tfjs wasm, ${DEFAULT_RNN_OPTIONS.epochs} epochs`,
    needsGlove: true,
    make: (glove, say) => async (texts, labels, fold) =>
      fitBiGru(texts, labels, glove!, DEFAULT_RNN_OPTIONS, (epoch, loss) => say(`fold ${fold + 1}: epoch ${epoch}, loss ${loss.toFixed(4)}`)),
  },
  ensemble: {
    description: 'mean of the probabilities of tfidf-glove and bigru',
    needsGlove: true,
    make: (glove, say, tweak, report) => {
      const linear = linearFit(glove, linearOptions(DEFAULT_TRAIN_OPTIONS.features.gloveScale, tweak), say);
      const rnn = CANDIDATES.bigru!.make(glove, say, tweak, report);
      return async (texts, labels, fold) => {
        const a = await linear(texts, labels, fold);
        const b = await rnn(texts, labels, fold);
        return async (batch) => {
          const [pa, pb] = [await a(batch), await b(batch)];
          report(fold, 'tfidf-glove', pa);
          report(fold, 'bigru', pb);
          return pa.map((v, i) => (v + (pb[i] ?? 0)) / 2);
        };
      };
    },
  },
};

const USAGE = `Usage: npm run experiment -w packages/model-service -- --candidate <name> [options]

Cross-validates one candidate on the same stratified folds as every other candidate.

Candidates:
${Object.entries(CANDIDATES)
  .map(([name, c]) => `  ${name.padEnd(14)} ${c.description}`)
  .join('\n')}

Options:
  --candidate <name>  one of the above (required)
  --data <csv>        labelled CSV (default: ../shared/data/isear/train.csv from the repository root)
  --folds <k>         folds (default ${DEFAULT_TRAIN_OPTIONS.folds})
  --max-folds <n>     run only the first n folds (for slow candidates; the report says so)
  --l2 <x> --l2-dense <x> --glove-scale <x> --char-min <n> --char-max <n> --char-scale <x> --word-scale <x> --min-df <n>
  --word-max <n> --iterations <n> --supervised <x>
                      override one hyper-parameter of a linear candidate (for tuning)
  --json              print one JSON line instead of tables
  -h, --help          show this help`;

const REPO_ROOT = new URL('../../../..', import.meta.url).pathname;

function parseCommandLine(args: string[]) {
  return parseArgs({
    args,
    options: {
      candidate: { type: 'string' },
      data: { type: 'string', default: resolveFromCaller('../shared/data/isear/train.csv', REPO_ROOT) },
      folds: { type: 'string', default: String(DEFAULT_TRAIN_OPTIONS.folds) },
      'max-folds': { type: 'string' },
      l2: { type: 'string' },
      'l2-dense': { type: 'string' },
      'glove-scale': { type: 'string' },
      'char-min': { type: 'string' },
      'char-max': { type: 'string' },
      'char-scale': { type: 'string' },
      'word-scale': { type: 'string' },
      'min-df': { type: 'string' },
      'word-max': { type: 'string' },
      iterations: { type: 'string' },
      supervised: { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  }).values;
}

async function main(): Promise<number> {
  const callerCwd = readCallerCwd();
  const isTty = process.stderr.isTTY === true;
  const say = progress(isTty);
  let values: ReturnType<typeof parseCommandLine>;
  let candidate: Candidate;
  const tweak: Partial<Tweak> = {};
  try {
    values = parseCommandLine(process.argv.slice(2));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    const found = values.candidate ? CANDIDATES[values.candidate] : undefined;
    if (!found) throw new UsageError(`--candidate must be one of ${Object.keys(CANDIDATES).join(', ')}`);
    candidate = found;
    const given = values;
    const numberOf = (
      name:
        | 'l2'
        | 'l2-dense'
        | 'glove-scale'
        | 'char-min'
        | 'char-max'
        | 'char-scale'
        | 'word-scale'
        | 'min-df'
        | 'word-max'
        | 'iterations'
        | 'supervised',
      key: keyof Tweak,
    ) => {
      const raw = given[name];
      if (typeof raw !== 'string') return;
      const n = Number(raw);
      if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number`);
      tweak[key] = n;
    };
    numberOf('l2', 'l2');
    numberOf('l2-dense', 'l2Dense');
    numberOf('glove-scale', 'gloveScale');
    numberOf('char-min', 'charNgramMin');
    numberOf('char-max', 'charNgramMax');
    numberOf('char-scale', 'charScale');
    numberOf('word-scale', 'wordScale');
    numberOf('min-df', 'minDf');
    numberOf('word-max', 'wordNgramMax');
    numberOf('iterations', 'maxIterations');
    numberOf('supervised', 'supervisedWeight');
  } catch (error) {
    console.error(`experiment: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const folds = Number(values.folds);
  const maxFolds = values['max-folds'] === undefined ? folds : Number(values['max-folds']);
  if (!Number.isInteger(folds) || folds < 2 || !Number.isInteger(maxFolds) || maxFolds < 1 || maxFolds > folds) {
    console.error(`experiment: --folds must be ≥ 2 and --max-folds from 1 to --folds\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  let data;
  try {
    data = await readLabelledCsv(resolveFromCaller(values.data, callerCwd));
  } catch (error) {
    if (error instanceof DataError) {
      console.error(`experiment: ${error.message}`);
      return EXIT_DATA;
    }
    throw error;
  }
  const started = performance.now();
  const glove = candidate.needsGlove ? (say('loading GloVe …'), await loadGlove()) : undefined;
  const foldLines: string[] = [];
  // Test rows of each fold, in the order crossValidate predicts them (same seed, same folds).
  const assignment = stratifiedFolds(data.labels, folds, DEFAULT_TRAIN_OPTIONS.seed);
  const fit = candidate.make(glove, say, tweak, (fold, member, probabilities) => {
    const truth = labelIndexes(data.labels.filter((_, i) => assignment[i] === fold));
    const m = computeMetrics(LABELS, truth, argmaxRows(probabilities, LABELS.length));
    foldLines.push(`fold ${fold + 1} member ${member}: accuracy ${m.accuracy.toFixed(4)}  macro-F1 ${m.macroF1.toFixed(4)}`);
  });
  // Folds past --max-folds are not trained; only the folds run are reported.
  const subsetNote = maxFolds < folds ? ` (only the first ${maxFolds} of ${folds} folds were run)` : '';
  const cv = await crossValidate(
    data.texts,
    data.labels,
    folds,
    DEFAULT_TRAIN_OPTIONS.seed,
    async (trainTexts, trainLabels, fold) => {
      if (fold >= maxFolds) return (batch) => Promise.resolve(new Float64Array(batch.length * LABELS.length).fill(NaN));
      return fit(trainTexts, trainLabels, fold);
    },
    (fold, m) => {
      if (fold < maxFolds) foldLines.push(`fold ${fold + 1}: accuracy ${m.accuracy.toFixed(4)}  macro-F1 ${m.macroF1.toFixed(4)}`);
    },
  );
  endProgress(isTty);
  const seconds = (performance.now() - started) / 1000;
  const foldAccuracy = cv.foldAccuracy.slice(0, maxFolds);
  const foldMacroF1 = cv.foldMacroF1.slice(0, maxFolds);
  const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const summary = {
    candidate: values.candidate,
    tweak,
    folds,
    foldsRun: maxFolds,
    seed: DEFAULT_TRAIN_OPTIONS.seed,
    meanFoldAccuracy: mean(foldAccuracy),
    meanFoldMacroF1: mean(foldMacroF1),
    pooledAccuracy: maxFolds === folds ? cv.metrics.accuracy : null,
    pooledMacroF1: maxFolds === folds ? cv.metrics.macroF1 : null,
    foldAccuracy,
    foldMacroF1,
    seconds: Math.round(seconds),
  };
  if (values.json) {
    console.log(JSON.stringify(summary));
  } else {
    console.log(`candidate ${values.candidate}: ${candidate.description}${subsetNote}`);
    console.log(foldLines.join('\n'));
    console.log(
      `mean over folds: accuracy ${summary.meanFoldAccuracy.toFixed(4)}  macro-F1 ${summary.meanFoldMacroF1.toFixed(4)}  (${summary.seconds} s)`,
    );
    if (maxFolds === folds) console.log(`\npooled out-of-fold metrics:\n${formatMetrics(cv.metrics)}`);
  }
  return 0;
}

process.exitCode = await main();
