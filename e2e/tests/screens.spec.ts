import { expect, test, type Page } from '@playwright/test';
import { EXPORT_FILE_NAMES, LABELS, type Label } from '@sentiment/core';
import { signInAsOperator } from './helpers.ts';

type Box = { x: number; y: number; width: number; height: number };

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

function inside(inner: Box, outer: Box): boolean {
  return (
    inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height
  );
}

async function boxOf(page: Page, selector: string): Promise<Box> {
  const box = await page.locator(selector).boundingBox();
  expect(box, selector).not.toBeNull();
  return box as Box;
}

/** Answers the next predictions with `label` (88 %), so every label can be shown on purpose. */
async function predictAs(page: Page, label: Label): Promise<void> {
  await page.unroute('**/model/predict');
  await page.route('**/model/predict', (route) =>
    route.fulfill({
      status: 200,
      contentType: 'application/json',
      body: JSON.stringify({
        predictionId: crypto.randomUUID(),
        label,
        probabilities: Object.fromEntries(LABELS.map((l) => [l, l === label ? 0.88 : 0.02])),
        modelVersion: 'layout-check',
        // Shaped like a real token; this test never sends a review.
        predictionToken: 'v2.1767225600000.bGF5b3V0LWNoZWNrLW5vdC1hLXJlYWwtc2lnbmF0dXJl',
        confidence: 'high',
      }),
    }),
  );
}

for (const width of [1280, 360]) {
  test(`at ${width} px the PREDICTED badge sits whole beside every label, clear of its bar and percentage`, async ({ page }, testInfo) => {
    await page.setViewportSize({ width, height: 900 });
    await page.goto('/');
    for (const label of LABELS) {
      await predictAs(page, label);
      await page.getByLabel('Input sentence').fill(`Layout check for ${label}`);
      await page.getByRole('button', { name: 'Submit' }).click();
      await expect(page.locator('#verdict strong')).toHaveText(label);
      const badge = await boxOf(page, '.bar-row.predicted .badge');
      const name = await boxOf(page, '.bar-row.predicted .bar-label');
      expect(inside(badge, name), `${label}: badge inside its name cell`).toBe(true);
      expect(overlaps(name, await boxOf(page, '.bar-row.predicted .bar-track')), `${label}: name clear of the bar`).toBe(false);
      expect(overlaps(name, await boxOf(page, '.bar-row.predicted .bar-value')), `${label}: name clear of the percentage`).toBe(false);
      expect(inside(badge, await boxOf(page, '.result')), `${label}: badge inside the card`).toBe(true);
      // Not clipped: the whole word is laid out inside the badge.
      const clipped = await page.locator('.bar-row.predicted .badge').evaluate((el) => el.scrollWidth > el.clientWidth);
      expect(clipped, `${label}: badge text clipped`).toBe(false);
      if (['sadness', 'disgust', 'shame'].includes(label)) {
        await page.locator('.result').screenshot({ path: testInfo.outputPath(`result-${label}-${width}.png`) });
      }
    }
  });
}

test("an unknown address shows the app's own not-found page with status 404 and a link home", async ({ page }, testInfo) => {
  for (const path of ['/no/such/page', '/404']) {
    const response = await page.goto(path);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  }
  await page.setViewportSize({ width: 360, height: 740 });
  await page.screenshot({ path: testInfo.outputPath('not-found-360.png'), fullPage: true });
  await page.getByRole('link', { name: 'Go to Sentiment Prediction' }).click();
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { name: 'Sentiment Prediction' })).toBeVisible();
});

test('the page names a favicon that loads as an image, and /favicon.ico exists', async ({ page, request }) => {
  await page.goto('/');
  const hrefs = await page.locator('link[rel="icon"]').evaluateAll((links) => links.map((l) => l.getAttribute('href') ?? ''));
  expect(hrefs.length).toBeGreaterThan(0);
  for (const href of [...hrefs, '/favicon.ico']) {
    const response = await request.get(href);
    expect(response.status(), href).toBe(200);
    expect(response.headers()['content-type'], href).toMatch(/^image\//);
  }
});

test('the two CSV downloads save under different names', async ({ page }) => {
  // The export is the operator's (issue 7): its links are on /operator.
  await signInAsOperator(page);
  for (const [name, file] of [
    ['Download CSV', EXPORT_FILE_NAMES.comma],
    ['Download CSV (semicolon, for Excel)', EXPORT_FILE_NAMES.semicolon],
  ] as const) {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name, exact: true }).click()]);
    expect(download.suggestedFilename()).toBe(file);
  }
  expect(EXPORT_FILE_NAMES.comma).not.toBe(EXPORT_FILE_NAMES.semicolon);
});
