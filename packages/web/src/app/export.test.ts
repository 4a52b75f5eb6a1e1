/**
 * Checks the static export in `packages/web/out` (made by `npm run build -w packages/web`):
 * the app page with its title, the not-found page, a favicon, every asset a page names is in the
 * export, and nothing is loaded from another origin (no CDN, no web fonts): the site must work
 * offline behind one origin.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const OUT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'out');
const skip = existsSync(join(OUT, 'index.html')) ? false : 'no static export yet: run `npm run build -w packages/web` first';

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

test('index.html is the app page and every /_next asset it references exists', { skip }, async () => {
  const html = await readFile(join(OUT, 'index.html'), 'utf8');
  assert.match(html, /<title>Sentiment Prediction<\/title>/);
  assert.match(html, /<html lang="en"/);
  const assets = [...html.matchAll(/(?:src|href)="(\/_next\/[^"?#]+)"/g)].map((m) => m[1]!);
  assert.ok(assets.length > 0, 'index.html references no /_next assets');
  for (const asset of new Set(assets)) {
    assert.ok(existsSync(join(OUT, decodeURIComponent(asset))), `missing from the export: ${asset}`);
  }
});

test('every page names a favicon that is in the export, and /favicon.ico exists', { skip }, async () => {
  assert.ok(existsSync(join(OUT, 'favicon.ico')), 'favicon.ico missing from the export');
  for (const page of ['index.html', '404.html']) {
    const html = await readFile(join(OUT, page), 'utf8');
    const icons = [...html.matchAll(/<link\b[^>]*\brel="(?:shortcut )?icon"[^>]*>/g)].map((m) => m[0]);
    assert.ok(icons.length > 0, `${page} names no icon`);
    for (const tag of icons) {
      const href = /\bhref="([^"?#]+)/.exec(tag)?.[1];
      if (!href?.startsWith('/')) assert.fail(`${page}: icon href is not a root path: ${tag}`);
      assert.ok(existsSync(join(OUT, href)), `${page}: icon ${href} missing from the export`);
    }
  }
});

test("404.html is the app's own not-found page with a link back home", { skip }, async () => {
  const html = await readFile(join(OUT, '404.html'), 'utf8');
  assert.match(html, /<h1>Page not found<\/h1>/);
  assert.match(html, /<a href="\/">/);
  assert.match(html, /<title>Page not found · Sentiment Prediction<\/title>/);
  assert.doesNotMatch(html, /This page could not be found/, "Next's default 404 text");
});

test('the export loads nothing from another origin: no external scripts, styles or fonts', { skip }, async () => {
  const offenders: string[] = [];
  for (const file of await filesUnder(OUT)) {
    if (file.endsWith('.html')) {
      const html = await readFile(file, 'utf8');
      // Tags that make the browser fetch something.
      for (const m of html.matchAll(/<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)="((?:https?:)?\/\/[^"]+)"/g)) {
        offenders.push(`${relative(OUT, file)}: ${m[1]}`);
      }
    } else if (file.endsWith('.css')) {
      const css = await readFile(file, 'utf8');
      for (const m of css.matchAll(/url\(\s*["']?((?:https?:)?\/\/[^"')]+)/g)) offenders.push(`${relative(OUT, file)}: ${m[1]}`);
      for (const m of css.matchAll(/@import\s+(?:url\()?\s*["']?((?:https?:)?\/\/[^"')]+)/g)) {
        offenders.push(`${relative(OUT, file)}: ${m[1]}`);
      }
    }
  }
  assert.deepEqual(offenders, []);
});
