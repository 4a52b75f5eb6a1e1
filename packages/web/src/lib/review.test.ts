import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ApproveRequestSchema, ReviseRequestSchema, type Prediction } from '@sentiment/core';
import { ApiError } from './api.ts';
import { errorMessage, reviewOf } from './review.ts';

const prediction: Prediction = {
  predictionId: '0b7f6a4e-2c1d-4f3a-9e8b-1a2b3c4d5e6f',
  label: 'sadness',
  probabilities: { fear: 0.05, guilt: 0.05, joy: 0.05, anger: 0.05, disgust: 0.05, sadness: 0.7, shame: 0.05 },
  modelVersion: 'test-v1',
  predictionToken: 'v2.1767225600000.c2lnbmF0dXJlLW9mLXRoZS1tb2RlbC1zZXJ2aWNlLTMyYnl0ZXM',
  confidence: 'high',
};

test('reviewOf keeps the predicted label and the exact text beside the picked label', () => {
  const body = reviewOf({ text: 'My dog died', prediction }, 'guilt');
  assert.deepEqual(body, {
    predictionId: prediction.predictionId,
    text: 'My dog died',
    predictedLabel: 'sadness',
    label: 'guilt',
    modelVersion: 'test-v1',
    probabilities: prediction.probabilities,
    predictionToken: prediction.predictionToken,
  });
  assert.ok(ReviseRequestSchema.safeParse(body).success);
});

test("reviewOf sends the shadow version's answer back unchanged (the token signs it)", () => {
  const shadow = { modelVersion: 'test-v2', label: 'guilt' as const, probabilities: { ...prediction.probabilities, sadness: 0.05, guilt: 0.7 } };
  const body = reviewOf({ text: 'My dog died', prediction: { ...prediction, shadow } }, 'sadness');
  assert.deepEqual(body.shadow, shadow);
  assert.ok(ApproveRequestSchema.safeParse(body).success);
  assert.equal(Object.hasOwn(reviewOf({ text: 'My dog died', prediction }, 'sadness'), 'shadow'), false);
});

test('reviewOf with the predicted label is a valid approve body', () => {
  assert.ok(ApproveRequestSchema.safeParse(reviewOf({ text: 'My dog died', prediction }, 'sadness')).success);
});

test('reviewOf sends the signed blind flag and shadow answer back unchanged, and omits them when absent', () => {
  const shadow = { modelVersion: 'test-v2', label: 'fear' as const, probabilities: { ...prediction.probabilities } };
  const body = reviewOf({ text: 'My dog died', prediction: { ...prediction, blind: true, shadow } }, 'sadness');
  assert.equal(body.blind, true);
  assert.deepEqual(body.shadow, shadow);
  assert.ok(ReviseRequestSchema.safeParse(body).success);
  const plain = reviewOf({ text: 'My dog died', prediction }, 'sadness');
  assert.ok(!('blind' in plain) && !('shadow' in plain));
});

test('errorMessage shows the API error as it is and a plain sentence for anything else', () => {
  assert.equal(errorMessage(new ApiError('rejected', 'text is too long')), 'text is too long');
  assert.equal(errorMessage(new TypeError('x is undefined')), 'Something went wrong on this page. Please try again.');
});
