import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createMetrics } from './metrics.ts';
import { watchModels, type ModelWatcher } from './model-watcher.ts';
import { ServiceState } from './state.ts';
import { memoryLogger, StubPredictor } from './test-support.ts';

/** A versions folder with `models/<v>/model.onnx` for each of `models`, and candidates. */
function folders(models: string[], candidates: string[]) {
  const root = mkdtempSync(path.join(tmpdir(), 'model-watcher-'));
  const modelsDir = path.join(root, 'models');
  const candidatesDir = path.join(root, '.data', 'candidates');
  for (const [dir, versions] of [
    [modelsDir, models],
    [candidatesDir, candidates],
  ] as const) {
    for (const v of versions) {
      mkdirSync(path.join(dir, v), { recursive: true });
      writeFileSync(path.join(dir, v, 'model.onnx'), '');
    }
  }
  return { root, modelsDir, candidatesDir };
}

describe('watchModels: hot switching from models/CURRENT and models/SHADOW', () => {
  const { root, modelsDir, candidatesDir } = folders(['v1', 'v2', 'broken'], ['cand']);
  const state = new ServiceState();
  const metrics = createMetrics();
  const { logger, lines } = memoryLogger('info');
  const loadedFrom: string[] = [];
  const made: StubPredictor[] = [];
  let watcher: ModelWatcher;

  before(() => {
    writeFileSync(path.join(modelsDir, 'CURRENT'), 'v1\n');
    const v1 = new StubPredictor('v1');
    made.push(v1);
    state.setPredictor(v1);
    watcher = watchModels({
      state,
      logger,
      metrics,
      modelsDir,
      candidatesDir,
      champion: 'v1',
      pinnedShadow: undefined,
      // Long: the checks below are driven by check() and by file-system events.
      intervalMs: 60_000,
      load: (dir) => {
        loadedFrom.push(dir);
        if (path.basename(dir) === 'broken') return Promise.reject(new Error('reference probabilities differ'));
        const predictor = new StubPredictor(path.basename(dir));
        made.push(predictor);
        return Promise.resolve(predictor);
      },
    });
  });
  after(async () => {
    await watcher.close();
    rmSync(root, { recursive: true, force: true });
  });

  it('does nothing while CURRENT names the served version', async () => {
    await watcher.check();
    assert.deepEqual(loadedFrom, []);
  });

  it('a new name in CURRENT loads that version and swaps it in; the old one is released', async () => {
    writeFileSync(path.join(modelsDir, 'CURRENT'), 'v2\n');
    await watcher.check();
    assert.equal(state.predictor?.modelVersion, 'v2');
    assert.deepEqual(loadedFrom, [path.join(modelsDir, 'v2')]);
    assert.equal(made[0]!.closed, true);
    const switched = lines.find((l) => l.msg === 'model switched');
    assert.deepEqual([switched?.role, switched?.from, switched?.to], ['champion', 'v1', 'v2']);
    assert.match(await metrics.render(), /^model_info\{model_version="v2"\} 1$/m);
    assert.match(await metrics.render(), /^model_loads_total\{role="champion",outcome="loaded"\} 1$/m);
  });

  it('a version that fails to load keeps the old one serving: one error line, a metric, no retry until CURRENT is written again', async () => {
    writeFileSync(path.join(modelsDir, 'CURRENT'), 'broken\n');
    await watcher.check();
    await watcher.check();
    assert.equal(state.predictor?.modelVersion, 'v2');
    const failures = lines.filter((l) => String(l.msg).startsWith('model switch failed'));
    assert.equal(failures.length, 1, JSON.stringify(failures));
    assert.equal(failures[0]!.level, 50);
    assert.equal(failures[0]!.reason, 'reference probabilities differ');
    assert.match(String(failures[0]!.msg), /still serving v2/);
    assert.match(await metrics.render(), /^model_loads_total\{role="champion",outcome="failed"\} 1$/m);
    // A version name that does not exist fails the same way.
    writeFileSync(path.join(modelsDir, 'CURRENT'), 'no-such-version\n');
    await watcher.check();
    assert.equal(state.predictor?.modelVersion, 'v2');
    assert.equal(lines.filter((l) => String(l.msg).startsWith('model switch failed')).length, 2);
  });

  it('SHADOW naming a candidate loads it from the candidates folder as the shadow; removing SHADOW stops it', async () => {
    writeFileSync(path.join(modelsDir, 'SHADOW'), 'cand\n');
    await watcher.check();
    assert.equal(state.shadow?.modelVersion, 'cand');
    assert.equal(loadedFrom.at(-1), path.join(candidatesDir, 'cand'));
    assert.match(await metrics.render(), /^model_shadow_info\{model_version="cand"\} 1$/m);
    const shadow = state.shadow as StubPredictor;
    unlinkSync(path.join(modelsDir, 'SHADOW'));
    await watcher.check();
    assert.equal(state.shadow, undefined);
    assert.equal(shadow.closed, true);
    assert.ok(lines.some((l) => l.msg === 'shadow stopped'));
    assert.doesNotMatch(await metrics.render(), /^model_shadow_info\{/m);
  });

  it('picks up a change from the file-system event alone, without check() or the poll', async () => {
    const promoted = new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (state.predictor?.modelVersion === 'v1') {
          clearInterval(timer);
          resolve();
        }
      }, 20);
    });
    // Written as promote does: a temporary file renamed over CURRENT.
    writeFileSync(path.join(modelsDir, 'CURRENT.tmp'), 'v1\n');
    renameSync(path.join(modelsDir, 'CURRENT.tmp'), path.join(modelsDir, 'CURRENT'));
    await Promise.race([promoted, new Promise((_, reject) => setTimeout(() => reject(new Error('no switch within 5 s of the event')), 5000))]);
  });
});

describe('watchModels: pinned versions', () => {
  it('a pinned champion ignores CURRENT; a pinned shadow is loaded once', async () => {
    const { root, modelsDir, candidatesDir } = folders(['v1', 'v2', 's1'], []);
    writeFileSync(path.join(modelsDir, 'CURRENT'), 'v2\n');
    const state = new ServiceState();
    state.setPredictor(new StubPredictor('v1'));
    const { logger } = memoryLogger('silent');
    const watcher = watchModels({
      state,
      logger,
      metrics: createMetrics(),
      modelsDir,
      candidatesDir,
      champion: undefined,
      pinnedShadow: 's1',
      intervalMs: 0,
      load: (dir) => Promise.resolve(new StubPredictor(path.basename(dir))),
    });
    try {
      await watcher.check();
      assert.equal(state.predictor?.modelVersion, 'v1');
      assert.equal(state.shadow?.modelVersion, 's1');
    } finally {
      await watcher.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
