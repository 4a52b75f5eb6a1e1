// `npm run shadow` and `npm run shadow-report` on a temporary models folder and a made-up export.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { EXPORT_COLUMNS, LABELS, type Label } from '@sentiment/core';
import { runTrainingCli as cli } from './test-fixtures.ts';
import { HistorySchema, servedStack } from './versions.ts';

describe('npm run shadow', () => {
  let dir: string;
  const models = () => path.join(dir, 'models');
  const history = async () => HistorySchema.parse(JSON.parse(await readFile(path.join(models(), 'HISTORY.json'), 'utf8'))).entries;
  const args = ['--models', 'models', '--candidates', 'candidates'];

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shadow-cli-'));
    for (const folder of ['models/v1', 'models/v2', 'candidates/cand']) {
      await mkdir(path.join(dir, folder), { recursive: true });
      await writeFile(path.join(dir, folder, 'model.onnx'), 'graph');
    }
    await writeFile(path.join(models(), 'CURRENT'), 'v2\n');
    const entries = [
      { action: 'initial', version: 'v1', at: '2026-01-01T00:00:00.000Z' },
      { action: 'promote', version: 'v2', from: 'v1', at: '2026-01-02T00:00:00.000Z' },
    ];
    await writeFile(path.join(models(), 'HISTORY.json'), JSON.stringify({ entries }));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('shadows a candidate: copies it into models/, writes SHADOW, records it; npm run models marks it', async () => {
    const result = await cli('shadow-cli.ts', ['cand', ...args], dir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /Shadowing cand beside v2/);
    assert.equal(await readFile(path.join(models(), 'SHADOW'), 'utf8'), 'cand\n');
    assert.equal(await readFile(path.join(models(), 'cand', 'model.onnx'), 'utf8'), 'graph');
    assert.deepEqual((await history()).at(-1), { action: 'shadow', version: 'cand', at: (await history()).at(-1)!.at });

    const listed = await cli('models-cli.ts', ['--json', ...args], dir);
    const list = JSON.parse(listed.stdout) as { shadow: string; versions: Array<{ version: string; status: string[] }> };
    assert.equal(list.shadow, 'cand');
    assert.deepEqual(list.versions.find((v) => v.version === 'cand')?.status, ['SHADOW']);
    assert.deepEqual(list.versions.find((v) => v.version === 'v2')?.status, ['CURRENT']);
  });

  it('refuses the served version, the same shadow again, an unknown version and a bad name; nothing changes', async () => {
    const before = await readFile(path.join(models(), 'HISTORY.json'), 'utf8');
    for (const [version, pattern] of [
      ['v2', /is the served version/],
      ['cand', /already the shadow/],
      ['nope', /no version nope/],
    ] as const) {
      const result = await cli('shadow-cli.ts', [version, ...args], dir);
      assert.equal(result.code, 1, version);
      assert.match(result.stderr, pattern);
    }
    assert.equal((await cli('shadow-cli.ts', ['../etc', ...args], dir)).code, 2);
    assert.equal((await cli('shadow-cli.ts', ['v1', '--off', ...args], dir)).code, 2);
    assert.equal(await readFile(path.join(models(), 'HISTORY.json'), 'utf8'), before);
    assert.equal(await readFile(path.join(models(), 'SHADOW'), 'utf8'), 'cand\n');
  });

  it('another version replaces the shadow (from recorded); --off removes SHADOW; rollback ignores shadow entries', async () => {
    assert.equal((await cli('shadow-cli.ts', ['v1', ...args], dir)).code, 0);
    assert.deepEqual([(await history()).at(-1)!.version, (await history()).at(-1)!.from], ['v1', 'cand']);
    const off = await cli('shadow-cli.ts', ['--off', ...args], dir);
    assert.equal(off.code, 0, off.stderr);
    assert.equal(existsSync(path.join(models(), 'SHADOW')), false);
    assert.deepEqual(
      (await history()).slice(-3).map((e) => [e.action, e.version]),
      [
        ['shadow', 'cand'],
        ['shadow', 'v1'],
        ['shadow-off', 'v1'],
      ],
    );
    const again = await cli('shadow-cli.ts', ['--off', ...args], dir);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no version is shadowed/);

    assert.deepEqual(servedStack(await history()), ['v1', 'v2']);
    const rolled = await cli('rollback-cli.ts', ['--models', 'models'], dir);
    assert.equal(rolled.code, 0, rolled.stderr);
    assert.equal(await readFile(path.join(models(), 'CURRENT'), 'utf8'), 'v1\n');
  });
});

describe('npm run shadow-report', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'shadow-report-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** An export row: `label` the person's, `predicted` the served version's, `shadow` the shadow's ('' = none). */
  const row = (i: number, label: Label, predicted: Label, shadow: Label | '', shadowVersion = 'v3') =>
    [
      `id-${i}`,
      `"text, number ${i}"`,
      label,
      predicted,
      'approved',
      'v2',
      '2026-01-01T00:00:00.000Z',
      ...LABELS.map(() => '0.142857'),
      shadow ? shadowVersion : '',
      shadow,
    ].join(',');

  it('scores the served and the shadow version against the reviews that carry a shadow answer, with n', async () => {
    const rows: string[] = [];
    // 40 reviews with a shadow: the served version right on 20, the shadow right on 36.
    for (let i = 0; i < 40; i++) {
      const label = LABELS[i % LABELS.length]!;
      const wrong = LABELS[(i + 1) % LABELS.length]!;
      rows.push(row(i, label, i < 20 ? label : wrong, i < 36 ? label : wrong));
    }
    // 5 without a shadow answer: counted, never scored.
    for (let i = 40; i < 45; i++) rows.push(row(i, 'joy', 'fear', ''));
    const file = path.join(dir, 'sentiment.csv');
    await writeFile(file, `\uFEFF${EXPORT_COLUMNS.join(',')}\r\n${rows.join('\r\n')}\r\n`);

    const json = await cli('shadow-report-cli.ts', ['--reviews', 'sentiment.csv', '--json'], dir);
    assert.equal(json.code, 0, json.stderr);
    const report = JSON.parse(json.stdout) as {
      reviews: number;
      withoutShadow: number;
      comparisons: Array<{ champion: string; shadow: string; n: number; champion_accuracy: number; shadow_accuracy: number; verdict: string }>;
    };
    assert.equal(report.reviews, 45);
    assert.equal(report.withoutShadow, 5);
    assert.equal(report.comparisons.length, 1);
    const [c] = report.comparisons;
    assert.deepEqual([c!.champion, c!.shadow, c!.n], ['v2', 'v3', 40]);
    assert.equal(c!.champion_accuracy, 0.5);
    assert.equal(c!.shadow_accuracy, 0.9);
    assert.equal(c!.verdict, 'shadow better');

    const text = await cli('shadow-report-cli.ts', ['--reviews', 'sentiment.csv'], dir);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /45 reviews, 40 with a shadow answer, 5 without/);
    assert.match(text.stdout, /accuracy\s+0\.500\s+0\.900\s+\+0\.400/);
    assert.match(text.stdout, /macro-F1/);
    assert.match(text.stdout, /confusion matrices/);
  });

  it('an export without the shadow columns is refused with the missing names (exit 1); no --reviews is exit 2', async () => {
    const old = EXPORT_COLUMNS.filter((c) => !c.startsWith('shadow_'));
    await writeFile(path.join(dir, 'old.csv'), `${old.join(',')}\r\n`);
    const result = await cli('shadow-report-cli.ts', ['--reviews', 'old.csv'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /lacks shadow_model_version, shadow_label/);
    assert.equal((await cli('shadow-report-cli.ts', [], dir)).code, 2);
  });
});
