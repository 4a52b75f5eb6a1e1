import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countCodePoints, MAX_TEXT_CODE_POINTS, normalizeText, TextRuleError } from './normalize.ts';
import { TextSchema } from './schema.ts';

function ruleOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    if (error instanceof TextRuleError) return error.rule;
    throw error;
  }
  return 'none';
}

test('NUL and other control characters are dropped', () => {
  assert.equal(normalizeText('ab\u0000c\u0007d\u009F'), 'abcd');
});

test('zero-width characters and a byte-order mark are dropped', () => {
  assert.equal(normalizeText('\uFEFFsad\u200Bness\u200C\u200D\u2060'), 'sadness');
});

test('bidi marks, overrides and isolates are dropped, so a stored text reads as typed', () => {
  assert.equal(normalizeText('I was \u202Eyppah\u202C today'), 'I was yppah today');
  assert.equal(normalizeText('a\u200Eb\u200Fc\u2066d\u2069e\u061Cf\u202Ag'), 'abcdefg');
});

test('NBSP, tabs, CRLF and runs of whitespace collapse to one space and are trimmed', () => {
  assert.equal(normalizeText('  I\u00A0was\t\tso\r\nhappy \u2028 today  '), 'I was so happy today');
});

test('tab and line breaks separate words instead of gluing them', () => {
  assert.equal(normalizeText('one\ntwo\rthree\tfour'), 'one two three four');
});

test('decomposed accents become NFC', () => {
  const decomposed = 'cafe\u0301 fiance\u0301e';
  assert.equal(normalizeText(decomposed), 'caf\u00E9 fianc\u00E9e');
  assert.equal(normalizeText(decomposed).length, 'café fiancée'.length);
});

test('emoji survive unchanged', () => {
  assert.equal(normalizeText('I passed 🎉😀'), 'I passed 🎉😀');
});

test('empty or whitespace-only text is rejected as empty', () => {
  for (const text of ['', '   ', '\u00A0\t\r\n', '\u200B\u0000', '\uFEFF']) {
    assert.equal(ruleOf(() => normalizeText(text)), 'empty', JSON.stringify(text));
  }
});

test('lone surrogates are rejected, paired ones are not', () => {
  assert.equal(ruleOf(() => normalizeText('bad \uD83D text')), 'lone_surrogate');
  assert.equal(ruleOf(() => normalizeText('bad \uDE00')), 'lone_surrogate');
  assert.equal(normalizeText('ok \uD83D\uDE00'), 'ok 😀');
});

test('length is counted in code points: the limit of emoji passes, one more fails', () => {
  const atLimit = '😀'.repeat(MAX_TEXT_CODE_POINTS);
  assert.equal(atLimit.length, 2 * MAX_TEXT_CODE_POINTS);
  assert.equal(countCodePoints(normalizeText(atLimit)), MAX_TEXT_CODE_POINTS);
  assert.equal(ruleOf(() => normalizeText(`${atLimit}a`)), 'too_long');
});

test('the too_long message names the limit', () => {
  assert.throws(() => normalizeText('a'.repeat(MAX_TEXT_CODE_POINTS + 1)), new RegExp(String(MAX_TEXT_CODE_POINTS)));
});

test('length is measured after normalisation, so stripped whitespace does not count', () => {
  const padded = ` ${'a'.repeat(MAX_TEXT_CODE_POINTS)}    `;
  assert.equal(normalizeText(padded).length, MAX_TEXT_CODE_POINTS);
});

test('non-strings are rejected', () => {
  assert.equal(ruleOf(() => normalizeText(42)), 'not_a_string');
});

test('TextSchema returns the normalised text and reports the rule as a zod issue', () => {
  assert.equal(TextSchema.parse('  hi  there '), 'hi there');
  const result = TextSchema.safeParse('   ');
  assert.equal(result.success, false);
  assert.match(result.error.issues[0]!.message, /empty/);
});
