import { readFile } from 'node:fs/promises';
import { expect, type APIRequestContext, type Locator, type Page } from '@playwright/test';
import { EXPORT_COLUMNS, LABELS, type Label } from '@sentiment/core';
import { parse } from 'csv-parse/sync';
import { readOperatorToken } from './env.ts';

/** One row of `sentiment.csv`, keyed by header. */
export type CsvRow = Record<(typeof EXPORT_COLUMNS)[number], string>;

/** A sentence no other test uses, so each test finds its own rows in the shared store. */
export function uniqueSentence(base: string): string {
  return `${base} (${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)})`;
}

/** The status line shown once a review is stored: "Saved: <label>." */
export function savedStatus(page: Page): Locator {
  return page.getByRole('status').filter({ hasText: 'Saved:' });
}

/** The group of the seven label buttons that store another label. */
export function labelButton(page: Page, label: Label): Locator {
  return page.getByRole('group', { name: 'Pick the right emotion' }).getByRole('button', { name: label, exact: true });
}

/** Checks the saved status after a review: the final label, and the model's label when they differ. */
export async function expectSaved(page: Page, label: Label, predicted: Label): Promise<void> {
  const status = savedStatus(page);
  await expect(status.locator('strong')).toHaveText(label);
  await expect(status).toHaveText(label === predicted ? `Saved: ${label}.` : `Saved: ${label} (the model said ${predicted}).`);
}

/** Types `text`, submits with the button, and returns the label the page shows. */
export async function submitSentence(page: Page, text: string, how: 'click' | 'enter' = 'click'): Promise<Label> {
  const box = page.getByLabel('Input sentence');
  await box.fill(text);
  if (how === 'enter') await box.press('Enter');
  else await page.getByRole('button', { name: 'Submit' }).click();
  const verdict = page.locator('#verdict');
  // A sure answer names the label; an unsure one says so and gives its best guess (the label reviews compare with).
  await expect(verdict).toContainText(/Sentiment classified as:|The model is unsure/);
  const label = (await verdict.getAttribute('data-label')) ?? '';
  expect(LABELS).toContain(label);
  if ((await verdict.textContent())?.includes('Sentiment classified as:')) await expect(verdict.locator('strong')).toHaveText(label);
  return label as Label;
}

/** A label other than `label`. */
export function otherLabel(label: Label): Label {
  return LABELS.find((l) => l !== label) as Label;
}

/** Checks the bytes of an export: UTF-8 byte-order mark, then the exact header; returns the rows. */
export function parseExport(bytes: Buffer): CsvRow[] {
  expect([...bytes.subarray(0, 3)], 'UTF-8 byte-order mark').toEqual([0xef, 0xbb, 0xbf]);
  const text = bytes.subarray(3).toString('utf8');
  expect(text.split('\r\n', 1)[0], 'header line').toBe(EXPORT_COLUMNS.join(','));
  return parse<CsvRow>(text, { columns: true, skip_empty_lines: true });
}

/** The operator token of the stack under test (playwright.config.ts passes it to `npm start`). */
export function operatorToken(): string {
  const token = readOperatorToken();
  if (!token) throw new Error('E2E_OPERATOR_TOKEN is not set (playwright.config.ts sets it)');
  return token;
}

/** `Authorization` header of the operator. */
export const operatorAuth = (): Record<string, string> => ({ authorization: `Bearer ${operatorToken()}` });

/** On `/operator`: signs in with the operator token unless this browser context already is. */
export async function signInAsOperator(page: Page): Promise<void> {
  await page.goto('/operator');
  const form = page.getByLabel('Operator token');
  const links = page.getByRole('link', { name: 'Download CSV', exact: true });
  await expect(form.or(links)).toBeVisible();
  if (await links.isVisible()) return;
  await form.fill(operatorToken());
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(links).toBeVisible();
}

/**
 * Downloads the export as the operator would (issue 7: the public page has no export): on a second
 * tab of the same browser context, signs in at `/operator`, clicks "Download CSV", checks the file
 * name, and returns the parsed rows. `page` itself stays where it is.
 */
export async function downloadCsv(page: Page): Promise<CsvRow[]> {
  const operator = await page.context().newPage();
  try {
    await signInAsOperator(operator);
    const [download] = await Promise.all([
      operator.waitForEvent('download'),
      operator.getByRole('link', { name: 'Download CSV', exact: true }).click(),
    ]);
    expect(download.suggestedFilename()).toBe('sentiment.csv');
    const path = await download.path();
    return parseExport(await readFile(path));
  } finally {
    await operator.close();
  }
}

/** The export fetched directly with the operator token (no browser download), for counting rows. */
export async function fetchCsv(request: APIRequestContext): Promise<CsvRow[]> {
  const res = await request.get('/api/getcsv', { headers: operatorAuth() });
  expect(res.status()).toBe(200);
  return parseExport(await res.body());
}

/** Checks one exported row against what the test did. */
export function expectRow(rows: CsvRow[], text: string, expected: { label: Label; predictedLabel: Label; action: 'approved' | 'revised' }): void {
  const matching = rows.filter((r) => r.text === text);
  expect(matching, `exactly one row for "${text}"`).toHaveLength(1);
  const row = matching[0] as CsvRow;
  expect(row.label).toBe(expected.label);
  expect(row.predicted_label).toBe(expected.predictedLabel);
  expect(row.action).toBe(expected.action);
  expect(row.id).toMatch(/^[0-9a-f-]{36}$/);
  expect(row.model_version).not.toBe('');
  const sum = LABELS.reduce((s, l) => s + Number(row[`probability_${l}`]), 0);
  expect(sum).toBeCloseTo(1, 2);
}
