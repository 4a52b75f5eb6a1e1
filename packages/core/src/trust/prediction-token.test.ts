import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ClientError } from '../errors.ts';
import { LABELS } from '../labels/labels.ts';
import {
  canonicalPredictionPayload,
  DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS,
  generateSecret,
  SecretSchema,
  secretsEqual,
  signPrediction,
  verifyPredictionToken,
  type SignedFields,
} from './prediction-token.ts';

const SECRET = 'test-prediction-secret-0123456789abcdefghijklmnop';
const ISSUED = new Date('2025-03-01T12:00:00.000Z');
const fields = (): SignedFields => ({
  predictionId: '6f1c4c1e-8a47-4b8e-9a53-2f6a1f0c9b11',
  text: 'I love my new puppy',
  label: 'joy',
  probabilities: { fear: 0.01, guilt: 0.01, joy: 0.9, anger: 0.02, disgust: 0.02, sadness: 0.02, shame: 0.02 },
  modelVersion: 'test-1',
});
const later = (ms: number) => ({ now: new Date(ISSUED.getTime() + ms) });

function rejects(run: () => void, message: RegExp): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ClientError);
    assert.equal(error.code, 'invalid_prediction_token');
    assert.equal(error.status, 400);
    assert.match(error.message, message);
    return true;
  });
}

test('a token verifies for exactly the prediction it was issued for, within its age limit', () => {
  const token = signPrediction(fields(), SECRET, ISSUED);
  assert.match(token, /^v2\.\d+\.[A-Za-z0-9_-]{43}$/);
  verifyPredictionToken(token, fields(), SECRET, later(60_000));
  verifyPredictionToken(token, fields(), SECRET, later(DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS));
});

test('changing any signed field, even one probability by 1e-9, makes the token invalid', () => {
  const token = signPrediction(fields(), SECRET, ISSUED);
  const changes: Partial<SignedFields>[] = [
    { predictionId: '00000000-0000-4000-8000-000000000000' },
    { text: 'I love my new puppy!' },
    { label: 'anger' },
    { modelVersion: 'test-2' },
    { blind: true },
    { shadow: { modelVersion: 'test-0', label: 'joy', probabilities: fields().probabilities } },
    ...LABELS.map((label) => ({ probabilities: { ...fields().probabilities, [label]: fields().probabilities[label] + 1e-9 } })),
  ];
  for (const change of changes) {
    rejects(() => verifyPredictionToken(token, { ...fields(), ...change }, SECRET, later(1000)), /does not match/);
  }
});

test('the blind flag and the shadow answer are signed: neither can be added, dropped or changed', () => {
  const shadow = { modelVersion: 'test-0', label: 'joy' as const, probabilities: fields().probabilities };
  const token = signPrediction({ ...fields(), blind: true, shadow }, SECRET, ISSUED);
  verifyPredictionToken(token, { ...fields(), blind: true, shadow }, SECRET, later(1000));
  const changes: Partial<SignedFields>[] = [
    { blind: false },
    { blind: undefined },
    { shadow: undefined },
    { shadow: { ...shadow, label: 'fear' } },
    { shadow: { ...shadow, modelVersion: 'test-9' } },
    { shadow: { ...shadow, probabilities: { ...shadow.probabilities, joy: shadow.probabilities.joy + 1e-9 } } },
  ];
  for (const change of changes) {
    rejects(() => verifyPredictionToken(token, { ...fields(), blind: true, shadow, ...change }, SECRET, later(1000)), /does not match/);
  }
  // Absent and false are the same claim.
  verifyPredictionToken(signPrediction(fields(), SECRET, ISSUED), { ...fields(), blind: false }, SECRET, later(1000));
});

test('a token signed under another secret, a forged MAC or a shifted issue time is refused', () => {
  const token = signPrediction(fields(), SECRET, ISSUED);
  rejects(() => verifyPredictionToken(signPrediction(fields(), generateSecret(), ISSUED), fields(), SECRET, later(1000)), /does not match/);
  const [version, issued, mac] = token.split('.') as [string, string, string];
  const flipped = `${mac[0] === 'A' ? 'B' : 'A'}${mac.slice(1)}`;
  rejects(() => verifyPredictionToken(`${version}.${issued}.${flipped}`, fields(), SECRET, later(1000)), /does not match/);
  // Claiming a later issue time (to outlive the limit) breaks the MAC.
  rejects(() => verifyPredictionToken(`${version}.${Number(issued) + 1000}.${mac}`, fields(), SECRET, later(1000)), /does not match/);
});

test('a token older than the limit, or from too far in the future, is refused as expired', () => {
  const token = signPrediction(fields(), SECRET, ISSUED);
  rejects(() => verifyPredictionToken(token, fields(), SECRET, later(DEFAULT_PREDICTION_TOKEN_MAX_AGE_MS + 1)), /older than 24 h/);
  rejects(() => verifyPredictionToken(token, fields(), SECRET, { ...later(2 * 60 * 60 * 1000), maxAgeMs: 60 * 60 * 1000 }), /older than 1 h/);
  rejects(() => verifyPredictionToken(token, fields(), SECRET, later(-10 * 60 * 1000)), /older than/);
});

test('malformed tokens are refused without throwing anything but the 400', () => {
  for (const token of [
    '',
    'x',
    'v2..',
    'v2.1.AAAA',
    `v1.1.${'A'.repeat(43)}`,
    `v2.1.${'A'.repeat(42)}`,
    `v2.-1.${'A'.repeat(43)}`,
    `v2.1.${'A'.repeat(43)}.x`,
    'v2.1e3.abc',
  ]) {
    rejects(() => verifyPredictionToken(token, fields(), SECRET, later(0)), /not a token/);
  }
});

test('the canonical payload is a fixed-order JSON array, so no two field splits sign the same bytes', () => {
  const payload = canonicalPredictionPayload(fields(), ISSUED.getTime());
  assert.deepEqual(JSON.parse(payload), [
    'sentiment-prediction/v2',
    fields().predictionId,
    fields().text,
    'joy',
    ...LABELS.map((label) => fields().probabilities[label]),
    'test-1',
    0,
    null,
    ISSUED.getTime(),
  ]);
  const a = canonicalPredictionPayload({ ...fields(), text: 'a","b' }, 1);
  const b = canonicalPredictionPayload({ ...fields(), text: 'a', modelVersion: 'b' }, 1);
  assert.notEqual(a, b);
});

test('secrets: generated ones are 43 base64url characters and valid; short or spaced ones are not', () => {
  const secret = generateSecret();
  assert.match(secret, /^[A-Za-z0-9_-]{43}$/);
  assert.notEqual(generateSecret(), secret);
  assert.equal(SecretSchema.safeParse(secret).success, true);
  assert.equal(SecretSchema.safeParse('short').success, false);
  assert.equal(SecretSchema.safeParse(`${secret} x`).success, false);
});

test('secretsEqual compares whole values and never accepts an empty or missing one', () => {
  const secret = generateSecret();
  assert.equal(secretsEqual(secret, secret), true);
  assert.equal(secretsEqual(`${secret}x`, secret), false);
  assert.equal(secretsEqual(secret.slice(0, -1), secret), false);
  assert.equal(secretsEqual(undefined, secret), false);
  assert.equal(secretsEqual('', secret), false);
});
