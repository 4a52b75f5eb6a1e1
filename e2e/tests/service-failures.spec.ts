import { expect, test } from '@playwright/test';

test.describe('service failures', () => {
  test('an unreachable model service is explained in words, and the page recovers when it is back', async ({ page }) => {
    await page.goto('/');
    // The browser's connection is refused, as when the gateway itself is down.
    await page.route('**/model/predict', (route) => route.abort('connectionrefused'));
    await page.getByLabel('Input sentence').fill('I was nervous before my exam');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert').filter({ hasText: /unreachable/ })).toBeVisible();
    await expect(page.getByRole('button', { name: 'Submit' })).toBeEnabled();
    await page.unroute('**/model/predict');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.locator('#verdict')).toContainText('Sentiment classified as:');
  });

  test('a 502 from the gateway is explained in words', async ({ page }) => {
    await page.goto('/');
    // Exactly what scripts/stack/gateway.ts answers when the model service is down.
    await page.route('**/model/predict', (route) =>
      route.fulfill({
        status: 502,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'bad_gateway', message: 'The model service is unreachable; is it running?' } }),
      }),
    );
    await page.getByLabel('Input sentence').fill('I was nervous before my exam');
    await page.getByRole('button', { name: 'Submit' }).click();
    await expect(page.getByRole('alert').filter({ hasText: /unreachable/ })).toBeVisible();
    await expect(page.locator('#verdict')).toHaveCount(0);
  });
});
