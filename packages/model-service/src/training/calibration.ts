/**
 * Temperature scaling (Guo et al. 2017): one number T > 0 divides every logit before the softmax.
 * It keeps each row's ranking (the predicted label never changes) and only makes the
 * probabilities more (T < 1) or less (T > 1) sure. T is fit on out-of-fold predictions, so the
 * rows it is fit on were never seen by the model that scored them.
 */

/** Smallest and largest temperature searched. */
const T_MIN = 0.05;
const T_MAX = 20;

/**
 * Log-probabilities [rows, K] as logits: softmax(log p / T) = softmax(z / T) for the z that gave
 * p, because the softmax ignores a per-row constant. Clamped so a 0 stays finite.
 */
export function logitsFromProbabilities(probs: ArrayLike<number>): Float64Array {
  return Float64Array.from(probs, (p) => Math.log(Math.max(p, 1e-12)));
}

/** softmax(logits / T) row by row, [rows, K]. */
export function scaledProbabilities(logits: ArrayLike<number>, classes: number, temperature: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let o = 0; o < logits.length; o += classes) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, (logits[o + c] ?? 0) / temperature);
    let sum = 0;
    for (let c = 0; c < classes; c++) {
      const e = Math.exp((logits[o + c] ?? 0) / temperature - max);
      out[o + c] = e;
      sum += e;
    }
    for (let c = 0; c < classes; c++) out[o + c] = (out[o + c] ?? 0) / sum;
  }
  return out;
}

/** Mean negative log-likelihood of `truth` (class indexes) under softmax(logits / T). */
export function negativeLogLikelihood(logits: ArrayLike<number>, truth: readonly number[], classes: number, temperature: number): number {
  const probs = scaledProbabilities(logits, classes, temperature);
  let sum = 0;
  truth.forEach((t, r) => (sum -= Math.log(Math.max(probs[r * classes + t] ?? 0, 1e-300))));
  return truth.length === 0 ? 0 : sum / truth.length;
}

/**
 * The temperature that minimises the negative log-likelihood of `truth` (golden-section search on
 * ln T in [0.05, 20]; the NLL is convex in 1/T, so unimodal in ln T).
 * @param logits [rows, K] logits (or log-probabilities) of held-out predictions.
 * @returns T > 0; 1 when there are no rows.
 */
export function fitTemperature(logits: ArrayLike<number>, truth: readonly number[], classes: number): number {
  if (truth.length === 0) return 1;
  const f = (lnT: number) => negativeLogLikelihood(logits, truth, classes, Math.exp(lnT));
  let a = Math.log(T_MIN);
  let b = Math.log(T_MAX);
  const ratio = (Math.sqrt(5) - 1) / 2;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = f(c);
  let fd = f(d);
  while (b - a > 1e-5) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = f(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One bin of a reliability diagram. */
export interface ReliabilityBin {
  /** Bin range of the top probability, [lower, upper). */
  lower: number;
  upper: number;
  /** Rows whose top probability falls in the bin. */
  count: number;
  /** Mean top probability of those rows (0 when empty). */
  confidence: number;
  /** Share of those rows whose top label is right (0 when empty). */
  accuracy: number;
}

/**
 * Reliability bins over the top probability of each row: `bins` equal-width bins on [0, 1].
 * @param probs [rows, K] probabilities; @param truth class index of each row.
 */
export function reliabilityBins(probs: ArrayLike<number>, truth: readonly number[], classes: number, bins = 15): ReliabilityBin[] {
  const count = new Array<number>(bins).fill(0);
  const confidence = new Array<number>(bins).fill(0);
  const correct = new Array<number>(bins).fill(0);
  truth.forEach((t, r) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probs[r * classes + c] ?? 0) > (probs[r * classes + best] ?? 0)) best = c;
    const p = probs[r * classes + best] ?? 0;
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]! += 1;
    confidence[b]! += p;
    if (best === t) correct[b]! += 1;
  });
  return count.map((n, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: n,
    confidence: n === 0 ? 0 : confidence[b]! / n,
    accuracy: n === 0 ? 0 : correct[b]! / n,
  }));
}

/**
 * Expected calibration error: the row-weighted mean over reliability bins of
 * |accuracy − mean top probability| (0 = the stated confidence matches how often it is right).
 * A share in [0, 1]; 15 equal-width bins unless `bins` says otherwise.
 */
export function expectedCalibrationError(probs: ArrayLike<number>, truth: readonly number[], classes: number, bins = 15): number {
  if (truth.length === 0) return 0;
  return reliabilityBins(probs, truth, classes, bins).reduce(
    (sum, bin) => sum + (bin.count * Math.abs(bin.accuracy - bin.confidence)) / truth.length,
    0,
  );
}

/** What training stores about calibration in `model.json`. */
export interface Calibration {
  /** The served logits are the model's logits divided by this (folded into the ONNX weights). */
  temperature: number;
  /** Expected calibration error (15 bins) of the out-of-fold predictions. */
  ece: {
    /** Without scaling. */
    before: number;
    /**
     * With scaling, each fold scored with a temperature fit on the other folds' rows only, so
     * the figure is not measured on the rows T was fit on.
     */
    after: number;
    bins: number;
    method: string;
  };
  /** Reliability bins of the out-of-fold predictions, without and with scaling (cross-fitted as `ece.after`). */
  reliability: { before: ReliabilityBin[]; after: ReliabilityBin[] };
  /** The cross-fitted calibrated out-of-fold probabilities [rows, K] behind `ece.after`. */
  calibrated: Float64Array;
}

/**
 * Fits the temperature on all out-of-fold probabilities and measures ECE before and after.
 * @param probs [rows, K] out-of-fold probabilities (uncalibrated); @param truth class indexes;
 * @param fold the fold of each row (for the cross-fitted `after` figure).
 */
export function calibrate(probs: ArrayLike<number>, truth: readonly number[], fold: readonly number[], classes: number): Calibration {
  const bins = 15;
  const logits = logitsFromProbabilities(probs);
  const temperature = fitTemperature(logits, truth, classes);
  const after = new Float64Array(logits.length);
  for (const f of new Set(fold)) {
    const fitRows = truth.flatMap((_, r) => (fold[r] === f ? [] : [r]));
    const testRows = truth.flatMap((_, r) => (fold[r] === f ? [r] : []));
    const pick = (rows: number[]) => Float64Array.from(rows.flatMap((r) => Array.from(logits.subarray(r * classes, (r + 1) * classes))));
    // A single fold has nothing else to fit on: it uses the overall temperature.
    const t =
      fitRows.length > 0
        ? fitTemperature(
            pick(fitRows),
            fitRows.map((r) => truth[r]!),
            classes,
          )
        : temperature;
    const scaled = scaledProbabilities(pick(testRows), classes, t);
    testRows.forEach((r, j) => after.set(scaled.subarray(j * classes, (j + 1) * classes), r * classes));
  }
  return {
    temperature,
    ece: {
      before: expectedCalibrationError(probs, truth, classes, bins),
      after: expectedCalibrationError(after, truth, classes, bins),
      bins,
      method: `${bins} equal-width bins of the top probability over the out-of-fold predictions; "after" scores each fold with a temperature fit on the other folds only`,
    },
    reliability: { before: reliabilityBins(probs, truth, classes, bins), after: reliabilityBins(after, truth, classes, bins) },
    calibrated: after,
  };
}

/** Accuracy a low-confidence threshold aims at below it: under this, the model is wrong more often than right. */
export const LOW_CONFIDENCE_TARGET_ACCURACY = 0.5;

/** What training stores in `model.json` as `lowConfidence` (see {@link chooseLowConfidenceThreshold}). */
export interface LowConfidence {
  /** A prediction whose top probability is below this is `confidence: "low"`. */
  threshold: number;
  /** The rule that chose it, in words. */
  rule: string;
  /** Out-of-fold rows it was chosen on. */
  rows: number;
  /** Share of those rows below the threshold (what share of ISEAR-like traffic is flagged). */
  shareBelow: number;
  /** Accuracy of the rows below and at or above the threshold (null when there are none). */
  accuracyBelow: number | null;
  accuracyAbove: number | null;
}

/**
 * Chooses the low-confidence threshold from calibrated out-of-fold probabilities: the top
 * probability from which the model is right at least `targetAccuracy` of the time (default
 * {@link LOW_CONFIDENCE_TARGET_ACCURACY}: below it, an answer is more often wrong than right).
 * "Right at that level" is the isotonic (monotone, pool-adjacent-violators) fit of correctness on
 * the top probability, so one noisy band cannot move the cut; the threshold is the lowest top
 * probability of the first fitted block at or above the target, rounded down to 0.01. 0 when every
 * block is at or above the target; 1 when none is.
 * @param probs [rows, K] calibrated out-of-fold probabilities; @param truth class index per row.
 */
export function chooseLowConfidenceThreshold(
  probs: ArrayLike<number>,
  truth: readonly number[],
  classes: number,
  targetAccuracy = LOW_CONFIDENCE_TARGET_ACCURACY,
): LowConfidence {
  const rows = truth
    .map((t, r) => {
      let best = 0;
      for (let c = 1; c < classes; c++) if ((probs[r * classes + c] ?? 0) > (probs[r * classes + best] ?? 0)) best = c;
      return { top: probs[r * classes + best] ?? 0, right: best === t ? 1 : 0 };
    })
    .sort((a, b) => a.top - b.top);
  // Pool adjacent violators: blocks of consecutive rows whose mean correctness never decreases.
  const blocks: Array<{ right: number; n: number; first: number }> = [];
  rows.forEach((row, i) => {
    blocks.push({ right: row.right, n: 1, first: i });
    while (blocks.length > 1 && blocks.at(-2)!.right / blocks.at(-2)!.n >= blocks.at(-1)!.right / blocks.at(-1)!.n) {
      const last = blocks.pop()!;
      blocks.at(-1)!.right += last.right;
      blocks.at(-1)!.n += last.n;
    }
  });
  const sure = blocks.find((b) => b.right / b.n >= targetAccuracy);
  let threshold: number;
  if (rows.length === 0 || sure?.first === 0) threshold = 0;
  else if (sure === undefined) threshold = 1;
  // + 1e-9: 0.29 * 100 is 28.999999999999996 in binary floating point.
  else threshold = Math.floor(rows[sure.first]!.top * 100 + 1e-9) / 100;
  let below = 0;
  let rightBelow = 0;
  let rightAbove = 0;
  for (const row of rows) {
    if (row.top < threshold) {
      below++;
      rightBelow += row.right;
    } else rightAbove += row.right;
  }
  const above = rows.length - below;
  return {
    threshold,
    rule: `lowest top probability (rounded down to 0.01) from which the isotonic fit of out-of-fold correctness on the calibrated top probability (each fold scaled with a temperature fit on the other folds) reaches ${targetAccuracy * 100} %: below it an answer is more often wrong than right`,
    rows: rows.length,
    shareBelow: rows.length === 0 ? 0 : below / rows.length,
    accuracyBelow: below === 0 ? null : rightBelow / below,
    accuracyAbove: above === 0 ? null : rightAbove / above,
  };
}

/**
 * A reliability diagram as an SVG document: for each bin, the share right (bar) against the mean
 * top probability (dot), before and after scaling, with the diagonal of perfect calibration.
 */
export function reliabilitySvg(calibration: Calibration, title: string): string {
  const W = 640;
  const H = 360;
  const pad = { left: 50, right: 20, top: 40, bottom: 45 };
  const panel = (W - pad.left - pad.right - 30) / 2;
  const height = H - pad.top - pad.bottom;
  const f3 = (x: number) => x.toFixed(3);
  const parts: string[] = [];
  const draw = (bins: ReliabilityBin[], x0: number, label: string, ece: number) => {
    const x = (v: number) => x0 + v * panel;
    const y = (v: number) => pad.top + (1 - v) * height;
    parts.push(`<rect x="${x0}" y="${pad.top}" width="${panel}" height="${height}" fill="#fff" stroke="#999"/>`);
    parts.push(`<line x1="${x(0)}" y1="${y(0)}" x2="${x(1)}" y2="${y(1)}" stroke="#999" stroke-dasharray="4 3"/>`);
    for (const bin of bins) {
      if (bin.count === 0) continue;
      const w = (bin.upper - bin.lower) * panel;
      parts.push(
        `<rect x="${f3(x(bin.lower) + 1)}" y="${f3(y(bin.accuracy))}" width="${f3(w - 2)}" height="${f3(y(0) - y(bin.accuracy))}" fill="#4a78b5" fill-opacity="0.75"><title>${bin.count} rows, right ${f3(bin.accuracy)}, mean confidence ${f3(bin.confidence)}</title></rect>`,
      );
      parts.push(`<circle cx="${f3(x(bin.confidence))}" cy="${f3(y(bin.confidence))}" r="3" fill="#d9534f"/>`);
    }
    for (const v of [0, 0.5, 1]) {
      parts.push(`<text x="${x(v)}" y="${y(0) + 16}" font-size="11" text-anchor="middle">${v}</text>`);
      parts.push(`<text x="${x0 - 6}" y="${y(v) + 4}" font-size="11" text-anchor="end">${v}</text>`);
    }
    parts.push(`<text x="${x0 + panel / 2}" y="${pad.top - 8}" font-size="13" text-anchor="middle">${label} (ECE ${f3(ece)})</text>`);
  };
  draw(calibration.reliability.before, pad.left, 'before scaling', calibration.ece.before);
  draw(calibration.reliability.after, pad.left + panel + 30, `T = ${calibration.temperature.toFixed(3)}`, calibration.ece.after);
  const escape = (s: string) => s.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="#f7f7f7"/>`,
    `<text x="${W / 2}" y="18" font-size="14" text-anchor="middle">${escape(title)}</text>`,
    ...parts,
    `<text x="${W / 2}" y="${H - 8}" font-size="11" text-anchor="middle">top probability (bars: share right; dots: mean top probability; dashed: perfect calibration)</text>`,
    '</svg>',
    '',
  ].join('\n');
}
