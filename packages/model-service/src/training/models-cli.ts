/**
 * `npm run models`: every model version (committed ones in models/, candidates in
 * .data/candidates/) with its creation time, data, CV metrics and calibration, marking the
 * current and the shadowed one, then the promotion history.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { EXIT_USAGE, PACKAGE_MODELS_DIR, resolveFromCaller } from './cli-common.ts';
import { readCallerCwd } from './env.ts';
import { listVersions, PACKAGE_CANDIDATES_DIR, readCurrent, readHistory, SHADOW_FILE, type VersionListing } from './versions.ts';

const USAGE = `Usage: npm run models [-- --json] [--models <dir>] [--candidates <dir>]

Lists every model version: where it is (models/ = promoted and committed, candidates/ = trained,
not promoted), created-at, training data (file, sha256, rows), cross-validated accuracy and
macro-F1, calibration temperature and ECE before/after, and which is current or shadowed
(models/SHADOW); then the history of promotions and rollbacks with the gate's evaluation.`;

interface Summary {
  version: string;
  where: string;
  status: string[];
  createdAt: string | null;
  data: Array<{ file: string; sha256: string; rows: number }>;
  cv: { accuracy: number; macroF1: number; folds: number | null } | null;
  temperature: number | null;
  ece: { before: number; after: number } | null;
}

function summarise(v: VersionListing, current: string | undefined, shadow: string | undefined): Summary {
  const info = (v.info ?? {}) as {
    createdAt?: string;
    data?: Array<{ file: string; sha256: string; rows: number }>;
    evaluation?: { folds?: number; metrics?: { accuracy: number; macroF1: number } };
    temperature?: number;
    ece?: { before: number; after: number };
  };
  const status = [...(v.where === 'models' && v.version === current ? ['CURRENT'] : []), ...(v.version === shadow ? ['SHADOW'] : [])];
  const m = info.evaluation?.metrics;
  return {
    version: v.version,
    where: v.where,
    status,
    createdAt: info.createdAt ?? null,
    data: info.data ?? [],
    cv: m ? { accuracy: m.accuracy, macroF1: m.macroF1, folds: info.evaluation?.folds ?? null } : null,
    temperature: info.temperature ?? null,
    ece: info.ece ? { before: info.ece.before, after: info.ece.after } : null,
  };
}

async function main(): Promise<number> {
  const callerCwd = readCallerCwd();
  let values;
  try {
    ({ values } = parseArgs({
      args: process.argv.slice(2),
      options: {
        json: { type: 'boolean', default: false },
        models: { type: 'string' },
        candidates: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    console.error(`models: ${(error as Error).message}\n\n${USAGE}`);
    return EXIT_USAGE;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const modelsDir = values.models ? resolveFromCaller(values.models, callerCwd) : PACKAGE_MODELS_DIR;
  const candidatesDir = values.candidates ? resolveFromCaller(values.candidates, callerCwd) : PACKAGE_CANDIDATES_DIR;
  const current = await readCurrent(modelsDir);
  const shadowFile = path.join(modelsDir, SHADOW_FILE);
  const shadow = existsSync(shadowFile) ? (await readFile(shadowFile, 'utf8')).trim() || undefined : undefined;
  const all = await listVersions(modelsDir, candidatesDir);
  // A promoted candidate is listed once, as the copy in models/.
  const promoted = new Set(all.filter((v) => v.where === 'models').map((v) => v.version));
  const versions = all.filter((v) => v.where === 'models' || !promoted.has(v.version)).map((v) => summarise(v, current, shadow));
  const history = await readHistory(modelsDir);
  if (values.json) {
    console.log(JSON.stringify({ current: current ?? null, shadow: shadow ?? null, versions, history }, null, 2));
    return 0;
  }
  const f3 = (x: number | undefined) => (x === undefined ? '–' : x.toFixed(3));
  for (const v of versions) {
    console.log(
      `${v.version}${v.status.length ? `  [${v.status.join(', ')}]` : ''}  (${v.where === 'models' ? 'models/, committed' : 'candidate, not promoted'})`,
    );
    console.log(`  created     ${v.createdAt ?? '–'}`);
    for (const d of v.data) console.log(`  data        ${d.file}  ${d.rows} rows  sha256 ${d.sha256.slice(0, 12)}…`);
    console.log(`  CV          ${v.cv ? `accuracy ${f3(v.cv.accuracy)}  macro-F1 ${f3(v.cv.macroF1)}  (${v.cv.folds ?? '?'} folds)` : '–'}`);
    console.log(
      `  calibration ${v.temperature === null ? 'none (uncalibrated)' : `T ${v.temperature.toFixed(3)}  ECE ${f3(v.ece?.before)} → ${f3(v.ece?.after)}`}`,
    );
  }
  if (versions.length === 0) console.log(`no versions in ${modelsDir} or ${candidatesDir}`);
  console.log(`\nhistory (${path.join(modelsDir, 'HISTORY.json')}):`);
  for (const e of history) {
    console.log(`  ${e.at}  ${e.action.padEnd(10)} ${e.from ? `${e.from} → ` : ''}${e.version}${e.forced ? '  (forced)' : ''}`);
    // The gate's evaluation of the promoted version against the one it replaced.
    for (const line of e.gate ?? []) console.log(`      gate: ${line}`);
  }
  return 0;
}

process.exitCode = await main();
