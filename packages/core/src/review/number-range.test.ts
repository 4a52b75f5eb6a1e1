import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError, parseOrThrow } from '../errors.ts';
import { LABELS, type Probabilities } from '../labels/labels.ts';
import {
  assertStorableNumbers,
  isStorableNumber,
  STORED_NUMBER_MAX_MAGNITUDE,
  STORED_NUMBER_MIN_MAGNITUDE,
  unstorableNumbers,
} from './number-range.ts';
import { ApproveRequestSchema, ReviseRequestSchema } from './schemas.ts';

test('zero, -0 and magnitudes from 1e-130 to MAX_SAFE_INTEGER are storable, either sign', () => {
  for (const value of [0, -0, 1e-130, -1e-130, 1.4e-45, 0.5, 1, 1e15, STORED_NUMBER_MAX_MAGNITUDE, -STORED_NUMBER_MAX_MAGNITUDE]) {
    assert.equal(isStorableNumber(value), true, String(value));
  }
});

test('magnitudes below 1e-130 (DynamoDB underflow), above MAX_SAFE_INTEGER and non-finite values are not', () => {
  const justBelow = 9.999999999999999e-131;
  assert.ok(justBelow < STORED_NUMBER_MIN_MAGNITUDE);
  for (const value of [1e-131, 5e-324, -5e-324, justBelow, 2 ** 53, 1e126, 9.99e125, -1e126, Infinity, -Infinity, NaN]) {
    assert.equal(isStorableNumber(value), false, String(value));
  }
});

test('unstorableNumbers finds every refused number in nested objects and arrays, with its path', () => {
  assert.deepEqual(unstorableNumbers({ a: 1, b: { c: 1e-131, d: [0, 5e-324] }, e: 'x', f: null }), [
    { path: ['b', 'c'], value: 1e-131 },
    { path: ['b', 'd', 1], value: 5e-324 },
  ]);
});

test('assertStorableNumbers throws invalid_field naming each field, and passes storable values', () => {
  assert.doesNotThrow(() => assertStorableNumbers({ p: { fear: 0, joy: 1e-130 } }));
  assert.throws(
    () => assertStorableNumbers({ p: { fear: 1e-131, joy: 1e126 } }),
    (error: unknown) =>
      error instanceof ClientError &&
      error.code === 'invalid_field' &&
      error.issues?.map((i) => i.path).join() === 'p.fear,p.joy' &&
      /1e-130/.test(error.message),
  );
});

function body(probabilities: Partial<Probabilities>) {
  const rest = Object.fromEntries(LABELS.map((label) => [label, label === 'joy' ? 0.4 : 0.1])) as Probabilities;
  return {
    predictionId: '0b5a6f8e-3c1d-4e2f-9a7b-1c2d3e4f5a6b',
    text: 'I passed',
    predictedLabel: 'joy',
    label: 'joy',
    modelVersion: 'v1',
    probabilities: { ...rest, ...probabilities },
    // The schema checks only its shape; the review functions verify it.
    predictionToken: 'v2.1767225600000.c2lnbmF0dXJl',
  };
}

test('approve and revise bodies with a probability of 1e-131 or 5e-324 are invalid_field naming the probability', () => {
  for (const schema of [ApproveRequestSchema, ReviseRequestSchema]) {
    for (const tiny of [1e-131, 5e-324]) {
      assert.throws(
        () => parseOrThrow(schema, body({ fear: tiny, shame: 0.2 - tiny })),
        (error: unknown) =>
          error instanceof ClientError &&
          error.code === 'invalid_field' &&
          error.issues?.length === 1 &&
          error.issues[0]!.path === 'probabilities.fear',
      );
    }
  }
});

test('probabilities of 0, -0 and 1e-130 are accepted in a review body', () => {
  for (const small of [0, -0, 1e-130]) {
    const parsed = parseOrThrow(ReviseRequestSchema, body({ fear: small, shame: 0.2 - small }));
    assert.equal(parsed.probabilities.fear, small);
  }
});
