import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MAX_TEXT_CODE_POINTS } from '@sentiment/core';
import { checkInput } from './text-input.ts';

test('a valid sentence is normalised with the core rules and counted in code points', () => {
  const result = checkInput('  I  passed\u200B my exam 🎉\n');
  assert.deepEqual(result, { ok: true, text: 'I passed my exam 🎉', length: 18 });
});

test('empty and whitespace-only input is refused with a message in words and length 0', () => {
  for (const raw of ['', '   ', '\n\t \u00A0', '\u200B']) {
    const result = checkInput(raw);
    assert.equal(result.ok, false, JSON.stringify(raw));
    if (result.ok) continue;
    assert.equal(result.rule, 'empty');
    assert.equal(result.length, 0);
    assert.match(result.message, /type a sentence/i);
  }
});

test('input made only of invisible characters (Hangul filler, Braille blank, tags, selectors) is refused as empty', () => {
  for (const raw of ['\u3164', '\u2800\u2800', '\u{E0020}\u{E0041}', ' \uFE0F\u200D\u00AD ']) {
    const result = checkInput(raw);
    assert.equal(result.ok, false, JSON.stringify(raw));
    if (result.ok) continue;
    assert.equal(result.rule, 'empty');
    assert.match(result.message, /invisible characters do not count/);
  }
});

test('joined emoji and Persian words are sent as typed', () => {
  const raw = 'می\u200Cخواهم \u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u2764\uFE0F';
  // 8 + 1 + 5 (three people, two joiners) + 1 + 2 (heart, selector) code points.
  assert.deepEqual(checkInput(raw), { ok: true, text: raw, length: 17 });
});

test('input over the limit names its length and the limit', () => {
  const result = checkInput('a'.repeat(MAX_TEXT_CODE_POINTS + 5));
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.rule, 'too_long');
  assert.equal(result.length, MAX_TEXT_CODE_POINTS + 5);
  assert.match(result.message, new RegExp(`${MAX_TEXT_CODE_POINTS + 5} characters.*limit is ${MAX_TEXT_CODE_POINTS}`));
});

test('exactly the limit in emoji (two UTF-16 units each) is accepted', () => {
  const result = checkInput('😀'.repeat(MAX_TEXT_CODE_POINTS));
  assert.equal(result.ok, true);
  assert.equal(result.length, MAX_TEXT_CODE_POINTS);
});

test('a lone surrogate is refused with a message that says a character is broken', () => {
  const result = checkInput('bad \uD83D text');
  assert.equal(result.ok, false);
  if (result.ok) return;
  assert.equal(result.rule, 'lone_surrogate');
  assert.match(result.message, /broken character/);
});
