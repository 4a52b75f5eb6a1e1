import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { currentModelDir, MODEL_FILES } from '../serving/artifacts.ts';
import { HistorySchema, OofSchema, servedStack, VERSION_FILES } from './versions.ts';

const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url));
const MODELS_DIR = path.join(PACKAGE_DIR, 'models');

describe('the committed models folder and its served version', () => {
  it('is calibrated: model.json has the temperature and an ECE that scaling lowered', async () => {
    const dir = await currentModelDir(MODELS_DIR);
    const info = JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')) as {
      temperature?: number;
      ece?: { before: number; after: number };
    };
    assert.ok(typeof info.temperature === 'number' && info.temperature > 0, `temperature ${info.temperature}`);
    assert.ok(info.ece && info.ece.after < info.ece.before, `ECE ${info.ece?.before} → ${info.ece?.after}`);
  });

  it('has its out-of-fold record (for the promote gate) and the reliability diagram the model card links', async () => {
    const dir = await currentModelDir(MODELS_DIR);
    const oof = OofSchema.parse(JSON.parse(await readFile(path.join(dir, VERSION_FILES.oof), 'utf8')));
    const info = JSON.parse(await readFile(path.join(dir, MODEL_FILES.info), 'utf8')) as { rows: number };
    assert.equal(oof.rows.length, info.rows);
    assert.ok(existsSync(path.join(dir, VERSION_FILES.reliability)));
    const card = await readFile(path.join(PACKAGE_DIR, 'MODEL_CARD.md'), 'utf8');
    assert.ok(card.includes(`models/${path.basename(dir)}/${VERSION_FILES.reliability}`), "MODEL_CARD.md links the served version's diagram");
  });

  it('HISTORY.json ends on the version CURRENT names, and every version it names is committed', async () => {
    const history = HistorySchema.parse(JSON.parse(await readFile(path.join(MODELS_DIR, 'HISTORY.json'), 'utf8'))).entries;
    const stack = servedStack(history);
    assert.equal(stack.at(-1), path.basename(await currentModelDir(MODELS_DIR)));
    for (const version of new Set(history.map((e) => e.version))) assert.ok(existsSync(path.join(MODELS_DIR, version, MODEL_FILES.onnx)), version);
  });
});
