import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { charNgrams, createTokenizer, TextSettingsSchema, wordNgrams, type TextSettings } from './tokenizer.ts';

const PLAIN: TextSettings = { lowercase: false, apostrophes: '', rewrites: [], token: '[\\p{L}\\p{N}]+' };

describe('createTokenizer follows the settings it is given', () => {
  it('keeps case and apostrophe splits when the settings ask for nothing', () => {
    assert.deepEqual(createTokenizer(PLAIN)("I DIDN'T go"), ['I', 'DIDN', 'T', 'go']);
  });

  it('lowercases, maps the listed apostrophes and applies rewrites in order', () => {
    const tokenize = createTokenizer({
      ...PLAIN,
      lowercase: true,
      apostrophes: '\u2019',
      rewrites: [
        { pattern: "\\bcan't\\b", replacement: 'can not' },
        { pattern: "n't\\b", replacement: ' not' },
      ],
    });
    assert.deepEqual(tokenize('I CAN’T, she didn’t'), ['i', 'can', 'not', 'she', 'did', 'not']);
    // Reversed order: the generic rule fires first and leaves "ca not".
    const reversed = createTokenizer({
      ...PLAIN,
      lowercase: true,
      rewrites: [
        { pattern: "n't\\b", replacement: ' not' },
        { pattern: "\\bcan't\\b", replacement: 'can not' },
      ],
    });
    assert.deepEqual(reversed("can't"), ['ca', 'not']);
  });

  it('takes tokens from the given pattern (here: letters only)', () => {
    assert.deepEqual(createTokenizer({ ...PLAIN, token: '\\p{L}+' })('route 66 ok'), ['route', 'ok']);
  });

  it('refuses a pattern that does not compile', () => {
    assert.equal(TextSettingsSchema.safeParse({ ...PLAIN, token: '(' }).success, false);
    assert.equal(TextSettingsSchema.safeParse({ ...PLAIN, rewrites: [{ pattern: '[', replacement: '' }] }).success, false);
  });
});

describe('n-grams', () => {
  it('makes word n-grams from min to max, shortest first', () => {
    assert.deepEqual(wordNgrams(['a', 'b', 'c'], 1, 2), ['a', 'b', 'c', 'a b', 'b c']);
    assert.deepEqual(wordNgrams(['a', 'b', 'c'], 2, 3), ['a b', 'b c', 'a b c']);
  });

  it('makes character n-grams inside padded tokens, counting code points', () => {
    assert.deepEqual(charNgrams(['ab'], 3, 4, ' '), [' ab', 'ab ', ' ab ']);
    assert.deepEqual(charNgrams(['é😀'], 3, 3, ' '), [' é😀', 'é😀 ']);
    assert.deepEqual(charNgrams(['😀😀'], 1, 1, '#'), ['#', '😀', '😀', '#']);
  });
});
