import { expect, test } from '@playwright/test';
import { LABELS } from '@sentiment/core';
import { downloadCsv, expectRow, expectSaved, fetchCsv, labelButton, submitSentence, uniqueSentence } from './helpers.ts';

test('keyboard: Enter submits and A approves', async ({ page }) => {
  await page.goto('/');
  const text = uniqueSentence('I was so angry when someone scratched my car');
  const predicted = await submitSentence(page, text, 'enter');
  await page.keyboard.press('a');
  await expectSaved(page, predicted, predicted);
  expectRow(await downloadCsv(page), text, { label: predicted, predictedLabel: predicted, action: 'approved' });
});

test('keyboard: 1 to 7 revise to the label at that position', async ({ page }) => {
  await page.goto('/');
  const text = uniqueSentence('I felt ashamed when I was caught cheating in an exam');
  const predicted = await submitSentence(page, text, 'enter');
  for (const [index, label] of LABELS.entries()) {
    await page.keyboard.press(String(index + 1));
    await expectSaved(page, label, predicted);
  }
  // The store calls a "revise" to the predicted label itself an approval.
  const last = LABELS[LABELS.length - 1]!;
  expectRow(await downloadCsv(page), text, { label: last, predictedLabel: predicted, action: last === predicted ? 'approved' : 'revised' });
});

test('keyboard: typing "a" or digits in the sentence box never reviews', async ({ page, request }) => {
  await page.goto('/');
  const text = uniqueSentence('A cat ate 3 fish');
  await submitSentence(page, text, 'enter');
  await page.getByLabel('Input sentence').focus();
  await page.keyboard.press('End');
  await page.keyboard.type(' a1');
  // The text changed, so the old prediction is gone and nothing was stored.
  await expect(page.locator('#verdict')).toHaveCount(0);
  expect((await fetchCsv(request)).some((row) => row.text === text)).toBe(false);
});

test('at 360 px wide the whole loop is usable without sideways scrolling', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await page.goto('/');
  const text = uniqueSentence('I was scared walking home alone in the dark');
  const predicted = await submitSentence(page, text);
  const approve = page.getByRole('button', { name: 'Approve', exact: true });
  await approve.scrollIntoViewIfNeeded();
  await expect(approve).toBeInViewport();
  await approve.click();
  await expectSaved(page, predicted, predicted);
  const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(scrollWidth).toBeLessThanOrEqual(360);
  for (const label of LABELS) {
    const box = await labelButton(page, label).boundingBox();
    expect(box, label).not.toBeNull();
    expect(box!.x + box!.width, `${label} fits`).toBeLessThanOrEqual(360);
  }
});
