import { readFile } from 'node:fs/promises';
import { expect, type APIRequestContext, type Page } from '@playwright/test';
import { EXPORT_COLUMNS, LABELS, type Label } from '@sentiment/core';
import { parse } from 'csv-parse/sync';

/** One row of `sentiment.csv`, keyed by header. */
export type CsvRow = Record<(typeof EXPORT_COLUMNS)[number], string>;

/** A sentence no other test uses, so each test finds its own rows in the shared store. */
export function uniqueSentence(base: string): string {
  return `${base} (${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)})`;
}

/** Types `text`, submits with the button, and returns the label the page shows. */
export async function submitSentence(page: Page, text: string, how: 'click' | 'enter' = 'click'): Promise<Label> {
  const box = page.getByLabel('Input sentence');
  await box.fill(text);
  if (how === 'enter') await box.press('Enter');
  else await page.getByRole('button', { name: 'Submit' }).click();
  const verdict = page.locator('#verdict');
  await expect(verdict).toContainText('Sentiment classified as:');
  const label = (await verdict.locator('strong').textContent())?.trim() ?? '';
  expect(LABELS).toContain(label);
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

/** Clicks the "Download CSV" link, checks the file name, and returns the parsed rows. */
export async function downloadCsv(page: Page): Promise<CsvRow[]> {
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Download CSV', exact: true }).click(),
  ]);
  expect(download.suggestedFilename()).toBe('sentiment.csv');
  const path = await download.path();
  return parseExport(await readFile(path));
}

/** The export fetched directly (no browser download), for counting rows. */
export async function fetchCsv(request: APIRequestContext): Promise<CsvRow[]> {
  const res = await request.get('/api/getcsv');
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
