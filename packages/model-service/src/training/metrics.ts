/**
 * Classification metrics: accuracy, per-label precision/recall/F1, macro-F1 (unweighted mean of
 * the per-label F1, as scikit-learn's `f1_score(average="macro")`), and the confusion matrix.
 */

export interface LabelMetrics {
  precision: number;
  recall: number;
  f1: number;
  /** Number of true examples of the label. */
  support: number;
}

export interface Metrics {
  /** Rows scored. */
  count: number;
  accuracy: number;
  macroF1: number;
  perLabel: Record<string, LabelMetrics>;
  /** `matrix[t][p]`: rows whose true label is `labels[t]` and prediction `labels[p]`. */
  confusion: { labels: string[]; matrix: number[][] };
}

/**
 * Scores predictions against true labels, both given as indexes into `labels`.
 * A label never predicted has precision 0 (and F1 0 unless it also has no support), which is
 * scikit-learn's `zero_division=0`.
 * @throws {RangeError} when the two arrays differ in length or an index is out of range.
 */
export function computeMetrics(labels: readonly string[], truth: readonly number[], predicted: readonly number[]): Metrics {
  if (truth.length !== predicted.length) {
    throw new RangeError(`truth has ${truth.length} rows but predicted has ${predicted.length}`);
  }
  const K = labels.length;
  const matrix = labels.map(() => new Array<number>(K).fill(0));
  let correct = 0;
  truth.forEach((t, i) => {
    const p = predicted[i] ?? -1;
    const row = matrix[t];
    if (row === undefined || p < 0 || p >= K) throw new RangeError(`label index out of range at row ${i}`);
    row[p] = (row[p] ?? 0) + 1;
    if (t === p) correct++;
  });
  const perLabel: Record<string, LabelMetrics> = {};
  let f1Sum = 0;
  labels.forEach((label, k) => {
    const tp = matrix[k]?.[k] ?? 0;
    const support = (matrix[k] ?? []).reduce((a, b) => a + b, 0);
    const predictedCount = matrix.reduce((a, row) => a + (row[k] ?? 0), 0);
    const precision = predictedCount === 0 ? 0 : tp / predictedCount;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    perLabel[label] = { precision, recall, f1, support };
    f1Sum += f1;
  });
  return {
    count: truth.length,
    accuracy: truth.length === 0 ? 0 : correct / truth.length,
    macroF1: K === 0 ? 0 : f1Sum / K,
    perLabel,
    confusion: { labels: [...labels], matrix },
  };
}

/** Index of the largest value in each row of `probs` [rows, classes] (first one on ties). */
export function argmaxRows(probs: ArrayLike<number>, classes: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < probs.length / classes; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probs[r * classes + c] ?? 0) > (probs[r * classes + best] ?? 0)) best = c;
    out.push(best);
  }
  return out;
}

/** Metrics as a plain-text report: summary line, per-label table, confusion matrix. */
export function formatMetrics(metrics: Metrics): string {
  const f = (x: number) => x.toFixed(3);
  const labels = metrics.confusion.labels;
  const width = Math.max(9, ...labels.map((l) => l.length + 1));
  const pad = (s: string) => s.padStart(width);
  const lines = [
    `rows ${metrics.count}  accuracy ${f(metrics.accuracy)}  macro-F1 ${f(metrics.macroF1)}`,
    '',
    `${'label'.padEnd(width)}${pad('precision')}${pad('recall')}${pad('f1')}${pad('support')}`,
    ...labels.map((label) => {
      const m = metrics.perLabel[label];
      return `${label.padEnd(width)}${pad(f(m?.precision ?? 0))}${pad(f(m?.recall ?? 0))}${pad(f(m?.f1 ?? 0))}${pad(String(m?.support ?? 0))}`;
    }),
    '',
    'confusion matrix (rows: true label, columns: predicted)',
    `${''.padEnd(width)}${labels.map(pad).join('')}`,
    ...labels.map((label, t) => `${label.padEnd(width)}${(metrics.confusion.matrix[t] ?? []).map((n) => pad(String(n))).join('')}`),
  ];
  return lines.join('\n');
}

/**
 * The most frequent off-diagonal cells of a confusion matrix, largest first, as
 * `{ truth, predicted, count }`.
 */
export function topConfusions(metrics: Metrics, limit: number): Array<{ truth: string; predicted: string; count: number }> {
  const cells: Array<{ truth: string; predicted: string; count: number }> = [];
  const labels = metrics.confusion.labels;
  metrics.confusion.matrix.forEach((row, t) =>
    row.forEach((count, p) => {
      if (t !== p && count > 0) cells.push({ truth: labels[t] ?? '', predicted: labels[p] ?? '', count });
    }),
  );
  return cells.sort((a, b) => b.count - a.count).slice(0, limit);
}
