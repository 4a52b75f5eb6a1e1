import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientError } from '@sentiment/core';
import { ServiceState } from './state.ts';
import { FakePredictor, StubPredictor } from './test-support.ts';

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe('ServiceState: switching models while calls run', () => {
  it('answers 503 service_unavailable before the first model', async () => {
    const state = new ServiceState();
    await assert.rejects(state.score(['x']), (e: unknown) => e instanceof ClientError && e.code === 'service_unavailable');
  });

  it('a switch sends new calls to the new model at once; a running call finishes on the old one, which is released after it', async () => {
    const state = new ServiceState();
    const v1 = new StubPredictor('v1', 'joy');
    const v2 = new StubPredictor('v2', 'fear');
    state.setPredictor(v1);
    const hold = deferred();
    v1.gate = hold.promise;
    const running = state.score(['a', 'b']);

    let released = false;
    const switched = state.switchPredictor(v2).then(() => (released = true));
    const after = await state.score(['c']);
    assert.equal(after.modelVersion, 'v2');
    assert.equal(state.predictor, v2);
    await new Promise((r) => setImmediate(r));
    assert.equal(v1.closed, false, 'the old session is not released under a running call');
    assert.equal(released, false);

    hold.resolve();
    const before = await running;
    assert.equal(before.modelVersion, 'v1');
    assert.equal(before.probabilities.length, 2);
    assert.equal(before.probabilities[0]!.joy, 0.7);
    await switched;
    assert.equal(v1.closed, true);
    assert.equal(v2.closed, false);
  });

  it('a model replaced while idle is released at once; close() releases champion and shadow once', async () => {
    const state = new ServiceState();
    const [v1, v2, s1] = [new StubPredictor('v1'), new StubPredictor('v2'), new StubPredictor('s1')];
    state.setPredictor(v1);
    await state.switchPredictor(v2);
    assert.equal(v1.closed, true);
    await state.switchShadow(s1);
    await state.close();
    assert.equal(v2.closed, true);
    assert.equal(s1.closed, true);
  });

  it('with a shadow, each call is scored by both; the answer names both versions', async () => {
    const state = new ServiceState();
    state.setPredictor(new StubPredictor('v1', 'joy'));
    await state.switchShadow(new StubPredictor('v2', 'anger'));
    const scores = await state.score(['a', 'b', 'c']);
    assert.equal(scores.modelVersion, 'v1');
    assert.equal(scores.shadow?.modelVersion, 'v2');
    assert.equal(scores.shadow.probabilities?.length, 3);
    assert.equal(scores.shadow.probabilities?.[2]?.anger, 0.7);
  });

  it("the shadow's failure or lateness never fails the call: it comes back as shadow.error", async () => {
    const state = new ServiceState({ shadowTimeoutMs: 50 });
    const champion = new StubPredictor('v1');
    const shadow = new StubPredictor('v2');
    state.setPredictor(champion);
    await state.switchShadow(shadow);

    shadow.failWith = new Error('shadow broke');
    const failed = await state.score(['a']);
    assert.equal(failed.probabilities.length, 1);
    assert.match(String(failed.shadow?.error), /shadow broke/);

    shadow.failWith = undefined;
    const hold = deferred();
    shadow.gate = hold.promise;
    const started = Date.now();
    const late = await state.score(['a']);
    assert.ok(Date.now() - started < 1000, 'the call did not wait for the shadow');
    assert.match(String(late.shadow?.error), /did not answer within 50 ms/);
    // Switching the shadow off while its late call still runs: released only after that call.
    const off = state.switchShadow(undefined);
    await new Promise((r) => setImmediate(r));
    assert.equal(shadow.closed, false);
    hold.resolve();
    await off;
    assert.equal(shadow.closed, true);
    assert.equal((await state.score(['a'])).shadow, undefined);
  });

  it('a shadow of the same version as the champion is not run', async () => {
    const state = new ServiceState();
    state.setPredictor(new StubPredictor('v1'));
    const same = new StubPredictor('v1');
    await state.switchShadow(same);
    assert.equal((await state.score(['a'])).shadow, undefined);
    assert.equal(same.calls, 0);
  });
});

describe('ServiceState: dynamic batching', () => {
  it('calls of one event-loop turn share one run of the champion, and each gets its own answers', async () => {
    const runs: number[] = [];
    const state = new ServiceState({ onModelRun: (n) => runs.push(n) });
    const predictor = new FakePredictor();
    state.setPredictor(predictor);
    const texts = ['I was afraid', 'she laughed', 'the exam went well!'];
    const results = await Promise.all(texts.map((t) => state.score([t])));
    assert.deepEqual(predictor.calls, [texts]);
    assert.deepEqual(runs, [3]);
    results.forEach((r, i) => {
      assert.deepEqual(r.probabilities, [FakePredictor.expected(texts[i]!)]);
      assert.deepEqual(r.confidence, ['high']);
      assert.equal(r.modelVersion, predictor.modelVersion);
    });
    // A later turn is a run of its own.
    await state.score(['again']);
    assert.deepEqual(runs, [3, 1]);
  });

  it('a switch between two turns: the batch already queued runs on the model it was queued for', async () => {
    const state = new ServiceState();
    const first = new StubPredictor('v1', 'joy');
    const second = new StubPredictor('v2', 'fear');
    state.setPredictor(first);
    const queued = [state.score(['a']), state.score(['b'])];
    state.setPredictor(second);
    const later = state.score(['c']);
    assert.deepEqual(
      (await Promise.all(queued)).map((s) => s.modelVersion),
      ['v1', 'v1'],
    );
    assert.equal((await later).modelVersion, 'v2');
    assert.equal(first.calls, 1);
  });
});
