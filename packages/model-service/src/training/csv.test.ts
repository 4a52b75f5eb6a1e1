import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { EXPORT_COLUMNS, guardSpreadsheetText, LABELS, normalizeText } from '@sentiment/core';
import { DataError, parseLabelledCsv, readLabelledCsv } from './csv.ts';

const BOM = '\uFEFF';

/** RFC 4180 cell quoting, as the export writes it (quote when the cell holds a quote, delimiter or line break). */
function cell(value: string, delimiter: string): string {
  return value.includes('"') || value.includes(delimiter) || /[\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** A file shaped like `GET /api/getcsv`: BOM, CRLF, every export column, guarded text. */
function exportCsv(rows: Array<{ text: string; label: string }>, delimiter: ',' | ';'): Buffer {
  const lines = [EXPORT_COLUMNS.join(delimiter)];
  rows.forEach(({ text, label }, i) => {
    const values = [
      `id-${i}`,
      guardSpreadsheetText(text),
      label,
      'joy',
      'revised',
      'v1',
      '2024-01-01T00:00:00.000Z',
      ...LABELS.map(() => (delimiter === ';' ? '0,142857' : '0.142857')),
      'v2',
      'fear',
    ];
    lines.push(values.map((v) => cell(v, delimiter)).join(delimiter));
  });
  return Buffer.from(`${BOM}${lines.join('\r\n')}\r\n`, 'utf8');
}

// Texts that stress quoting, delimiters, line breaks, the formula guard, accents and emoji.
const TRICKY = [
  'plain sentence',
  'commas, and "quotes" inside',
  'semi;colons; here',
  'line one\r\nline two\nline three',
  '=SUM(A1:A2) looked like a formula',
  '+1 for this',
  '-5 degrees and scared',
  '@someone made me angry',
  "'quoted from the start",
  "''two quotes",
  'Café crème, naïve 😀 emoji',
  'می\u200Cخواهم क्\u200Dष \u{1F468}\u200D\u{1F469}\u200D\u{1F467} \u2764\uFE0F',
];

describe('parseLabelledCsv: ISEAR style', () => {
  it('reads text,label rows with quotes and applies the text rules', () => {
    const data = parseLabelledCsv(
      Buffer.from('text,label\n"Loneliness, being uncertain.",sadness\nA  dog\u200B bit me.,FEAR\n', 'utf8'),
      'isear.csv',
    );
    assert.deepEqual(data.texts, ['Loneliness, being uncertain.', 'A dog bit me.']);
    assert.deepEqual(data.labels, ['sadness', 'fear']);
    assert.deepEqual(data.lines, [2, 3]);
    assert.equal(data.delimiter, ',');
    assert.match(data.sha256, /^[0-9a-f]{64}$/);
  });

  it('names the file and the line of an unknown label, counting line breaks inside quoted cells', () => {
    const csv = 'text,label\r\n"two\r\nlines",joy\r\n\r\nfine,anger\r\nbad one,happiness\r\n';
    assert.throws(
      () => parseLabelledCsv(Buffer.from(csv), 'my.csv'),
      (error: unknown) => error instanceof DataError && /^my\.csv:6: unknown label "happiness"/.test(error.message),
    );
  });

  it('names the file and line of a text that breaks the text rules', () => {
    assert.throws(
      () => parseLabelledCsv(Buffer.from('text,label\nok,joy\n" \u200B ",joy\n'), 'e.csv'),
      (error: unknown) => error instanceof DataError && /^e\.csv:3: text is empty/.test(error.message),
    );
    const long = 'x'.repeat(1001);
    assert.throws(
      () => parseLabelledCsv(Buffer.from(`text,label\n${long},joy\n`), 'l.csv'),
      (error: unknown) => error instanceof DataError && /^l\.csv:2: .*limit is 1000/.test(error.message),
    );
  });

  it('stops on invalid UTF-8 with the file, the line and the byte, instead of reading U+FFFD', () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      // Latin-1 "café": 0xE9 starts a character that the space after it cannot continue.
      [
        'latin1',
        Buffer.concat([Buffer.from('text,label\nok,joy\ncaf'), Buffer.from([0xe9]), Buffer.from(' au lait,joy\n')]),
        /^f\.csv:3: not valid UTF-8 at byte 4 of the line \(0xe9\)/,
      ],
      [
        'lone continuation byte',
        Buffer.from([...Buffer.from('text,label\r\nx'), 0x80, ...Buffer.from(',joy\r\n')]),
        /^f\.csv:2: not valid UTF-8 at byte 2 of the line \(0x80\)/,
      ],
      [
        'overlong "/"',
        Buffer.from([...Buffer.from('text,label\n\nab'), 0xc0, 0xaf, ...Buffer.from(',joy\n')]),
        /^f\.csv:3: .* at byte 3 of the line \(0xc0\)/,
      ],
      [
        'encoded surrogate',
        Buffer.from([...Buffer.from('text,label\nab'), 0xed, 0xa0, 0x80, ...Buffer.from(',joy\n')]),
        /^f\.csv:2: .* at byte 3 of the line \(0xed\)/,
      ],
      [
        'unfinished € at the end of the file',
        Buffer.from([...Buffer.from('text,label\nok,joy\nab'), 0xe2, 0x82]),
        /^f\.csv:3: .* at byte 3 of the line \(0xe2\)/,
      ],
      [
        'inside a quoted cell on its second line',
        Buffer.from([...Buffer.from('text,label\n"one\ntw'), 0xff, ...Buffer.from('o",joy\n')]),
        /^f\.csv:3: .* at byte 3 of the line \(0xff\)/,
      ],
      ['UTF-16 with its byte-order mark', Buffer.from('\uFEFFtext,label\n', 'utf16le'), /^f\.csv:1: not valid UTF-8 at byte 1 of the line \(0xff\)/],
    ];
    for (const [name, bytes, expected] of cases) {
      assert.throws(
        () => parseLabelledCsv(bytes, 'f.csv'),
        (error: unknown) => error instanceof DataError && expected.test(error.message),
        name,
      );
    }
  });

  it('reads valid multi-byte UTF-8 (accents, Persian, joined emoji) after the same check', () => {
    const data = parseLabelledCsv(Buffer.from('text,label\ncafé می\u200Cخواهم \u{1F468}\u200D\u{1F469}\u200D\u{1F467},joy\n'), 'u.csv');
    assert.deepEqual(data.texts, ['café می\u200Cخواهم \u{1F468}\u200D\u{1F469}\u200D\u{1F467}']);
  });

  it('rejects a header without text and label columns, and malformed CSV, naming the file', () => {
    assert.throws(() => parseLabelledCsv(Buffer.from('sentence,emotion\nx,joy\n'), 'h.csv'), /h\.csv:1: the header must name/);
    assert.throws(() => parseLabelledCsv(Buffer.from('text,label\n"open quote,joy\n'), 'q.csv'), /q\.csv.*malformed CSV/);
    assert.throws(() => parseLabelledCsv(Buffer.from(''), 'empty.csv'), /empty\.csv: the file is empty/);
  });
});

describe('parseLabelledCsv: the app export', () => {
  for (const delimiter of [',', ';'] as const) {
    it(`finds text and label by header name and round-trips every guarded text (delimiter ${delimiter}, BOM, CRLF)`, () => {
      const rows = TRICKY.map((text, i) => ({ text, label: LABELS[i % LABELS.length]! }));
      const data = parseLabelledCsv(exportCsv(rows, delimiter), 'sentiment.csv');
      assert.equal(data.delimiter, delimiter);
      assert.deepEqual(
        data.texts,
        TRICKY.map((text) => normalizeText(text)),
      );
      // Joiners and selectors come back as stored: the export reads back as what the person wrote.
      assert.equal(data.texts.at(-1), TRICKY.at(-1));
      assert.deepEqual(
        data.labels,
        rows.map((r) => r.label),
      );
    });
  }

  it('removes exactly one guard quote: a text that starts with a quote keeps it', () => {
    const data = parseLabelledCsv(exportCsv([{ text: "'hello", label: 'joy' }], ','), 'sentiment.csv');
    assert.deepEqual(data.texts, ["'hello"]);
  });
});

describe('readLabelledCsv', () => {
  it('reads a file and reports an unreadable one as a data error', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'csv-test-'));
    try {
      const file = path.join(dir, 'a.csv');
      await writeFile(file, `${BOM}text;label\r\nsemicolon file;shame\r\n`);
      const data = await readLabelledCsv(file);
      assert.deepEqual(data.texts, ['semicolon file']);
      await assert.rejects(
        readLabelledCsv(path.join(dir, 'missing.csv')),
        (error: unknown) => error instanceof DataError && /ENOENT/.test(error.message),
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
