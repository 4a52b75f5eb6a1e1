import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explanationSegments, formatWeight, sentenceShare, strongestWords } from './explanation.ts';

test('explanationSegments weighs the named words, leaves edge punctuation and spaces as plain text, and rebuilds the sentence', () => {
  const text = 'I was SO happy, my exam — passed!';
  const segments = explanationSegments(text, [
    { text: 'happy', weight: 2 },
    { text: 'exam', weight: -0.5 },
    { text: 'my exam', weight: 0.3 },
    { text: 'passed', weight: 1 },
  ]);
  assert.equal(segments.map((s) => s.text).join(''), text);
  assert.deepEqual(
    segments.filter((s) => s.weight !== undefined),
    [
      { text: 'happy', weight: 2, strength: 1 },
      { text: 'exam', weight: -0.5, strength: 0.25 },
      { text: 'passed', weight: 1, strength: 0.5 },
    ],
  );
  // Plain pieces are merged: no two plain segments in a row.
  segments.forEach((s, i) => assert.ok(i === 0 || s.weight !== undefined || segments[i - 1]!.weight !== undefined));
  assert.deepEqual(segments.at(-1), { text: '!' });
});

test('explanationSegments of a sentence without explanation is the sentence as one plain segment', () => {
  assert.deepEqual(explanationSegments('  qwzx vbnm ', []), [{ text: '  qwzx vbnm ' }]);
  assert.deepEqual(explanationSegments('', []), []);
});

test('strongestWords splits by sign, strongest first, at most `limit` each', () => {
  const explanation = [
    { text: 'a', weight: 0.1 },
    { text: 'b', weight: -2 },
    { text: 'c', weight: 3 },
    { text: 'd', weight: 0.5 },
    { text: 'e', weight: -0.2 },
  ];
  assert.deepEqual(strongestWords(explanation, 2), {
    towards: [
      { text: 'c', weight: 3 },
      { text: 'd', weight: 0.5 },
    ],
    away: [
      { text: 'b', weight: -2 },
      { text: 'e', weight: -0.2 },
    ],
  });
});

test('formatWeight always writes the sign', () => {
  assert.equal(formatWeight(1.239), '+1.24');
  assert.equal(formatWeight(-0.305), '\u22120.30');
  assert.equal(formatWeight(0), '+0.00');
});

test('the whole-sentence entry of a model with a sentence encoder is neither a highlighted word nor a listed word', () => {
  const text = 'Fear.';
  const explanation = [
    { text: 'Fear.', weight: 2.5, sentence: true as const },
    { text: 'Fear', weight: 0.75 },
  ];
  assert.deepEqual(
    explanationSegments(text, explanation).map((s) => [s.text, s.weight]),
    [
      ['Fear', 0.75],
      ['.', undefined],
    ],
  );
  assert.deepEqual(strongestWords(explanation).towards, [{ text: 'Fear', weight: 0.75 }]);
  assert.equal(sentenceShare(explanation), 2.5);
  assert.equal(sentenceShare([{ text: 'Fear', weight: 0.75 }]), undefined);
});
