import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { LABELS } from '@sentiment/core';
import { ModelInfoSchema } from '../serving/artifacts.ts';
import { loadOnnxPredictor } from '../serving/onnx-predictor.ts';
import { runTrainingCli, syntheticData } from './test-fixtures.ts';

const cli = runTrainingCli;

describe('train and eval commands, end to end on a tiny synthetic CSV', () => {
  let dir: string;

  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'train-cli-'));
    const { texts, labels } = syntheticData(210, 1);
    const rows = texts.map((t, i) => `"${t.replaceAll('"', '""')}",${labels[i]}`);
    await writeFile(path.join(dir, 'train.csv'), `text,label\r\n${rows.join('\r\n')}\r\n`);
    const test = syntheticData(70, 2);
    // Second file as the app exports it: BOM, ';' delimiter, extra columns.
    await writeFile(
      path.join(dir, 'export.csv'),
      `\uFEFFid;text;label;predicted_label\r\n${test.texts.map((t, i) => `p${i};${t};${test.labels[i]};joy`).join('\r\n')}\r\n`,
    );
  });

  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('trains with relative paths, writes the candidate files with honest metrics and calibration, and the model predicts', async () => {
    const result = await cli(
      'train-cli.ts',
      ['--data', 'train.csv', '--data', 'export.csv', '--out', 'models', '--version', 'tiny-1', '--folds', '3', '--no-glove'],
      dir,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /Cross-validated metrics \(3 folds/);
    assert.match(result.stdout, /confusion matrix/);
    assert.match(result.stdout, /Calibration: temperature \d+\.\d{3}/);
    assert.match(result.stdout, /Low confidence: below a top probability of \d/);
    assert.match(result.stdout, /npm run promote -- tiny-1/);
    // Not a terminal: progress comes as whole lines, one per stage at least.
    const progressLines = result.stderr.split('\n').filter(Boolean);
    assert.ok(!result.stderr.includes('\r'), 'no carriage returns when stderr is not a terminal');
    for (const stage of [
      /^read 280 rows/,
      /^cross-validation fold 1\/3: fitting/,
      /^cross-validation fold 3\/3: accuracy/,
      /^final model: fitting on all 280 rows/,
    ]) {
      assert.ok(
        progressLines.some((line) => stage.test(line)),
        `a progress line matching ${stage} in:\n${result.stderr}`,
      );
    }
    const modelDir = path.join(dir, 'models', 'tiny-1');
    assert.ok(!existsSync(path.join(dir, 'models', 'CURRENT')), 'training promotes nothing');
    for (const file of ['model.onnx', 'tokenizer.json', 'model.json', 'oof.json', 'reliability.svg']) {
      assert.ok(existsSync(path.join(modelDir, file)), file);
    }
    assert.match(await readFile(path.join(modelDir, 'reliability.svg'), 'utf8'), /^<svg [^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
    const info = ModelInfoSchema.parse(JSON.parse(await readFile(path.join(modelDir, 'model.json'), 'utf8')));
    const calibration = info as unknown as { temperature: number; ece: { before: number; after: number } };
    assert.ok(calibration.temperature > 0, `temperature ${calibration.temperature}`);
    assert.ok(calibration.ece.before >= 0 && calibration.ece.before <= 1 && calibration.ece.after >= 0 && calibration.ece.after <= 1);
    assert.deepEqual(info.labels, [...LABELS]);
    assert.ok(info.lowConfidence && info.lowConfidence.threshold >= 0 && info.lowConfidence.threshold < 1, JSON.stringify(info.lowConfidence));
    assert.match(info.lowConfidence.rule, /out-of-fold/);
    assert.match(info.evaluation.method, /3-fold stratified cross-validation/);
    assert.ok(info.evaluation.metrics.accuracy > 0.8, `cue words make this easy; got ${info.evaluation.metrics.accuracy}`);
    assert.equal(info.evaluation.metrics.count, 280);
    const data = info['data'] as Array<{ file: string; sha256: string; rows: number }>;
    assert.deepEqual(
      data.map((d) => [d.file, d.rows]),
      [
        ['train.csv', 210],
        ['export.csv', 70],
      ],
    );
    assert.match(data[0]!.sha256, /^[0-9a-f]{64}$/);

    const predictor = await loadOnnxPredictor(modelDir, { threads: 1 });
    try {
      const [p] = await predictor.predict(['I was furious and angry, it was unfair']);
      assert.equal(
        LABELS.reduce((best, label) => (p![label] > p![best] ? label : best)),
        'anger',
      );
    } finally {
      await predictor.close();
    }

    const evaluated = await cli('eval-cli.ts', ['--data', 'export.csv', '--model', 'models/tiny-1'], dir);
    assert.equal(evaluated.code, 0, evaluated.stderr);
    assert.match(evaluated.stdout, /rows 70 {2}accuracy \d\.\d{3} {2}macro-F1 \d\.\d{3}/);
    assert.match(evaluated.stdout, /confusion matrix/);
  });

  it('threshold recomputes the low-confidence threshold of a written version from its own CV, changing only that field', async () => {
    const infoFile = path.join(dir, 'models', 'tiny-1', 'model.json');
    const written = await readFile(infoFile, 'utf8');
    const { lowConfidence, ...without } = JSON.parse(written) as Record<string, unknown>;
    await writeFile(infoFile, `${JSON.stringify(without, null, 2)}\n`);
    const args = ['--data', 'train.csv', '--data', 'export.csv', '--models', 'models', '--version', 'tiny-1'];
    const result = await cli('threshold-cli.ts', args, dir);
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /tiny-1: low-confidence threshold [\d.]+ \(280 out-of-fold rows/);
    assert.equal(await readFile(infoFile, 'utf8'), written, 'the same threshold, at the same place, every other byte unchanged');
    assert.ok(lowConfidence);

    const wrongData = await cli('threshold-cli.ts', ['--data', 'train.csv', '--models', 'models', '--version', 'tiny-1'], dir);
    assert.equal(wrongData.code, 1);
    assert.match(wrongData.stderr, /not what tiny-1 was trained on/);
    assert.equal(await readFile(infoFile, 'utf8'), written);
  });

  it('exits 2 with the usage on a bad command line', async () => {
    for (const args of [
      [],
      ['--data'],
      ['--data', 'x.csv', '--bogus'],
      ['--data', 'x.csv', '--folds', '1'],
      ['--data', 'x.csv', '--version', '../up'],
      ['--data', 'x.csv', '--promote'],
    ]) {
      const result = await cli('train-cli.ts', args, dir);
      assert.equal(result.code, 2, `train ${args.join(' ')}`);
      assert.match(result.stderr, /Usage: npm run train/);
    }
    const evaluated = await cli('eval-cli.ts', ['--model', 'x'], dir);
    assert.equal(evaluated.code, 2);
  });

  it('prints help and exits 0', async () => {
    const result = await cli('train-cli.ts', ['--help'], dir);
    assert.equal(result.code, 0);
    assert.match(result.stdout, /npm run promote/);
  });

  it('exits 1 naming the file and line of an unknown label', async () => {
    await writeFile(path.join(dir, 'bad.csv'), 'text,label\nI was happy,joy\nI was hungry,hunger\n');
    const result = await cli('train-cli.ts', ['--data', 'bad.csv', '--no-glove', '--out', 'models-bad'], dir);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /bad\.csv:3: unknown label "hunger"/);
  });
});
