/**
 * `npm run promote -- <version> [--reviews <csv>] [--force]`
 *
 * The evaluation gate: scores the candidate and the current version on the same rows (their
 * cross-validation rows in common, and review rows neither was trained on), prints both side by
 * side with paired statistics, and makes the candidate the served version unless it is worse
 * beyond noise (then it refuses, unless `--force`). Every promotion is appended to HISTORY.json.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { LABELS } from '@sentiment/core';
import { MODEL_FILES } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { EXIT_DATA, EXIT_USAGE, PACKAGE_MODELS_DIR, UsageError, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';
import { DataError, readLabelledCsv } from './csv.ts';
import { comparePaired, formatComparison, pairOof, verdictLine, type Comparison, type PairedSample } from './gate.ts';
import { argmaxRows } from './metrics.ts';
import { PACKAGE_CANDIDATES_DIR, promoteVersion, readCurrent, readOof, rowKey, VersionNameSchema } from './versions.ts';

/** Exit code when the gate refuses the candidate. */
export const EXIT_REFUSED = 3;

const USAGE = `Usage: npm run promote -- <version> [--reviews <csv>] [--force]

Compares a candidate version (from npm run train) with the served one (models/CURRENT) on the
same rows and, unless the candidate is worse beyond noise, copies it into models/<version>/,
writes models/CURRENT and appends to models/HISTORY.json.

Samples compared:
  - cross-validation: the training rows both versions predicted out of fold (matched by a
    hash of the text; needs oof.json, which versions trained by this code have);
  - reviews (with --reviews): the rows of an app export (or any labelled CSV) that neither
    version was trained on.
Each prints accuracy, macro-F1, per-label F1, both confusion matrices, the sample size, a
paired-bootstrap 95% interval of each difference and McNemar's exact p-value. "Worse beyond
noise": the interval of the accuracy or macro-F1 difference lies wholly below 0 on a sample.

Options:
  --reviews <csv>      labelled CSV of human-reviewed rows (e.g. the app's sentiment.csv export)
  --force              promote even when the gate refuses (recorded as forced in HISTORY.json)
  --models <dir>       models folder (default: the package's models/)
  --candidates <dir>   candidates folder (default: the package's .data/candidates/)
  -h, --help           show this help

Exit codes: 0 promoted, 1 bad data or model, 2 bad command line, 3 refused by the gate.`;

async function predictLabels(modelDir: string, texts: string[]): Promise<number[]> {
  const predictor = await loadOnnxPredictor(modelDir, { threads: 1 });
  try {
    const out: number[] = [];
    for (let start = 0; start < texts.length; start += 256) {
      const probs = await predictor.predict(texts.slice(start, start + 256));
      const flat = probs.flatMap((p) => predictor.labels.map((label) => p[label]));
      out.push(...argmaxRows(flat, predictor.labels.length).map((i) => LABELS.indexOf(predictor.labels[i]!)));
    }
    return out;
  } finally {
    await predictor.close();
  }
}

async function main(): Promise<number> {
  const callerCwd = readCallerCwd();
  let values;
  let version: string;
  try {
    let positionals;
    ({ values, positionals } = parseArgs({
      args: process.argv.slice(2),
      options: {
        reviews: { type: 'string' },
        force: { type: 'boolean', default: false },
        models: { type: 'string' },
        candidates: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: true,
    }));
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError('name exactly one version to promote');
    const parsed = VersionNameSchema.safeParse(positionals[0]);
    if (!parsed.success) throw new UsageError(`the version must be a plain folder name, got ${JSON.stringify(positionals[0])}`);
    version = parsed.data;
  } catch (error) {
    console.error(`promote: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  const modelsDir = values.models ? resolveFromCaller(values.models, callerCwd) : PACKAGE_MODELS_DIR;
  const candidatesDir = values.candidates ? resolveFromCaller(values.candidates, callerCwd) : PACKAGE_CANDIDATES_DIR;
  // A version already in models/ is promoted from there (promoteVersion never overwrites it), so that copy is the one evaluated.
  const candidateDir = [path.join(modelsDir, version), path.join(candidatesDir, version)].find((dir) => existsSync(path.join(dir, MODEL_FILES.onnx)));
  if (!candidateDir) {
    console.error(`promote: no version ${version} in ${candidatesDir} or ${modelsDir} (list them with npm run models)`);
    return EXIT_DATA;
  }
  const current = await readCurrent(modelsDir);
  if (current === version) {
    console.error(`promote: ${version} is already the current version`);
    return EXIT_DATA;
  }
  const currentDir = current ? path.join(modelsDir, current) : undefined;

  const comparisons: Comparison[] = [];
  const notes: string[] = [];
  if (currentDir) {
    const [currentOof, candidateOof] = await Promise.all([readOof(currentDir), readOof(candidateDir)]);
    if (currentOof && candidateOof) {
      const sample = pairOof(currentOof, candidateOof);
      if (sample.truth.length > 0) comparisons.push(comparePaired(sample));
      else notes.push('cross-validation: the two versions have no training rows in common, so no paired CV comparison');
    } else {
      notes.push(
        `cross-validation: ${currentOof ? version : current} has no ${'oof.json'} (written before the gate existed), so no paired CV comparison`,
      );
    }
    if (values.reviews) {
      let data;
      try {
        data = await readLabelledCsv(resolveFromCaller(values.reviews, callerCwd));
      } catch (error) {
        if (error instanceof DataError) {
          console.error(`promote: ${error.message}`);
          return EXIT_DATA;
        }
        throw error;
      }
      const trainedOn = new Set([...(currentOof?.rows ?? []), ...(candidateOof?.rows ?? [])].map((row) => row[0]));
      const keep = data.texts.flatMap((text, i) => (trainedOn.has(rowKey(text)) ? [] : [i]));
      if (!currentOof || !candidateOof) notes.push('reviews: a version without oof.json may have been trained on some of these rows');
      const texts = keep.map((i) => data.texts[i]!);
      if (texts.length === 0) {
        notes.push(
          `reviews: all ${data.texts.length} rows of ${path.basename(data.file)} were training rows of one of the versions; nothing held out`,
        );
      } else {
        const sample: PairedSample = {
          name: `reviews in ${path.basename(data.file)} neither version was trained on (${texts.length} of ${data.texts.length} rows)`,
          labels: LABELS,
          truth: keep.map((i) => LABELS.indexOf(data.labels[i]!)),
          current: await predictLabels(currentDir, texts),
          candidate: await predictLabels(candidateDir, texts),
        };
        comparisons.push(comparePaired(sample));
      }
    } else {
      notes.push('reviews: none given (--reviews <csv>), so the gate uses the cross-validation rows only');
    }
  } else {
    notes.push('no current version: nothing to compare with');
  }

  console.log(`Candidate ${version} (${candidateDir}) against current ${current ?? '(none)'}\n`);
  for (const c of comparisons) console.log(`${formatComparison(c, current ?? 'current', version)}\n`);
  let refused = comparisons.some((c) => c.worse);
  if (currentDir && comparisons.length === 0) {
    // No paired sample: fall back on the pooled CV figures each version recorded (different rows or folds, no noise estimate).
    const read = async (dir: string) =>
      JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')) as { evaluation?: { metrics?: { accuracy?: number; macroF1?: number } } };
    const [a, b] = [(await read(currentDir)).evaluation?.metrics, (await read(candidateDir)).evaluation?.metrics];
    const line = `recorded CV figures (not paired, no noise estimate): accuracy ${a?.accuracy?.toFixed(3)} → ${b?.accuracy?.toFixed(3)}, macro-F1 ${a?.macroF1?.toFixed(3)} → ${b?.macroF1?.toFixed(3)}`;
    notes.push(line);
    // Without a noise estimate a drop of more than one point counts as worse.
    refused = (b?.accuracy ?? 0) < (a?.accuracy ?? 0) - 0.01 || (b?.macroF1 ?? 0) < (a?.macroF1 ?? 0) - 0.01;
  }
  for (const note of notes) console.log(`note: ${note}`);
  const gate = [...comparisons.map(verdictLine), ...notes];
  if (refused && !values.force) {
    console.log(`\nREFUSED: ${version} is worse than ${current}. Nothing changed. Promote anyway with --force.`);
    return EXIT_REFUSED;
  }
  try {
    await promoteVersion(modelsDir, candidatesDir, version, { forced: refused, gate, at: new Date() });
  } catch (error) {
    console.error(`promote: ${(error as Error).message}`);
    return EXIT_DATA;
  }
  console.log(
    `\n${refused ? 'FORCED: promoted although the gate refused' : 'Promoted'}: ${version} is now models/CURRENT (was ${current ?? 'none'}).` +
      `\nA running model service switches to it within seconds, without a restart.` +
      `\nTo commit: git add ${path.relative(process.cwd(), path.join(modelsDir, version)) || '.'} and models/CURRENT, models/HISTORY.json. Undo: npm run rollback`,
  );
  return 0;
}

process.exitCode = await main();
