import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Prediction, StoredReview } from '@sentiment/core';
import { blindPhase, revealMessage } from './blind.ts';

const prediction: Prediction = {
  predictionId: '0b7f6a4e-2c1d-4f3a-9e8b-1a2b3c4d5e6f',
  label: 'joy',
  probabilities: { fear: 0.05, guilt: 0.05, joy: 0.7, anger: 0.05, disgust: 0.05, sadness: 0.05, shame: 0.05 },
  modelVersion: 'test-v1',
  predictionToken: 'v2.1767225600000.c2lnbmF0dXJl',
  confidence: 'high',
};
const saved: StoredReview = {
  id: prediction.predictionId,
  text: 'We won the match',
  predictedLabel: 'joy',
  label: 'anger',
  action: 'blind',
  blind: true,
  modelVersion: 'test-v1',
  probabilities: prediction.probabilities,
  createdAt: '2026-12-02T10:00:00.000Z',
  updatedAt: '2026-12-02T10:00:00.000Z',
};

test('blindPhase: off without the signed flag, ask until this prediction is stored, then revealed', () => {
  assert.equal(blindPhase(undefined, undefined), 'off');
  assert.equal(blindPhase({ text: 'x', prediction }, saved), 'off');
  assert.equal(blindPhase({ text: 'x', prediction: { ...prediction, blind: false } }, undefined), 'off');
  const blind = { text: 'x', prediction: { ...prediction, blind: true } };
  assert.equal(blindPhase(blind, undefined), 'ask');
  assert.equal(blindPhase(blind, { ...saved, id: '1b7f6a4e-2c1d-4f3a-9e8b-1a2b3c4d5e6f' }), 'ask', 'a review of another prediction reveals nothing');
  assert.equal(blindPhase(blind, saved), 'revealed');
});

test('revealMessage names both labels', () => {
  assert.equal(revealMessage(saved), 'You said anger; the model said joy.');
  assert.equal(revealMessage({ label: 'joy', predictedLabel: 'joy' }), 'You said joy; the model said joy too.');
});
