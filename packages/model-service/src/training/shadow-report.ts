/**
 * Champion vs challenger on reviewed traffic (`npm run shadow-report`): reviews from the app's
 * export grouped by served version and shadow version, each group scored with the promote gate's
 * paired statistics.
 */
import { parse } from 'csv-parse/sync';
import { LABELS, type Label } from '@sentiment/core';
import { comparePaired, type Comparison } from './gate.ts';

/** Columns the report needs (header names of core's EXPORT_COLUMNS). */
export const REQUIRED = ['label', 'predicted_label', 'model_version', 'shadow_model_version', 'shadow_label'] as const;

/** One champion/challenger pair's rows (label indexes into LABELS). */
export interface ShadowGroup {
  champion: string;
  shadow: string;
  truth: number[];
  championLabels: number[];
  shadowLabels: number[];
}

/** Reads export CSV bytes into groups by (served version, shadow version); throws an Error naming the file and line. */
export function groupShadowReviews(bytes: Buffer, file: string): { groups: ShadowGroup[]; rows: number; withoutShadow: number } {
  const firstLine = bytes.subarray(0, Math.max(0, bytes.indexOf(10)) || bytes.length).toString('utf8');
  const delimiter = firstLine.includes(';') && !firstLine.includes(',') ? ';' : ',';
  let records: string[][];
  try {
    records = parse(bytes, { bom: true, delimiter, skip_empty_lines: true });
  } catch (error) {
    throw new Error(`${file}: malformed CSV: ${(error as Error).message}`);
  }
  const [header, ...rows] = records;
  const names = (header ?? []).map((name) => name.trim().toLowerCase());
  const missing = REQUIRED.filter((name) => !names.includes(name));
  if (missing.length > 0) {
    throw new Error(`${file}: the header lacks ${missing.join(', ')}; export the reviews again (the shadow columns came with the shadow feature)`);
  }
  const at = Object.fromEntries(REQUIRED.map((name) => [name, names.indexOf(name)])) as Record<(typeof REQUIRED)[number], number>;
  const labelIndex = (value: string | undefined, line: number, column: string): number => {
    const index = LABELS.indexOf((value ?? '').trim().toLowerCase() as Label);
    if (index < 0) throw new Error(`${file}:${line}: ${column} ${JSON.stringify(value ?? '')} is not one of ${LABELS.join(', ')}`);
    return index;
  };
  const groups = new Map<string, ShadowGroup>();
  let withoutShadow = 0;
  rows.forEach((record, i) => {
    // Line numbers count records (a text with a line break spans more lines; good enough to find the row).
    const line = i + 2;
    const shadow = (record[at.shadow_model_version] ?? '').trim();
    if (shadow === '') {
      withoutShadow++;
      return;
    }
    const champion = (record[at.model_version] ?? '').trim();
    const key = `${champion}\u0000${shadow}`;
    let group = groups.get(key);
    if (!group) {
      group = { champion, shadow, truth: [], championLabels: [], shadowLabels: [] };
      groups.set(key, group);
    }
    group.truth.push(labelIndex(record[at.label], line, 'label'));
    group.championLabels.push(labelIndex(record[at.predicted_label], line, 'predicted_label'));
    group.shadowLabels.push(labelIndex(record[at.shadow_label], line, 'shadow_label'));
  });
  return { groups: [...groups.values()], rows: rows.length, withoutShadow };
}

/** The paired comparison of one group (champion = "current", shadow = "candidate" in the gate's terms). */
export function compareGroup(group: ShadowGroup): Comparison {
  return comparePaired({
    name: `reviews of ${group.champion} with ${group.shadow} as shadow`,
    labels: LABELS,
    truth: group.truth,
    current: group.championLabels,
    candidate: group.shadowLabels,
  });
}
