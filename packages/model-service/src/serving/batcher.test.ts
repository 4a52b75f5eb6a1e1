import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { batchCalls } from './batcher.ts';

/** A model that answers each text with `<text>!` and records the texts of every run. */
function recordingModel(fail?: (texts: readonly string[]) => boolean) {
  const runs: string[][] = [];
  const run = async (texts: readonly string[]) => {
    runs.push([...texts]);
    await nextTurn();
    if (fail?.(texts)) throw new Error(`run of ${texts.join(',')} failed`);
    return texts.map((t) => `${t}!`);
  };
  return { runs, run };
}

describe('batchCalls: calls of one event-loop turn share a run', () => {
  it('merges calls made in the same turn into one run; each caller gets exactly its own answers, in its order', async () => {
    const model = recordingModel();
    const sizes: number[] = [];
    const score = batchCalls(model.run, { onRun: (n) => sizes.push(n) });
    const [a, b, c] = await Promise.all([score(['a']), score(['b1', 'b2']), score(['c'])]);
    assert.deepEqual(a, ['a!']);
    assert.deepEqual(b, ['b1!', 'b2!']);
    assert.deepEqual(c, ['c!']);
    assert.deepEqual(model.runs, [['a', 'b1', 'b2', 'c']]);
    assert.deepEqual(sizes, [4]);
  });

  it('calls made in different turns run separately (no waiting window)', async () => {
    const model = recordingModel();
    const score = batchCalls(model.run);
    assert.deepEqual(await score(['a']), ['a!']);
    assert.deepEqual(await score(['b']), ['b!']);
    assert.deepEqual(model.runs, [['a'], ['b']]);
  });

  it('keeps a run at most maxTexts: a call that would overflow the batch starts the next one; a call above the cap runs alone', async () => {
    const model = recordingModel();
    const score = batchCalls(model.run, { maxTexts: 3 });
    const results = await Promise.all([score(['a', 'b']), score(['c', 'd']), score(['e']), score(['f', 'g', 'h', 'i'])]);
    assert.deepEqual(results, [['a!', 'b!'], ['c!', 'd!'], ['e!'], ['f!', 'g!', 'h!', 'i!']]);
    assert.deepEqual(
      model.runs.map((r) => r.join('')),
      ['ab', 'fghi', 'cde'],
    );
    for (const run of model.runs.filter((r) => r[0] !== 'f')) assert.ok(run.length <= 3);
  });

  it('a failed merged run is retried call by call: only the call whose text breaks the model fails', async () => {
    const model = recordingModel((texts) => texts.includes('bad'));
    const score = batchCalls(model.run);
    const [good, bad, other] = await Promise.allSettled([score(['x']), score(['bad']), score(['y', 'z'])]);
    assert.deepEqual(good, { status: 'fulfilled', value: ['x!'] });
    assert.ok(bad.status === 'rejected');
    assert.match(String(bad.reason), /run of bad failed/);
    assert.deepEqual(other, { status: 'fulfilled', value: ['y!', 'z!'] });
    assert.deepEqual(model.runs, [['x', 'bad', 'y', 'z'], ['x'], ['bad'], ['y', 'z']]);
  });

  it('a model that returns the wrong number of results fails the call instead of shifting answers between callers', async () => {
    const score = batchCalls((texts: readonly string[]) => Promise.resolve(texts.slice(1)));
    await assert.rejects(score(['a']), /returned 0 results for 1 texts/);
    const settled = await Promise.allSettled([score(['a']), score(['b'])]);
    assert.deepEqual(
      settled.map((s) => s.status),
      ['rejected', 'rejected'],
    );
  });

  it('an empty call answers [] without a run', async () => {
    const model = recordingModel();
    assert.deepEqual(await batchCalls(model.run)([]), []);
    assert.deepEqual(model.runs, []);
  });
});
