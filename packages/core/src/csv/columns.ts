import { LABELS, type Label } from '../labels/labels.ts';

/**
 * Columns of the review export (`GET /api/getcsv`), in order: the review fields, one probability
 * column per label (`probability_<label>`, in {@link LABELS} order), then the shadow version's
 * answer when one ran (`shadow_model_version`, `shadow_label`; empty cells otherwise).
 * The training command finds `text` and `label`, and `npm run shadow-report` the rest, by these header names.
 */
export const EXPORT_COLUMNS = [
  'id',
  'text',
  'label',
  'predicted_label',
  'action',
  'model_version',
  'created_at',
  ...LABELS.map((label) => probabilityColumn(label)),
  'shadow_model_version',
  'shadow_label',
] as const;

/** Header name of the probability column for `label`. */
export function probabilityColumn(label: Label): `probability_${Label}` {
  return `probability_${label}`;
}

/** Field delimiters the export accepts through `?delimiter=`; `semicolon` suits Excel in locales with a decimal comma. */
export const EXPORT_DELIMITERS = { comma: ',', semicolon: ';' } as const;
export type ExportDelimiterName = keyof typeof EXPORT_DELIMITERS;

/** Download file name of the export per delimiter, distinct so both downloads can sit in one folder. */
export const EXPORT_FILE_NAMES = { comma: 'sentiment.csv', semicolon: 'sentiment-semicolon.csv' } as const satisfies Record<
  ExportDelimiterName,
  string
>;

/** Download file name of the comma-separated export, the one the training command is shown with. */
export const EXPORT_FILE_NAME = EXPORT_FILE_NAMES.comma;

// OWASP "CSV injection": spreadsheet apps run a cell starting with these as a formula.
const FORMULA_TRIGGER = /^[=+\-@\t\r']/;

/**
 * Guards a text cell against spreadsheet formula execution: a text starting with `=`, `+`, `-`,
 * `@`, tab, CR or `'` gets one extra leading `'`. {@link unguardSpreadsheetText} undoes exactly this,
 * so `unguard(guard(t)) === t` for every text (a leading `'` is guarded too, which keeps it exact).
 */
export function guardSpreadsheetText(text: string): string {
  return FORMULA_TRIGGER.test(text) ? `'${text}` : text;
}

/** Removes the one `'` that {@link guardSpreadsheetText} added; texts it left alone pass through. */
export function unguardSpreadsheetText(cell: string): string {
  return cell.startsWith("'") && FORMULA_TRIGGER.test(cell.slice(1)) ? cell.slice(1) : cell;
}
