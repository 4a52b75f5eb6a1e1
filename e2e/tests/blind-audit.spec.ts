import { expect, test } from '@playwright/test';
import { LABELS, type Label, type Prediction, type StoredReview } from '@sentiment/core';
import { operatorAuth, operatorToken, uniqueSentence } from './helpers.ts';
import { startSecondStack, type SecondStack } from './second-stack.ts';

/**
 * Issue 8, blind audit: on a second stack whose model service draws every prediction for it
 * (BLIND_AUDIT_RATE=1; the shared stack runs with 0 so the other tests never meet one), the public
 * page asks for the emotion first, stores it with action "blind", then reveals the model's answer.
 */
let stack: SecondStack;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  stack = await startSecondStack({ BLIND_AUDIT_RATE: '1' });
});

test.afterAll(async () => {
  await stack?.stop();
});

test('blind round trip: pick first, stored as blind, then the model answer; the console counts it as blind accuracy', async ({ page, request }) => {
  const text = uniqueSentence('When my best friend moved abroad I cried at the station');
  await page.goto(`${stack.url}/`);
  await page.getByLabel('Input sentence').fill(text);
  const [predicted] = await Promise.all([
    page.waitForResponse((res) => res.url().endsWith('/model/predict') && res.request().method() === 'POST'),
    page.getByRole('button', { name: 'Submit' }).click(),
  ]);
  const prediction = (await predicted.json()) as Prediction;
  expect(prediction.blind).toBe(true);

  // Asked first: nothing of the model's answer on the page.
  const question = page.getByRole('group', { name: 'Which emotion is it?' });
  await expect(question.getByRole('button')).toHaveCount(7);
  await expect(page.locator('#verdict')).toHaveCount(0);
  await expect(page.getByRole('meter')).toHaveCount(0);
  await expect(page.getByRole('button', { name: 'Approve' })).toHaveCount(0);
  await expect(page.locator('main')).not.toContainText(prediction.modelVersion);
  // "A" approves nothing here: there is nothing shown to approve.
  await page.keyboard.press('a');
  await expect(page.getByRole('status').filter({ hasText: 'You said' })).toHaveCount(0);

  // The person's label (keys 1–7 still work), on purpose not the model's, so blind accuracy is 0 of 1.
  const chosen = LABELS.find((l) => l !== prediction.label) as Label;
  const [revised] = await Promise.all([
    page.waitForResponse((res) => res.url().endsWith('/api/revise')),
    page.keyboard.press(String(LABELS.indexOf(chosen) + 1)),
  ]);
  const sent = revised.request().postDataJSON() as Record<string, unknown>;
  expect(sent).toMatchObject({ blind: true, label: chosen, predictedLabel: prediction.label, predictionToken: prediction.predictionToken });

  await expect(page.getByRole('status').filter({ hasText: 'You said' })).toContainText(`You said ${chosen}; the model said ${prediction.label}.`);
  await expect(page.locator('#verdict strong')).toHaveText(prediction.label);
  await expect(page.getByRole('meter')).toHaveCount(7);
  // One answer per prediction: no buttons left to send an anchored second one.
  await expect(question).toHaveCount(0);

  const res = await request.get(`${stack.url}/api/reviews?q=${encodeURIComponent(text)}`, { headers: operatorAuth() });
  expect(res.status()).toBe(200);
  const { reviews } = (await res.json()) as { reviews: StoredReview[] };
  expect(reviews).toHaveLength(1);
  expect(reviews[0]).toMatchObject({ id: prediction.predictionId, action: 'blind', blind: true, label: chosen, predictedLabel: prediction.label });

  // The console shows it as blind accuracy, apart from the anchored agreement.
  await page.goto(`${stack.url}/console`);
  await page.getByLabel('Operator token').fill(operatorToken());
  await page.getByRole('button', { name: 'Sign in' }).click();
  const blind = page.locator('[data-figure="blind-accuracy"]');
  await expect(blind).toContainText('0.0%');
  await expect(blind).toContainText('n = 1');
  await expect(page.locator('[data-figure="agreement"]')).toContainText('n = 0');
});
