import { expect, test } from '@playwright/test';
import { downloadCsv, expectRow, expectSaved, operatorAuth, operatorToken, submitSentence, uniqueSentence } from './helpers.ts';

/** Issue 7: only operators read the reviews; the public may predict and review. */
test.describe('operator role', () => {
  test('the public page offers no export, and /api/getcsv without the token is 401 JSON', async ({ page, request }) => {
    await page.goto('/');
    await expect(page.getByLabel('Input sentence')).toBeVisible();
    await expect(page.getByRole('link', { name: /Download CSV/ })).toHaveCount(0);
    const anonymous = await request.get('/api/getcsv');
    expect(anonymous.status()).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    expect((await request.get('/api/getcsv', { headers: operatorAuth() })).status()).toBe(200);
  });

  test('operator signs in, downloads the CSV, signs out', async ({ page }) => {
    // A review made on the public page, to find in the download.
    await page.goto('/');
    const text = uniqueSentence('I was proud when my sister finished her first marathon');
    const predicted = await submitSentence(page, text);
    await page.getByRole('button', { name: 'Approve', exact: true }).click();
    await expectSaved(page, predicted, predicted);

    await page.goto('/operator');
    const tokenBox = page.getByLabel('Operator token');
    await expect(tokenBox).toBeVisible();
    await expect(page.getByRole('link', { name: 'Download CSV', exact: true })).toHaveCount(0);

    // A wrong token: a clear message, still signed out.
    await tokenBox.fill(`${operatorToken()}x`);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('alert').filter({ hasText: 'the operator token is wrong' })).toBeVisible();

    await tokenBox.fill(operatorToken());
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page.getByRole('link', { name: 'Download CSV', exact: true })).toBeVisible();
    // The session cookie is HttpOnly and SameSite=Strict, scoped to the API.
    const cookie = (await page.context().cookies()).find((c) => c.name === 'sentiment_operator');
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api' });
    // It holds a signed session that ends, never the token itself.
    expect(cookie?.value).toMatch(/^s1\./);
    expect(cookie?.value).not.toContain(operatorToken());
    expect(cookie?.expires ?? 0).toBeGreaterThan(Date.now() / 1000);
    expect(await page.evaluate(() => document.cookie)).not.toContain('sentiment_operator');

    // Downloaded with the cookie alone (the link carries no token).
    expectRow(await downloadCsv(page), text, { label: predicted, predictedLabel: predicted, action: 'approved' });

    // A reload keeps the session; sign-out ends it.
    await page.reload();
    await page.getByRole('button', { name: 'Sign out' }).click();
    await expect(page.getByLabel('Operator token')).toBeVisible();
    expect((await page.context().cookies()).find((c) => c.name === 'sentiment_operator')).toBeUndefined();
    expect((await page.request.get('/api/getcsv')).status()).toBe(401);
  });
});
