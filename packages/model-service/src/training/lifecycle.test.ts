import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { seededRandom } from './pipeline.ts';
import { PACKAGE_DIR, runTrainingCli, syntheticData } from './test-fixtures.ts';
import { HistorySchema } from './versions.ts';

const SHIPPED_MODELS = path.join(PACKAGE_DIR, 'models');

const cli = runTrainingCli;

function csv(texts: string[], labels: string[]): string {
  return `text,label\r\n${texts.map((t, i) => `"${t.replaceAll('"', '""')}",${labels[i]}`).join('\r\n')}\r\n`;
}

describe('model lifecycle: train a candidate, gate, promote, roll back (synthetic data, own folders)', () => {
  let dir: string;
  const models = () => path.join(dir, 'models');
  const current = async () => (await readFile(path.join(models(), 'CURRENT'), 'utf8')).trim();
  const history = async () => HistorySchema.parse(JSON.parse(await readFile(path.join(models(), 'HISTORY.json'), 'utf8'))).entries;
  let shippedCurrent: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'lifecycle-'));
    shippedCurrent = await readFile(path.join(SHIPPED_MODELS, 'CURRENT'), 'utf8');
    const { texts, labels } = syntheticData(280, 21);
    await writeFile(path.join(dir, 'good.csv'), csv(texts, labels));
    // The same texts with the labels shuffled: a model of noise.
    const random = seededRandom(5);
    const shuffled = [...labels];
    for (let i = shuffled.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
    }
    await writeFile(path.join(dir, 'shuffled.csv'), csv(texts, shuffled));
    const reviews = syntheticData(140, 22);
    await writeFile(path.join(dir, 'reviews.csv'), csv(reviews.texts, reviews.labels));
    // The served "noise" version starts as the only committed one.
    await mkdir(models());
    const common = ['--folds', '3', '--no-glove', '--out', 'candidates'];
    const [noise, good] = await Promise.all([
      cli('train-cli.ts', ['--data', 'shuffled.csv', '--version', 'noise', ...common], dir),
      cli('train-cli.ts', ['--data', 'good.csv', '--version', 'good', ...common], dir),
    ]);
    assert.equal(noise.code, 0, noise.stderr);
    assert.equal(good.code, 0, good.stderr);
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('training writes candidates only: the served version and the package models/ are untouched', async () => {
    assert.ok(existsSync(path.join(dir, 'candidates', 'good', 'model.onnx')));
    assert.ok(!existsSync(path.join(models(), 'CURRENT')));
    assert.ok(!existsSync(path.join(models(), 'good')));
    assert.equal(await readFile(path.join(SHIPPED_MODELS, 'CURRENT'), 'utf8'), shippedCurrent);
  });

  it('promotes a first version when nothing is served, and lists it as current', async () => {
    const result = await cli('promote-cli.ts', ['noise', '--models', 'models', '--candidates', 'candidates'], dir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.equal(await current(), 'noise');
    assert.ok(existsSync(path.join(models(), 'noise', 'oof.json')));
    const listed = await cli('models-cli.ts', ['--models', 'models', '--candidates', 'candidates', '--json'], dir);
    const list = JSON.parse(listed.stdout) as {
      current: string;
      versions: Array<{ version: string; where: string; status: string[]; temperature: number | null }>;
    };
    assert.equal(list.current, 'noise');
    assert.deepEqual(
      list.versions.map((v) => [v.version, v.where, v.status]).sort(),
      [
        ['good', 'candidates', []],
        ['noise', 'models', ['CURRENT']],
      ].sort(),
    );
    assert.ok(list.versions.every((v) => typeof v.temperature === 'number'));
  });

  it('accepts a better candidate, printing both side by side with the paired statistics', async () => {
    const result = await cli('promote-cli.ts', ['good', '--models', 'models', '--candidates', 'candidates', '--reviews', 'reviews.csv'], dir);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /== cross-validation rows both predicted out of fold/);
    assert.match(result.stdout, /== reviews in reviews\.csv neither version was trained on \(140 of 140 rows\)/);
    assert.match(result.stdout, /accuracy\s+\d\.\d{3}\s+\d\.\d{3}\s+\+\d\.\d{3}/);
    assert.match(result.stdout, /F1 shame/);
    assert.match(result.stdout, /McNemar exact p = /);
    assert.match(result.stdout, /confusion matrices/);
    assert.match(result.stdout, /verdict: candidate better beyond noise/);
    assert.equal(await current(), 'good');
    const last = (await history()).at(-1)!;
    assert.equal(last.action, 'promote');
    assert.equal(last.version, 'good');
    assert.equal(last.from, 'noise');
    assert.equal(last.gate?.length, 2);
  });

  it('refuses a candidate trained on shuffled labels, changing nothing, unless --force', async () => {
    const before = await readFile(path.join(models(), 'HISTORY.json'), 'utf8');
    // The noise version again, now as the challenger of the good one; with CV rows only.
    const refused = await cli('promote-cli.ts', ['noise', '--models', 'models', '--candidates', 'candidates'], dir);
    assert.equal(refused.code, 3, refused.stdout + refused.stderr);
    assert.match(refused.stdout, /verdict: candidate WORSE beyond noise/);
    assert.match(refused.stdout, /REFUSED/);
    assert.match(refused.stdout, /reviews: none given/);
    assert.equal(await current(), 'good');
    assert.equal(await readFile(path.join(models(), 'HISTORY.json'), 'utf8'), before);

    const forced = await cli('promote-cli.ts', ['noise', '--force', '--models', 'models', '--candidates', 'candidates'], dir);
    assert.equal(forced.code, 0, forced.stdout + forced.stderr);
    assert.equal(await current(), 'noise');
    assert.equal((await history()).at(-1)!.forced, true);
  });

  it('rolls back step by step through the history, and says when there is nothing left', async () => {
    const first = await cli('rollback-cli.ts', ['--models', 'models'], dir);
    assert.equal(first.code, 0, first.stderr);
    assert.equal(await current(), 'good');
    const second = await cli('rollback-cli.ts', ['--models', 'models'], dir);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(await current(), 'noise');
    const third = await cli('rollback-cli.ts', ['--models', 'models'], dir);
    assert.equal(third.code, 1);
    assert.match(third.stderr, /no earlier version/);
    assert.equal(await current(), 'noise');
    assert.deepEqual(
      (await history()).map((e) => [e.action, e.version]),
      [
        ['promote', 'noise'],
        ['promote', 'good'],
        ['promote', 'noise'],
        ['rollback', 'good'],
        ['rollback', 'noise'],
      ],
    );
  });

  it('holds the newest reviews of an app export out of training, and the gate tests on exactly those', async () => {
    const { texts, labels } = syntheticData(210, 23);
    const header = 'id,text,label,predicted_label,action,model_version,created_at';
    // Rows written oldest last, so "newest" is not simply the file's tail.
    const rows = texts.map(
      (t, i) => `r${i},"${t}",${labels[i]},joy,confirmed,x,${new Date(Date.UTC(2026, 0, 1) + (210 - i) * 60_000).toISOString()}`,
    );
    await writeFile(path.join(dir, 'export.csv'), `${header}\r\n${rows.join('\r\n')}\r\n`);
    const trained = await cli(
      'train-cli.ts',
      ['--data', 'export.csv', '--holdout-newest', '30', '--version', 'held', '--folds', '3', '--no-glove', '--out', 'candidates'],
      dir,
    );
    assert.equal(trained.code, 0, trained.stderr);
    assert.match(trained.stderr, /read 180 rows from 1 file\(s\), holding out the 30 newest \(created_at ≥ 2026-01-01T03:01:00\.000Z\)/);
    const oof = JSON.parse(await readFile(path.join(dir, 'candidates', 'held', 'oof.json'), 'utf8')) as { rows: unknown[] };
    assert.equal(oof.rows.length, 180);
    // Current is "noise", trained on other texts: only the 30 held-out rows were seen by neither.
    const gate = await cli('promote-cli.ts', ['held', '--models', 'models', '--candidates', 'candidates', '--reviews', 'export.csv'], dir);
    assert.match(gate.stdout, /reviews in export\.csv neither version was trained on \(30 of 210 rows\)/);
  });

  it('refuses a bad command line and an unknown version', async () => {
    assert.equal((await cli('promote-cli.ts', [], dir)).code, 2);
    assert.equal((await cli('promote-cli.ts', ['../x'], dir)).code, 2);
    const missing = await cli('promote-cli.ts', ['nope', '--models', 'models', '--candidates', 'candidates'], dir);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /no version nope/);
  });
});
