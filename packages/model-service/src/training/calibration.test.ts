import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { LABELS } from '@sentiment/core';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import {
  calibrate,
  chooseLowConfidenceThreshold,
  expectedCalibrationError,
  fitTemperature,
  reliabilitySvg,
  scaledProbabilities,
} from './calibration.ts';
import { buildDataset, logits as linearLogits } from './linear.ts';
import { argmaxRows } from './metrics.ts';
import { DEFAULT_TRAIN_OPTIONS, seededRandom, trainModel, writeModelDir } from './pipeline.ts';
import { syntheticData } from './test-fixtures.ts';

const K = 7;

/**
 * Rows whose true label is drawn from softmax(z), with z random: `z` is a perfectly calibrated
 * model's logits, `z * sharpness` an over- (> 1) or under-confident (< 1) one's.
 */
function simulated(rows: number, sharpness: number, seed: number): { logits: Float64Array; truth: number[]; fold: number[] } {
  const random = seededRandom(seed);
  const z = Float64Array.from({ length: rows * K }, () => (random() * 2 - 1) * 2.5);
  const p = scaledProbabilities(z, K, 1);
  const truth: number[] = [];
  for (let r = 0; r < rows; r++) {
    let u = random();
    let c = 0;
    while (c < K - 1 && u >= (p[r * K + c] ?? 0)) u -= p[r * K + c++] ?? 0;
    truth.push(c);
  }
  return { logits: z.map((v) => v * sharpness), truth, fold: truth.map((_, r) => r % 5) };
}

describe('temperature scaling', () => {
  it('recovers the sharpening factor of an overconfident model as its temperature', () => {
    const { logits, truth } = simulated(6000, 3, 1);
    const t = fitTemperature(logits, truth, K);
    assert.ok(Math.abs(t - 3) < 0.3, `T = ${t}`);
  });

  it('leaves a calibrated model near T = 1, and finds T < 1 for an underconfident one', () => {
    const calibrated = simulated(6000, 1, 2);
    const t1 = fitTemperature(calibrated.logits, calibrated.truth, K);
    assert.ok(Math.abs(t1 - 1) < 0.1, `T = ${t1}`);
    const timid = simulated(6000, 0.4, 3);
    const t2 = fitTemperature(timid.logits, timid.truth, K);
    assert.ok(t2 < 0.6, `T = ${t2}`);
  });

  it('lowers the ECE on held-out folds (temperature fit on the other folds), without changing a single predicted label', () => {
    const { logits, truth, fold } = simulated(5000, 2.5, 4);
    const probs = scaledProbabilities(logits, K, 1);
    const result = calibrate(probs, truth, fold, K);
    assert.ok(result.ece.before > 0.1, `an overconfident model is badly calibrated: ${result.ece.before}`);
    assert.ok(result.ece.after < result.ece.before / 3, `ECE ${result.ece.before} → ${result.ece.after}`);
    assert.deepEqual(argmaxRows(scaledProbabilities(logits, K, result.temperature), K), argmaxRows(probs, K));
    // Fit on folds 0-2 only, scored on folds 3-4 that the fit never saw.
    const fitRows = truth.flatMap((_, r) => (fold[r]! < 3 ? [r] : []));
    const testRows = truth.flatMap((_, r) => (fold[r]! >= 3 ? [r] : []));
    const rowsOf = (a: Float64Array, rows: number[]) => Float64Array.from(rows.flatMap((r) => Array.from(a.subarray(r * K, (r + 1) * K))));
    const t = fitTemperature(
      rowsOf(logits, fitRows),
      fitRows.map((r) => truth[r]!),
      K,
    );
    const heldTruth = testRows.map((r) => truth[r]!);
    const before = expectedCalibrationError(rowsOf(probs, testRows), heldTruth, K);
    const after = expectedCalibrationError(scaledProbabilities(rowsOf(logits, testRows), K, t), heldTruth, K);
    assert.ok(after < before / 3, `held-out ECE ${before} → ${after}`);
  });

  it('ECE is 0 when every stated probability is right as often as it says', () => {
    // Top probability 0.75 on 4 rows, 3 of them right.
    const probs = [0.75, 0.25, 0.75, 0.25, 0.75, 0.25, 0.25, 0.75].flatMap((p) => [p, 1 - p]);
    assert.equal(expectedCalibrationError(probs.slice(0, 8), [0, 0, 0, 1], 2), 0);
    assert.ok(Math.abs(expectedCalibrationError(probs.slice(0, 8), [0, 0, 0, 0], 2) - 0.25) < 1e-12);
  });

  it('draws a reliability diagram as SVG with one bar per non-empty bin', () => {
    const { logits, truth, fold } = simulated(500, 2, 5);
    const result = calibrate(scaledProbabilities(logits, K, 1), truth, fold, K);
    const svg = reliabilitySvg(result, 'test <model>');
    assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    assert.match(svg, /test &#60;model&#62;/);
    const bars = (svg.match(/<title>/g) ?? []).length;
    const nonEmpty = result.reliability.before.filter((b) => b.count > 0).length + result.reliability.after.filter((b) => b.count > 0).length;
    assert.equal(bars, nonEmpty);
  });
});

describe('the temperature folded into the exported ONNX graph', () => {
  it('makes ONNX Runtime serve softmax(logits / T) of the trained model', async () => {
    const { texts, labels } = syntheticData(140, 11);
    const options = {
      ...DEFAULT_TRAIN_OPTIONS,
      features: { ...DEFAULT_TRAIN_OPTIONS.features, gloveScale: 0 },
      linear: { ...DEFAULT_TRAIN_OPTIONS.linear, maxIterations: 40 },
    };
    const trained = trainModel(texts, labels, options, undefined);
    const dir = await mkdtemp(path.join(tmpdir(), 'calibrated-'));
    try {
      const metrics = { count: 0, accuracy: 0, macroF1: 0, perLabel: {}, confusion: { labels: [], matrix: [] } };
      const info = {
        version: 'calibrated',
        createdAt: new Date(0).toISOString(),
        labels: [...LABELS],
        evaluation: { method: 'none (test model)', metrics },
      };
      await writeModelDir(dir, trained, info, 2.5);
      const probes = syntheticData(20, 12).texts;
      const predictor = await loadOnnxPredictor(dir, { threads: 1 });
      try {
        const served = await predictor.predict(probes);
        const raw = linearLogits(trained.model, buildDataset(trained.featurizer, probes, undefined));
        const expected = scaledProbabilities(raw, K, 2.5);
        const uncalibrated = scaledProbabilities(raw, K, 1);
        let max = 0;
        let moved = 0;
        served.forEach((p, r) =>
          LABELS.forEach((label, c) => {
            max = Math.max(max, Math.abs(p[label] - (expected[r * K + c] ?? 0)));
            moved = Math.max(moved, Math.abs(p[label] - (uncalibrated[r * K + c] ?? 0)));
          }),
        );
        assert.ok(max < 1e-4, `ONNX vs softmax(z / T): ${max}`);
        assert.ok(moved > 1e-2, `the temperature must change the served probabilities, moved ${moved}`);
      } finally {
        await predictor.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('low-confidence threshold', () => {
  /** Rows with top probability `top` (on label 0), right (truth 0) or wrong (truth 1). */
  const rows = (spec: Array<[top: number, right: boolean]>) => ({
    probs: Float64Array.from(spec.flatMap(([top]) => [top, ...new Array<number>(K - 1).fill((1 - top) / (K - 1))])),
    truth: spec.map(([, right]) => (right ? 0 : 1)),
  });

  it('is where the isotonic fit of correctness on the top probability reaches 50 %, so one noisy row cannot move it', () => {
    const { probs, truth } = rows([
      [0.2, false],
      [0.25, false],
      [0.3, true],
      [0.35, false],
      [0.4, false],
      [0.45, true],
      [0.5, true],
      [0.55, false],
      [0.6, true],
      [0.8, true],
    ]);
    // Fitted blocks: 0.20–0.25 right 0/2, 0.30–0.40 1/3, 0.45–0.55 2/3, 0.60–0.80 2/2.
    const result = chooseLowConfidenceThreshold(probs, truth, K);
    assert.equal(result.threshold, 0.45);
    assert.equal(result.rows, 10);
    assert.equal(result.shareBelow, 0.5);
    assert.equal(result.accuracyBelow, 1 / 5);
    assert.equal(result.accuracyAbove, 4 / 5);
    assert.match(result.rule, /isotonic[\s\S]*reaches 50 %/);
  });

  it('rounds down to 0.01 without binary floating-point surprises', () => {
    const { probs, truth } = rows([
      [0.2, false],
      [0.29, true],
      [0.9, true],
    ]);
    assert.equal(chooseLowConfidenceThreshold(probs, truth, K).threshold, 0.29);
  });

  it('is 0 when the model is right often enough everywhere, 1 when nowhere', () => {
    const good = rows([
      [0.3, true],
      [0.9, true],
    ]);
    const result = chooseLowConfidenceThreshold(good.probs, good.truth, K);
    assert.equal(result.threshold, 0);
    assert.equal(result.shareBelow, 0);
    assert.equal(result.accuracyBelow, null);
    assert.equal(result.accuracyAbove, 1);
    const bad = rows([
      [0.3, false],
      [0.9, false],
    ]);
    const none = chooseLowConfidenceThreshold(bad.probs, bad.truth, K);
    assert.equal(none.threshold, 1);
    assert.equal(none.shareBelow, 1);
    assert.equal(none.accuracyBelow, 0);
  });

  it('lands near 0.5 for a calibrated model, and higher for an overconfident one whose top probability overstates', () => {
    const calibrated = simulated(6000, 1, 7);
    const t1 = chooseLowConfidenceThreshold(scaledProbabilities(calibrated.logits, K, 1), calibrated.truth, K).threshold;
    assert.ok(t1 >= 0.4 && t1 <= 0.6, `calibrated: ${t1}`);
    const overconfident = simulated(6000, 3, 8);
    const t3 = chooseLowConfidenceThreshold(scaledProbabilities(overconfident.logits, K, 1), overconfident.truth, K).threshold;
    assert.ok(t3 > t1 + 0.1, `overconfident: ${t3} vs calibrated ${t1}`);
  });
});
