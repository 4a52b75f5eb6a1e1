import { copyFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { expect, test } from '@playwright/test';
import { downloadCsv, expectRow, expectSaved, labelButton, otherLabel, submitSentence, uniqueSentence } from './helpers.ts';

// The README's picture: replaced only by `npm run screenshot -w e2e` (UPDATE_SCREENSHOT=1), never by a plain run.
const README_SCREENSHOT = resolve(import.meta.dirname, '..', '..', 'docs', 'screenshot.png');

test.describe('the review loop', () => {
  test('scenario I: submit a sentence, see the prediction, approve it', async ({ page }, testInfo) => {
    await page.goto('/');
    await expect(page.getByRole('heading', { name: 'Sentiment Prediction' })).toBeVisible();
    // A plain sentence (no unique suffix): this test reads no CSV rows, and it is the README's picture.
    const text = 'I was overjoyed when I passed my driving test on the first try';
    const predicted = await submitSentence(page, text);
    // All seven probabilities are shown beside the verdict.
    for (const label of ['fear', 'guilt', 'joy', 'anger', 'disgust', 'sadness', 'shame']) {
      await expect(page.locator('.result')).toContainText(label);
    }
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expectSaved(page, predicted, predicted);
    const screenshot = testInfo.outputPath('screenshot.png');
    await page.screenshot({ path: screenshot, fullPage: true });
    if (testInfo.config.metadata.updateScreenshot === true) await copyFile(screenshot, README_SCREENSHOT);
  });

  test('scenario II: submit a sentence, revise it to another label', async ({ page }) => {
    await page.goto('/');
    const text = uniqueSentence('My friend lied to me about the money and I shouted at him');
    const predicted = await submitSentence(page, text);
    const picked = otherLabel(predicted);
    await labelButton(page, picked).click();
    await expectSaved(page, picked, predicted);
  });

  test('scenario III: the downloaded CSV holds an approved and a revised review with their final labels', async ({ page }) => {
    await page.goto('/');
    const approvedText = uniqueSentence('When my daughter was born I felt pure happiness');
    const approvedLabel = await submitSentence(page, approvedText);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expectSaved(page, approvedLabel, approvedLabel);

    // Text with a comma, quotes and a leading "=" checks quoting and the spreadsheet guard end to end.
    const revisedText = uniqueSentence('=I was "afraid", alone at night; the door creaked');
    const revisedPredicted = await submitSentence(page, revisedText);
    const revisedLabel = otherLabel(revisedPredicted);
    await labelButton(page, revisedLabel).click();
    await expectSaved(page, revisedLabel, revisedPredicted);

    const rows = await downloadCsv(page);
    expectRow(rows, approvedText, { label: approvedLabel, predictedLabel: approvedLabel, action: 'approved' });
    // The export guards a leading "=" with one "'" so Excel never runs it as a formula.
    expectRow(rows, `'${revisedText}`, { label: revisedLabel, predictedLabel: revisedPredicted, action: 'revised' });
  });

  test('a revise after an approve of the same prediction leaves one row, revised', async ({ page }) => {
    await page.goto('/');
    const text = uniqueSentence("I felt guilty for forgetting my mother's birthday");
    const predicted = await submitSentence(page, text);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expectSaved(page, predicted, predicted);
    const picked = otherLabel(predicted);
    await labelButton(page, picked).click();
    await expectSaved(page, picked, predicted);
    expectRow(await downloadCsv(page), text, { label: picked, predictedLabel: predicted, action: 'revised' });
  });

  test('a double click on Approve stores one row', async ({ page }) => {
    await page.goto('/');
    const text = uniqueSentence('I was disgusted by the rotten food they served us');
    const predicted = await submitSentence(page, text);
    await page.getByRole('button', { name: 'Approve', exact: true }).dblclick();
    await expectSaved(page, predicted, predicted);
    expectRow(await downloadCsv(page), text, { label: predicted, predictedLabel: predicted, action: 'approved' });
  });
});
