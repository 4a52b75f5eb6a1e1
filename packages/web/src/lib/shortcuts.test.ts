import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LABELS } from '@sentiment/core';
import { shortcutFor, type KeyPress } from './shortcuts.ts';

const body = { tagName: 'BODY' };
function press(key: string, extra: Partial<KeyPress> = {}): KeyPress {
  return { key, ctrlKey: false, metaKey: false, altKey: false, target: body, ...extra };
}

test('A and a approve when focus is not in a text field', () => {
  assert.deepEqual(shortcutFor(press('a')), { action: 'approve' });
  assert.deepEqual(shortcutFor(press('A')), { action: 'approve' });
  assert.deepEqual(shortcutFor(press('a', { target: { tagName: 'BUTTON' } })), { action: 'approve' });
});

test('1 to 7 pick the label at that position in LABELS', () => {
  LABELS.forEach((label, index) => {
    assert.deepEqual(shortcutFor(press(String(index + 1))), { action: 'revise', label });
  });
  assert.equal(shortcutFor(press('8')), null);
  assert.equal(shortcutFor(press('0')), null);
});

test('keys typed into a text field, or with a modifier, or during IME composition are not shortcuts', () => {
  assert.equal(shortcutFor(press('a', { target: { tagName: 'TEXTAREA' } })), null);
  assert.equal(shortcutFor(press('3', { target: { tagName: 'INPUT', type: 'text' } })), null);
  assert.equal(shortcutFor(press('3', { target: { tagName: 'DIV', isContentEditable: true } })), null);
  assert.equal(shortcutFor(press('a', { ctrlKey: true })), null);
  assert.equal(shortcutFor(press('a', { metaKey: true })), null);
  assert.equal(shortcutFor(press('1', { altKey: true })), null);
  assert.equal(shortcutFor(press('a', { isComposing: true })), null);
  // A checkbox takes no typed text, so shortcuts still work there.
  assert.deepEqual(shortcutFor(press('a', { target: { tagName: 'INPUT', type: 'checkbox' } })), { action: 'approve' });
});

test('other keys are not shortcuts', () => {
  for (const key of ['b', 'Enter', ' ', 'Escape', 'F1']) assert.equal(shortcutFor(press(key)), null, key);
});
