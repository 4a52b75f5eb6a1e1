import { expect, test, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { LABELS, type Label, type Prediction, type StatsResponse, type StoredReview } from '@sentiment/core';
import { fetchCsv, operatorAuth, operatorToken } from './helpers.ts';

/** Issue 8: the operator's review console at /console against the real stack. */

/** A prediction made through the gateway, as the public page makes it. */
async function predict(request: APIRequestContext, text: string): Promise<Prediction> {
  const res = await request.post('/model/predict', { data: { text } });
  expect(res.status()).toBe(200);
  const prediction = (await res.json()) as Prediction;
  // The shared stack runs with BLIND_AUDIT_RATE=0: a blind prediction here would be a set-up error.
  expect(prediction.blind ?? false).toBe(false);
  return prediction;
}

/** Stores a review of `prediction` with `label`, as the public page's revise does. */
async function review(request: APIRequestContext, text: string, prediction: Prediction, label: Label): Promise<StoredReview> {
  const res = await request.post(label === prediction.label ? '/api/approve' : '/api/revise', {
    data: {
      predictionId: prediction.predictionId,
      text,
      predictedLabel: prediction.label,
      label,
      modelVersion: prediction.modelVersion,
      probabilities: prediction.probabilities,
      predictionToken: prediction.predictionToken,
      ...(prediction.shadow ? { shadow: prediction.shadow } : {}),
    },
  });
  expect(res.status()).toBe(200);
  return ((await res.json()) as { review: StoredReview }).review;
}

async function apiStats(request: APIRequestContext, modelVersion: string): Promise<StatsResponse> {
  const res = await request.get(`/api/stats?modelVersion=${encodeURIComponent(modelVersion)}`, { headers: operatorAuth() });
  expect(res.status()).toBe(200);
  return (await res.json()) as StatsResponse;
}

/** Signs in on /console itself (its own sign-in form). */
async function signInOnConsole(page: Page): Promise<void> {
  await page.goto('/console');
  const tokenBox = page.getByLabel('Operator token');
  await expect(tokenBox).toBeVisible();
  await tokenBox.fill(operatorToken());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('heading', { name: 'Reviews', exact: true })).toBeVisible();
}

const cell = (page: Page, human: Label, predicted: Label): Locator => page.locator(`td[data-cell="${human}-${predicted}"]`);
const countIn = async (locator: Locator): Promise<number> => Number((await locator.innerText()).replaceAll(',', '').trim());
const reviewRows = (page: Page): Locator => page.locator('table.reviews tbody tr');

/** A word no other review holds, so a search finds exactly this test's sentences. */
const uniqueWord = () => `zq${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;

test.describe('review console', () => {
  test('signed out, /console shows the sign-in form and the API answers 401', async ({ page, request }) => {
    await page.goto('/console');
    await expect(page.getByLabel('Operator token')).toBeVisible();
    await expect(page.getByRole('heading', { name: 'Reviews', exact: true })).toHaveCount(0);
    for (const path of ['/api/reviews', '/api/stats', '/api/audit']) expect((await request.get(path)).status(), path).toBe(401);
  });

  test('find a sentence by a word, open its confusion-matrix cell, correct its label, see the numbers move', async ({ page, request }) => {
    const word = uniqueWord();
    const text = `The storm broke our kitchen window and ${word} kept me awake all night`;
    const prediction = await predict(request, text);
    const chosen = LABELS.find((l) => l !== prediction.label) as Label;
    await review(request, text, prediction, chosen);
    const target = LABELS.find((l) => l !== prediction.label && l !== chosen) as Label;

    await signInOnConsole(page);
    // Two clicks: the search box, then Search.
    await page.getByLabel('Text contains').fill(word);
    await page.getByRole('button', { name: 'Search' }).click();
    await expect(page).toHaveURL(new RegExp(`[?&]q=${word}(&|$)`));
    await expect(reviewRows(page)).toHaveCount(1);
    const row = reviewRows(page).filter({ hasText: text });
    await expect(row).toContainText(`${prediction.label} ${(prediction.probabilities[prediction.label] * 100).toFixed(1)}%`);
    await expect(row).toContainText(chosen);
    await expect(row).toContainText('revised');
    await expect(row).toContainText(prediction.modelVersion);
    // The export links carry the view's filters; a reload keeps the view.
    await expect(page.getByRole('link', { name: 'Download CSV', exact: true })).toHaveAttribute('href', `/api/getcsv?q=${word}`);
    await page.reload();
    await expect(page.getByLabel('Text contains')).toHaveValue(word);
    await expect(reviewRows(page)).toHaveCount(1);

    // The stats panel shows the served version (the one that made this prediction).
    const stats = page.getByRole('region', { name: 'Model quality on reviews' });
    await expect(stats.locator('#stats-scope')).toContainText(`of ${prediction.modelVersion}`);
    const before = await apiStats(request, prediction.modelVersion);
    await expect(cell(page, chosen, prediction.label)).toHaveText(String(before.confusion[chosen][prediction.label]));
    const correctedCount = stats.locator('table.counts tbody td').nth(3);
    await expect(correctedCount).toHaveText(String(before.counts.corrected));

    // Open the cell: exactly its reviews (version, both labels), the text search dropped.
    await cell(page, chosen, prediction.label).getByRole('link').click();
    await expect(page).toHaveURL(new RegExp(`label=${chosen}&predictedLabel=${prediction.label}&modelVersion=${prediction.modelVersion}`));
    expect(page.url()).not.toContain(`q=${word}`);
    const cellRow = reviewRows(page).filter({ hasText: text });
    await expect(cellRow).toHaveCount(1);
    for (const other of await reviewRows(page).all()) {
      await expect(other.locator('td[data-head="Label"]')).toHaveText(chosen);
      await expect(other.locator('td[data-head="Predicted"]')).toContainText(prediction.label);
    }

    // Correct the label.
    const chosenBefore = await countIn(cell(page, chosen, prediction.label));
    const targetBefore = await countIn(cell(page, target, prediction.label));
    await cellRow.getByRole('combobox').selectOption(target);
    const save = cellRow.getByRole('button', { name: 'Save' });
    await save.click();
    await expect(cellRow.getByRole('status')).toHaveText(`Saved as ${target}.`);
    await expect(cellRow.locator('td[data-head="Label"]')).toHaveText(target);
    await expect(cellRow.locator('td[data-head="Action"]')).toContainText('corrected');
    await expect(save).toBeDisabled();

    // The numbers move: one review left the cell, one entered the target's, one more correction.
    await expect(cell(page, chosen, prediction.label)).toHaveText(String(chosenBefore - 1));
    await expect(cell(page, target, prediction.label)).toHaveText(String(targetBefore + 1));
    const after = await apiStats(request, prediction.modelVersion);
    expect(after.counts.corrected).toBe(before.counts.corrected + 1);
    await expect(correctedCount).toHaveText(String(after.counts.corrected));
    expect(after.confusion[target][prediction.label]).toBe(before.confusion[target][prediction.label] + 1);
    // What the page shows is what the API recounts.
    for (const human of LABELS) await expect(cell(page, human, prediction.label)).toHaveText(String(after.confusion[human][prediction.label]));

    // The audit trail names the correction, without the text.
    const audit = page.getByRole('region', { name: 'Audit trail' });
    await expect(audit.locator('tbody tr').first()).toContainText(`${chosen} → ${target}`);
    await expect(audit).not.toContainText(word);
  });

  test('delete a review after a confirmation: gone from the list, the stats and the export', async ({ page, request }) => {
    const word = uniqueWord();
    const keep = `We laughed at the ${word} parade with my cousins`;
    const remove = `My ${word} neighbour shouted at the children again`;
    for (const text of [keep, remove]) {
      const prediction = await predict(request, text);
      await review(request, text, prediction, prediction.label);
    }
    await signInOnConsole(page);
    await page.goto(`/console?q=${word}`);
    await expect(reviewRows(page)).toHaveCount(2);
    const row = reviewRows(page).filter({ hasText: remove });
    await row.getByRole('button', { name: 'Delete' }).click();
    // Cancel keeps it; the confirmed delete removes it.
    await row.getByRole('button', { name: 'Cancel' }).click();
    await expect(reviewRows(page)).toHaveCount(2);
    await row.getByRole('button', { name: 'Delete' }).click();
    await row.getByRole('button', { name: 'Yes, delete' }).click();
    await expect(reviewRows(page)).toHaveCount(1);
    await expect(reviewRows(page)).toContainText(keep);
    await page.reload();
    await expect(reviewRows(page)).toHaveCount(1);
    const rows = await fetchCsv(request);
    expect(rows.some((r) => r.text === remove)).toBe(false);
    expect(rows.some((r) => r.text === keep)).toBe(true);
    await expect(page.getByRole('region', { name: 'Audit trail' }).locator('tbody tr').first()).toContainText('delete');
  });

  for (const width of [1280, 360]) {
    test(`layout at ${width} px: nothing wider than the screen, the search at hand`, async ({ page }, testInfo) => {
      await page.setViewportSize({ width, height: 900 });
      await signInOnConsole(page);
      await expect(page.locator('table.confusion')).toBeVisible();
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const search = await page.getByRole('button', { name: 'Search' }).boundingBox();
      expect(search && search.x + search.width).toBeLessThanOrEqual(width);
      await testInfo.attach(`console-${width}`, { body: await page.screenshot({ fullPage: false }), contentType: 'image/png' });
    });
  }
});
