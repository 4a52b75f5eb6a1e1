/**
 * Issue 7: exporting reviews is for operators. The public page (index.html) must not offer the
 * export; the operator page exists in the static export. Needs `npm run build -w packages/web`.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out');
const skip = existsSync(join(OUT, 'index.html')) ? false : 'no static export yet: run `npm run build -w packages/web` first';

test('the public page links to no export and says nothing about downloading the CSV', { skip }, async () => {
  const html = await readFile(join(OUT, 'index.html'), 'utf8');
  assert.match(html, /Input sentence/, 'this is the public page');
  assert.doesNotMatch(html, /\/api\/getcsv/);
  assert.doesNotMatch(html, /Download CSV/);
});

test('the operator page is in the export at /operator, with its sign-in and no token in it', { skip }, async () => {
  const file = join(OUT, 'operator.html');
  assert.ok(existsSync(file), 'operator.html is exported');
  const html = await readFile(file, 'utf8');
  assert.match(html, /<title>Operator · Sentiment Prediction<\/title>/);
  assert.match(html, /noindex/);
});

test('the review console is in the export at /console, not indexed, its data loaded only in the browser', { skip }, async () => {
  const file = join(OUT, 'console.html');
  assert.ok(existsSync(file), 'console.html is exported');
  const html = await readFile(file, 'utf8');
  assert.match(html, /<title>Review console · Sentiment Prediction<\/title>/);
  assert.match(html, /noindex/);
  // The static file holds the Suspense fallback, never a review: everything comes from the API after sign-in.
  assert.match(html, /Loading…/);
  assert.doesNotMatch(html, /Download CSV/);
});
