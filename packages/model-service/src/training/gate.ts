/**
 * The promote gate: two versions scored on the same rows, with paired statistics so a difference
 * can be told from noise.
 */
import { computeMetrics, type Metrics } from './metrics.ts';
import { seededRandom } from './pipeline.ts';
import type { Oof } from './versions.ts';

/** Two versions' predictions on the same rows (label indexes into `labels`). */
export interface PairedSample {
  /** What the rows are, e.g. "cross-validation folds (rows both were trained on, each predicted out of fold)". */
  name: string;
  labels: readonly string[];
  truth: number[];
  current: number[];
  candidate: number[];
}

/** A difference (candidate − current) with its paired-bootstrap 95 % interval. */
export interface Difference {
  value: number;
  low: number;
  high: number;
}

/** Result of {@link comparePaired}. */
export interface Comparison {
  name: string;
  count: number;
  current: Metrics;
  candidate: Metrics;
  accuracy: Difference;
  macroF1: Difference;
  /** Rows only the current / only the candidate got right. */
  discordant: { currentOnly: number; candidateOnly: number };
  /** Exact two-sided McNemar p-value on the discordant rows. */
  mcnemarP: number;
  /** The 95 % interval of accuracy or macro-F1 lies wholly below 0. */
  worse: boolean;
  /** The 95 % intervals of both lie wholly above 0. */
  better: boolean;
}

/** Two-sided exact binomial test of `k` successes in `n` trials at p = 0.5 (McNemar's exact test). */
export function mcnemarExact(b: number, c: number): number {
  const n = b + c;
  if (n === 0) return 1;
  const k = Math.min(b, c);
  // log C(n, i) summed in log space so large n does not overflow.
  let logC = 0;
  let tail = 0;
  for (let i = 0; i <= k; i++) {
    if (i > 0) logC += Math.log(n - i + 1) - Math.log(i);
    tail += Math.exp(logC - n * Math.LN2);
  }
  return Math.min(1, 2 * tail);
}

/**
 * Compares two versions on a paired sample: metrics of each, the difference in accuracy and
 * macro-F1 with a 95 % paired-bootstrap interval (rows resampled together for both versions,
 * `resamples` times, seeded), and McNemar's exact test on the rows they disagree on.
 */
export function comparePaired(sample: PairedSample, resamples = 1000, seed = 1): Comparison {
  const { labels, truth } = sample;
  const n = truth.length;
  const current = computeMetrics(labels, truth, sample.current);
  const candidate = computeMetrics(labels, truth, sample.candidate);
  const random = seededRandom(seed);
  const accDiffs: number[] = [];
  const f1Diffs: number[] = [];
  const t = new Array<number>(n);
  const a = new Array<number>(n);
  const b = new Array<number>(n);
  for (let r = 0; r < resamples && n > 0; r++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random() * n);
      t[i] = truth[j]!;
      a[i] = sample.current[j]!;
      b[i] = sample.candidate[j]!;
    }
    const ma = computeMetrics(labels, t, a);
    const mb = computeMetrics(labels, t, b);
    accDiffs.push(mb.accuracy - ma.accuracy);
    f1Diffs.push(mb.macroF1 - ma.macroF1);
  }
  const interval = (diffs: number[], value: number): Difference => {
    if (diffs.length === 0) return { value, low: value, high: value };
    const sorted = [...diffs].sort((x, y) => x - y);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * sorted.length)))]!;
    return { value, low: at(0.025), high: at(0.975) };
  };
  const accuracy = interval(accDiffs, candidate.accuracy - current.accuracy);
  const macroF1 = interval(f1Diffs, candidate.macroF1 - current.macroF1);
  let currentOnly = 0;
  let candidateOnly = 0;
  truth.forEach((y, i) => {
    const ca = sample.current[i] === y;
    const cb = sample.candidate[i] === y;
    if (ca && !cb) currentOnly++;
    if (cb && !ca) candidateOnly++;
  });
  return {
    name: sample.name,
    count: n,
    current,
    candidate,
    accuracy,
    macroF1,
    discordant: { currentOnly, candidateOnly },
    mcnemarP: mcnemarExact(currentOnly, candidateOnly),
    worse: accuracy.high < 0 || macroF1.high < 0,
    better: accuracy.low > 0 && macroF1.low > 0,
  };
}

/**
 * The rows both versions' cross-validations predicted (matched by text hash), as a paired sample.
 * Rows whose label differs between the two versions' data (relabelled, or a candidate trained
 * on shuffled labels) are left out, since neither label can be trusted as the truth; the sample's
 * name says how many.
 * @throws when the two files use different label orders.
 */
export function pairOof(current: Oof, candidate: Oof): PairedSample {
  if (current.labels.join() !== candidate.labels.join()) throw new Error('the two versions list their labels in different orders');
  const byKey = new Map(current.rows.map((row) => [row[0], row]));
  const sample: PairedSample = {
    name: '',
    labels: current.labels,
    truth: [],
    current: [],
    candidate: [],
  };
  const seen = new Set<string>();
  let relabelled = 0;
  for (const [key, truth, predicted] of candidate.rows) {
    const other = byKey.get(key);
    if (!other || seen.has(key)) continue;
    if (other[1] !== truth) {
      relabelled++;
      continue;
    }
    seen.add(key);
    sample.truth.push(truth);
    sample.current.push(other[2]);
    sample.candidate.push(predicted);
  }
  sample.name =
    `cross-validation rows both predicted out of fold (current ${current.folds} folds, candidate ${candidate.folds} folds)` +
    (relabelled > 0 ? `; ${relabelled} common rows left out because their label differs between the two versions' data` : '');
  return sample;
}

const f3 = (x: number) => x.toFixed(3);
const signed = (x: number) => `${x >= 0 ? '+' : ''}${x.toFixed(3)}`;

/** One line summing up a comparison (also stored in HISTORY.json). */
export function verdictLine(c: Comparison): string {
  const noise = c.worse ? 'candidate worse beyond noise' : c.better ? 'candidate better beyond noise' : 'difference within noise';
  return `${c.name}: n=${c.count}, accuracy ${f3(c.current.accuracy)} → ${f3(c.candidate.accuracy)} (${signed(c.accuracy.value)}, 95% CI ${signed(c.accuracy.low)}…${signed(c.accuracy.high)}), macro-F1 ${f3(c.current.macroF1)} → ${f3(c.candidate.macroF1)} (${signed(c.macroF1.value)}, 95% CI ${signed(c.macroF1.low)}…${signed(c.macroF1.high)}), McNemar p=${c.mcnemarP.toPrecision(3)}: ${noise}`;
}

/** The side-by-side report of a comparison: metrics table, per-label F1, both confusion matrices. */
export function formatComparison(c: Comparison, currentName: string, candidateName: string): string {
  const w = Math.max(12, currentName.length + 2, candidateName.length + 2);
  const col = (s: string) => s.padStart(w);
  const lines = [
    `== ${c.name} ==`,
    `rows in the sample: ${c.count} (the same rows for both)`,
    `${'metric'.padEnd(14)}${col(currentName)}${col(candidateName)}${col('difference')}   95% interval (paired bootstrap)`,
    `${'accuracy'.padEnd(14)}${col(f3(c.current.accuracy))}${col(f3(c.candidate.accuracy))}${col(signed(c.accuracy.value))}   ${signed(c.accuracy.low)} … ${signed(c.accuracy.high)}`,
    `${'macro-F1'.padEnd(14)}${col(f3(c.current.macroF1))}${col(f3(c.candidate.macroF1))}${col(signed(c.macroF1.value))}   ${signed(c.macroF1.low)} … ${signed(c.macroF1.high)}`,
    ...c.current.confusion.labels.map((label) => {
      const a = c.current.perLabel[label]?.f1 ?? 0;
      const b = c.candidate.perLabel[label]?.f1 ?? 0;
      return `${`F1 ${label}`.padEnd(14)}${col(f3(a))}${col(f3(b))}${col(signed(b - a))}`;
    }),
    `rows only ${currentName} got right: ${c.discordant.currentOnly}; only ${candidateName}: ${c.discordant.candidateOnly}; McNemar exact p = ${c.mcnemarP.toPrecision(3)}`,
    `verdict: ${c.worse ? 'candidate WORSE beyond noise' : c.better ? 'candidate better beyond noise' : 'difference within noise'}`,
    '',
    ...matrices(c, currentName, candidateName),
  ];
  return lines.join('\n');
}

function matrices(c: Comparison, currentName: string, candidateName: string): string[] {
  const labels = c.current.confusion.labels;
  const w = Math.max(8, ...labels.map((l) => l.length + 1));
  const block = (m: Metrics) => [
    `${''.padEnd(w)}${labels.map((l) => l.slice(0, w - 1).padStart(w)).join('')}`,
    ...labels.map((label, t) => `${label.padEnd(w)}${(m.confusion.matrix[t] ?? []).map((x) => String(x).padStart(w)).join('')}`),
  ];
  const left = block(c.current);
  const right = block(c.candidate);
  const width = left[0]!.length;
  return [
    `confusion matrices (rows: true label, columns: predicted)`,
    `${currentName.padEnd(width)}   ${candidateName}`,
    ...left.map((line, i) => `${line.padEnd(width)}   ${right[i] ?? ''}`),
  ];
}
