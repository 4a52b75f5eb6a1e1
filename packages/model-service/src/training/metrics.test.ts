import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { argmaxRows, computeMetrics, formatMetrics, topConfusions } from './metrics.ts';

describe('computeMetrics', () => {
  // Hand-computed example, 3 labels, 8 rows:
  //   truth     a a a b b c c c
  //   predicted a a b b c c c a
  // confusion rows=truth: a [2,1,0]  b [0,1,1]  c [1,0,2]
  // a: P 2/3 R 2/3 F1 2/3;  b: P 1/2 R 1/2 F1 1/2;  c: P 2/3 R 2/3 F1 2/3
  // accuracy 5/8; macro-F1 (2/3 + 1/2 + 2/3) / 3 = 11/18
  const labels = ['a', 'b', 'c'];
  const truth = [0, 0, 0, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 1, 2, 2, 2, 0];
  const m = computeMetrics(labels, truth, predicted);

  it('computes accuracy, macro-F1 and per-label figures', () => {
    assert.equal(m.count, 8);
    assert.equal(m.accuracy, 5 / 8);
    assert.ok(Math.abs(m.macroF1 - 11 / 18) < 1e-12);
    assert.ok(Math.abs((m.perLabel.a?.precision ?? 0) - 2 / 3) < 1e-12);
    assert.ok(Math.abs((m.perLabel.b?.f1 ?? 0) - 1 / 2) < 1e-12);
    assert.equal(m.perLabel.c?.support, 3);
  });

  it('builds the confusion matrix with true labels as rows', () => {
    assert.deepEqual(m.confusion.matrix, [
      [2, 1, 0],
      [0, 1, 1],
      [1, 0, 2],
    ]);
  });

  it('gives precision 0 to a label never predicted', () => {
    const never = computeMetrics(['x', 'y'], [0, 1], [0, 0]);
    assert.equal(never.perLabel.y?.precision, 0);
    assert.equal(never.perLabel.y?.f1, 0);
  });

  it('rejects arrays of different lengths', () => {
    assert.throws(() => computeMetrics(labels, [0], [0, 1]), RangeError);
  });

  it('formats a table and the confusion matrix, and lists the top confusions', () => {
    const text = formatMetrics(m);
    assert.match(text, /accuracy 0\.625 {2}macro-F1 0\.611/);
    assert.match(text, /confusion matrix/);
    assert.deepEqual(topConfusions(m, 1), [{ truth: 'a', predicted: 'b', count: 1 }]);
  });
});

describe('argmaxRows', () => {
  it('picks the largest column of each row, the first on ties', () => {
    assert.deepEqual(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0], 3), [1, 0]);
  });
});
