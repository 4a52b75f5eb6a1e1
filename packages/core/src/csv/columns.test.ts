import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXPORT_COLUMNS, guardSpreadsheetText, unguardSpreadsheetText } from './columns.ts';

test('texts starting with a formula trigger get exactly one leading apostrophe', () => {
  for (const text of ['=SUM(A1)', '+1', '-1', '@cmd', '\tx', '\rx', "'quoted"]) {
    assert.equal(guardSpreadsheetText(text), `'${text}`);
  }
});

test('ordinary texts are not changed', () => {
  for (const text of ['I was happy', 'a=b', 'x-y', 'émoji 😀', '"quoted"']) {
    assert.equal(guardSpreadsheetText(text), text);
  }
});

test('unguard(guard(text)) round-trips every text exactly', () => {
  const texts = ['=1+1', "'", "''", "'=x", '-', '@', "it's", 'plain', "'plain", '\t', '=', "''='"];
  for (const text of texts) {
    assert.equal(unguardSpreadsheetText(guardSpreadsheetText(text)), text, JSON.stringify(text));
  }
});

test('the export header: the review columns, seven probability columns, then the shadow answer', () => {
  assert.deepEqual(EXPORT_COLUMNS.slice(0, 7), ['id', 'text', 'label', 'predicted_label', 'action', 'model_version', 'created_at']);
  assert.equal(EXPORT_COLUMNS.length, 16);
  assert.ok(EXPORT_COLUMNS.slice(7, 14).every((c) => c.startsWith('probability_')));
  assert.deepEqual(EXPORT_COLUMNS.slice(14), ['shadow_model_version', 'shadow_label']);
});
