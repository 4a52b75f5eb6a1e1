/**
 * Reads labelled CSV files for training and evaluation: ISEAR-style `text,label` and the app's
 * own export (`GET /api/getcsv`, columns `EXPORT_COLUMNS` from core). Columns are found by header
 * name, so any CSV with a `text` and a `label` column works.
 */
import { isUtf8 } from 'node:buffer';
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { LABELS, normalizeText, TextRuleError, unguardSpreadsheetText, type Label } from '@sentiment/core';

/** A labelled CSV as training needs it. */
export interface LabelledData {
  /** Path as given on the command line. */
  file: string;
  /** sha256 of the file's bytes, hex. */
  sha256: string;
  /** Normalised texts (core `normalizeText`). */
  texts: string[];
  labels: Label[];
  /** 1-based line on which each row starts (for messages). */
  lines: number[];
  delimiter: ',' | ';';
  /** `created_at` of each row when the file has that column (the app's export), else undefined. */
  createdAt?: string[];
}

/** A problem with an input file that the person running the command can fix. */
export class DataError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DataError';
  }
}

const LF = 0x0a;
const CR = 0x0d;

/** True when `bytes` are valid UTF-8; with `partial`, an unfinished character at the end is allowed. */
function decodesAsUtf8(bytes: Uint8Array, partial: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes, { stream: partial });
    return true;
  } catch {
    return false;
  }
}

/** 0-based index, in `line` (invalid UTF-8), of the first byte of the first invalid or unfinished character. */
function firstInvalidByte(line: Uint8Array): number {
  // Shortest prefix that is already invalid (binary search: once invalid, every longer prefix is);
  // the whole line when only an unfinished character at its end is wrong.
  let valid = 0;
  let invalid = line.length;
  if (!decodesAsUtf8(line, true)) {
    while (invalid - valid > 1) {
      const middle = (valid + invalid) >> 1;
      if (decodesAsUtf8(line.subarray(0, middle), true)) valid = middle;
      else invalid = middle;
    }
  }
  // Back to the last character boundary before it: the bad character starts there.
  let boundary = invalid - 1;
  while (boundary > 0 && !decodesAsUtf8(line.subarray(0, boundary), false)) boundary--;
  return boundary;
}

/**
 * Stops on the first byte sequence that is not valid UTF-8, naming the file, the line (counting
 * line feeds, like every other message here) and the byte within that line. A line feed never
 * occurs inside a multi-byte UTF-8 character, so each line is checked on its own.
 * @throws {DataError} `file:line: not valid UTF-8 at byte N of the line (0xHH) …`.
 */
function checkUtf8(bytes: Buffer, file: string): void {
  if (isUtf8(bytes)) return;
  let lineNumber = 1;
  for (let start = 0; start < bytes.length; lineNumber++) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const line = bytes.subarray(start, end);
    if (!decodesAsUtf8(line, false)) {
      const at = firstInvalidByte(line);
      throw new DataError(
        `${file}:${lineNumber}: not valid UTF-8 at byte ${at + 1} of the line (0x${line[at]!.toString(16).padStart(2, '0')}); ` +
          'save the file as UTF-8 (its text is never guessed)',
      );
    }
    start = end + 1;
  }
  throw new DataError(`${file}: not valid UTF-8; save the file as UTF-8`); // isUtf8 disagreed with every line: never expected
}

/** `;` when the header line has a `;` and no `,` (Excel in decimal-comma locales), else `,`. */
function detectDelimiter(bytes: Buffer): ',' | ';' {
  let end = bytes.indexOf(LF);
  if (end < 0) end = bytes.length;
  const header = bytes.subarray(0, end).toString('utf8');
  return header.includes(';') && !header.includes(',') ? ';' : ',';
}

/**
 * Parses labelled CSV bytes.
 *
 * - UTF-8, with or without a byte-order mark; a byte that is not valid UTF-8 stops the read with
 *   the file and line (never read as U+FFFD); CRLF or LF; RFC 4180 quoting (cells may hold
 *   quotes, delimiters and line breaks); delimiter `,` or `;` (detected from the header line).
 * - The header must name a `text` and a `label` column (case-insensitive); other columns are ignored.
 * - The export's Excel guard is undone on every text (`unguardSpreadsheetText`: one leading `'`
 *   before `= + - @ tab CR '` is removed), then the shared text rules apply (`normalizeText`).
 * - Labels are trimmed and lowercased and must be one of the seven.
 *
 * @param file name used in messages.
 * @throws {DataError} naming the file and line for: invalid UTF-8, a missing column, malformed CSV, an unknown
 *   label, or a text that breaks the text rules (empty, too long, lone surrogate). Rows are never
 *   skipped silently: training on a partly read file would hide the problem.
 */
export function parseLabelledCsv(bytes: Buffer, file: string): LabelledData {
  checkUtf8(bytes, file);
  const delimiter = detectDelimiter(bytes);
  let records: Array<{ record: string[]; info: { bytes: number } }>;
  try {
    records = parse(bytes, {
      bom: true,
      delimiter,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as unknown as Array<{ record: string[]; info: { bytes: number } }>;
  } catch (error) {
    const where = (error as { lines?: number }).lines;
    throw new DataError(`${file}${where ? `:${where}` : ''}: malformed CSV: ${(error as Error).message}`);
  }
  // Line on which each record starts: count line feeds up to its first byte (csv-parse reports
  // the byte offset where a record ends; blank lines before a record are skipped).
  let lineCount = 1;
  let counted = 0;
  let previousEnd = 0;
  const startLine = (end: number): number => {
    let start = previousEnd;
    while (start < bytes.length && (bytes[start] === LF || bytes[start] === CR)) start++;
    for (; counted < start; counted++) if (bytes[counted] === LF) lineCount++;
    previousEnd = end;
    return lineCount;
  };

  const [header, ...rows] = records;
  if (!header) throw new DataError(`${file}: the file is empty; expected a header with text and label columns`);
  startLine(header.info.bytes);
  const names = header.record.map((name) => name.trim().toLowerCase());
  const textColumn = names.indexOf('text');
  const labelColumn = names.indexOf('label');
  const createdColumn = names.indexOf('created_at');
  if (textColumn < 0 || labelColumn < 0) {
    throw new DataError(`${file}:1: the header must name a "text" and a "label" column; found ${JSON.stringify(header.record)}`);
  }
  const data: LabelledData = {
    file,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    texts: [],
    labels: [],
    lines: [],
    delimiter,
    ...(createdColumn >= 0 ? { createdAt: [] } : {}),
  };
  for (const { record, info } of rows) {
    const line = startLine(info.bytes);
    const rawLabel = (record[labelColumn] ?? '').trim().toLowerCase();
    if (!(LABELS as readonly string[]).includes(rawLabel)) {
      throw new DataError(`${file}:${line}: unknown label ${JSON.stringify(record[labelColumn] ?? '')}; expected one of ${LABELS.join(', ')}`);
    }
    let text: string;
    try {
      text = normalizeText(unguardSpreadsheetText(record[textColumn] ?? ''));
    } catch (error) {
      if (error instanceof TextRuleError) throw new DataError(`${file}:${line}: ${error.message}`);
      throw error;
    }
    data.texts.push(text);
    data.labels.push(rawLabel as Label);
    data.lines.push(line);
    data.createdAt?.push((record[createdColumn] ?? '').trim());
  }
  return data;
}

/** Reads and parses a labelled CSV file; see {@link parseLabelledCsv}. */
export async function readLabelledCsv(file: string): Promise<LabelledData> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    throw new DataError(`${file}: cannot read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseLabelledCsv(bytes, file);
}
