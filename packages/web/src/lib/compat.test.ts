import assert from 'node:assert/strict';
import { test } from 'node:test';
import { anySignal, isWellFormed } from './compat.ts';

test('isWellFormed agrees with the built-in on paired, lone high and lone low surrogates', () => {
  for (const text of ['', 'plain', 'ok 😀', 'bad \uD83D', '\uDE00 bad', 'x\uD83D\uD83Dy', '😀\uDE00', 'é \u200B']) {
    assert.equal(isWellFormed(text), text.isWellFormed(), JSON.stringify(text));
  }
});

test('anySignal aborts when any input aborts, with that reason', () => {
  const a = new AbortController();
  const b = new AbortController();
  const combined = anySignal([a.signal, b.signal]);
  assert.equal(combined.aborted, false);
  b.abort(new Error('second'));
  assert.equal(combined.aborted, true);
  assert.equal((combined.reason as Error).message, 'second');
});
