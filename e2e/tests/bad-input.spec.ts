import { expect, test } from '@playwright/test';
import { MAX_TEXT_CODE_POINTS } from '@sentiment/core';
import { fetchCsv } from './helpers.ts';

test.describe('bad input', () => {
  const cases = [
    { name: 'empty', text: '', message: /text is empty/ },
    { name: 'whitespace only', text: '   \n\t  ', message: /text is empty/ },
    {
      name: 'over the length limit',
      text: 'a'.repeat(MAX_TEXT_CODE_POINTS + 1),
      message: new RegExp(`too long.*${MAX_TEXT_CODE_POINTS + 1} characters.*limit is ${MAX_TEXT_CODE_POINTS}`),
    },
  ];

  for (const { name, text, message } of cases) {
    test(`${name}: a clear message, no prediction, nothing stored`, async ({ page, request }) => {
      const before = (await fetchCsv(request)).length;
      await page.goto('/');
      await page.getByLabel('Input sentence').fill(text);
      await page.getByRole('button', { name: 'Submit' }).click();
      // Filtered: Next.js keeps an empty role=alert route announcer on every page.
      await expect(page.getByRole('alert').filter({ hasText: message })).toBeVisible();
      await expect(page.locator('#verdict')).toHaveCount(0);
      // Nothing to review, so nothing can be stored.
      await expect(page.getByRole('button', { name: 'Approve', exact: true })).toBeDisabled();
      expect((await fetchCsv(request)).length).toBe(before);
    });
  }

  test('the same texts sent past the page get 400 with a JSON error from the model service', async ({ request }) => {
    for (const text of ['', '   \n\t  ', 'a'.repeat(MAX_TEXT_CODE_POINTS + 1)]) {
      const res = await request.post('/model/predict', { data: { text } });
      expect(res.status(), JSON.stringify(text.slice(0, 20))).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.message).not.toBe('');
    }
  });

  test('a review with an invalid body gets 400 and stores nothing', async ({ request }) => {
    const before = (await fetchCsv(request)).length;
    const res = await request.post('/api/approve', { data: { predictionId: 'not-a-uuid', text: '  ' } });
    expect(res.status()).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('invalid_field');
    expect((await fetchCsv(request)).length).toBe(before);
  });
});
